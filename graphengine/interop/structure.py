"""A compiled network read as what exporters write: matrix products, biases, activations.

The :class:`~graphengine.engine.plan.Plan` stores each block's weights as parameter indices into
one flat vector; an exporter (PyTorch source, ONNX) needs, per level, the source columns
and a ``(sources, level width)`` matrix of parameter indices (``-1`` where there is no
edge), a bias index per column, and the activation groups. A spec layer's weights and
biases are held as one tensor each (``nn.Linear`` layout: weights ``(out, in)``), every
other parameter as its own scalar, so a shared parameter is one object used twice.

>>> import graphengine
>>> structure = read_structure(graphengine.load("specs/doc_example.yaml"))   # doctest: +SKIP
>>> structure.levels[0].products[0].index                                     # doctest: +SKIP
array([[0, 2],
       [1, 3]])
"""

from __future__ import annotations

import hashlib
import json
import keyword
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..engine.blocks import ALL, Columns
from ..model.graph import weighted_edges
from ..plugins.registry import Activation, Loss

if TYPE_CHECKING:
    from ..engine.network import Network

__all__ = ["ActivationColumns", "LayerTensor", "LevelForm", "Product", "Structure", "read_structure", "structure_hash"]


@dataclass
class LayerTensor:
    """A spec layer's weights ``(out, in)`` or biases ``(out,)`` held as one tensor."""

    attribute: str  # e.g. hidden_weight
    start: int  # first index in the parameter vector (weights are stored sources × neurons there)
    shape: tuple[int, ...]
    trainable: bool
    sources: list[str]  # the layer's source nodes (weights) — its parameter names are `source->node`
    nodes: list[str]  # its neurons (biases: `node.bias`)
    label: str  # LAYER.weight / LAYER.bias: its name in other tools (ONNX initializers, PyTorch)

    def index_matrix(self) -> np.ndarray:
        """The parameter indices in the layout the exporters use (``x @ W``: sources × neurons)."""
        if len(self.shape) == 1:
            return self.start + np.arange(self.shape[0])
        out, inp = self.shape
        return self.start + np.arange(out * inp).reshape(inp, out)


@dataclass
class Product:
    """``x @ W``: ``x`` the source columns (level, columns or None for the whole level), ``W``
    given by ``index`` ``(sources, level width)`` of parameter indices, -1 for no edge."""

    sources: list[tuple[int, list[int] | None]]
    index: np.ndarray


class ActivationColumns(NamedTuple):
    """One activation, with its parameters, applied to some columns of a level."""

    activation: Activation
    params: dict[str, float]
    columns: list[int]


@dataclass
class LevelForm:
    """One level: ``net = Σ products + bias``; each activation group applied to its columns."""

    nodes: list[str]
    products: list[Product]
    bias: np.ndarray | None  # (width,) parameter index per column, -1 for none; None if no bias at all
    groups: list[ActivationColumns]


@dataclass
class Structure:
    name: str
    inputs: list[str]
    outputs: list[str]
    output_columns: list[tuple[int, int]]  # per output: (level, column within that level); level 0 = inputs
    parameters: list[str]
    values: np.ndarray
    trainable: np.ndarray
    attributes: dict[int, str]  # parameter index → attribute name, for parameters held as scalars
    tensors: list[LayerTensor]
    owner: dict[int, tuple[LayerTensor, tuple[int, ...]]]  # parameter index → its tensor and position there
    levels: list[LevelForm]
    loss: Loss
    loss_params: dict[str, float]
    reduction: str

    def level_nodes(self, k: int) -> list[str]:
        """The node names of level ``k`` (level 0: the inputs)."""
        return self.inputs if k == 0 else self.levels[k - 1].nodes

    def tensor_values(self, tensor: LayerTensor) -> np.ndarray:
        """A layer tensor's values in its own layout."""
        values = self.values[tensor.index_matrix()]
        return values.T if values.ndim == 2 else values


def _columns(columns: Columns, width: int) -> list[int] | None:
    if columns is ALL:
        return None
    if isinstance(columns, slice):
        return list(range(*columns.indices(width)))
    return [int(c) for c in columns]


# Names that a parameter attribute must not take: the generated class's own members and
# torch.nn.Module's public ones (a spec parameter called `to` or `eval` is plausible).
RESERVED = frozenset(
    """forward loss criterion spec_parameters input_names output_names zero dtype training T_destination dump_patches
    call_super_init add_module apply bfloat16 buffers children compile cpu cuda double eval extra_repr float
    get_buffer get_extra_state get_parameter get_submodule half ipu load_state_dict modules mtia named_buffers
    named_children named_modules named_parameters parameters register_backward_hook register_buffer
    register_forward_hook register_forward_pre_hook register_full_backward_hook register_full_backward_pre_hook
    register_load_state_dict_post_hook register_load_state_dict_pre_hook register_module register_parameter
    register_state_dict_post_hook register_state_dict_pre_hook requires_grad_ set_extra_state set_submodule
    share_memory state_dict to to_empty train type xpu zero_grad""".split()
)


def attribute_name(name: str, taken: set[str]) -> str:
    """A Python identifier for a spec name: ``x1->h2`` → ``x1_to_h2``, ``h1.bias`` → ``h1_bias``."""
    text = re.sub(r"\W", "_", name.replace("->", "_to_"), flags=re.ASCII).strip("_") or "p"
    if text[0].isdigit() or keyword.iskeyword(text) or text in RESERVED:
        text = f"p_{text}"
    candidate, n = text, 2
    while candidate in taken:
        candidate, n = f"{text}_{n}", n + 1
    taken.add(candidate)
    return candidate


def read_structure(net: Network) -> Structure:
    """The network's compiled plan as products, biases and activation groups, with the
    current parameter values."""
    plan, G = net.plan, net.graph
    taken: set[str] = set()
    tensors: list[LayerTensor] = []
    owner: dict[int, tuple[LayerTensor, tuple[int, ...]]] = {}
    for record in G.graph.get("layers", []):
        trainable = bool(plan.trainable[record["weights"][0]])
        a, _ = record["weights"]
        size, fan_in = len(record["nodes"]), len(record["sources"])
        weight = LayerTensor(
            attribute_name(f"{record['name']}_weight", taken),
            a,
            (size, fan_in),
            trainable,
            record["sources"],
            record["nodes"],
            f"{record['name']}.weight",
        )
        tensors.append(weight)
        for s in range(fan_in):
            for v in range(size):
                owner[a + s * size + v] = (weight, (v, s))
        if record["biases"] is not None:
            a, _ = record["biases"]
            bias = LayerTensor(
                attribute_name(f"{record['name']}_bias", taken),
                a,
                (size,),
                trainable,
                [],
                record["nodes"],
                f"{record['name']}.bias",
            )
            tensors.append(bias)
            for v in range(size):
                owner[a + v] = (bias, (v,))
    attributes = {i: attribute_name(name, taken) for i, name in enumerate(plan.parameter_names) if i not in owner}

    levels = []
    for level in plan.levels:
        width = level.width
        products = []
        for block in level.blocks:
            S, L = block.shape
            targets = np.arange(width) if block.targets is ALL else np.arange(width)[block.targets]
            index = np.full((S, width), -1, dtype=np.intp)
            rows, cols = np.divmod(block.flat, L)
            index[rows, targets[cols]] = block.index
            sources = [(s.level, _columns(s.columns, plan.widths[s.level])) for s in block.sources]
            products.append(Product(sources, index))
        bias_index: np.ndarray | None = None
        if level.bias is not None:
            bias_index = np.full(width, -1, dtype=np.intp)
            columns = np.arange(width)[level.bias.columns] if level.bias.columns is not ALL else np.arange(width)
            bias_index[columns] = np.arange(len(plan.parameter_names))[level.bias.index]
        groups = [
            ActivationColumns(g.activation, dict(g.params), _columns(g.columns, width) or list(range(width)))
            for g in level.groups
        ]
        levels.append(LevelForm(plan.nodes[level.start : level.stop], products, bias_index, groups))

    starts = np.cumsum([0] + plan.widths)
    output_columns = []
    for column in plan.outputs.tolist():
        k = int(np.searchsorted(starts, column, side="right") - 1)
        output_columns.append((k, int(column - starts[k])))
    return Structure(
        name=G.graph.get("name") or "network",
        inputs=list(G.graph["inputs"]),
        outputs=list(G.graph["outputs"]),
        output_columns=output_columns,
        parameters=list(plan.parameter_names),
        values=net.theta.copy(),
        trainable=plan.trainable.copy(),
        attributes=attributes,
        tensors=tensors,
        owner=owner,
        levels=levels,
        loss=plan.loss,
        loss_params=dict(plan.loss_params),
        reduction=plan.reduction,
    )


def structure_hash(net: Network) -> str:
    """SHA-256 of the network's structure (not its values): inputs, outputs, every node's
    activation and bias parameter, every edge's parameter, which parameters train, the loss.
    Two specs with the same hash take the same weights file."""
    G = net.graph
    params = G.graph["parameters"]
    canonical = {
        "inputs": G.graph["inputs"],
        "outputs": G.graph["outputs"],
        "nodes": [
            [v, a["activation"].name, sorted(a["activation_params"].items()), a["bias"]]
            for v, a in G.nodes(data=True)
            if a["kind"] != "input"
        ],
        "edges": sorted([u, v, w] for u, v, w in weighted_edges(G)),
        "parameters": [[name, bool(p["trainable"])] for name, p in params.items()],
        "loss": [G.graph["loss"].name, sorted(G.graph["loss_params"].items()), G.graph["reduction"]],
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode("utf-8")).hexdigest()
