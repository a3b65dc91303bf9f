"""Models come back in: export → import → run gives the same numbers for layered specs; an
ONNX file made by torch.onnx.export of an nn.Sequential imports and matches torch;
graphengine.from_torch reads a live nn.Sequential."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphengine
from graphengine.engine.network import Network, load
from graphengine.errors import GraphEngineError

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

ROOT = Path(__file__).parents[2]
ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus"]
LOSSES = ["half_squared_error", "mse", "softmax_cross_entropy"]


@st.composite
def layered_spec(draw: st.DrawFn) -> str:
    """A random spec of dense layers with inline data (every built-in activation, biases or not)."""
    n_in = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    loss = draw(st.sampled_from(LOSSES))
    layers = []
    for i, size in enumerate(sizes):
        name = draw(st.sampled_from(ACTIVATIONS))
        activation = {"name": name, "alpha": draw(st.sampled_from([0.01, 0.2, 0.37]))} if name == "leaky_relu" else name
        layer = {"name": f"L{i}", "size": size, "from": f"L{i - 1}" if i else "x", "activation": activation}
        layer["bias"] = draw(st.sampled_from([True, False, 0.25]))
        layer["init"] = draw(st.sampled_from(["xavier", "uniform", "he"]))
        layers.append(layer)
    samples = [
        {
            "inputs": {f"x_{j}": float(v) for j, v in enumerate(rng.uniform(-2, 2, n_in).round(3))},
            "targets": {
                f"L{len(sizes) - 1}_{j}": float(v) for j, v in enumerate(rng.uniform(-1, 1, sizes[-1]).round(3))
            },
        }
        for _ in range(draw(st.integers(1, 4)))
    ]
    data = {
        "name": "random_layers",
        "inputs": [{"name": "x", "size": n_in}],
        "layers": layers,
        "outputs": [f"L{len(sizes) - 1}"],
        "loss": {"name": loss, "reduction": draw(st.sampled_from(["mean", "sum"]))},
        "data": samples,
        "training": {"learning_rate": 0.1, "seed": draw(st.integers(0, 1000))},
    }
    return yaml.safe_dump(data, sort_keys=False)


def round_trip(net: Network, tmp_path: Path) -> Network:
    """Export to ONNX, import the model, and give the imported spec the original's data."""
    from graphengine.interop.export import export
    from graphengine.interop.onnx_import import import_onnx

    export(net, tmp_path / "model.onnx")
    data = yaml.safe_load(import_onnx(tmp_path / "model.onnx"))
    data["data"] = [
        {"inputs": dict(zip(net.spec.inputs, x.tolist())), "targets": dict(zip(net.spec.outputs, t.tolist()))}
        for x, t in zip(net.X, net.T)
    ]
    data["training"] = {"learning_rate": net.learning_rate()}
    return Network.from_yaml(yaml.safe_dump(data, sort_keys=False))


def assert_same_step(original: Network, imported: Network) -> None:
    a, b = original.trace(), imported.trace()
    # Same names and values bit for bit: the YAML carries every float64 exactly.
    assert imported.plan.parameter_names == original.plan.parameter_names
    assert b.loss == a.loss
    assert b.gradients == a.gradients
    assert b.updated == a.updated


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(text=layered_spec())
def test_export_import_run_gives_the_same_numbers(text: str, tmp_path: Path) -> None:
    net = Network.from_yaml(text)
    assert_same_step(net, round_trip(net, tmp_path))


def test_digits_round_trip(tmp_path: Path) -> None:
    full = load(ROOT / "specs" / "digits.yaml")
    data = yaml.safe_load((ROOT / "specs" / "digits.yaml").read_text())
    data["data"] = [
        {"inputs": dict(zip(full.spec.inputs, x.tolist())), "targets": dict(zip(full.spec.outputs, t.tolist()))}
        for x, t in zip(full.X[:5], full.T[:5])
    ]
    data["training"] = {"learning_rate": 0.05, "seed": 0}
    net = Network.from_yaml(yaml.safe_dump(data, sort_keys=False))
    imported = round_trip(net, tmp_path)
    assert imported.spec.raw["layers"][0]["name"] == "hidden"  # names come back from the initializers
    assert imported.plan.loss.name == "softmax_cross_entropy"  # and the loss from the model's properties
    assert_same_step(net, imported)


def _sequential() -> torch.nn.Sequential:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(3, 5),
        torch.nn.Tanh(),
        torch.nn.Linear(5, 4),
        torch.nn.LeakyReLU(0.2),
        torch.nn.Linear(4, 4),
        torch.nn.Softplus(),
        torch.nn.Linear(4, 3, bias=False),
        torch.nn.ReLU(),
        torch.nn.Linear(3, 2),
        torch.nn.Sigmoid(),
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the TorchScript exporter says it is legacy
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_torch_onnx_export_of_a_sequential_imports(dtype: str, tmp_path: Path) -> None:
    """torch.onnx.export's TorchScript exporter (dynamo=False: the torch.export-based one
    needs the onnxscript package) writes Gemm + activation nodes; the imported spec
    computes torch's outputs."""
    from graphengine.interop.onnx_import import import_onnx

    module = _sequential().to(getattr(torch, dtype))
    X = torch.linspace(-2, 2, 24, dtype=module[0].weight.dtype).reshape(8, 3)
    path = tmp_path / "seq.onnx"
    torch.onnx.export(
        module, (X,), str(path), dynamo=False, input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "N"}}
    )
    ops = [n.op_type for n in onnx.load(str(path)).graph.node]
    assert ops == ["Gemm", "Tanh", "Gemm", "LeakyRelu", "Gemm", "Softplus", "MatMul", "Relu", "Gemm", "Sigmoid"]
    net = Network.from_yaml(import_onnx(path))
    assert net.graph.nodes["layer2_0"]["activation_params"] == {"alpha": 0.2}
    expected = module(X).detach().double().numpy()
    got = net.predict(X.double().numpy())
    # float64: the same weights and arithmetic; float32: torch rounds every step to float32.
    rtol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)


def test_from_torch_matches_the_module() -> None:
    module = _sequential().double()
    net = graphengine.from_torch(module)
    X = torch.linspace(-3, 3, 30, dtype=torch.float64).reshape(10, 3)
    np.testing.assert_allclose(net.predict(X.numpy()), module(X).detach().numpy(), rtol=1e-12, atol=1e-14)
    # and back: the exported module has the same tensors
    again = net.to_torch()
    np.testing.assert_array_equal(again.layer1_weight.detach().numpy(), module[0].weight.detach().numpy())
    np.testing.assert_allclose(again(X).detach().numpy(), module(X).detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "module, message",
    [
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout()),
            "module [1] (Dropout) is not supported",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(2, 2)),
            "module [1] (Linear) takes 2 inputs",
        ),
        (lambda: torch.nn.Sequential(torch.nn.Tanh()), "an activation must follow a Linear layer"),
        (lambda: torch.nn.Linear(2, 2), "takes a torch.nn.Sequential, got Linear"),
        (lambda: torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Softplus(beta=2)), "only beta = 1"),
    ],
)
def test_from_torch_refuses_what_it_cannot_read(module, message: str) -> None:
    with pytest.raises(GraphEngineError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        graphengine.from_torch(module())
