"""The ordered step model (graphengine/views/stepthrough/steps.py): the worked example's order and numbers,
and, over generated networks, every step's value against the trace and tests/reference.py."""

from __future__ import annotations

import math

import reference
from helpers.networks import random_case
from hypothesis import HealthCheck, given, settings

import graphengine
from graphengine._util.numfmt import derivation_number as number
from graphengine.engine.network import Network
from graphengine.spec.load import parse_spec
from graphengine.views.stepthrough.steps import build_steps


def doc_steps():
    net = graphengine.load("specs/doc_example.yaml")
    return net, net.trace(), build_steps(net, net.trace())


def test_worked_example_order_and_numbers():
    _, _, steps = doc_steps()
    kinds = [s.kind for s in steps]
    # start, 4 × (net, out), 2 terms and the total, 4 × (dout, dact, delta), 10 gradients, 10 updates, summary
    assert kinds == (
        ["start"]
        + ["net", "out"] * 4
        + ["term", "term", "loss"]
        + ["dout", "dact", "delta"] * 4
        + ["gradient"] * 10
        + ["update"] * 10
        + ["summary"]
    )
    assert [s.node for s in steps if s.kind == "net"] == ["h1", "h2", "o1", "o2"]
    assert [s.node for s in steps if s.kind == "delta"] == ["o1", "o2", "h1", "h2"]  # output layer first
    by_title = {s.title: s for s in steps}
    # Hand-checked numbers of the worked example (README: loss 0.298371109, ∂E/∂w5 = 0.082167041, w5 → 0.35891648).
    assert by_title["Forward: net of h1"].text == "net_h1 = w1·i1 + w2·i2 + b1 = 0.15×0.05 + 0.2×0.1 + 0.35 = 0.3775"
    assert by_title["Forward: net of h1"].formula == "net_h1 = w1·i1 + w2·i2 + b1"
    assert by_title["Forward: net of h1"].value == 0.15 * 0.05 + 0.2 * 0.1 + 0.35
    assert by_title["Loss: the total"].text.endswith("= 0.2984")
    assert abs(by_title["Loss: the total"].value - 0.298371109) < 1e-9
    assert by_title["Gradient: ∂E/∂w5"].text.endswith("= 0.7414 × 0.1868 × 0.5933 = 0.0822")
    assert abs(by_title["Gradient: ∂E/∂w5"].value - 0.082167041) < 1e-9
    assert abs(by_title["Update: w5"].value - 0.35891648) < 1e-8
    assert by_title["Update: w5"].text == "w5' = w5 − η·∂E/∂w5 = 0.4 − 0.5 × 0.0822 = 0.3589"
    # A shared parameter: the sum over its two uses is written out.
    shared = by_title["Gradient: ∂E/∂b1 (shared ×2, summed)"]
    assert (
        shared.text
        == "∂E/∂b1 = ∂E/∂net_h1 · ∂net_h1/∂b1 + ∂E/∂net_h2 · ∂net_h2/∂b1 = 0.00877 × 1 + 0.00995 × 1 = 0.0187"
    )
    assert "shared by 2 uses" in shared.note
    assert by_title["Update: b1 (frozen)"].value == 0.35
    summary = steps[-1]
    assert "w5: 0.4 → 0.3589" in summary.equations and len(summary.values) == 8  # b1, b2 frozen


def _check_values(net, trace, steps) -> None:
    x, t = trace, trace.targets
    G = net.graph
    values = {p: d["value"] for p, d in G.graph["parameters"].items()}
    samples_in = [{i: float(v) for i, v in zip(G.graph["inputs"], row)} for row in net.X]
    samples_t = [{o: float(v) for o, v in zip(G.graph["outputs"], row)} for row in t]
    ref = reference.forward(G, values, samples_in, samples_t)
    expected = {
        "net": lambda s: x.net(s.node),
        "out": lambda s: x.out(s.node),
        "dout": lambda s: x.dout(s.node),
        "dact": lambda s: x.dact(s.node),
        "delta": lambda s: x.dnet(s.node),
        "gradient": lambda s: x.gradient(s.parameter),
        "update": lambda s: x.updated[s.parameter],
        "term": lambda s: x.loss_terms(0)[s.node],
        "loss": lambda s: x.loss,
    }
    seen: dict[str, list] = {}
    for step in steps:
        seen.setdefault(step.kind, []).append(step)
        if step.kind not in expected:
            continue
        want = expected[step.kind](step)
        assert step.value == want or (math.isnan(want) and math.isnan(step.value)), step.title
        if step.kind in ("net", "out"):  # the independent per-node implementation agrees
            assert math.isclose(step.value, getattr(ref, step.kind)[0][step.node], rel_tol=1e-9, abs_tol=1e-12)
        # The last equation ends with the value as explain rounds it.
        if step.kind != "update" or G.graph["parameters"][step.parameter]["trainable"]:
            assert step.equations[-1].split(" = ")[-1].startswith(number(want, 4)), step.title
    neurons = [v for v in x.plan.nodes if v not in G.graph["inputs"]]
    # Every neuron has its forward and backward steps; every parameter its gradient and update.
    for kind in ("net", "out", "dout", "dact", "delta"):
        assert sorted(s.node for s in seen[kind]) == sorted(neurons)
    for kind in ("gradient", "update"):
        assert [s.parameter for s in seen[kind]] == list(G.graph["parameters"])
    position = {id(s): i for i, s in enumerate(steps)}
    net_at = {s.node: position[id(s)] for s in seen["net"]}
    out_at = {s.node: position[id(s)] for s in seen["out"]}
    delta_at = {s.node: position[id(s)] for s in seen["delta"]}
    for u, v in G.edges:
        if u in out_at:
            assert out_at[u] < net_at[v]  # forward: a node's inputs come first
            assert delta_at[v] < delta_at[u]  # backward: a node's successors come first
    for v in neurons:
        assert net_at[v] < out_at[v]
    last_forward = max(out_at.values())
    assert all(position[id(s)] > last_forward for s in seen["loss"] + seen["dout"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_case())
def test_generated_networks_step_values_match_the_trace(case):
    net = Network(parse_spec(case.text, "<random spec>"))
    trace = net.trace()
    _check_values(net, trace, build_steps(net, trace))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_case())
def test_generated_networks_layer_steps_cover_every_value(case):
    net = Network(parse_spec(case.text, "<random spec>"))
    trace = net.trace()
    steps = build_steps(net, trace, layered=True)
    neurons = [v for v in trace.plan.nodes if v not in net.graph.graph["inputs"]]
    outs = {v: val for s in steps if s.kind == "layer-forward" for v, val in s.values.items()}
    assert outs == {v: trace.out(v) for v in neurons}
    deltas = {v: val for s in steps if s.kind == "layer-backward" for v, val in s.values.items()}
    assert deltas == {v: trace.dnet(v) for v in neurons}
    grads = {p: val for s in steps if s.kind == "layer-gradient" for p, val in s.values.items()}
    assert grads == trace.gradients
    (update,) = [s for s in steps if s.kind == "layer-update"]
    assert update.values == trace.updated
    revealed = {r for s in steps for r in s.reveals}
    assert {("delta", v) for v in neurons} <= revealed and {("update", p) for p in trace.updated} <= revealed


def test_big_network_gets_layer_steps():
    text = """
inputs: [x1, x2]
outputs: [y]
layers:
  - {name: h, size: 40, activation: tanh, init: {seed: 1}}
nodes:
  y: {}
edges: []
data:
  - inputs: {x1: 0.5, x2: -1}
    targets: {y: 0.2}
"""
    try:
        net = Network(parse_spec(text, "<big>"))
    except graphengine.GraphEngineError:
        # The layers syntax differs: build an explicit 40-neuron layer instead.
        lines = ["inputs: [x1, x2]", "outputs: [y]", "nodes:"]
        lines += [f"  h{i}: {{activation: tanh}}" for i in range(40)] + ["  y: {}", "edges:"]
        for i in range(40):
            lines += [
                f"  - {{from: x1, to: h{i}, weight: {0.01 * i:.2f}}}",
                f"  - {{from: x2, to: h{i}, weight: {-0.02 * i:.2f}}}",
                f"  - {{from: h{i}, to: y, weight: 0.1}}",
            ]
        lines += ["data:", "  - inputs: {x1: 0.5, x2: -1}", "    targets: {y: 0.2}"]
        net = Network(parse_spec("\n".join(lines) + "\n", "<big>"))
    steps = build_steps(net, net.trace())
    assert any(s.kind == "layer-forward" for s in steps)
    assert len(steps) < 20
    first = next(s for s in steps if s.kind == "layer-forward")
    assert first.equations[-1].startswith("… and ")
