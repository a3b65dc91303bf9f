"""Dense layers expand into the same network a hand-written spec describes."""

import math

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import graphengine
from graphengine.model.layers import initial_weights

W_H = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]  # 2 inputs × 3 hidden
B_H = [0.01, -0.02, 0.03]
W_Y = [[0.7, -0.1], [0.2, 0.9], [-0.3, 0.4]]  # 3 hidden × 2 outputs
B_Y = [0.05, -0.05]
DATA = """
data:
  - inputs: {x_0: 0.5, x_1: -1.0}
    targets: {y_0: 1, y_1: 0}
  - inputs: {x_0: -0.25, x_1: 2.0}
    targets: {y_0: 0, y_1: 1}
"""

LAYERED = f"""
inputs: [{{name: x, size: 2}}]
layers:
  - {{name: h, size: 3, from: x, activation: tanh, weights: {W_H}, biases: {B_H}}}
  - {{name: y, size: 2, from: h, activation: sigmoid, weights: {W_Y}, biases: {B_Y}}}
outputs: [y]
loss: binary_cross_entropy
{DATA}
"""


def hand_written() -> str:
    """The same network written node by node, with inline numbers."""
    nodes = {f"h_{j}": {"activation": "tanh", "bias": B_H[j]} for j in range(3)}
    nodes |= {f"y_{k}": {"activation": "sigmoid", "bias": B_Y[k]} for k in range(2)}
    edges = [{"from": f"x_{i}", "to": f"h_{j}", "weight": W_H[i][j]} for i in range(2) for j in range(3)]
    edges += [{"from": f"h_{j}", "to": f"y_{k}", "weight": W_Y[j][k]} for j in range(3) for k in range(2)]
    spec = {
        "inputs": ["x_0", "x_1"],
        "outputs": ["y_0", "y_1"],
        "nodes": nodes,
        "edges": edges,
        "loss": "binary_cross_entropy",
    }
    return yaml.safe_dump(spec, sort_keys=False) + DATA


def test_layers_equal_the_hand_written_network():
    layered = graphengine.Network.from_yaml(LAYERED).trace()
    hand = graphengine.Network.from_yaml(hand_written()).trace()
    assert layered.plan.nodes == hand.plan.nodes
    assert set(layered.gradients) == set(hand.gradients)  # same parameter names: x_0->h_1, h_1.bias, ...
    for s in range(2):
        for node in hand.plan.nodes:
            assert layered.out(node, s) == pytest.approx(hand.out(node, s), rel=1e-15, abs=1e-15)
            assert layered.dnet(node, s) == pytest.approx(hand.dnet(node, s), rel=1e-13, abs=1e-15)
    for name, g in hand.gradients.items():
        assert layered.gradient(name) == pytest.approx(g, rel=1e-13, abs=1e-15)
    assert layered.loss == pytest.approx(hand.loss, rel=1e-15)


def test_forward_value_against_hand_formula():
    trace = graphengine.Network.from_yaml(LAYERED).trace()
    x = [0.5, -1.0]
    h = [math.tanh(sum(x[i] * W_H[i][j] for i in range(2)) + B_H[j]) for j in range(3)]
    y0 = 1 / (1 + math.exp(-(sum(h[j] * W_Y[j][0] for j in range(3)) + B_Y[0])))
    assert trace.out("h_2") == pytest.approx(h[2], rel=1e-15)
    assert trace.out("y_0") == pytest.approx(y0, rel=1e-15)


def test_weights_are_row_major_and_contiguous_per_layer():
    net = graphengine.Network.from_yaml(LAYERED)
    names = net.plan.parameter_names
    assert names[:9] == ["x_0->h_0", "x_0->h_1", "x_0->h_2", "x_1->h_0", "x_1->h_1", "x_1->h_2"] + [
        f"h_{j}.bias" for j in range(3)
    ]
    assert names[9:11] == ["h_0->y_0", "h_0->y_1"]
    assert net.parameters["x_1->h_2"] == -0.6
    assert net.graph.nodes["h_1"]["bias"] == "h_1.bias"
    assert net.graph.nodes["h_1"]["layer"] == "h"


def test_initialisers_are_seeded_and_in_range():
    spec = """
inputs: [{name: x, size: 20}]
layers:
  - {name: a, size: 30, from: x, init: xavier}
  - {name: b, size: 30, from: a, init: he}
  - {name: c, size: 5, from: b, init: {name: uniform, scale: 0.25}, bias: 0.5}
  - {name: d, size: 5, from: c, init: zeros, bias: false, seed: 7}
outputs: [d]
training: {seed: 3}
"""
    one, two = graphengine.Network.from_yaml(spec), graphengine.Network.from_yaml(spec)
    assert np.array_equal(one.theta, two.theta)
    p = one.parameters
    a = np.array([p[f"x_{i}->a_{j}"] for i in range(20) for j in range(30)])
    assert np.abs(a).max() <= math.sqrt(6 / 50) and np.abs(a).max() > 0.8 * math.sqrt(6 / 50)
    b = np.array([p[f"a_{i}->b_{j}"] for i in range(30) for j in range(30)])
    assert 0.7 * math.sqrt(2 / 30) < b.std() < 1.3 * math.sqrt(2 / 30)
    c = np.array([p[f"b_{i}->c_{j}"] for i in range(30) for j in range(5)])
    assert np.abs(c).max() <= 0.25
    assert all(p[f"c_{j}.bias"] == 0.5 for j in range(5)) and p["a_0.bias"] == 0.0
    assert all(p[f"c_{i}->d_{j}"] == 0.0 for i in range(5) for j in range(5)) and "d_0.bias" not in p
    other = graphengine.Network.from_yaml(spec.replace("seed: 3", "seed: 4"))
    assert other.parameters["x_0->a_0"] != p["x_0->a_0"]
    # The same initialiser function, called directly with the layer's stream, gives the same values.
    rng = np.random.default_rng(np.random.SeedSequence([3, 0]))
    assert np.array_equal(initial_weights("xavier", {}, 20, 30, rng).ravel(), a)


def test_trained_layer_spec_saves_and_loads_identically(tmp_path, cli):
    path = tmp_path / "net.yaml"
    path.write_text(LAYERED.replace("weights: " + str(W_H) + ", biases: " + str(B_H), "init: he"))
    out = tmp_path / "trained.yaml"
    assert cli("train", path, "--epochs", "5", "-o", out, "--json").code == 0
    trained = graphengine.load(path)
    trained.train(5)
    again = graphengine.load(out)
    assert np.array_equal(again.theta, trained.theta)
    assert again.loss() == trained.loss()
    saved = yaml.safe_load(out.read_text())
    assert len(saved["layers"][0]["weights"]) == 2 and len(saved["layers"][0]["weights"][0]) == 3


def test_layer_and_plain_nodes_mix(tmp_path):
    spec = """
inputs: [{name: x, size: 2}, bias_in]
layers:
  - {name: h, size: 2, from: [x, bias_in], activation: relu, init: {name: uniform, scale: 1.0}}
nodes:
  out: {activation: identity}
edges:
  - {from: h_0, to: out, weight: 1.0}
  - {from: h_1, to: out, weight: -1.0}
outputs: [out]
data:
  - inputs: {x_0: 1, x_1: 2, bias_in: 1}
    targets: {out: 0}
"""
    net = graphengine.Network.from_yaml(spec)
    assert net.graph.number_of_edges() == 6 + 2
    assert "bias_in->h_1" in net.parameters
    assert net.trace().loss >= 0


@pytest.mark.parametrize(
    "change, message",
    [
        ("from: x, activation: tanh", "layers[0].from: unknown layer or node `z`"),
        ("size: 3, from: x", "layers[0].weights: `weights` must be 2 row(s)"),
        ("activation: tanh,", "layers[0].activation: unknown activation `tahn`"),
        ("name: h,", "layers[1].name: layer `h` is declared twice"),
        ("from: h, activation: sigmoid", "cannot feed itself"),
    ],
)
def test_layer_errors_are_located(tmp_path, cli, change, message):
    replacements = {
        "from: x, activation: tanh": "from: z, activation: tanh",
        "size: 3, from: x": "size: 4, from: x",
        "activation: tanh,": "activation: tahn,",
        "name: h,": None,
        "from: h, activation: sigmoid": "from: y, activation: sigmoid",
    }
    text = LAYERED
    if replacements[change] is None:
        text = text.replace("{name: y,", "{name: h,").replace("outputs: [y]", "outputs: [h_0]")
    else:
        text = text.replace(change, replacements[change])
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    ran = cli("validate", path)
    assert ran.code == 2
    err = ran.err
    assert err.startswith(f"error: {path}:")
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_initialiser_suggests(tmp_path, cli):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "inputs: [{name: x, size: 2}]\nlayers:\n  - {name: h, size: 2, from: x, init: xaveir}\noutputs: [h]\n"
    )
    ran = cli("validate", path)
    assert ran.code == 2
    err = ran.err
    assert f"{path}:3: layers[0].init: unknown initialiser `xaveir`; did you mean `xavier`?" in err


def test_layer_name_clashing_with_a_node(tmp_path, cli):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "inputs: [a]\nnodes:\n  h_1: {}\nedges:\n  - {from: a, to: h_1, weight: 1}\n"
        "layers:\n  - {name: h, size: 2, from: a}\noutputs: [h_1]\n"
    )
    ran = cli("validate", path)
    assert ran.code == 2
    assert "layer `h` would create node `h_1`, which already exists" in ran.err


@pytest.mark.parametrize(
    "layer, message",
    [
        ("{name: h, size: 2, from: x, weights: [[1, a], [2, 3]]}", "layers[0].weights: expected a list of rows"),
        ("{name: h, size: 2, from: x, weights: [[1, true], [2, 3]]}", "got `true` (a boolean)"),
        ("{name: h, size: 2, from: x, weights: [[1, 2], [3]]}", "rows of different lengths"),
        ("{name: h, size: 2, from: x, biases: [1, 2, 3]}", "layers[0].biases: `biases` must be 2 number(s), got 3"),
        ("{name: h, size: 2, from: x, bias: false, biases: [1, 2]}", "`biases` are given but `bias` is false"),
        ("{name: h, size: 2, from: []}", "layers[0].from: expected a layer or node name, or a non-empty list"),
        ("{name: h, size: 2, from: [x, x_0]}", "layers[0].from: `x_0` is listed twice in `from`"),
        ("{name: h, size: 2, from: x, activaton: tanh}", "unknown key `activaton`; did you mean `activation`?"),
        ("{name: h, size: 2, from: x, init: {name: he, std: 2}}", "initialiser `he` has no parameter `std`"),
    ],
)
def test_layer_value_errors(tmp_path, cli, layer, message):
    path = tmp_path / "bad.yaml"
    path.write_text(f"inputs: [{{name: x, size: 2}}]\nlayers:\n  - {layer}\noutputs: [h]\n")
    ran = cli("validate", path)
    assert ran.code == 2
    err = ran.err
    assert err.startswith(f"error: {path}:3: layers[0]") and message in err and len(err.strip().splitlines()) == 1


def _random_pair(sizes: list[int], activations: list[str], seed: int) -> tuple[str, str]:
    """A layered spec and the same network written node by node, with random weights and data."""
    rng = np.random.default_rng(seed)
    n_in = sizes[0]
    layers, nodes, edges = [], {}, []
    previous = [f"x_{i}" for i in range(n_in)]
    for k, (size, act) in enumerate(zip(sizes[1:], activations)):
        name = f"l{k}"
        W = rng.normal(size=(len(previous), size)).round(3)
        b = rng.normal(size=size).round(3)
        source = "x" if k == 0 else f"l{k - 1}"
        layers.append(
            {"name": name, "size": size, "from": source, "activation": act, "weights": W.tolist(), "biases": b.tolist()}
        )
        current = [f"{name}_{j}" for j in range(size)]
        for j, v in enumerate(current):
            nodes[v] = {"activation": act, "bias": float(b[j])}
            edges += [{"from": u, "to": v, "weight": float(W[i, j])} for i, u in enumerate(previous)]
        previous = current
    X = rng.normal(size=(3, n_in)).round(3)
    T = rng.uniform(size=(3, len(previous))).round(3)
    data = [
        {"inputs": {f"x_{i}": float(x[i]) for i in range(n_in)}, "targets": dict(zip(previous, map(float, t)))}
        for x, t in zip(X, T)
    ]
    common = {"outputs": [f"l{len(layers) - 1}"], "loss": "mse", "data": data}
    layered = {"inputs": [{"name": "x", "size": n_in}], "layers": layers} | common
    hand = {"inputs": [f"x_{i}" for i in range(n_in)], "nodes": nodes, "edges": edges} | common
    hand["outputs"] = previous
    return yaml.safe_dump(layered, sort_keys=False), yaml.safe_dump(hand, sort_keys=False)


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    activations=st.lists(st.sampled_from(["identity", "tanh", "sigmoid", "relu", "softplus"]), min_size=3, max_size=3),
    seed=st.integers(0, 2**16),
)
def test_random_layered_specs_equal_their_hand_written_form(sizes, activations, seed):
    layered_text, hand_text = _random_pair(sizes, activations, seed)
    layered = graphengine.Network.from_yaml(layered_text).trace()
    hand = graphengine.Network.from_yaml(hand_text).trace()
    assert layered.plan.nodes == hand.plan.nodes
    np.testing.assert_allclose(layered.forward.out, hand.forward.out, rtol=1e-14, atol=1e-15)
    assert layered.gradients.keys() == hand.gradients.keys()
    for name, g in hand.gradients.items():
        assert layered.gradient(name) == pytest.approx(g, rel=1e-12, abs=1e-14)
