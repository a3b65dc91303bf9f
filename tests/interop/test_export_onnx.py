"""The exported ONNX model, run in onnxruntime, computes graphengine's outputs: every
shipped spec and random specs (skip connections, shared and frozen parameters, every
built-in activation). Written with the onnx package directly, double throughout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers.networks import Case, random_case
from hypothesis import HealthCheck, given, settings
from test_export_torch import SPECS, registry_for

from graphengine.engine.network import Network, load
from graphengine.interop.structure import read_structure
from graphengine.plugins.discovery import discover
from graphengine.spec.load import parse_spec

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

RTOL = 1e-12


def run_onnx(model, X: np.ndarray) -> np.ndarray:
    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(["outputs"], {"inputs": X})[0]


def check_model(net: Network) -> None:
    from graphengine.interop.onnx_export import onnx_model

    model = onnx_model(net)  # onnx.checker (full_check) runs inside
    # Double everywhere: every initializer and both graph values; no float32 attribute ops.
    assert {t.data_type for t in model.graph.initializer} <= {onnx.TensorProto.DOUBLE, onnx.TensorProto.INT64}
    for value in (*model.graph.input, *model.graph.output):
        assert value.type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    nodes = [*model.graph.node, *(n for f in model.functions for n in f.node)]
    standard = {n.op_type for n in nodes if n.domain in ("", "ai.onnx")}
    assert not standard & {"LeakyRelu", "Softplus", "Sigmoid", "Cast"}
    # One initializer per spec parameter held as a scalar (a shared one is not duplicated).
    names = [t.name for t in model.graph.initializer]
    assert len(set(names)) == len(names)
    structure = read_structure(net)
    for i in structure.attributes:  # the parameters not in a layer tensor, when something uses them
        name = structure.parameters[i]
        held = [n for n in names if n.rstrip("_") == name.rstrip("_") and n.startswith(name)]
        assert bool(held) == _used(net, name), name  # under its name (+ `_` if the graph needs that one)
    X = net.X
    expected = net.predict(X)
    got = run_onnx(model, X)
    assert got.shape == expected.shape and got.dtype == np.float64
    # Relative to the outputs' scale: an output near 0 that is a sum of O(1) terms carries
    # the terms' last-bit differences (onnxruntime's GEMM sums in another order).
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=RTOL * max(1.0, np.abs(expected).max()))


def _used(net: Network, name: str) -> bool:
    G = net.graph
    return any(w == name for *_, w in G.edges(data="weight")) or any(b == name for _, b in G.nodes(data="bias"))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_shipped_specs(path: Path) -> None:
    check_model(load(path, registry=registry_for(path)))


def test_layers_are_gemm_with_named_initializers() -> None:
    from graphengine.interop.onnx_export import onnx_model

    net = load(Path(__file__).parents[2] / "specs" / "digits.yaml")
    model = onnx_model(net)
    assert [n.op_type for n in model.graph.node] == ["Gemm", "Tanh", "Gemm", "Identity"]
    shapes = {t.name: tuple(t.dims) for t in model.graph.initializer}
    assert shapes == {"hidden.weight": (32, 64), "hidden.bias": (32,), "digit.weight": (10, 32), "digit.bias": (10,)}
    weight = onnx.numpy_helper.to_array(next(t for t in model.graph.initializer if t.name == "hidden.weight"))
    assert weight[7, 3] == net.parameters["pixel_3->hidden_7"]  # (out, in), like nn.Linear


def test_shared_parameter_is_one_initializer() -> None:
    from graphengine.interop.onnx_export import onnx_model

    model = onnx_model(load(Path(__file__).parents[2] / "specs" / "skip_shared.yaml"))
    names = [t.name for t in model.graph.initializer]
    assert names.count("w") == 1
    uses = sum(list(n.input).count("w") for n in model.graph.node)
    assert uses == 2  # x1 -> h1 and x2 -> h2 read the same initializer


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(case=random_case())
def test_random_networks(case: Case) -> None:
    check_model(Network(parse_spec(case.text, "<random spec>")))


@pytest.mark.parametrize("x", [-800.0, -40.0, -21.0, -1e-9, 0.0, 1e-9, 0.5, 21.0, 40.0, 800.0])
def test_activations_exact_at_extremes(x: float) -> None:
    text = """
name: extremes
inputs: [x]
outputs: [s, l, g, t, r, w]
nodes:
  s: {activation: softplus}
  l: {activation: {name: leaky_relu, alpha: 0.1}}
  g: {activation: sigmoid}
  t: {activation: tanh}
  r: {activation: relu}
  w: {activation: {name: swish, beta: 1.5}}
edges:
  - {from: x, to: s, weight: 1.0}
  - {from: x, to: l, weight: 1.0}
  - {from: x, to: g, weight: 1.0}
  - {from: x, to: t, weight: 1.0}
  - {from: x, to: r, weight: 1.0}
  - {from: x, to: w, weight: 1.0}
loss: mse
"""
    from graphengine.interop.onnx_export import onnx_model

    net = Network(parse_spec(text), discover([str(Path(__file__).parents[2] / "plugins")]))
    X = np.array([[x]])
    got, expected = run_onnx(onnx_model(net), X), net.predict(X)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)


def test_layers_mixed_with_hand_written_nodes() -> None:
    net = load(Path(__file__).parents[1] / "fixtures" / "export_mixed.yaml")
    assert len(net.graph.graph["layers"]) == 2 and not net.plan.trainable.all()
    check_model(net)


def test_parameter_names_that_the_graph_uses_itself() -> None:
    """Initializers carry spec names; names the graph needs (inputs, outputs, its own value
    names, a layer's `h.weight`) are not taken twice."""
    text = """
name: clash
inputs: [a, b]
layers:
  - {name: h, size: 2, from: [a, b], activation: tanh, seed: 3}
nodes:
  y: {activation: sigmoid, bias: outputs}
edges:
  - {from: h_0, to: y, weight: inputs}
  - {from: h_1, to: y, weight: stack_1}
  - {from: a, to: y, weight: h.weight}
  - {from: b, to: y, weight: const_2}
parameters: {inputs: 0.1, outputs: 0.2, stack_1: 0.3, h.weight: 0.4, const_2: 0.5}
outputs: [y]
loss: mse
data:
  - {inputs: {a: 0.5, b: -1.0}, targets: {y: 0.3}}
"""
    from graphengine.interop.onnx_export import onnx_model

    net = Network(parse_spec(text))
    check_model(net)
    names = [t.name for t in onnx_model(net).graph.initializer]
    assert {"stack_1", "const_2", "h.weight", "inputs_", "outputs_", "h.weight_"} <= set(names)
