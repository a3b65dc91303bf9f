"""The compiled engine (levels split into rows/cols/gather/scatter/sparse blocks) equals
straightforward evaluations:

* random specs from test_gradients' strategy (skip connections, shared parameters, mixed
  activations in a level, frozen parameters) against tests/reference.py (per node, per
  sample, scalar math) — under the default block choice and with the thresholds forced so
  that every level runs as sparse blocks, or as one block per level;
* bigger layered specs (the dense path, with a skip connection) and sparse random layered
  specs (the scipy.sparse path) against ``per_node`` below: one node at a time in
  topological order, vectorised only over samples.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import reference
import yaml
from helpers.networks import random_case
from hypothesis import HealthCheck, given, settings

from graphengine.engine import blocks as blocks_module
from graphengine.engine import plan as plan_module
from graphengine.engine.compute import backward, forward, gradient, loss_of, step
from graphengine.engine.network import Network
from graphengine.spec.load import parse_spec

# --------------------------------------------------------------------------- a per-node reference


def per_node(net: Network, X: np.ndarray, T: np.ndarray) -> dict:
    """Node by node (vectorised over samples): outs, the loss gradient per parameter."""
    G, values = net.graph, dict(zip(net.plan.parameter_names, net.theta))
    order = list(nx.topological_sort(G))
    inputs, outputs = G.graph["inputs"], G.graph["outputs"]
    net_, out, dact = {}, {}, {}
    for v in order:
        a = G.nodes[v]
        if a["kind"] == "input":
            out[v] = X[:, inputs.index(v)]
            continue
        z = np.zeros(len(X)) + (values[a["bias"]] if a["bias"] else 0.0)
        for u in G.predecessors(v):
            z = z + values[G.edges[u, v]["weight"]] * out[u]
        net_[v] = z
        out[v] = a["activation"].function(z, **a["activation_params"])
        dact[v] = a["activation"].derivative_function(z, out[v], **a["activation_params"])
    Y = np.stack([out[o] for o in outputs], axis=1)
    loss = G.graph["loss"]
    dY = loss.gradient_function(Y, T, **G.graph["loss_params"])
    if G.graph["reduction"] == "mean":
        dY = dY / len(X)
    dout = {v: np.zeros(len(X)) for v in order}
    for k, o in enumerate(outputs):
        dout[o] += dY[:, k]
    grad = dict.fromkeys(values, 0.0)
    for v in reversed(order):
        a = G.nodes[v]
        if a["kind"] == "input":
            continue
        d = dout[v] * dact[v]
        if a["bias"]:
            grad[a["bias"]] += d.sum()
        for u in G.predecessors(v):
            w = G.edges[u, v]["weight"]
            grad[w] += d @ out[u]
            dout[u] += d * values[w]
    return {"out": out, "grad": np.array([grad[p] for p in net.plan.parameter_names]), "dout": dout}


def check_against_per_node(net: Network, X: np.ndarray, T: np.ndarray) -> None:
    fwd = forward(net.plan, net.theta, X)
    bwd = backward(net.plan, net.theta, fwd, T)
    ref = per_node(net, X, T)
    for name, column in net.plan.index.items():
        np.testing.assert_allclose(fwd.out[:, column], ref["out"][name], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(bwd.dout[:, column], ref["dout"][name], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(bwd.grad, ref["grad"], rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(gradient(net.plan, net.theta, fwd, T), bwd.grad)


# --------------------------------------------------------------------------- random specs vs tests/reference.py

MODES = {
    "default": {},
    "all sparse": {"SMALL_MATRIX": 0, "SPARSE_DENSITY": 2.0},
    "all sparse, gradients gathered per edge": {"SMALL_MATRIX": 0, "SPARSE_DENSITY": 2.0, "GATHER_DENSITY": 2.0},
    "one block per level": {"GROUPING_LIMIT": 0},
}


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=random_case())
def test_random_specs_equal_the_reference(mode, case, monkeypatch):
    for name, value in MODES[mode].items():
        monkeypatch.setattr(blocks_module if name == "GATHER_DENSITY" else plan_module, name, value)
    net = Network(parse_spec(case.text, "<random spec>"))
    G, values = net.graph, {p: v["value"] for p, v in net.graph.graph["parameters"].items()}
    ref = reference.forward(G, values, case.inputs, case.targets)
    grads = reference.backward(G, values, ref, case.targets)
    fwd = forward(net.plan, net.theta, net.X)
    bwd = backward(net.plan, net.theta, fwd, net.T)
    for s in range(len(case.inputs)):
        for name, column in net.plan.index.items():
            assert fwd.out[s, column] == pytest.approx(ref.out[s][name], rel=1e-12, abs=1e-14)
            assert fwd.net[s, column] == pytest.approx(ref.net[s][name], rel=1e-12, abs=1e-14)
            assert bwd.dout[s, column] == pytest.approx(grads.dout[s][name], rel=1e-9, abs=1e-12)
            assert bwd.dnet[s, column] == pytest.approx(grads.dnet[s][name], rel=1e-9, abs=1e-12)
    assert loss_of(net.plan, fwd, net.T)[0] == pytest.approx(ref.loss, rel=1e-12, abs=1e-14)
    for name, g in grads.grad.items():
        assert bwd.grad[net.plan.parameter_index[name]] == pytest.approx(g, rel=1e-9, abs=1e-12)
    np.testing.assert_array_equal(gradient(net.plan, net.theta, fwd, net.T), bwd.grad)
    expected = net.theta - case.learning_rate * np.where(net.plan.trainable, bwd.grad, 0.0)
    np.testing.assert_allclose(step(net.plan, net.theta, bwd.grad, case.learning_rate), expected, rtol=0, atol=0)


# --------------------------------------------------------------------------- block kinds on purpose


def kinds(net: Network) -> list[list[str]]:
    return [[b.kind for b in level.blocks] for level in net.plan.levels]


def test_doc_example_reads_column_major_views():
    from graphengine import load

    net = load("specs/doc_example.yaml")
    assert kinds(net) == [["cols"], ["cols"]]  # w1..w4 are listed per target neuron
    assert all(level.blocks[0].exclusive for level in net.plan.levels)
    assert isinstance(net.plan.levels[0].bias.index, int)  # b1 shared by h1 and h2


def layered(widths, density=1.0, seed=0, skip=False, activations=("tanh",)) -> tuple[Network, np.ndarray, np.ndarray]:
    """A random layered network with explicit edges (edge order: shuffled)."""
    rng = np.random.default_rng(seed)
    names = [[f"l{k}_{i}" for i in range(w)] for k, w in enumerate(widths)]
    nodes, edges = {}, []
    for k in range(1, len(widths)):
        sources = names[k - 1] + (names[0] if skip and k == len(widths) - 1 and k > 1 else [])
        for i, v in enumerate(names[k]):
            act = activations[i % len(activations)] if k < len(widths) - 1 else "identity"
            nodes[v] = {"activation": act, "bias": round(float(rng.normal()), 3)}
            picked = [u for u in sources if rng.random() < density] or [sources[i % len(sources)]]
            edges += [{"from": u, "to": v, "weight": round(float(rng.normal(0, 0.5)), 4)} for u in picked]
    edges = [edges[i] for i in rng.permutation(len(edges))]
    spec = {
        "inputs": names[0],
        "outputs": names[-1],
        "nodes": nodes,
        "edges": edges,
        "loss": "softmax_cross_entropy",
    }
    net = Network(parse_spec(yaml.safe_dump(spec), "<layered>"))
    X = rng.normal(size=(7, widths[0]))
    T = np.eye(widths[-1])[rng.integers(0, widths[-1], 7)]
    return net, X, T


def test_dense_layers_with_a_skip_connection():
    text = """
inputs: [{name: x, size: 12}]
layers:
  - {name: h, size: 20, from: x, activation: tanh, seed: 1}
  - {name: g, size: 9, from: [h, x], activation: sigmoid, seed: 2}
  - {name: y, size: 4, from: g, activation: identity, seed: 3}
outputs: [y]
loss: softmax_cross_entropy
"""
    net = Network(parse_spec(text, "<layers>"))
    # g reads two levels, its weights laid out per source layer: one view block each.
    assert kinds(net) == [["rows"], ["rows", "rows"], ["rows"]]
    assert [b.sources[0][0] for b in net.plan.levels[1].blocks] == [0, 1]
    rng = np.random.default_rng(5)
    check_against_per_node(net, rng.normal(size=(11, 12)), np.eye(4)[rng.integers(0, 4, 11)])


def test_shuffled_dense_edges_gather_and_mixed_activations():
    net, X, T = layered([10, 15, 6], activations=("tanh", "relu", "sigmoid"))
    assert kinds(net) == [["gather"], ["gather"]]
    assert len(net.plan.levels[0].groups) == 3
    check_against_per_node(net, X, T)


def test_partly_connected_levels_scatter():
    net, X, T = layered([30, 40, 20, 5], density=0.5, seed=2, skip=True)
    assert {k for level in kinds(net) for k in level} == {"scatter"}  # 5 outputs: not worth 5 blocks
    check_against_per_node(net, X, T)


@pytest.mark.parametrize("gather_density", [0.01, 1.0])  # weight gradients via dense xᵀδ / per edge
def test_sparse_levels_use_scipy_sparse(gather_density, monkeypatch):
    monkeypatch.setattr(blocks_module, "GATHER_DENSITY", gather_density)
    net, X, T = layered([300, 300, 260, 3], density=0.02, seed=3, activations=("tanh", "softplus"))
    assert kinds(net)[:2] == [["sparse"], ["sparse"]]
    check_against_per_node(net, X, T)


def test_levels_split_into_blocks_of_shared_inputs():
    # c0, c1 read {a0, a1, a2}; c2 reads {a3, a4, a5}: two full blocks in one level, and
    # the shared parameter s appears in both.
    text = """
inputs: [a0, a1, a2, a3, a4, a5]
outputs: [c0, c1, c2]
nodes: {c0: {bias: 0.1}, c1: {activation: tanh}, c2: {bias: 0.3, activation: sigmoid}}
edges:
  - {from: a0, to: c0, weight: 0.5}
  - {from: a1, to: c0, weight: -0.5}
  - {from: a2, to: c0, weight: s}
  - {from: a0, to: c1, weight: 0.25}
  - {from: a1, to: c1, weight: s}
  - {from: a2, to: c1, weight: 1.25}
  - {from: a3, to: c2, weight: s}
  - {from: a4, to: c2, weight: 2.0}
  - {from: a5, to: c2, weight: -1.0}
parameters: {s: 0.75}
loss: half_squared_error
"""
    net = Network(parse_spec(text, "<blocks>"))
    assert [b.shape for b in net.plan.levels[0].blocks] == [(3, 2), (3, 1)]
    rng = np.random.default_rng(1)
    check_against_per_node(net, rng.normal(size=(5, 6)), rng.normal(size=(5, 3)))


def test_outputs_in_different_levels_and_orders():
    text = """
inputs: [a]
outputs: [c, b]
nodes: {b: {activation: tanh}, c: {activation: sigmoid, bias: 0.2}}
edges:
  - {from: a, to: b, weight: 0.5}
  - {from: b, to: c, weight: -1.5}
loss: mse
"""
    net = Network(parse_spec(text, "<outputs>"))
    rng = np.random.default_rng(2)
    check_against_per_node(net, rng.normal(size=(4, 1)), rng.normal(size=(4, 2)))


def test_weights_follow_theta_updated_in_place_or_replaced(monkeypatch):
    # Training updates θ in place; blocks cache W as a view of the last θ and sparse blocks
    # refill one CSR matrix — neither may serve stale weights.
    monkeypatch.setattr(plan_module, "SMALL_MATRIX", 0)
    monkeypatch.setattr(plan_module, "SPARSE_DENSITY", 2.0)
    sparse, X_sparse, T_sparse = layered([12, 10, 4], density=0.5, seed=4)
    dense = Network(parse_spec(DENSE_TEXT, "<layers>"))
    rng = np.random.default_rng(7)
    cases = [(sparse, X_sparse, T_sparse), (dense, rng.normal(size=(6, 5)), np.eye(3)[rng.integers(0, 3, 6)])]
    for net, X, T in cases:
        assert {b.kind for level in net.plan.levels for b in level.blocks} <= {"sparse", "rows"}
        theta = net.theta
        forward(net.plan, theta, X)  # prime the caches
        theta *= -0.5  # in place, as training does
        check_against_per_node(net, X, T)
        net.theta = theta.copy() + 0.25  # a new array
        check_against_per_node(net, X, T)


DENSE_TEXT = """
inputs: [{name: x, size: 5}]
layers:
  - {name: h, size: 7, from: x, activation: tanh, seed: 1}
  - {name: y, size: 3, from: h, activation: identity, seed: 2}
outputs: [y]
loss: softmax_cross_entropy
"""
