"""`graphengine export` / `import` as a user meets them: formats by suffix, weights files
bit for bit with their metadata, float32, torch.fx, and bad input as one error line with
exit status 2 and no file written."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from test_export_torch import SPECS, check_against_engine, import_module_file, registry_for

from graphengine.cli import main
from graphengine.engine.network import Network, load
from graphengine.engine.weights import load_weights

torch = pytest.importorskip("torch")
ROOT = Path(__file__).parents[2]
DOC = str(ROOT / "specs" / "doc_example.yaml")


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_weights_files_round_trip_bit_for_bit(path: Path, suffix: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / f"w{suffix}"
    args = ["export", str(path), "-o", str(out)]
    if path.stem == "plugins_demo":
        args[1:1] = ["--plugins", str(ROOT / "plugins")]
    assert run_cli(args, capsys)[0] == 0
    net = load(path, registry=registry_for(path))
    arrays, metadata = load_weights(out)
    assert sorted(arrays) == sorted(net.plan.parameter_names)  # safetensors keeps its own order
    for name, value in zip(net.plan.parameter_names, net.theta):
        assert arrays[name].dtype == np.float64 and arrays[name].shape == ()
        assert arrays[name].tobytes() == np.float64(value).tobytes()
    from graphengine.interop.structure import structure_hash

    assert metadata["spec"] == net.spec.name
    assert metadata["structure_sha256"] == structure_hash(net)
    assert len(metadata["structure_sha256"]) == 64


def test_structure_hash_ignores_values_and_sees_structure() -> None:
    from graphengine.interop.structure import structure_hash

    text = (ROOT / "specs" / "skip_shared.yaml").read_text()
    base = structure_hash(Network.from_yaml(text))
    assert structure_hash(Network.from_yaml(text.replace("w: 0.5", "w: 0.75"))) == base
    assert structure_hash(Network.from_yaml(text.replace("activation: tanh", "activation: relu"))) != base
    assert structure_hash(Network.from_yaml(text.replace("trainable: false", "trainable: true"))) != base


def test_exported_py_file_from_the_cli(tmp_path: Path, capsys) -> None:
    out = tmp_path / "net.py"
    status, stdout, err = run_cli(["export", DOC, "-o", str(out)], capsys)
    assert status == 0 and stdout == "" and "wrote" in err
    generated = import_module_file(out)
    check_against_engine(load(DOC), generated.Network())
    # The worked example's numbers, independently: ∂E/∂w5 = 0.082167041 (the hand derivation).
    module = generated.Network()
    X, T = torch.tensor([[0.05, 0.10]], dtype=torch.float64), torch.tensor([[0.01, 0.99]], dtype=torch.float64)
    module.zero_grad()
    module.loss(X, T).backward()
    assert module.w5.grad.item() == pytest.approx(0.082167041, abs=1e-9)
    assert module.b1.grad is None  # frozen in the spec


def test_float32_module_and_model(tmp_path: Path, capsys) -> None:
    net = load(ROOT / "specs" / "iris_4883.yaml")
    out = tmp_path / "net32.py"
    assert (
        run_cli(["export", str(ROOT / "specs" / "iris_4883.yaml"), "-o", str(out), "--dtype", "float32"], capsys)[0]
        == 0
    )
    module = import_module_file(out).Network()
    assert {p.dtype for p in module.parameters()} == {torch.float32}
    y = module(torch.from_numpy(net.X).float())
    assert y.dtype == torch.float32
    np.testing.assert_allclose(y.detach().numpy(), net.predict(net.X), rtol=1e-5, atol=1e-6)
    ort = pytest.importorskip("onnxruntime")
    onnx_path = tmp_path / "net32.onnx"
    assert (
        run_cli(["export", str(ROOT / "specs" / "iris_4883.yaml"), "-o", str(onnx_path), "--dtype", "float32"], capsys)[
            0
        ]
        == 0
    )
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run(["outputs"], {"inputs": net.X.astype(np.float32)})[0]
    np.testing.assert_allclose(got, net.predict(net.X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_torch_fx_traces_the_exported_module(path: Path) -> None:
    net = load(path, registry=registry_for(path))
    module = net.to_torch()
    traced = torch.fx.symbolic_trace(module)
    X = torch.from_numpy(net.X[:7])
    np.testing.assert_array_equal(traced(X).detach().numpy(), module(X).detach().numpy())
    assert any(n.op == "get_attr" for n in traced.graph.nodes)  # the parameters, not baked-in constants


def test_spec_parameters_are_the_module_parameters() -> None:
    module = load(ROOT / "specs" / "skip_shared.yaml").to_torch()
    params = module.spec_parameters
    assert params["w"] is module.w  # shared by two edges, one Parameter
    assert not params["b"].requires_grad and params["w"].requires_grad
    assert len(list(module.parameters())) == len(params)
    digits = load(ROOT / "specs" / "digits.yaml").to_torch()
    assert tuple(digits.hidden_weight.shape) == (32, 64)  # a layer is one (out, in) tensor, as in nn.Linear
    entry = digits.spec_parameters["pixel_3->hidden_7"]
    assert entry.item() == digits.hidden_weight[7, 3].item() and entry._base is digits.hidden_weight


# --------------------------------------------------------------------------- bad input


def assert_one_error(status: int, err: str, *fragments: str) -> None:
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert "Traceback" not in err


def test_unknown_suffix(tmp_path: Path, capsys) -> None:
    out = tmp_path / "net.txt"
    status, _, err = run_cli(["export", DOC, "-o", str(out)], capsys)
    assert_one_error(status, err, "net.txt", "`.txt`", ".py, .onnx, .safetensors, .npz", "--to")
    assert not out.exists()


def test_to_with_a_mismatched_weights_suffix(tmp_path: Path, capsys) -> None:
    out = tmp_path / "w.bin"
    status, _, err = run_cli(["export", DOC, "-o", str(out), "--to", "npz"], capsys)
    assert_one_error(status, err, "w.bin")
    assert not out.exists()


def test_to_overrides_the_suffix(tmp_path: Path, capsys) -> None:
    out = tmp_path / "model.bin"
    assert run_cli(["export", DOC, "-o", str(out), "--to", "onnx"], capsys)[0] == 0
    assert out.read_bytes()[:2] != b"\x00\x00" and out.stat().st_size > 100


def test_float32_weights_file_is_refused(tmp_path: Path, capsys) -> None:
    out = tmp_path / "w.safetensors"
    status, _, err = run_cli(["export", DOC, "-o", str(out), "--dtype", "float32"], capsys)
    assert_one_error(status, err, "float64")
    assert not out.exists()


def test_plugin_without_export_form(tmp_path: Path, capsys) -> None:
    plugin = tmp_path / "cube.py"
    plugin.write_text(
        "from graphengine import activation\n\n@activation\ndef cube(x):\n    return x ** 3\n\n"
        "@cube.derivative\ndef cube(x, y):\n    return 3 * x ** 2\n"
    )
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "name: s\ninputs: [a]\noutputs: [y]\nnodes:\n  y: {activation: cube}\nedges:\n  - {from: a, to: y, weight: 0.5}\nloss: mse\n"
    )
    for suffix in (".py", ".onnx"):
        out = tmp_path / f"out{suffix}"
        status, _, err = run_cli(["export", str(spec), "--plugins", str(plugin), "-o", str(out)], capsys)
        assert_one_error(status, err, "activation `cube`", "no export form", 'export="...")')
        assert not out.exists()


def test_wrong_export_form_is_caught(tmp_path: Path, capsys) -> None:
    plugin = tmp_path / "cube.py"
    plugin.write_text(
        "from graphengine import activation\n\n@activation(export='x * x')\ndef cube(x):\n    return x ** 3\n\n"
        "@cube.derivative\ndef cube(x, y):\n    return 3 * x ** 2\n"
    )
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "name: s\ninputs: [a]\noutputs: [y]\nnodes:\n  y: {activation: cube}\nedges:\n  - {from: a, to: y, weight: 0.5}\nloss: mse\n"
    )
    out = tmp_path / "out.py"
    status, _, err = run_cli(["export", str(spec), "--plugins", str(plugin), "-o", str(out)], capsys)
    assert_one_error(status, err, "cube", "export form `x * x` gives")
    assert not out.exists()


@pytest.mark.parametrize(
    "formula, fragment",
    [
        ("__import__('os').system('true')", "uses `__import__"),
        ("x.real", "uses `x.real`"),
        ("y * 2", "names `y`"),
        ("x +", "not a formula"),
    ],
)
def test_export_forms_are_parsed_not_run(formula: str, fragment: str) -> None:
    from graphengine.errors import PluginError
    from graphengine.interop.expression import torch_code

    with pytest.raises(PluginError, match=fragment.replace("(", r"\(").replace("*", r"\*").replace("+", r"\+")):
        torch_code(formula, {"x": "net1"}, {}, "demo")


@pytest.mark.parametrize(
    "module, suffix, extra",
    [("onnx", ".onnx", "graphengine[onnx]"), ("safetensors", ".safetensors", "safetensors")],
)
def test_missing_extra(module: str, suffix: str, extra: str, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # `import onnx` now raises ImportError
    monkeypatch.setitem(sys.modules, f"{module}.numpy", None)
    out = tmp_path / f"net{suffix}"
    status, _, err = run_cli(["export", DOC, "-o", str(out)], capsys)
    assert_one_error(status, err, f"pip install '{extra}'")
    assert not out.exists()


def test_missing_torch(monkeypatch) -> None:
    from graphengine.errors import GraphEngineError

    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(GraphEngineError, match=r"pip install 'graphengine\[torch\]'"):
        load(DOC).to_torch()


def test_import_refuses_an_unsupported_node(tmp_path: Path, capsys) -> None:
    pytest.importorskip("onnx")
    model = tmp_path / "doc.onnx"
    assert run_cli(["export", DOC, "-o", str(model)], capsys)[0] == 0  # hand-written edges: Concat, MatMul, ...
    out = tmp_path / "back.yaml"
    status, _, err = run_cli(["import", str(model), "-o", str(out)], capsys)
    assert_one_error(status, err, "doc.onnx", "(Concat) is not supported", "Gemm")
    assert not out.exists()


def test_import_refuses_a_conv(tmp_path: Path, capsys) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.ones((1, 1, 3), dtype=np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv0")],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 3])],
        [w],
    )
    model = tmp_path / "conv.onnx"
    model.write_bytes(helper.make_model(graph).SerializeToString())
    onnx.checker.check_model(str(model))
    status, _, err = run_cli(["import", str(model), "-o", str(tmp_path / "c.yaml")], capsys)
    assert_one_error(status, err, "node `conv0` (Conv) is not supported")
    assert not (tmp_path / "c.yaml").exists()


@pytest.mark.parametrize(
    "content, name, fragment",
    [(b"\x08\x07garbage\xff\xff", "bad.onnx", "not a readable ONNX model"), (b"", "model.txt", "ends in .onnx")],
)
def test_import_bad_files(content: bytes, name: str, fragment: str, tmp_path: Path, capsys) -> None:
    pytest.importorskip("onnx")
    model = tmp_path / name
    model.write_bytes(content)
    status, _, err = run_cli(["import", str(model), "-o", str(tmp_path / "x.yaml")], capsys)
    assert_one_error(status, err, fragment)
    assert not (tmp_path / "x.yaml").exists()


def test_help_imports_no_optional_dependency() -> None:
    import subprocess

    code = (
        "import sys; from graphengine.cli import main; main(['export', '--help']); main(['import', '--help']); "
        "import graphengine; graphengine.Network; "
        "print(sorted(m for m in ('torch', 'onnx', 'onnxruntime', 'safetensors') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_names_cannot_inject_code(tmp_path: Path) -> None:
    """Spec names reach the generated file only as string literals or escaped text."""
    text = r'''
name: 'x"""; import os; os.environ["INJECTED"] = "1"; """ \ end'
inputs: ['a"""b', "c'd"]
outputs: ['y\']
nodes:
  'y\': {activation: tanh, bias: 'to'}
  'h"""': {activation: relu}
edges:
  - {from: 'a"""b', to: 'y\', weight: 'forward'}
  - {from: "c'd", to: 'h"""', weight: 0.5}
  - {from: 'h"""', to: 'y\', weight: 'é ü 1x'}
parameters: {'to': 0.1, 'forward': 0.2, 'é ü 1x': 0.3}
loss: mse
data:
  - {inputs: {'a"""b': 1.0, "c'd": -1.0}, targets: {'y\': 0.5}}
'''
    net = Network.from_yaml(text)
    from graphengine.interop.torch_source import torch_source

    path = tmp_path / "named.py"
    path.write_text(torch_source(net, source='spec """ file.yaml'), encoding="utf-8")
    module = import_module_file(path).Network()
    assert "INJECTED" not in __import__("os").environ
    assert list(module.spec_parameters) == net.plan.parameter_names
    assert module.input_names == ('a"""b', "c'd") and module.output_names == ("y\\",)
    check_against_engine(net, module)


@pytest.mark.parametrize("name", ["skip_shared", "digits"])
def test_torch_export_accepts_the_module(name: str) -> None:
    net = load(ROOT / "specs" / f"{name}.yaml")
    module = net.to_torch()
    X = torch.from_numpy(net.X[:4])
    program = torch.export.export(module, (X,))
    np.testing.assert_array_equal(program.module()(X).detach().numpy(), module(X).detach().numpy())
