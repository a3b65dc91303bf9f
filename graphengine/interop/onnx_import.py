"""``graphengine import MODEL.onnx -o SPEC.yaml``: a dense ONNX model becomes a spec with ``layers:``.

Read: one input ``(N, inputs)``, then per layer ``Gemm`` (or ``MatMul`` followed by
``Add``) with its weights and biases as initializers or ``Constant`` nodes, then at most
one activation — ``Tanh``, ``Relu``, ``Sigmoid``, ``LeakyRelu``, ``Softplus``, or the exact
ones graphengine's own export writes (the ``ai.graphengine`` domain); ``Identity`` nodes
are skipped. Anything else is refused, naming the node. What the model computes in is
kept as float64 values (float32 weights widen exactly). The file is parsed by the onnx
package (protobuf): nothing in it is executed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError, GraphEngineError
from .import_spec import DenseLayer, layered_spec, spec_text

__all__ = ["ACTIVATIONS", "import_onnx", "read_onnx_layers"]

#: ONNX op type → graphengine activation (the ai.graphengine domain's functions have these names too)
ACTIVATIONS = {"Tanh": "tanh", "Relu": "relu", "Sigmoid": "sigmoid", "LeakyRelu": "leaky_relu", "Softplus": "softplus"}
GRAPHENGINE_DOMAIN = "ai.graphengine"
SUPPORTED = "Gemm, MatMul + Add, Identity and the activations " + ", ".join(ACTIVATIONS)


def _float32_shortest(value: float) -> float:
    """An ONNX float attribute (float32) as the shortest decimal that reads back to it:
    LeakyRelu(alpha=0.01) is 0.01, not 0.009999999776482582."""
    return float(repr(np.float32(value)).removeprefix("np.float32(").removesuffix(")"))


def _layer_name(weight: str) -> str | None:
    """``hidden.weight`` (graphengine's and PyTorch's naming) → ``hidden``."""
    return weight.removesuffix(".weight") if weight.endswith(".weight") else None


def _where(node: Any) -> str:
    return f"node `{node.name or node.output[0]}` ({node.op_type})"


def read_onnx_layers(model: Any, file: str | None = None) -> tuple[list[DenseLayer], dict[str, str]]:
    """The model's dense layers in order, and its metadata properties."""
    from onnx import numpy_helper

    graph = model.graph

    def refuse(message: str) -> GraphEngineError:
        return GraphEngineError(message, file=file)

    constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    nodes = []
    for node in graph.node:
        if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
            value = next((a for a in node.attribute if a.name == "value"), None)
            if value is None:
                raise refuse(f"{_where(node)}: only a tensor `value` Constant is supported")
            constants[node.output[0]] = numpy_helper.to_array(value.t)
        else:
            nodes.append(node)
    inputs = [i for i in graph.input if i.name not in constants]
    if len(inputs) != 1 or len(graph.output) != 1:
        raise refuse(
            f"the model has {len(inputs)} input(s) and {len(graph.output)} output(s); one of each is supported"
        )
    current = inputs[0].name
    layers: list[DenseLayer] = []

    def constant(name: str, node: Any) -> np.ndarray:
        if name not in constants:
            raise refuse(
                f"{_where(node)}: `{name}` is computed, not a stored weight; only stored weights are supported"
            )
        return np.asarray(constants[name], dtype=np.float64)

    pending_matmul: np.ndarray | None = None
    for node in nodes:
        op, domain = node.op_type, node.domain
        attrs = {a.name: a for a in node.attribute}
        known = (
            op in ACTIVATIONS
            if domain == GRAPHENGINE_DOMAIN
            else op in ("Identity", "Gemm", "MatMul", "Add", *ACTIVATIONS)
        )
        if domain not in ("", "ai.onnx", GRAPHENGINE_DOMAIN) or not known:
            raise refuse(f"{_where(node)} is not supported; supported: {SUPPORTED}")
        if current not in node.input:
            raise refuse(
                f"{_where(node)} does not read the previous layer's output `{current}`: only a chain is supported"
            )
        if op == "Identity":
            pass
        elif pending_matmul is not None:
            if op != "Add":
                layers.append(DenseLayer(pending_matmul.T, None))
                pending_matmul = None
            else:
                other = node.input[1] if node.input[0] == current else node.input[0]
                add_bias = constant(other, node).reshape(-1)
                layers.append(DenseLayer(pending_matmul.T, add_bias))
                pending_matmul = None
                current = node.output[0]
                continue
        if op == "Identity":
            pass
        elif op == "Gemm":
            if node.input[0] != current or attrs.get("transA") and attrs["transA"].i:
                raise refuse(f"{_where(node)}: only x·W (input first, transA=0) is supported")
            weight = constant(node.input[1], node)
            weight = weight if attrs.get("transB") and attrs["transB"].i else weight.T
            bias: np.ndarray | None = (
                constant(node.input[2], node).reshape(-1) if len(node.input) > 2 and node.input[2] else None
            )
            alpha = attrs["alpha"].f if "alpha" in attrs else 1.0
            beta = attrs["beta"].f if "beta" in attrs else 1.0
            if alpha != 1.0 or beta != 1.0:
                raise refuse(f"{_where(node)}: alpha={alpha:g}, beta={beta:g}; only alpha = beta = 1 is supported")
            if bias is not None and bias.size == 1 and weight.shape[0] > 1:
                bias = np.full(weight.shape[0], bias[0])
            layers.append(DenseLayer(weight, bias, name=_layer_name(node.input[1])))
        elif op == "MatMul":
            if node.input[0] != current:
                raise refuse(f"{_where(node)}: only x·W (input first) is supported")
            pending_matmul = constant(node.input[1], node)
        elif op in ACTIVATIONS:
            if not layers:
                raise refuse(f"{_where(node)}: an activation before the first dense layer is not supported")
            if layers[-1].activation != "identity":
                raise refuse(f"{_where(node)}: a second activation on one layer is not supported")
            layers[-1].activation = ACTIVATIONS[op]
            if op == "LeakyRelu":
                if domain == GRAPHENGINE_DOMAIN:  # graphengine's exact form: alpha is a double input
                    alpha = float(constant(node.input[1], node).reshape(-1)[0])
                else:
                    alpha = _float32_shortest(attrs["alpha"].f) if "alpha" in attrs else 0.01
                layers[-1].activation_params = {"alpha": alpha}
        else:  # an Add that follows no MatMul
            raise refuse(f"{_where(node)}: an Add must follow a MatMul (the layer's bias)")
        current = node.output[0]
    if pending_matmul is not None:
        layers.append(DenseLayer(pending_matmul.T, None))
    if current != graph.output[0].name:
        raise refuse(f"the chain of layers ends at `{current}`, not at the model's output `{graph.output[0].name}`")
    if not layers:
        raise refuse("the model has no dense layer (Gemm, or MatMul + Add)")
    for i, layer in enumerate(layers[1:], start=1):
        if layer.weight.ndim != 2 or layer.weight.shape[1] != layers[i - 1].weight.shape[0]:
            raise refuse(f"layer {i + 1}'s weights {layer.weight.shape} do not fit layer {i}'s outputs")
    return layers, {p.key: p.value for p in model.metadata_props}


def read_model(path: str | os.PathLike[str]) -> Any:
    """Parse an ONNX file (no external data, nothing executed); one-line errors."""
    from .onnx_export import require_onnx

    onnx = require_onnx()
    path = Path(path)
    if path.suffix.lower() != ".onnx":
        raise GraphEngineError(f"an ONNX model file ends in .onnx, not `{path.suffix or path.name}`", file=str(path))
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError(f"cannot read the model: {e.strerror or e}", file=str(path)) from None
    try:
        return onnx.load_from_string(data)
    except Exception as e:  # protobuf's DecodeError and friends: a truncated or foreign file
        raise DataError(f"not a readable ONNX model ({type(e).__name__})", file=str(path)) from None


def import_onnx(path: str | os.PathLike[str], loss: Any = None) -> str:
    """The spec text (YAML) for the dense ONNX model at ``path``."""
    model = read_model(path)
    layers, props = read_onnx_layers(model, str(path))
    names = props.get("inputs", "").split("\n") if props.get("inputs") else None
    if loss is None:
        loss = json.loads(props["loss"]) if "loss" in props else "mse"
    name = props.get("spec") or Path(path).stem
    data = layered_spec(name, layers, names, loss, description=f"imported from {Path(path).name}")
    return spec_text(data, f"Imported by graphengine from {Path(path).name} ({len(layers)} dense layer(s)).")
