"""A network as the source of a standalone PyTorch module (``graphengine export SPEC -o NET.py``).

The generated file defines ``class Network(torch.nn.Module)``: one ``nn.Parameter`` per
spec parameter (a spec layer's weights and biases as one ``(out, in)`` / ``(out,)``
tensor each, ``nn.Linear``'s layout), frozen ones with ``requires_grad=False``, a shared
parameter as one object used at each place. ``forward(inputs)`` maps ``(N, inputs)`` to
``(N, outputs)`` in the spec's orders, level by level as the compiled plan runs it (a
dense layer is one matrix product, irregular edges are written out entry by entry);
``loss(inputs, targets)`` is the spec's batch loss; ``spec_parameters`` maps every spec
parameter name to its tensor. Writing the file needs no torch; running it does.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import PluginError, one_line
from ..plugins.registry import Activation, Loss
from .structure import ActivationColumns, Structure, read_structure

if TYPE_CHECKING:
    from ..engine.network import Network

__all__ = ["TORCH_ACTIVATIONS", "TORCH_LOSSES", "torch_module", "torch_source"]

DTYPES = ("float64", "float32")

# Built-in activations as torch expressions in `x` (format fields: the activation's parameters).
# softplus: torch's softplus switches to x above a threshold (a 1e-11 relative error at 21);
# logaddexp(x, 0) is exact everywhere and its gradient is σ(x).
TORCH_ACTIVATIONS = {
    "identity": "{x}",
    "sigmoid": "torch.sigmoid({x})",
    "tanh": "torch.tanh({x})",
    "relu": "torch.relu({x})",
    "leaky_relu": "torch.nn.functional.leaky_relu({x}, {alpha!r})",
    "softplus": "torch.logaddexp({x}, torch.zeros_like({x}))",
}

# Built-in per-sample losses in `y`, `t` ((N, outputs) each) → (N,). The probability clip of
# binary cross-entropy is graphengine's (1e-12 from 0 and 1).
TORCH_LOSSES = {
    "half_squared_error": "0.5 * ((t - y) ** 2).sum(dim=1)",
    "mse": "((t - y) ** 2).mean(dim=1)",
    "binary_cross_entropy": (
        "-(t * torch.log(y.clamp(1e-12, 1 - 1e-12)) + (1 - t) * torch.log1p(-y.clamp(1e-12, 1 - 1e-12))).mean(dim=1)"
    ),
    "softmax_cross_entropy": "-(t * torch.log_softmax(y, dim=1)).sum(dim=1)",
}


def export_form(plugin: Activation | Loss, kind: str, params: dict[str, float]) -> str:
    """The formula a plugin declares with ``export=`` (see :mod:`graphengine.interop.expression`),
    checked against the plugin's own function."""
    from .expression import check_export

    expression = getattr(plugin, "export", None)
    if expression is None:
        raise PluginError(
            f"{kind} `{plugin.name}` from {plugin.source} has no export form, so it cannot be written for "
            f'PyTorch or ONNX; give it one with `@{kind}(export="...")` (see the README, Taking it further)'
        )
    check_export(plugin, kind, params)
    return expression


def activation_expression(activation: Activation, params: dict[str, float], x: str) -> str:
    """The torch expression of ``activation`` applied to the tensor named ``x``."""
    if activation.source == "built-in" and activation.name in TORCH_ACTIVATIONS:
        return TORCH_ACTIVATIONS[activation.name].format(x=x, **params)
    from .expression import torch_code

    return torch_code(export_form(activation, "activation", params), {"x": x}, params, activation.name)


def loss_expression(loss: Loss, params: dict[str, float]) -> str:
    """The torch expression of the per-sample loss in ``y`` and ``t``."""
    if loss.source == "built-in" and loss.name in TORCH_LOSSES:
        return TORCH_LOSSES[loss.name]
    from .expression import torch_code

    return torch_code(export_form(loss, "loss", params), {"y": "y", "t": "t"}, params, loss.name)


def _text(value: str) -> str:
    """A name read from a spec, safe inside the generated docstrings and comments."""
    return one_line(value.replace("\\", "\\\\").replace('"', '\\"'))


class _Writer:
    """Turns parameter-index arrays into torch expressions over the module's parameters."""

    def __init__(self, structure: Structure) -> None:
        self.structure = structure

    def element(self, i: int) -> str:
        if i < 0:
            return "self.zero"
        if i in self.structure.attributes:
            return f"self.{self.structure.attributes[i]}"
        tensor, position = self.structure.owner[i]
        return f"self.{tensor.attribute}[{', '.join(map(str, position))}]"

    def _whole_tensor(self, index: np.ndarray) -> str | None:
        """A layer tensor used whole (``W.T`` for weights), or padded with zero columns."""
        used = np.flatnonzero((index >= 0).any(axis=0)) if index.ndim == 2 else np.flatnonzero(index >= 0)
        if len(used) == 0:
            return None
        c0, c1 = int(used[0]), int(used[-1]) + 1
        part = index[:, c0:c1] if index.ndim == 2 else index[c0:c1]
        first = int(part.flat[0])
        if first < 0 or first not in self.structure.owner:
            return None
        tensor, position = self.structure.owner[first]
        matrix = tensor.index_matrix()
        expression = f"self.{tensor.attribute}"
        if part.ndim == 2 and matrix.ndim == 2 and part.shape[1] == matrix.shape[1] and position[0] == 0:
            # Some of the layer's sources (a layer fed by two levels runs as one product per level).
            r0 = position[1]
            if r0 + part.shape[0] > matrix.shape[0] or not np.array_equal(matrix[r0 : r0 + part.shape[0]], part):
                return None
            if part.shape[0] != matrix.shape[0]:
                expression += f"[:, {r0}:{r0 + part.shape[0]}]"
        elif matrix.shape != part.shape or not np.array_equal(matrix, part):
            return None
        expression += ".T" if index.ndim == 2 else ""
        width = index.shape[-1]
        if (c0, c1) != (0, width):
            expression = f"torch.nn.functional.pad({expression}, ({c0}, {width - c1}))"
        return expression

    def tensor(self, index: np.ndarray) -> str:
        """The matrix (or vector) whose entries are the parameters ``index`` names (-1: 0)."""
        whole = self._whole_tensor(index)
        if whole is not None:
            return whole
        entries = ", ".join(self.element(int(i)) for i in index.ravel())
        shape = f".reshape({index.shape[0]}, {index.shape[1]})" if index.ndim == 2 else ""
        return f"torch.stack([{entries}]){shape}"


def _pick(names: list[str], columns: list[int] | None) -> list[str]:
    return names if columns is None else [names[c] for c in columns]


def _columns_expression(name: str, columns: list[int] | None) -> str:
    if columns is None:
        return name
    if columns == list(range(columns[0], columns[-1] + 1)):
        return f"{name}[:, {columns[0]}:{columns[-1] + 1}]"
    return f"{name}[:, {columns}]"


def _sources_expression(sources: list[tuple[int, list[int] | None]]) -> str:
    parts = [_columns_expression(f"out{k}", columns) for k, columns in sources]
    return parts[0] if len(parts) == 1 else f"torch.cat([{', '.join(parts)}], dim=1)"


def _wrap(line: str, indent: int) -> list[str]:
    """A long generated line wrapped at commas (the stacks of irregular blocks)."""
    pad = " " * indent
    if len(pad + line) <= 110:
        return [pad + line]
    return textwrap.wrap(line, 110, initial_indent=pad, subsequent_indent=pad + "    ", break_on_hyphens=False)


def _tuple_lines(variable: str, items: list[str], indent: int) -> list[str]:
    """``variable = ('a', 'b', ...)`` over lines of about 100 characters, broken between items only."""
    pad = " " * indent
    rows, row = [], ""
    for item in items:
        text = f"{item!r}, "
        if row and len(pad) + 4 + len(row) + len(text) > 104:
            rows.append(row.rstrip())
            row = ""
        row += text
    rows.append(row.rstrip())
    if len(rows) == 1:
        return [f"{pad}{variable} = ({rows[0]})"]
    return [f"{pad}{variable} = (", *(f"{pad}    {r}" for r in rows), f"{pad})"]


def _names(names: list[str], limit: int = 12) -> str:
    shown = ", ".join(_text(n) for n in names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def torch_source(net: Network, dtype: str = "float64", source: str | None = None) -> str:
    """The text of a Python file defining ``class Network(torch.nn.Module)`` for ``net``."""
    from .. import __version__

    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}")
    s = read_structure(net)
    w = _Writer(s)
    loss = loss_expression(s.loss, s.loss_params)  # first: a plugin without a torch form fails before any work
    lines = [
        f'"""{_text(s.name)}: PyTorch module generated by graphengine {__version__}'
        + (f" from {_text(source)}" if source else "")
        + ".",
        "",
        f"inputs  (columns of `inputs`, in order): {_names(s.inputs)}",
        f"outputs (columns of the result, in order): {_names(s.outputs)}",
        f"loss: {_text(s.loss.name)}{_params_text(s.loss_params)}, {s.reduction} over samples",
        '"""',
        "",
        "import torch",
        "",
        "",
        "class Network(torch.nn.Module):",
        f"    input_names = {tuple(s.inputs)!r}",
        f"    output_names = {tuple(s.outputs)!r}",
        "",
        f"    def __init__(self, dtype: torch.dtype = torch.{dtype}) -> None:",
        "        super().__init__()",
        "        # One Parameter per spec parameter; frozen ones do not train.",
    ]
    for i, attribute in s.attributes.items():
        frozen = "" if s.trainable[i] else ", requires_grad=False"
        comment = f"  # {_text(s.parameters[i])}" if s.parameters[i] != attribute else ""
        lines.append(
            f"        self.{attribute} = torch.nn.Parameter(torch.tensor({float(s.values[i])!r}, dtype=dtype){frozen})"
            + comment
        )
    for tensor in s.tensors:
        frozen = "" if tensor.trainable else ", requires_grad=False"
        values = s.tensor_values(tensor).tolist()
        lines += _wrap(
            f"self.{tensor.attribute} = torch.nn.Parameter(torch.tensor({values!r}, dtype=dtype){frozen})", 8
        )
    lines += [
        '        self.register_buffer("zero", torch.zeros((), dtype=dtype), persistent=False)',
        "",
        "    @property",
        "    def spec_parameters(self) -> dict[str, torch.Tensor]:",
        '        """Spec parameter name → its Parameter (a layer\'s entries: views of the layer\'s tensor)."""',
        "        params: dict[str, torch.Tensor] = {}",
    ]
    i = 0
    while i < len(s.parameters):
        owner = s.owner.get(i)
        if owner is None or i != owner[0].start:
            lines.append(f"        params[{s.parameters[i]!r}] = {w.element(i)}")
            i += 1
            continue
        tensor = owner[0]  # a whole layer tensor, in the parameter order: one loop, not a line per entry
        lines += _tuple_lines("nodes", tensor.nodes, 8)
        if len(tensor.shape) == 2:
            lines += _tuple_lines("sources", tensor.sources, 8)
            lines += [
                "        for i, source in enumerate(sources):",
                "            for j, node in enumerate(nodes):",
                f'                params[f"{{source}}->{{node}}"] = self.{tensor.attribute}[j, i]',
            ]
        else:
            lines += [
                "        for j, node in enumerate(nodes):",
                f'            params[f"{{node}}.bias"] = self.{tensor.attribute}[j]',
            ]
        i += int(np.prod(tensor.shape))
    lines += [
        "        return params",
        "",
        "    def forward(self, inputs: torch.Tensor) -> torch.Tensor:",
        f'        """(N, {len(s.inputs)}) inputs → (N, {len(s.outputs)}) outputs."""',
        "        out0 = inputs",
    ]
    for k, level in enumerate(s.levels, start=1):
        act = ", ".join(sorted({_text(a.name) + _params_text(p) for a, p, _ in level.groups}))
        lines.append(f"        # level {k} ({act}): {_names(level.nodes)}")
        terms = []
        for j, product in enumerate(level.products):
            matrix = w.tensor(product.index)
            if matrix.startswith("torch.stack"):
                # An irregular or hand-written block: every entry named (zero: no edge).
                local = f"weight{k}" + (chr(ord("a") + j) if len(level.products) > 1 else "")
                rows = [n for lvl, cols in product.sources for n in _pick(s.level_nodes(lvl), cols)]
                lines.append(f"        # rows: {_names(rows)}; columns: {_names(level.nodes)}")
                lines += _wrap(f"{local} = {matrix}", 8)
                matrix = local
            terms.append(f"{_sources_expression(product.sources)} @ {matrix}")
        if level.bias is not None:
            bias = w.tensor(level.bias)
            if bias.startswith("torch.stack"):
                lines += _wrap(f"bias{k} = {bias}", 8)
                bias = f"bias{k}"
            terms.append(bias)
        lines.append(f"        net{k} = " + " + ".join(terms))
        lines.append(f"        out{k} = " + _activate(level.groups, f"net{k}", len(level.nodes)))
    lines.append(f"        return {_outputs_expression(s)}")
    lines += [
        "",
        "    def loss(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:",
        f'        """The batch loss: {_text(s.loss.name)}, {s.reduction} over samples."""',
        "        return self.criterion(self(inputs), targets)",
        "",
        "    def criterion(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:",
        '        """The batch loss of given outputs (for a wrapper such as DistributedDataParallel)."""',
        "        y, t = outputs, targets",
    ]
    lines += _wrap(f"per_sample = {loss}", 8)
    lines.append(f"        return per_sample.{'sum' if s.reduction == 'sum' else 'mean'}()")
    return "\n".join(lines) + "\n"


def _params_text(params: dict[str, float]) -> str:
    return "(" + ", ".join(f"{k}={v!r}" for k, v in params.items()) + ")" if params else ""


def _activate(groups: list[ActivationColumns], net: str, width: int) -> str:
    if len(groups) == 1:
        return activation_expression(groups[0].activation, groups[0].params, net)
    parts, order = [], []
    for activation, params, columns in groups:
        parts.append(activation_expression(activation, params, _columns_expression(net, columns)))
        order += columns
    inverse = np.argsort(order).tolist()
    joined = f"torch.cat([{', '.join(parts)}], dim=1)"
    return joined if inverse == list(range(width)) else f"{joined}[:, {inverse}]"


def _outputs_expression(s: Structure) -> str:
    levels = {k for k, _ in s.output_columns}
    if len(levels) == 1:
        (k,) = levels
        columns = [c for _, c in s.output_columns]
        whole = columns == list(range(len(s.levels[k - 1].nodes))) if k > 0 else columns == list(range(len(s.inputs)))
        return _columns_expression(f"out{k}", None if whole else columns)
    parts = [f"out{k}[:, {c}:{c + 1}]" for k, c in s.output_columns]
    return f"torch.cat([{', '.join(parts)}], dim=1)"


def torch_module(net: Network, dtype: str = "float64") -> Any:
    """An instance of the generated module (``Network.to_torch()``); needs torch."""
    try:
        import torch
    except ImportError:
        from ..errors import GraphEngineError

        raise GraphEngineError("PyTorch export needs torch: pip install 'graphengine[torch]'") from None
    namespace: dict[str, Any] = {"__name__": "graphengine_generated"}
    # The source is ours, generated from validated names (attribute names are sanitised
    # identifiers, spec names appear only as repr() string literals), not user code.
    exec(compile(torch_source(net, dtype), f"<graphengine export of {net.spec.name}>", "exec"), namespace)
    return namespace["Network"](dtype=getattr(torch, dtype))
