"""Diagrams: the doc example's numbers land in the right SVG groups, DOT is deterministic,
every format is produced, and a missing Graphviz is reported clearly.

The expected numbers are the worked example's (../shared/seed/backprop-worked-example.md),
recomputed here from the hand formulas and rounded to 4 decimals, independently of graphengine.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import graphengine
from graphengine.cli import main
from graphengine.views.diagram.render import install_hint, number, to_dot

ROOT = Path(__file__).resolve().parent.parent
SPEC = str(ROOT / "specs" / "doc_example.yaml")
SNAPSHOT = Path(__file__).parent / "snapshots" / "doc_example.dot"
SVG_NS = "{http://www.w3.org/2000/svg}"


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# The worked example by hand (float64), as a student would compute it.
H1 = sigmoid(0.15 * 0.05 + 0.20 * 0.10 + 0.35)
H2 = sigmoid(0.25 * 0.05 + 0.30 * 0.10 + 0.35)
O1 = sigmoid(0.40 * H1 + 0.45 * H2 + 0.60)
O2 = sigmoid(0.50 * H1 + 0.55 * H2 + 0.60)
DELTA_O1 = (O1 - 0.01) * O1 * (1 - O1)
DELTA_O2 = (O2 - 0.99) * O2 * (1 - O2)
DW5 = DELTA_O1 * H1
DELTA_H1 = (DELTA_O1 * 0.40 + DELTA_O2 * 0.50) * H1 * (1 - H1)
LOSS = 0.5 * (0.01 - O1) ** 2 + 0.5 * (0.99 - O2) ** 2


def groups(svg_path: Path) -> dict[str, str]:
    """Graphviz titles each node's and edge's <g> by its name: title → the group's visible text."""
    root = ET.parse(svg_path).getroot()
    found = {}
    for g in root.iter(f"{SVG_NS}g"):
        if g.get("class") not in ("node", "edge"):
            continue
        title = g.find(f"{SVG_NS}title").text
        found[title] = " ".join("".join(t.itertext()) for t in g.iter(f"{SVG_NS}text"))
    return found


@pytest.fixture(scope="module")
def doc_svg(tmp_path_factory) -> dict[str, str]:
    # Module-scoped (one render for many tests), so not the function-scoped `cli` fixture.
    path = tmp_path_factory.mktemp("svg") / "doc.svg"
    assert main(["render", SPEC, "-o", str(path), "--precision", "4"]) == 0
    return groups(path)


def test_hand_values_are_the_seed_documents():
    assert (round(H1, 4), round(DW5, 4), round(0.40 - 0.5 * DW5, 4), round(LOSS, 4)) == (0.5933, 0.0822, 0.3589, 0.2984)


def test_forward_values_sit_on_their_nodes(doc_svg):
    assert "0.5933" in doc_svg["h1"]  # out_h1
    assert "0.3775" in doc_svg["h1"]  # net_h1
    assert f"{H2:.4f}" in doc_svg["h2"] and f"{H2:.4f}" not in doc_svg["h1"]
    assert f"{O1:.4f}" in doc_svg["o1"]
    assert f"{O2:.4f}" in doc_svg["o2"]
    assert "0.0500" in doc_svg["i1"] and "0.1000" in doc_svg["i2"]


def test_deltas_and_biases_sit_on_their_nodes(doc_svg):
    assert f"{DELTA_O1:.4f}" in doc_svg["o1"]  # 0.1385
    assert f"{DELTA_O2:.4f}" in doc_svg["o2"]  # -0.0381
    # the chain rule pieces: ∂L/∂out × ∂out/∂net for o1 (0.7414 × 0.1868)
    assert f"{O1 - 0.01:.4f} × {O1 * (1 - O1):.4f}" in doc_svg["o1"]
    assert f"{DELTA_H1:.5f}" in doc_svg["h1"]  # 0.00877: three significant digits for a small number
    # the shared bias: name, value, gradient (sum over both uses), frozen, marked shared
    assert "b1" in doc_svg["h1"] and "0.3500" in doc_svg["h1"] and "shared ×2" in doc_svg["h1"]
    assert f"{DELTA_O1 + DELTA_O2:.4f}" in doc_svg["o1"] and "frozen" in doc_svg["o1"]


def test_weights_gradients_and_updates_sit_on_their_edges(doc_svg):
    edge = doc_svg["h1->o1"]
    assert "w5" in edge and "0.4000" in edge and "0.0822" in edge and "0.3589" in edge
    assert "0.3589" not in doc_svg["h2->o1"] and "0.0822" not in doc_svg["h2->o1"]
    w1_grad = DELTA_H1 * 0.05
    assert f"{w1_grad:.6f}" in doc_svg["i1->h1"]  # 0.000439
    assert f"{0.15 - 0.5 * w1_grad:.4f}" in doc_svg["i1->h1"]  # w1' 0.1498


def test_loss_nodes(doc_svg):
    assert "0.2984" in doc_svg["loss"]
    assert f"{0.5 * (0.01 - O1) ** 2:.4f}" in doc_svg["loss(o1)"] and "0.0100" in doc_svg["loss(o1)"]
    assert f"{0.5 * (0.99 - O2) ** 2:.4f}" in doc_svg["loss(o2)"] and "0.9900" in doc_svg["loss(o2)"]


def test_edge_colour_and_width_follow_the_gradient():
    net = graphengine.load(SPEC)
    dot = to_dot(net, net.trace())
    line = {ln.split(" [")[0].strip(): ln for ln in dot.splitlines() if " -> " in ln}
    w5, w7 = line['"h1" -> "o1"'], line['"h1" -> "o2"']
    assert 'color="#b2182b"' in w5 and 'penwidth="4.98"' in w5  # largest positive gradient: dark red, wide
    assert 'color="#92c5de"' in w7  # small negative gradient: light blue
    assert "legend" in dot and "the step lowers w" in dot


# ---------------------------------------------------------------------- DOT text


def test_dot_snapshot(tmp_path, cli):
    # Regenerate after an intended change of the picture, then look at the diff and the PNG:
    #   .venv/bin/graphengine render specs/doc_example.yaml -o tests/snapshots/doc_example.dot
    out = tmp_path / "doc.dot"
    assert cli("render", SPEC, "-o", out).code == 0
    assert out.read_text(encoding="utf-8") == SNAPSHOT.read_text(encoding="utf-8")


def test_dot_is_deterministic_across_processes(tmp_path):
    texts = []
    for seed in ("1", "2"):
        out = tmp_path / f"iris{seed}.dot"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        cmd = [sys.executable, "-m", "graphengine", "render", "specs/iris_4883.yaml", "-o", str(out), "--sample", "2"]
        subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)
        texts.append(out.read_text(encoding="utf-8"))
    assert texts[0] == texts[1]
    net = graphengine.load(SPEC)
    assert to_dot(net, net.trace()) == to_dot(graphengine.load(SPEC), graphengine.load(SPEC).trace())


def test_show_structure_prints_no_numbers():
    net = graphengine.load(SPEC)
    dot = to_dot(net, net.trace(), show="structure")
    assert "w5" in dot and "sigmoid" in dot and "b1" in dot
    assert "0.4000" not in dot and "0.5933" not in dot and "∂E/∂" not in dot


def test_show_values_only():
    net = graphengine.load(SPEC)
    dot = to_dot(net, net.trace(), show="values")
    assert "0.5933" in dot and "0.4000" in dot
    assert "0.0822" not in dot and "0.3589" not in dot


def test_sample_picks_whose_values_are_shown():
    net = graphengine.load("specs/iris_4883.yaml")
    trace = net.trace()
    dot = to_dot(net, trace, sample=3)
    assert number(trace.out("a1", 3)) in dot and "sample 3 of 6" in dot
    batch = to_dot(net, trace)
    assert "δ = Σ" in batch and "sample 0 of 6" in batch


def test_larger_graphs_are_simplified_and_say_so():
    net = graphengine.load("specs/iris_4883.yaml")
    dot = to_dot(net, net.trace())
    edges = [ln for ln in dot.splitlines() if " -> " in ln and "style=invis" not in ln and "loss" not in ln]
    assert len(edges) == 120 and not any("label=" in e for e in edges)
    assert all("tooltip=" in e for e in edges)  # the numbers stay reachable in the SVG
    assert "simplified: 120 edges" in dot


def test_hundreds_of_nodes_show_names_only():
    n = 130
    lines = ["name: wide", "inputs: [x]", "outputs: [y]", "nodes:"]
    lines += [f"  a{i}: {{activation: tanh}}" for i in range(n)] + [f"  b{i}: {{activation: tanh}}" for i in range(n)]
    lines += ["  y: {activation: identity}", "edges:"]
    lines += [f"  - {{from: x, to: a{i}, weight: 0.{i % 9 + 1}}}" for i in range(n)]
    lines += [f"  - {{from: a{i}, to: b{i}, weight: -0.{i % 7 + 1}}}" for i in range(n)]
    lines += [f"  - {{from: b{i}, to: y, weight: 0.0{i % 5 + 1}}}" for i in range(n)]
    lines += ["loss: mse", "data:", "  - {inputs: {x: 1.0}, targets: {y: 0.5}}"]
    net = graphengine.Network.from_yaml("\n".join(lines) + "\n")
    dot = to_dot(net, net.trace())
    assert 'label="a7"' in dot and "net" not in dot.split('"a7"', 1)[1].split("\n")[0].split("tooltip")[0]
    assert "simplified: 262 nodes" in dot


def test_spec_without_data_draws_the_structure(tmp_path, cli):
    text = (ROOT / "specs" / "doc_example.yaml").read_text().split("\ndata:")[0] + "\n"
    spec = tmp_path / "nodata.yaml"
    spec.write_text(text)
    out = tmp_path / "nodata.dot"
    assert cli("render", spec, "-o", out).code == 0
    dot = out.read_text()
    assert "structure only" in dot and "w5" in dot and "∂E/∂" not in dot


def test_odd_names_are_escaped(tmp_path, cli):
    spec = tmp_path / "odd.yaml"
    spec.write_text(
        """name: 'we"ird <net>'
inputs: ['x:1', 'a&b']
outputs: ['y<out>']
nodes:
  'h\\': {activation: tanh, bias: 'b "q"'}
  'y<out>': {activation: identity}
edges:
  - {from: 'x:1', to: 'h\\', weight: 0.5}
  - {from: 'a&b', to: 'h\\', weight: 'w<1>'}
  - {from: 'h\\', to: 'y<out>', weight: 'w<1>'}
parameters: {'w<1>': 0.3, 'b "q"': 0.1}
loss: mse
data:
  - {inputs: {'x:1': 1, 'a&b': 2}, targets: {'y<out>': 0.5}}
"""
    )
    out = tmp_path / "odd.svg"
    assert cli("render", spec, "-o", out).code == 0
    found = groups(out)
    assert {"x:1", "a&b", "h\\", "y<out>", "x:1->h\\", "h\\->y<out>"} <= set(found)
    assert "w<1>" in found["a&b->h\\"] and 'b "q"' in found["h\\"]


def test_number_format():
    assert number(0.593269992) == "0.5933"
    assert number(0.000438568) == "0.000439"
    assert number(-0.0226) == "-0.0226"
    assert number(0.0) == "0"
    assert number(1.5e-9) == "1.50e-09"
    assert number(0.082167041, 6) == "0.082167"


# ---------------------------------------------------------------------- formats and files


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".pdf", b"%PDF"), (".svg", b"<?xml")])
def test_formats(tmp_path, cli, suffix, magic):
    out = tmp_path / f"doc{suffix}"
    assert cli("render", SPEC, "-o", out).code == 0
    data = out.read_bytes()
    assert len(data) > 1000 and data.startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temp files left behind
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file, not a private temp file


def test_readme_picture_is_current():
    # Regenerate: .venv/bin/graphengine run specs/doc_example.yaml --svg docs/doc_example.svg
    picture = groups(ROOT / "docs" / "doc_example.svg")
    assert "0.5933" in picture["h1"] and "0.2984" in picture["loss"]
    assert "0.0822" in picture["h1->o1"] and "0.3589" in picture["h1->o1"]
    assert "docs/doc_example.svg" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_run_and_train_write_the_diagram(tmp_path, cli):
    svg = tmp_path / "run.svg"
    ran = cli("run", SPEC, "--svg", svg)
    assert ran.code == 0
    assert "0.298371109" in ran.out
    assert "0.3589" in groups(svg)["h1->o1"]
    trained = tmp_path / "trained.svg"
    assert cli("train", SPEC, "--epochs", "3", "--svg", trained, "--json").code == 0
    assert "after 3 epoch(s)" in trained.read_text(encoding="utf-8")


def test_unknown_format_is_refused_before_any_work(tmp_path, cli):
    out = tmp_path / "doc.jpg"
    ran = cli("run", SPEC, "--svg", out)
    assert ran.code == 2
    assert "`.jpg`" in ran.err and ".svg, .png, .pdf, .dot" in ran.err and ran.out == ""
    assert not out.exists()


def test_bad_show_and_sample(tmp_path, cli):
    out = tmp_path / "doc.svg"
    ran = cli("render", SPEC, "-o", out, "--show", "values,gradz")
    assert ran.code == 2
    assert "`gradz`" in ran.err
    ran = cli("render", SPEC, "-o", out, "--sample", "1")
    assert ran.code == 2
    err = ran.err
    assert err.startswith("error: sample 1 does not exist") and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_missing_dot(tmp_path, monkeypatch, cli):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `dot` anywhere on PATH
    out = tmp_path / "doc.svg"
    ran = cli("render", SPEC, "-o", out)
    assert ran.code == 2
    err = ran.err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "`dot`" in err and "not installed" in err and install_hint() in err and str(tmp_path / "doc.dot") in err
    assert not out.exists()
    net = graphengine.load(SPEC)
    assert (tmp_path / "doc.dot").read_text(encoding="utf-8") == to_dot(net, net.trace())

    # `run` still prints its report, then says what went wrong with the diagram.
    ran = cli("run", SPEC, "--svg", tmp_path / "run.svg")
    assert ran.code == 2
    assert "0.298371109" in ran.out and "not installed" in ran.err
    assert (tmp_path / "run.dot").exists() and not (tmp_path / "run.svg").exists()

    # A .dot output needs no Graphviz at all.
    assert cli("render", SPEC, "-o", tmp_path / "only.dot").code == 0


def test_install_hint_per_platform(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert install_hint() == "brew install graphviz"
    monkeypatch.setattr(sys, "platform", "win32")
    assert "winget install graphviz" in install_hint()


# ---------------------------------------------------------------------- notebooks


def test_notebook_display():
    net = graphengine.load(SPEC)
    svg = net._repr_svg_()
    assert svg is not None and "<svg" in svg and "0.5933" in svg
    trace = net.run()
    assert "0.3589" in trace._repr_svg_()


def test_precision_below_three_gives_that_many_significant_digits(tmp_path):
    # --precision 2 must not print the same as --precision 3 (0.150, 0.593): 2 decimals, and
    # small numbers 2 significant digits. Hand values: out_h1 0.5933, ∂L/∂w5 0.0822, ∂L/∂w1 0.000439.
    assert number(H1, 2) == "0.59" and number(DW5, 2) == "0.082" and number(0.15, 2) == "0.15"
    assert number(H1, 3) == "0.593" and number(DW5, 3) == "0.0822"
    net = graphengine.load(SPEC)
    dot = to_dot(net, net.trace(), precision=2)
    assert ">0.59<" in dot and "0.082" in dot and "0.0822" not in dot and "0.593" not in dot
    dw1 = DELTA_H1 * 0.05
    assert f"{dw1:.5f}" == "0.00044" and "0.00044<" in dot


def test_batch_delta_label_keeps_a_gap_before_its_value():
    net = graphengine.load("specs/xor.yaml")
    dot = to_dot(net, net.trace())
    assert "δ = Σ ∂E/∂net&#160;&#160;</FONT></TD><TD" in dot


def test_a_mistyped_show_part_gets_a_suggestion(tmp_path, cli):
    ran = cli("render", SPEC, "-o", tmp_path / "d.svg", "--show", "values,grad")
    assert ran.code == 2
    err = ran.err
    assert "unknown part `grad`; did you mean `grads`? choose from structure, values, grads, updates or all" in err
    assert not (tmp_path / "d.svg").exists()


def test_unnamed_weights_are_labelled_with_their_edge():
    # xor's weights are inline numbers; where edges cross, a bare "w 0.5000" cannot be told apart.
    net = graphengine.load("specs/xor.yaml")
    dot = to_dot(net, net.trace())
    lines = {ln.split(" [")[0].strip(): ln for ln in dot.splitlines() if " -> " in ln and "label=" in ln}
    assert "<B>a-&gt;h1</B> 0.5000" in lines['"a" -> "h1"']
    assert "<B>h3-&gt;y</B> 0.4000" in lines['"h3" -> "y"']


def test_one_samples_delta_says_how_it_relates_to_that_samples_own_loss():
    # xor, sample 1 (a=0, b=1, t=1), sigmoid output with binary cross-entropy: ∂E₁/∂net_y = y − t,
    # and the diagram's δ is of the batch loss L = mean over 4 samples, so a quarter of it.
    net = graphengine.load("specs/xor.yaml")
    dot = to_dot(net, net.trace(), sample=1)
    assert "(sample 1's part of the batch loss E: 1/4 × ∂E₁/∂net)" in dot
    h = [math.tanh(-0.4 + 0.1), math.tanh(0.8 - 0.2), math.tanh(0.6 + 0.3)]
    y = sigmoid(0.3 * h[0] - 0.5 * h[1] + 0.4 * h[2])
    assert f"<B>{number((y - 1) / 4)}</B>" in dot and number((y - 1) / 4) == "-0.1293"
