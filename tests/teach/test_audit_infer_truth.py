"""The network `audit PAGE` rebuilds without --spec, measured against the page's truth.

tests/fixtures/pages/truth.py computes every number of each real page from the hand-written
spec, with numpy alone. Here the same truth.py runs the *inferred* spec: the rebuilt nodes are
matched to the hand spec's by their values on every sample, and every network quantity the page
writes (nets, outputs, losses, softmax probabilities; gradients and updates of the parameters
the page names) must come out of the rebuilt network exactly as truth.json has it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from helpers.pages_audit import MANIFEST, truth

from graphengine.teach.audit.infer import infer
from graphengine.teach.audit.scan import read_page

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
TRUTH = json.loads((PAGES / "truth.json").read_text(encoding="utf-8"))
LEFT_OPEN = {"melfm-notes", "primelearnpoint-2x2", "rashid-errata-update"}
REBUILT = sorted(set(MANIFEST) - LEFT_OPEN)
SAME = 1e-12  # both sides are float64 sums of the same products: equal to rounding


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=SAME, abs_tol=SAME)


def _all_samples(spec: dict) -> list[dict[str, float]]:
    return [truth.quantities(spec, i) for i in range(len(spec["data"]))]


def _node_map(hand: dict, rebuilt: dict) -> dict[str, str]:
    """Each hand node (inputs too) → the rebuilt node with the same net and out on every sample."""
    mine, theirs = _all_samples(hand), _all_samples(rebuilt)
    found: dict[str, str] = {}
    for node in [*hand["inputs"], *hand["nodes"]]:
        candidates = [
            other
            for other in [*rebuilt["inputs"], *rebuilt["nodes"]]
            if all(
                f"{other}.{part}" in q2 and _close(q1[f"{node}.{part}"], q2[f"{other}.{part}"])
                for q1, q2 in zip(mine, theirs, strict=True)
                for part in ("net", "out")
                if f"{node}.{part}" in q1
            )
            and other not in found.values()
        ]
        if candidates:
            found[node] = node if node in candidates else candidates[0]
    return found


def _parameter_map(hand: dict, rebuilt: dict, nodes: dict[str, str]) -> dict[str, str]:
    """Each hand parameter → the rebuilt one in the same place (the same edge, the same node's bias)."""
    at = {(e["from"], e["to"]): e["weight"] for e in rebuilt["edges"]}
    found = {}
    for e in hand["edges"]:
        place = (nodes.get(e["from"]), nodes.get(e["to"]))
        if place in at:
            found[e["weight"]] = at[place]
    for node, props in hand["nodes"].items():
        bias = (props or {}).get("bias")
        if isinstance(bias, str) and node in nodes:
            other = (rebuilt["nodes"][nodes[node]] or {}).get("bias")
            if isinstance(other, str):
                found[bias] = other
    return found


def _rebuilt_name(name: str, nodes: dict[str, str], parameters: dict[str, str]) -> str | None:
    """The truth's canonical name (`h1.out`, `loss.o1`, `grad.w5`) in the rebuilt network's names."""
    if name == "loss":
        return name
    head, _, tail = name.partition(".")
    if tail and head in nodes:
        return f"{nodes[head]}.{tail}"
    if head in ("loss", "softmax", "error") and tail in nodes:
        return f"{head}.{nodes[tail]}"
    if head in ("grad", "updated") and tail in parameters:
        return f"{head}.{parameters[tail]}"
    if not tail and name in parameters:
        return parameters[name]
    if name in nodes:
        return nodes[name]
    return None


def _rebuilt(name: str) -> dict:
    inferred = infer(read_page(PAGES / f"{name}.md"))
    assert not inferred.missing, inferred.missing
    return inferred.spec


def _seen_as_hand(hand_q: dict[str, float], rebuilt_q: dict[str, float], nodes, parameters) -> dict[str, float]:
    """The rebuilt network's quantities under the hand spec's names (only those it has)."""
    view = {"lr": rebuilt_q["lr"]} if "lr" in rebuilt_q else {}
    for name in hand_q:
        mine = nodes.get(name) if name in nodes else _rebuilt_name(name, nodes, parameters)
        if mine is not None and mine in rebuilt_q:
            view[name] = rebuilt_q[mine]
    return view


@pytest.mark.parametrize("name", REBUILT)
def test_rebuilt_network_gives_the_pages_truth(name):
    hand = yaml.safe_load((PAGES / MANIFEST[name]["spec"]).read_text(encoding="utf-8"))
    rebuilt = _rebuilt(name)
    nodes = _node_map(hand, rebuilt)
    parameters = _parameter_map(hand, rebuilt, nodes)
    hand_q, rebuilt_q = _all_samples(hand), _all_samples(rebuilt)
    views = [_seen_as_hand(h, r, nodes, parameters) for h, r in zip(hand_q, rebuilt_q, strict=True)]
    numbers = [n for n in MANIFEST[name]["numbers"] if n["kind"] in ("quantity", "intermediate")]
    assert len(numbers) == len(TRUTH[name]) > 0
    for n, entry in zip(numbers, TRUTH[name], strict=True):
        expr = n["expr"] if n["kind"] == "intermediate" else n["name"]
        try:
            value = truth.evaluate(expr, views[int(n.get("sample", 0))])
        except KeyError as e:
            raise AssertionError(f"{name} line {n['line']}: {expr} has no counterpart in the rebuilt network") from e
        assert _close(value, entry["exact"]), f"{name} line {n['line']}: {expr} = {value}, truth {entry['exact']}"


@pytest.mark.parametrize("name", REBUILT)
def test_rebuilt_spec_is_one_run_accepts(name, tmp_path, capsys):
    """--write-spec writes a spec `graphengine run` accepts, and its forward pass is the rebuilt one."""
    from graphengine.cli import main

    out = tmp_path / f"{name}.yaml"
    code = main(["audit", str(PAGES / f"{name}.md"), "--write-spec", str(out), "--json"])
    capsys.readouterr()
    assert code in (0, 1)
    assert main(["run", str(out), "--json"]) == 0
    ran = json.loads(capsys.readouterr().out)
    assert ran  # a forward pass was reported
    spec = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert spec == _rebuilt(name)


@pytest.mark.parametrize("name", sorted(LEFT_OPEN))
def test_what_is_left_open_is_named(name):
    inferred = infer(read_page(PAGES / f"{name}.md"))
    assert inferred.missing and all("pass --spec" in m for m in inferred.missing)
