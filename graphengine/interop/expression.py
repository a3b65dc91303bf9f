"""A plugin's export form: one small formula that becomes PyTorch code and ONNX nodes.

A plugin that should export declares its function once more, as text, in a tiny
language: numbers, its variables (``x`` for an activation; ``y`` and ``t`` for a loss,
each ``(samples, outputs)``), its parameters by name, ``+ - * / **``, comparisons, and
the functions in :data:`FUNCTIONS` (``sum``/``mean`` reduce a loss over the outputs)::

    @activation(export="x * 0.5 * (1 + tanh(0.5 * beta * x))")
    def swish(x, beta=1.0): ...

The text is parsed with :mod:`ast` and only those forms are accepted — it is never
evaluated as Python. Before use, the formula is checked against the plugin's own numpy
function on sample points, so a wrong export form is an error naming the plugin, not a
silently different exported model.

>>> torch_code("a * tanh(b * x)", {"x": "net1"}, {"a": 2.0, "b": 0.5}, "demo")
'(2.0 * torch.tanh((0.5 * net1)))'
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import PluginError

__all__ = ["FUNCTIONS", "OnnxBuilder", "check_export", "onnx_value", "torch_code"]

# name → (number of arguments, torch format, numpy function)
FUNCTIONS: dict[str, tuple[int, str, Callable[..., Any]]] = {
    "exp": (1, "torch.exp({0})", np.exp),
    "log": (1, "torch.log({0})", np.log),
    "log1p": (1, "torch.log1p({0})", np.log1p),
    "tanh": (1, "torch.tanh({0})", np.tanh),
    "sigmoid": (1, "torch.sigmoid({0})", lambda v: 0.5 * (1 + np.tanh(0.5 * v))),
    "abs": (1, "torch.abs({0})", np.abs),
    "sqrt": (1, "torch.sqrt({0})", np.sqrt),
    "where": (3, "torch.where({0}, {1}, {2})", np.where),
    "sum": (1, "({0}).sum(dim=1)", lambda v: np.sum(v, axis=1)),
    "mean": (1, "({0}).mean(dim=1)", lambda v: np.mean(v, axis=1)),
}
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_ONNX_BINARY = {ast.Add: "Add", ast.Sub: "Sub", ast.Mult: "Mul", ast.Div: "Div", ast.Pow: "Pow"}
_ONNX_COMPARE = {ast.Lt: "Less", ast.LtE: "LessOrEqual", ast.Gt: "Greater", ast.GtE: "GreaterOrEqual"}


def _parse(text: str, name: str) -> ast.expr:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        raise PluginError(f"`{name}`: export form `{text}` is not a formula ({e.msg})") from None
    return tree.body


def _unsupported(node: ast.AST, text: str, name: str) -> PluginError:
    shown = ast.unparse(node) if isinstance(node, ast.expr) else type(node).__name__
    return PluginError(
        f"`{name}`: export form `{text}` uses `{shown}`; allowed are numbers, the variables, the parameters, "
        f"+ - * / **, comparisons and {', '.join(FUNCTIONS)}"
    )


def _walk(node: ast.expr, text: str, name: str, leaf: Callable, apply: Callable) -> Any:
    """Fold the formula bottom-up: ``leaf(kind, value)`` for numbers and names,
    ``apply(op, args)`` for operators ('+', 'neg', '<', ...) and functions."""

    def fold(n: ast.expr) -> Any:
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool):
            return leaf("number", float(n.value))
        if isinstance(n, ast.Name):
            return leaf("name", n.id)
        if isinstance(n, ast.BinOp) and type(n.op) in _BINARY:
            return apply(type(n.op), [fold(n.left), fold(n.right)])
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            value = fold(n.operand)
            return apply("neg", [value]) if isinstance(n.op, ast.USub) else value
        if isinstance(n, ast.Compare) and len(n.ops) == 1 and type(n.ops[0]) in _COMPARE:
            return apply(type(n.ops[0]), [fold(n.left), fold(n.comparators[0])])
        if (
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Name)
            and n.func.id in FUNCTIONS
            and not n.keywords
            and len(n.args) == FUNCTIONS[n.func.id][0]
        ):
            return apply(n.func.id, [fold(a) for a in n.args])
        raise _unsupported(n, text, name)

    return fold(node)


def _names(variables: dict[str, Any], params: dict[str, float], text: str, name: str) -> Callable:
    def lookup(kind: str, value: Any, number: Callable, variable: Callable) -> Any:
        if kind == "number":
            return number(value)
        if value in variables:
            return variable(variables[value])
        if value in params:
            return number(params[value])
        known = ", ".join(f"`{k}`" for k in [*variables, *params])
        raise PluginError(f"`{name}`: export form `{text}` names `{value}`, which is none of {known}")

    return lookup


def torch_code(text: str, variables: dict[str, str], params: dict[str, float], name: str) -> str:
    """The formula as a torch expression; ``variables`` maps formula names to tensor names."""
    lookup = _names(variables, params, text, name)

    def leaf(kind: str, value: Any) -> str:
        return lookup(kind, value, repr, str)

    def apply(op: Any, args: list[str]) -> str:
        if op == "neg":
            return f"(-{args[0]})"
        if op in _BINARY:
            return f"({args[0]} {_BINARY[op]} {args[1]})"
        if op in _COMPARE:
            return f"({args[0]} {_COMPARE[op]} {args[1]})"
        return FUNCTIONS[op][1].format(*args)

    return _walk(_parse(text, name), text, name, leaf, apply)


def numpy_value(text: str, variables: dict[str, np.ndarray], params: dict[str, float], name: str) -> np.ndarray:
    """The formula evaluated with numpy (to check it against the plugin's own function)."""
    lookup = _names(variables, params, text, name)
    ops: dict[Any, Callable] = {
        ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide, ast.Pow: np.power,
        ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater, ast.GtE: np.greater_equal, "neg": np.negative,
    }  # fmt: skip

    def apply(op: Any, args: list) -> Any:
        return ops[op](*args) if op in ops else FUNCTIONS[op][2](*args)

    with np.errstate(all="ignore"):
        return _walk(_parse(text, name), text, name, lambda k, v: lookup(k, v, float, lambda a: a), apply)


_POINTS = np.array([-6.0, -2.5, -1.0, -0.3, -0.01, 0.0, 0.02, 0.4, 1.1, 2.0, 5.0])


def check_export(plugin: Any, kind: str, params: dict[str, float]) -> None:
    """Raise :class:`PluginError` unless the plugin's export form equals its function
    (to 1e-9 relative) on sample points, with the parameters the spec gives it."""
    text = plugin.export
    if kind == "activation":
        expected = plugin.function(_POINTS, **params)
        got = numpy_value(text, {"x": _POINTS}, params, plugin.name)
    else:
        y = np.stack([_POINTS, _POINTS[::-1] * 0.5])[:, :].T.copy()
        t = np.stack([np.linspace(-1, 1, len(_POINTS)), np.full(len(_POINTS), 0.25)]).T.copy()
        expected = plugin.function(y, t, **params)
        got = numpy_value(text, {"y": y, "t": t}, params, plugin.name)
    got = np.broadcast_to(np.asarray(got, dtype=np.float64), np.shape(expected))
    if not np.allclose(got, expected, rtol=1e-9, atol=1e-12, equal_nan=True):
        worst = int(np.argmax(np.abs(got - expected)))
        raise PluginError(
            f"{kind} `{plugin.name}` from {plugin.source}: its export form `{text}` gives "
            f"{got.flat[worst]:.12g} where the function gives {np.ravel(expected)[worst]:.12g}"
        )


class OnnxBuilder:
    """Collects ONNX nodes and constants (double unless told) under fresh names."""

    def __init__(self, dtype: Any = np.float64, inline: bool = False) -> None:
        from onnx import helper

        self.helper, self.dtype = helper, dtype
        self.inline = inline  # constants as Constant nodes (inside an ONNX function), not initializers
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.functions: set[str] = set()  # model-local functions used (graphengine.interop.onnx_export)
        self.taken: set[str] = set()
        self._count = 0
        self._constants: dict[tuple, str] = {}

    def fresh(self, hint: str) -> str:
        """A new value name, never one in ``taken`` (the graph's own and the parameters' names)."""
        while True:
            self._count += 1
            name = f"{hint}_{self._count}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def node(self, op: str, inputs: list[str], hint: str | None = None, **attributes: Any) -> str:
        output = self.fresh(hint or op.lower())
        self.nodes.append(self.helper.make_node(op, inputs, [output], name=output, **attributes))
        return output

    def constant(self, value: Any, dtype: Any = None, hint: str = "const") -> str:
        """An initializer holding ``value`` (in the model's float type unless ``dtype`` says)."""
        array = np.asarray(value, dtype=dtype or self.dtype)
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self._constants:
            from onnx import numpy_helper

            name = self.fresh(hint)
            if self.inline:
                self.nodes.append(
                    self.helper.make_node("Constant", [], [name], name=name, value=numpy_helper.from_array(array))
                )
            else:
                self.initializers.append(numpy_helper.from_array(array, name))
            self._constants[key] = name
        return self._constants[key]

    def sigmoid(self, value: str) -> str:
        """σ(v) as graphengine computes it: e = exp(−|v|), then 1/(1 + e) or e/(1 + e). onnxruntime's
        double Sigmoid loses the tail (σ(−40) comes out 0, not 4.2e-18)."""
        e = self.node("Exp", [self.node("Neg", [self.node("Abs", [value])])])
        d = self.node("Add", [self.constant(1.0), e])
        positive = self.node("GreaterOrEqual", [value, self.constant(0.0)])
        return self.node("Where", [positive, self.node("Reciprocal", [d]), self.node("Div", [e, d])], "sigmoid")

    def log1p(self, value: str) -> str:
        """log(1 + v) accurate for small v (ONNX has no Log1p): log(u)·v/(u − 1) with u = 1 + v,
        and v itself where u rounds to 1 (Goldberg 1991)."""
        one = self.constant(1.0)
        u = self.node("Add", [one, value])
        d = self.node("Sub", [u, one])
        ratio = self.node("Div", [value, d])
        scaled = self.node("Mul", [self.node("Log", [u]), ratio])
        tiny = self.node("Equal", [d, self.constant(0.0)])
        return self.node("Where", [tiny, value, scaled], "log1p")


def onnx_value(builder: OnnxBuilder, text: str, variables: dict[str, str], params: dict[str, float], name: str) -> str:
    """Add the formula's nodes to ``builder``; return the name of its result (double)."""
    lookup = _names(variables, params, text, name)
    unary = {"exp": "Exp", "log": "Log", "tanh": "Tanh", "abs": "Abs", "sqrt": "Sqrt"}

    def apply(op: Any, args: list[str]) -> str:
        if op == "neg":
            return builder.node("Neg", args)
        if op in _ONNX_BINARY:
            return builder.node(_ONNX_BINARY[op], args)
        if op in _ONNX_COMPARE:
            return builder.node(_ONNX_COMPARE[op], args)
        if op in unary:
            return builder.node(unary[op], args)
        if op == "log1p":
            return builder.log1p(args[0])
        if op == "sigmoid":
            return builder.sigmoid(args[0])
        if op == "where":
            return builder.node("Where", args)
        raise PluginError(f"`{name}`: `{op}` has no ONNX form in an activation's export form `{text}`")

    return _walk(_parse(text, name), text, name, lambda k, v: lookup(k, v, builder.constant, str), apply)
