"""A network as an ONNX model (``graphengine export SPEC -o NET.onnx``), written with the
``onnx`` package directly, in double precision by default.

Input ``inputs`` ``(N, len(inputs))``, output ``outputs`` ``(N, len(outputs))``, both in the
spec's orders. A spec layer is one ``Gemm`` (its weights ``(out, in)`` and biases as
initializers named ``LAYER.weight`` / ``LAYER.bias``); any other block is a ``MatMul`` by a
matrix assembled (``Concat`` + ``Reshape``) from one initializer per spec parameter, so a
shared parameter is one initializer used twice. Activations are exact in double: no
float32 attribute (LeakyRelu's alpha is one), no kernel onnxruntime lacks in double
(Softplus) or runs inexactly (its double Sigmoid gives 0 for σ(−40) = 4.2e-18): those
three are model-local functions of the ``ai.graphengine`` domain (``Sigmoid``,
``Softplus``, ``LeakyRelu(x, alpha)``), composed from exact ops; Netron shows them as one
node each, and :mod:`graphengine.interop.onnx_import` reads them back.

Not through ``torch.onnx``: that writes Python float constants as float32 and, with its
default optimisation, merges distinct parameters that happen to have equal values.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import GraphEngineError
from ..plugins.registry import Activation
from .structure import LevelForm, Structure, read_structure

if TYPE_CHECKING:
    from ..engine.network import Network
    from .expression import OnnxBuilder

__all__ = ["OPSET", "onnx_model"]

OPSET = 17
IR_VERSION = 8  # what onnxruntime, Netron and older runtimes read


def require_onnx() -> Any:
    """The onnx module, or a one-line error naming the extra."""
    try:
        import onnx
    except ImportError:
        raise GraphEngineError("ONNX export and import need onnx: pip install 'graphengine[onnx]'") from None
    return onnx


class _Graph:
    """The ONNX graph under construction: parameter initializers and per-level values."""

    def __init__(self, structure: Structure, builder: OnnxBuilder, dtype: Any) -> None:
        from onnx import numpy_helper

        self.structure, self.builder, self.dtype = structure, builder, dtype
        # Initializers carry the spec's names; a name the graph uses itself gets a trailing `_`.
        taken = {"inputs", "outputs"}

        def claim(name: str) -> str:
            while name in taken:
                name += "_"
            taken.add(name)
            return name

        used = {int(i) for level in structure.levels for p in level.products for i in p.index.ravel()}
        used |= {int(i) for level in structure.levels if level.bias is not None for i in level.bias}
        # A declared parameter that no edge or bias uses has nothing reading it: no initializer.
        self.names = {i: claim(structure.parameters[i]) for i in structure.attributes if i in used}
        self.tensor_names = {tensor.attribute: claim(tensor.label) for tensor in structure.tensors}
        for tensor in structure.tensors:
            name = self.tensor_names[tensor.attribute]
            builder.initializers.append(numpy_helper.from_array(structure.tensor_values(tensor).astype(dtype), name))
        for i, name in self.names.items():
            builder.initializers.append(numpy_helper.from_array(np.array([structure.values[i]], dtype=dtype), name))
        builder.taken = taken  # the builder's own names (const_3, stack_7, ...) avoid these
        self._flat: dict[str, str] = {}

    def element(self, i: int) -> str:
        """A ``[1]`` value holding parameter ``i`` (0 for -1)."""
        if i < 0:
            return self.builder.constant([0.0], self.dtype, "zero")
        if i in self.names:
            return self.names[i]
        tensor, position = self.structure.owner[i]
        name = self.tensor_names[tensor.attribute]
        if name not in self._flat:
            self._flat[name] = self.builder.node("Reshape", [name, self.builder.constant([-1], np.int64)], "flat")
        flat_index = int(np.ravel_multi_index(position, tensor.shape))
        return self.builder.node("Gather", [self._flat[name], self.builder.constant([flat_index], np.int64)], "entry")

    def whole(self, index: np.ndarray) -> str | None:
        """The layer tensor whose indices are exactly ``index`` (or some of its sources), if any."""
        first = int(index.flat[0])
        if first < 0 or first not in self.structure.owner:
            return None
        tensor, position = self.structure.owner[first]
        matrix = tensor.index_matrix()
        name = self.tensor_names[tensor.attribute]
        if matrix.shape == index.shape and np.array_equal(matrix, index):
            return name
        if index.ndim == 2 and matrix.ndim == 2 and index.shape[1] == matrix.shape[1] and position[0] == 0:
            # Some of the layer's sources (a layer fed by two levels runs as one product per level).
            rows = list(range(position[1], position[1] + index.shape[0]))
            if rows[-1] < matrix.shape[0] and np.array_equal(matrix[rows], index):
                return self.builder.node("Gather", [name, self.builder.constant(rows, np.int64)], "sources", axis=1)
        return None

    def assembled(self, index: np.ndarray) -> str:
        """A matrix or vector assembled from one value per entry."""
        parts = [self.element(int(i)) for i in index.ravel()]
        joined = parts[0] if len(parts) == 1 else self.builder.node("Concat", parts, "stack", axis=0)
        return self.builder.node("Reshape", [joined, self.builder.constant(list(index.shape), np.int64)], "matrix")

    def columns(self, value: str, columns: list[int] | None) -> str:
        if columns is None:
            return value
        return self.builder.node("Gather", [value, self.builder.constant(columns, np.int64)], "columns", axis=1)

    def sources(self, outs: list[str], sources: list[tuple[int, list[int] | None]]) -> str:
        parts = [self.columns(outs[k], columns) for k, columns in sources]
        return parts[0] if len(parts) == 1 else self.builder.node("Concat", parts, "sources", axis=1)

    def level(self, outs: list[str], k: int, level: LevelForm) -> str:
        # A dense layer alone in its level: one Gemm with the layer's weights and biases.
        bias_tensor = self.whole(level.bias) if level.bias is not None else None
        if len(level.products) == 1:
            weights = self.whole(level.products[0].index)
            if weights is not None and (level.bias is None or bias_tensor is not None):
                x = self.sources(outs, level.products[0].sources)
                inputs = [x, weights] + ([bias_tensor] if bias_tensor else [])
                net = self.builder.node("Gemm", inputs, f"net{k}", transB=1)
                return self.activate(level, net, k)
        terms = []
        for product in level.products:
            x = self.sources(outs, product.sources)
            weights = self.whole(product.index)
            if weights is not None:
                terms.append(self.builder.node("Gemm", [x, weights], "product", transB=1))
            else:
                terms.append(self.builder.node("MatMul", [x, self.assembled(product.index)], "product"))
        if level.bias is not None:
            terms.append(bias_tensor or self.assembled(level.bias))
        net = terms[0]
        for term in terms[1:]:
            net = self.builder.node("Add", [net, term], f"net{k}")
        return self.activate(level, net, k)

    def activate(self, level: LevelForm, net: str, k: int) -> str:
        if len(level.groups) == 1:
            group = level.groups[0]
            return activation_node(self.builder, group.activation, group.params, net, self.dtype)
        parts, order = [], []
        for activation, params, columns in level.groups:
            parts.append(activation_node(self.builder, activation, params, self.columns(net, columns), self.dtype))
            order += columns
        joined = self.builder.node("Concat", parts, f"out{k}", axis=1)
        inverse = np.argsort(order).tolist()
        return joined if inverse == list(range(len(order))) else self.columns(joined, inverse)


DOMAIN = "ai.graphengine"  # the exact activations, as model-local ONNX functions


def _exact_function(name: str, dtype: Any) -> Any:
    """``Sigmoid`` / ``Softplus`` / ``LeakyRelu(x, alpha)`` of the graphengine domain: the
    activation composed in the model's float type from ops onnxruntime runs exactly."""
    from onnx import helper

    from .expression import OnnxBuilder

    b = OnnxBuilder(dtype, inline=True)
    inputs = ["x", "alpha"] if name == "LeakyRelu" else ["x"]
    if name == "Sigmoid":
        result = b.sigmoid("x")
    elif name == "Softplus":  # max(x, 0) + log1p(exp(−|x|))
        tail = b.log1p(b.node("Exp", [b.node("Neg", [b.node("Abs", ["x"])])]))
        result = b.node("Add", [b.node("Max", ["x", b.constant(0.0)]), tail])
    else:
        result = b.node("Where", [b.node("Greater", ["x", b.constant(0.0)]), "x", b.node("Mul", ["x", "alpha"])])
    b.nodes.append(helper.make_node("Identity", [result], ["y"]))
    return helper.make_function(
        DOMAIN, name, inputs, ["y"], b.nodes, [helper.make_opsetid("", OPSET)], doc_string=EXACT_DOCS[name]
    )


EXACT_DOCS = {
    "Sigmoid": "sigmoid in double: e = exp(-|x|); 1/(1+e) for x >= 0, else e/(1+e)",
    "Softplus": "softplus in double: max(x, 0) + log1p(exp(-|x|))",
    "LeakyRelu": "leaky ReLU with a double alpha (an input, not ONNX LeakyRelu's float32 attribute)",
}


def activation_node(builder: OnnxBuilder, activation: Activation, params: dict[str, float], x: str, dtype: Any) -> str:
    """The nodes of one activation applied to ``x``; returns the result's name."""
    name = activation.name if activation.source == "built-in" else None
    if name == "identity":
        return x
    if name in ("tanh", "relu"):
        return builder.node({"tanh": "Tanh", "relu": "Relu"}[name], [x])
    exact = {"sigmoid": "Sigmoid", "softplus": "Softplus", "leaky_relu": "LeakyRelu"}.get(name or "")
    if exact is not None:
        builder.functions.add(exact)
        inputs = [x, builder.constant(params["alpha"], dtype, "alpha")] if exact == "LeakyRelu" else [x]
        return builder.node(exact, inputs, name, domain=DOMAIN)
    from .expression import onnx_value
    from .torch_source import export_form

    return onnx_value(builder, export_form(activation, "activation", params), {"x": x}, params, activation.name)


def onnx_model(net: Network, dtype: str = "float64") -> Any:
    """The network as an ``onnx.ModelProto`` (checked with ``onnx.checker``)."""
    onnx = require_onnx()
    from onnx import TensorProto, helper

    from .expression import OnnxBuilder

    numpy_dtype = np.float64 if dtype == "float64" else np.float32
    element = TensorProto.DOUBLE if dtype == "float64" else TensorProto.FLOAT
    s = read_structure(net)
    builder = OnnxBuilder(numpy_dtype)
    graph = _Graph(s, builder, numpy_dtype)
    outs = ["inputs"]
    for k, level in enumerate(s.levels, start=1):
        outs.append(graph.level(outs, k, level))
    levels = {k for k, _ in s.output_columns}
    if len(levels) == 1:
        (k,) = levels
        columns = [c for _, c in s.output_columns]
        width = len(s.level_nodes(k))
        result = graph.columns(outs[k], None if columns == list(range(width)) else columns)
    else:
        parts = [graph.columns(outs[k], [c]) for k, c in s.output_columns]
        result = builder.node("Concat", parts, "outputs", axis=1)
    builder.nodes.append(helper.make_node("Identity", [result], ["outputs"], name="outputs"))
    model_graph = helper.make_graph(
        builder.nodes,
        _identifier(s.name),
        [helper.make_tensor_value_info("inputs", element, ["N", len(s.inputs)])],
        [helper.make_tensor_value_info("outputs", element, ["N", len(s.outputs)])],
        initializer=builder.initializers,
        doc_string=f"inputs: {', '.join(s.inputs)}; outputs: {', '.join(s.outputs)}",
    )
    from .. import __version__

    model = helper.make_model(
        model_graph,
        producer_name="graphengine",
        producer_version=__version__,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(DOMAIN, 1)],
        ir_version=IR_VERSION,
        functions=[_exact_function(name, numpy_dtype) for name in sorted(builder.functions)],
    )
    # What `graphengine import` reads back (names, loss); other tools ignore these properties.
    loss = {"name": s.loss.name, "reduction": s.reduction, **s.loss_params}
    props = {"inputs": "\n".join(s.inputs), "outputs": "\n".join(s.outputs), "spec": s.name, "loss": json.dumps(loss)}
    helper.set_model_props(model, props)
    onnx.checker.check_model(model, full_check=True)
    return model


def _identifier(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name) or "network"
