"""One name per parameter: every name explain and the diagrams print is accepted by `--param`
(and the Python API, and hand files) and means the same parameter; the aliases resolve too."""

from __future__ import annotations

import glob
import json
import re

import pytest
from helpers.networks import Case, random_case
from hypothesis import HealthCheck, given, settings

import graphengine
from graphengine.engine.network import Network
from graphengine.errors import GraphEngineError, did_you_mean
from graphengine.model.aliases import find_parameter, resolve_node, resolve_parameter, spelled
from graphengine.spec.load import parse_spec
from graphengine.teach.notation import canonical
from graphengine.views.derivation.explain import explain
from graphengine.views.derivation.mathfmt import name_tex
from graphengine.views.diagram.render import to_dot

SPECS = sorted(p for p in glob.glob("specs/*.yaml") if not p.endswith("_hand.yaml"))


def printed_parameter_names(text: str) -> list[str]:
    """Every parameter name an explanation prints: its headings ``∂E/∂P``, its updates ``P' = …``
    and the first column of its summary table."""
    names = re.findall(r"^∂E/∂(\S+)\n-+$", text, re.M)
    names += re.findall(r"^  (\S+)' = ", text, re.M)
    table = text.split("  parameter ")[-1].split("\n")[2:]  # past the header and its rule
    names += [row.split()[0] for row in table if row.strip()]
    return names


def check_names(net: Network) -> None:
    trace = net.trace()
    parameters = net.graph.graph["parameters"]
    # Unfocused: the full derivation for small networks, the summary for large ones.
    text = explain(net, trace).render("text")
    printed = printed_parameter_names(text)
    assert printed, text
    for name in printed:
        assert name in parameters, f"explain printed `{name}`, which is no parameter's name"
        assert resolve_parameter(name, parameters) == name
    # The focused explanation of a printed name is about that very parameter.
    for name in printed[:3]:
        focused = explain(net, trace, params=[name]).render("text")
        assert f"∂E/∂{name}\n" in focused
    # The diagram's weight labels (bold names on edges) are the same names.
    if net.graph.number_of_edges() <= 60:  # bigger ones are drawn as layers, without edge labels
        dot = to_dot(net, trace, detail="full")
        for u, v, p in net.graph.edges(data="weight"):
            assert f"<B>{p.replace('>', '&gt;')}</B>" in dot, (u, v, p)
    # Every parameter: its mathematical spellings resolve to it, in the API and in hand files.
    grads = trace.gradients
    known = {f"grad.{p}" for p in parameters}
    for u, v, p in net.graph.edges(data="weight"):
        if p != f"{u}->{v}":
            continue
        for alias in (f"w({u}→{v})", f"w({u}->{v})", f"{u}→{v}", f"{u} -> {v}", name_tex(p)):
            assert find_parameter(alias, parameters) == p, alias
            assert trace.gradient(alias) == grads[p]
            assert canonical(f"∂E/∂{alias}", known) == f"grad.{p}"


@pytest.mark.parametrize("path", SPECS)
def test_every_name_explain_prints_is_accepted_in_shipped_specs(path: str) -> None:
    check_names(graphengine.load(path))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(random_case())
def test_every_name_explain_prints_is_accepted_in_generated_networks(case: Case) -> None:
    check_names(Network(parse_spec(case.text, "<random spec>")))


def test_layer_names_printed_by_the_summary_are_accepted_by_the_command_line(cli) -> None:
    # The case: a layer weight from the summary of a big network.
    summary = cli("explain", "specs/digits.yaml")
    assert summary.code == 0
    printed = printed_parameter_names(summary.out)
    assert len(printed) == 10 and all("->" in n or n.endswith(".bias") for n in printed)
    command = re.search(r"--param '([^']+)'", summary.out)[1]
    assert command == printed[0]
    for alias in (printed[0], spelled(printed[0]), "w({}→{})".format(*printed[0].split("->"))):
        ran = cli("explain", "specs/digits.yaml", "--param", alias)
        assert ran.code == 0, ran.err
        assert f"∂E/∂{printed[0]}\n" in ran.out


def test_xor_aliases_on_the_command_line(cli) -> None:
    outs = [cli("explain", "specs/xor.yaml", "--param", a) for a in ("h1->y", "w(h1→y)", "h1 → y", r"w_{h1 \to y}")]
    assert all(r.code == 0 for r in outs)
    assert len({r.out for r in outs}) == 1  # one parameter, whatever the spelling


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("w9", "w8"), ("w0", "w1"), ("W5", "w5"), ("b3", "b2"), ("h1->o3", "h1->o1"), ("w(h1→o3)", "h1->o1")],
)
def test_unknown_parameters_get_a_suggestion(typed: str, suggested: str) -> None:
    names = [f"w{i}" for i in range(1, 9)] + ["b1", "b2", "h1->o1"]
    with pytest.raises(GraphEngineError) as caught:
        resolve_parameter(typed, names)
    message = str(caught.value)
    assert message.startswith(f"--param: unknown parameter `{typed}`; did you mean `{suggested}`?"), message
    assert "(choose from w1, w2" in message


def test_unknown_names_on_the_command_line(cli) -> None:
    ran = cli("explain", "specs/doc_example.yaml", "--param", "w9")
    assert ran.code == 2
    assert ran.err.startswith("error: --param: unknown parameter `w9`; did you mean `w8`?")
    ran = cli("explain", "specs/doc_example.yaml", "--node", "h3")
    assert ran.code == 2
    assert "error: --node: unknown node `h3`; did you mean `h2`?" in ran.err
    with pytest.raises(GraphEngineError, match="unknown node `o3`; did you mean `o2`"):
        graphengine.load("specs/doc_example.yaml").trace().out("o3")


def test_names_that_are_nothing_alike_get_no_suggestion() -> None:
    assert did_you_mean("zzz", ["w1", "b1"]) == ""
    with pytest.raises(GraphEngineError, match=r"unknown parameter `v2` \(choose from w1, b1\)"):
        resolve_parameter("v2", ["w1", "b1"])
    with pytest.raises(GraphEngineError, match=r"unknown node `q` \(choose from a, b\)"):
        resolve_node("q", ["a", "b"])


def test_misspelt_files_get_a_suggestion(cli, tmp_path) -> None:
    ran = cli("run", "specs/xoy.yaml")
    assert ran.code == 2 and ran.err == "error: specs/xoy.yaml: no such file; did you mean `specs/xor.yaml`?\n"
    ran = cli("check", "specs/doc_example.yaml", "--expect", "specs/doc_exampel_hand.yaml")
    assert ran.code == 2 and "did you mean `specs/doc_example_hand.yaml`?" in ran.err
    ran = cli("run", "specs/nothing_like_it.yaml")
    assert ran.code == 2 and ran.err == "error: specs/nothing_like_it.yaml: no such file\n"
    # A data file named in the spec, relative to the spec's folder.
    (tmp_path / "points.csv").write_text("x,y\n1,0\n")
    spec = tmp_path / "s.yaml"
    text = open("specs/moons.yaml").read()
    spec.write_text(re.sub(r"csv: \S+", "csv: point.csv", text))
    ran = cli("run", spec)
    assert ran.code == 2 and "no such file `point.csv`" in ran.err, ran.err
    assert f"did you mean `{tmp_path / 'points.csv'}`?" in ran.err


def test_hand_files_accept_every_spelling(cli, tmp_path) -> None:
    hand = tmp_path / "hand.yaml"
    hand.write_text("∂E/∂w(h1→y): -0.00442\n'w(h1→y)′': 0.3022\n'grad.h2 → y': 0.5\n")
    ran = cli("check", "specs/xor.yaml", "--expect", hand, "--json")
    assert ran.code == 1, ran.err  # the last one is wrong on purpose
    verdicts = json.loads(ran.out)["results"]
    assert [v["quantity"] for v in verdicts] == ["grad.h1->y", "updated.h1->y", "grad.h2->y"]
    assert [v["right"] for v in verdicts] == [True, True, False]
    # Two spellings of one quantity are one quantity written twice.
    hand.write_text("grad.h1->y: -0.00442\n∂E/∂w(h1→y): -0.00442\n")
    ran = cli("check", "specs/xor.yaml", "--expect", hand)
    assert ran.code == 2 and "is `grad.h1->y` again (first as `grad.h1->y` on line 1)" in ran.err
