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

from .._util.escape import terminal
from ..errors import DataError, GraphEngineError
from .import_spec import DenseLayer, LossChoice, layered_spec, spec_text

__all__ = ["ACTIVATIONS", "import_onnx", "read_onnx_layers"]

#: ONNX op type → graphengine activation (the ai.graphengine domain's functions have these names too)
ACTIVATIONS = {"Tanh": "tanh", "Relu": "relu", "Sigmoid": "sigmoid", "LeakyRelu": "leaky_relu", "Softplus": "softplus"}
GRAPHENGINE_DOMAIN = "ai.graphengine"
SUPPORTED = "Gemm, MatMul + Add, Identity and the activations " + ", ".join(ACTIVATIONS)
# ONNX data types that hold real numbers (TensorProto's FLOAT … DOUBLE, FLOAT16, BFLOAT16, BOOL, ints).
_NUMERIC = {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16}


def _float32_shortest(value: float) -> float:
    """An ONNX float attribute (float32) as the shortest decimal that reads back to it:
    LeakyRelu(alpha=0.01) is 0.01, not 0.009999999776482582."""
    return float(repr(np.float32(value)).removeprefix("np.float32(").removesuffix(")"))


def _layer_name(weight: str) -> str | None:
    """``hidden.weight`` (graphengine's and PyTorch's naming) → ``hidden``."""
    return weight.removesuffix(".weight") if weight.endswith(".weight") else None


def _where(node: Any) -> str:
    name = node.name or (node.output[0] if len(node.output) else "")
    return f"node `{terminal(name[:80])}` ({terminal(node.op_type[:80])})"


#: The most values one imported weight may hold (a dense layer of 8192 × 8192): a model that
#: declares more is refused before anything is allocated.
MAX_TENSOR_VALUES = 1 << 26
#: The most characters of a metadata property read as JSON (a loss name is a few dozen).
MAX_METADATA_JSON = 10_000


def tensor_values(tensor: Any, what: str, refuse: Any, folder_file: str | None = None) -> np.ndarray:
    """An ONNX tensor as a float64 array, or ``refuse(message)``: its declared size is checked
    before any value is made; complex, string and non-numeric tensors, and data that does not
    fit the declared shape, are refused (never a value silently dropped). Data stored outside
    the model (``data_location: EXTERNAL``) is read by :func:`external_data` under the one rule."""
    from onnx import TensorProto, numpy_helper

    dims = list(tensor.dims)
    if any(d < 0 for d in dims):
        raise refuse(f"{what} has a negative dimension {dims}")
    count = 1
    for d in dims:
        count *= d
    if count > MAX_TENSOR_VALUES:
        raise refuse(f"{what} declares {count:,} values ({' × '.join(map(str, dims))}); at most {MAX_TENSOR_VALUES:,}")
    kind = tensor.data_type
    if kind in (TensorProto.COMPLEX64, TensorProto.COMPLEX128):
        raise refuse(f"{what} holds complex numbers; a network's weights are real numbers")
    if kind in (TensorProto.STRING, TensorProto.UNDEFINED) or kind not in _NUMERIC:
        name = TensorProto.DataType.Name(kind) if kind in TensorProto.DataType.values() else str(kind)
        raise refuse(f"{what} holds {name} values, not real numbers")
    if tensor.data_location == TensorProto.EXTERNAL:
        tensor = external_data(tensor, what, refuse, folder_file)
    try:
        values = numpy_helper.to_array(tensor)
    except Exception as e:  # data that does not fit the declared shape, a truncated raw_data
        raise refuse(f"{what}: its data does not fit its declared shape {dims} ({type(e).__name__})") from None
    if values.size != count:
        raise refuse(f"{what}: {values.size:,} values for the declared shape {dims}")
    values = np.asarray(values, dtype=np.float64)
    if not np.isfinite(values).all():
        raise refuse(f"{what} holds a value that is not a finite number")
    return values


def external_data(tensor: Any, what: str, refuse: Any, model_file: str | None) -> Any:
    """A copy of ``tensor`` with its external data read in: the file must lie below the
    model's folder (the rule for every file a file names; ``--allow-outside-data`` lifts it),
    be a regular file, and hold the bytes the tensor's offset and length name."""
    from onnx import TensorProto

    from .._util.reading import MAX_DATA_BYTES, read_bytes, read_cap, referenced_path

    entries = {e.key: e.value for e in tensor.external_data}
    location = entries.get("location", "")
    if not location:
        raise refuse(f"{what}: its data is external but names no file")
    path, problem = referenced_path(model_file, location)
    if problem is not None or Path(location).is_absolute():
        raise refuse(f"{what}: " + (problem or f"`{location}` is an absolute path; name a file next to the model"))
    try:
        offset = int(entries.get("offset", "0"))
        length = int(entries["length"]) if "length" in entries else None
    except ValueError:
        raise refuse(f"{what}: its external data's offset or length is not a number") from None
    try:
        data = read_bytes(path, read_cap(MAX_DATA_BYTES), DataError, missing=True)
    except (FileNotFoundError, ValueError):
        raise refuse(f"{what}: its data file `{location}` is missing") from None
    if offset < 0 or (length is not None and (length < 0 or offset + length > len(data))) or offset > len(data):
        raise refuse(f"{what}: its data file `{location}` is shorter than the offset and length it names")
    inline = TensorProto()
    inline.CopyFrom(tensor)
    del inline.external_data[:]
    inline.data_location = TensorProto.DEFAULT
    inline.raw_data = data[offset : None if length is None else offset + length]
    return inline


def read_onnx_layers(model: Any, file: str | None = None) -> tuple[list[DenseLayer], dict[str, str]]:
    """The model's dense layers in order, and its metadata properties."""

    graph = model.graph

    def refuse(message: str) -> GraphEngineError:
        return GraphEngineError(message, file=file)

    constants = {
        t.name: tensor_values(t, f"the weight `{terminal(t.name[:80])}`", refuse, file) for t in graph.initializer
    }
    nodes = []
    for node in graph.node:
        if len(node.output) != 1 or not node.output[0]:
            raise refuse(f"{_where(node)} has {len(node.output)} outputs; a layer's node has one")
        if not node.input and not (node.op_type == "Constant"):
            raise refuse(f"{_where(node)} reads no input")
        if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
            value = next((a for a in node.attribute if a.name == "value"), None)
            if value is None or not value.HasField("t"):
                raise refuse(f"{_where(node)}: only a tensor `value` Constant is supported")
            constants[node.output[0]] = tensor_values(value.t, _where(node), refuse, file)
        else:
            nodes.append(node)
    inputs = [i for i in graph.input if i.name not in constants]
    if len(inputs) != 1 or len(graph.output) != 1:
        raise refuse(
            f"the model has {len(inputs)} input(s) and {len(graph.output)} output(s); one of each is supported"
        )
    current = inputs[0].name
    layers: list[DenseLayer] = []

    def operands(node: Any, least: int, most: int) -> None:
        if not least <= len(node.input) <= most:
            wanted = str(least) if least == most else f"{least} to {most}"
            raise refuse(f"{_where(node)} has {len(node.input)} inputs; {node.op_type} takes {wanted}")

    def matrix(name: str, node: Any) -> np.ndarray:
        weight = constant(name, node)
        if weight.ndim != 2 or 0 in weight.shape:
            raise refuse(
                f"{_where(node)}: the weight `{terminal(name[:80])}` has shape {weight.shape}; a matrix is needed"
            )
        return weight

    def fits(bias: np.ndarray | None, weight: np.ndarray, node: Any) -> None:
        if bias is not None and bias.shape != (weight.shape[0],):
            raise refuse(f"{_where(node)}: {bias.size} bias values for a layer of {weight.shape[0]} outputs")

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
                operands(node, 2, 2)
                other = node.input[1] if node.input[0] == current else node.input[0]
                add_bias = constant(other, node).reshape(-1)
                fits(add_bias, pending_matmul.T, node)
                layers.append(DenseLayer(pending_matmul.T, add_bias))
                pending_matmul = None
                current = node.output[0]
                continue
        if op == "Identity":
            pass
        elif op == "Gemm":
            operands(node, 2, 3)
            if node.input[0] != current or attrs.get("transA") and attrs["transA"].i:
                raise refuse(f"{_where(node)}: only x·W (input first, transA=0) is supported")
            weight = matrix(node.input[1], node)
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
            fits(bias, weight, node)
            layers.append(DenseLayer(weight, bias, name=_layer_name(node.input[1])))
        elif op == "MatMul":
            operands(node, 2, 2)
            if node.input[0] != current:
                raise refuse(f"{_where(node)}: only x·W (input first) is supported")
            pending_matmul = matrix(node.input[1], node)
        elif op in ACTIVATIONS:
            if not layers:
                raise refuse(f"{_where(node)}: an activation before the first dense layer is not supported")
            if layers[-1].activation != "identity":
                raise refuse(f"{_where(node)}: a second activation on one layer is not supported")
            layers[-1].activation = ACTIVATIONS[op]
            if op == "LeakyRelu":
                if domain == GRAPHENGINE_DOMAIN:  # graphengine's exact form: alpha is a double input
                    operands(node, 2, 2)
                    alphas = constant(node.input[1], node).reshape(-1)
                    if alphas.size != 1:
                        raise refuse(f"{_where(node)}: alpha holds {alphas.size} values; one is needed")
                    alpha = float(alphas[0])
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
    from .._util.reading import MAX_DATA_BYTES, read_bytes, read_cap

    path = Path(path)
    if path.suffix.lower() != ".onnx":
        raise GraphEngineError(f"an ONNX model file ends in .onnx, not `{path.suffix or path.name}`", file=str(path))
    data = read_bytes(path, read_cap(MAX_DATA_BYTES), DataError)  # a regular file within the cap
    try:
        return onnx.load_from_string(data)
    except Exception as e:  # protobuf's DecodeError and friends: a truncated or foreign file
        raise DataError(f"not a readable ONNX model ({type(e).__name__})", file=str(path)) from None


def _metadata_loss(text: str | None, file: str) -> LossChoice:
    """The loss graphengine's export wrote into the model's metadata (``"mse"`` when none)."""
    if text is None:
        return "mse"
    problem = "the metadata property `loss` is not the JSON graphengine's export writes (a loss name or mapping)"
    if len(text) > MAX_METADATA_JSON:
        raise DataError(problem, file=file)
    try:
        loss = json.loads(text)
    except (ValueError, RecursionError):
        raise DataError(problem, file=file) from None
    if not isinstance(loss, str | dict):
        raise DataError(problem, file=file)
    return loss


def import_onnx(path: str | os.PathLike[str], loss: LossChoice | None = None) -> str:
    """The spec text (YAML) for the dense ONNX model at ``path``."""
    model = read_model(path)
    layers, props = read_onnx_layers(model, str(path))
    names = props.get("inputs", "").split("\n") if props.get("inputs") else None
    if loss is None:
        loss = _metadata_loss(props.get("loss"), str(path))
    name = props.get("spec") or Path(path).stem
    data = layered_spec(name, layers, names, loss, description=f"imported from {Path(path).name}")
    return spec_text(data, f"Imported by graphengine from {Path(path).name} ({len(layers)} dense layer(s)).")
