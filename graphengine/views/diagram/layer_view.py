"""The layer view: one box per layer, for networks too big to draw neuron by neuron.

Each box shows the layer's name, size and activation, the weights into it as a small
heatmap (rows: its neurons, columns: the nodes feeding it; orange > 0, purple < 0,
scaled to the box's largest |w|), mean |δ| (δ = ∂E/∂net of the batch loss, as the
neuron view shows it, averaged in absolute value over the layer's neurons) and the
norm of the gradient of its weights and biases. An input layer with a ``shape``
(``inputs: [{name: pixel, size: 64, shape: [8, 8]}]``) is drawn as the picture of
one sample. Heatmaps are tables of coloured cells, so SVG, PNG and PDF all work.

Layers are the spec's ``layers`` and input layers; other nodes are grouped by depth
(outputs apart). :func:`graphengine.views.diagram.render.render` uses this view above
:data:`LAYER_VIEW_EDGES` edges, or when asked (``render --layers``).

>>> import graphengine
>>> net = graphengine.load("specs/digits.yaml")               # doctest: +SKIP
>>> to_layer_dot(net, net.trace()).count("class=\\"layer\\"")   # doctest: +SKIP
3
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..._util.numfmt import diagram_number as number
from ...errors import RenderError
from ..notation import LOSS
from .dotparts import Html, attributes, dot_id, escape
from .heatmap import HEATMAP_POINTS, cell_size, cells, colour_scale, colours, greys, pool
from .palette import FONT, MUTED

if TYPE_CHECKING:
    from ...engine.network import Network
    from ...engine.trace import Trace

# Above this many edges `render` draws the layer view unless the neuron view is asked for
# (the neuron view's edges are already thin and unlabelled from 300 on).
LAYER_VIEW_EDGES = 300
# ... or above this many neurons (inputs not counted): past it a neuron per box is too small to read
# on one screen, and the step-through page steps by layer (its steps.NODE_STEPS_UP_TO is the same 30).
LAYER_VIEW_NEURONS = 30
VIEWS = ("auto", "layers", "neurons")
# A layer fed by a shaped input layer shows one tile per neuron, up to this many neurons.
MAX_TILES = 64
# Inputs and outputs with at most this many neurons list their values for the shown sample.
MAX_LISTED = 12
FILL = {"input": "#eeeeee", "layer": "#ffffff", "output": "#fff8e6", "loss": "#fff1c9"}


def choose_view(net: Network, view: str = "auto") -> str:
    """``layers`` or ``neurons``: what ``view`` asks for; ``auto`` is the one decision every picture
    of a network follows (``render``, the step-through page of ``report`` and ``serve``, notebooks):
    the layer view above :data:`LAYER_VIEW_EDGES` edges or :data:`LAYER_VIEW_NEURONS` neurons.

    >>> import graphengine
    >>> choose_view(graphengine.load("specs/doc_example.yaml")), choose_view(graphengine.load("specs/digits.yaml"))
    ('neurons', 'layers')
    """
    if view not in VIEWS:
        raise RenderError(f"unknown view `{view}`; choose from {', '.join(VIEWS)}")
    if view == "auto":
        G = net.graph
        neurons = G.number_of_nodes() - len(G.graph["inputs"])
        return "layers" if G.number_of_edges() > LAYER_VIEW_EDGES or neurons > LAYER_VIEW_NEURONS else "neurons"
    return view


# ---------------------------------------------------------------------- groups


@dataclass
class Group:
    """One box: a layer (or a depth's plain nodes) with the parameters feeding it."""

    name: str
    nodes: list[str]
    kind: str  # input, layer, output
    shape: list[int] | None = None
    sources: list[str] = field(default_factory=list)  # nodes feeding the group, in plan order
    weights: np.ndarray | None = None  # parameter index per (source, neuron), -1 where there is no edge
    biases: list[int] = field(default_factory=list)  # parameter indices of the neurons' biases


def _input_shapes(net: Network) -> dict[str, list[int]]:
    # The validated spec keeps only the input names; the raw data still has the (validated) shapes.
    shapes = {}
    for item in net.spec.raw.get("inputs") or []:
        if isinstance(item, dict) and item.get("shape"):
            shapes[item["name"]] = list(item["shape"])
    return shapes


def groups(net: Network) -> list[Group]:
    """The boxes in drawing order: inputs, then layers and node groups by depth."""
    spec, G, plan = net.spec, net.graph, net.plan
    shapes = _input_shapes(net)
    outputs = set(spec.outputs)
    result: list[Group] = []
    member: dict[str, int] = {}

    def add(group: Group) -> None:
        member.update((n, len(result)) for n in group.nodes)
        result.append(group)

    # Inputs: each input layer is a box; runs of plain inputs between them are one box.
    input_layers = {nodes[0]: name for name, nodes in spec.layer_nodes.items() if nodes[0] in G.graph["inputs"]}
    plain: list[str] = []
    inputs = list(G.graph["inputs"])
    k = 0
    while k < len(inputs):
        name = inputs[k]
        if name in input_layers:
            if plain:
                add(Group(_range_name(plain), plain, "input"))
                plain = []
            layer = input_layers[name]
            nodes = spec.layer_nodes[layer]
            add(Group(layer, nodes, "input", shapes.get(layer)))
            k += len(nodes)
        else:
            plain.append(name)
            k += 1
    if plain:
        add(Group(_range_name(plain), plain, "input"))

    # Neurons: dense layers by name; plain nodes by depth, outputs apart from hidden ones.
    depth_of = plan.depth
    layer_of = {n: G.nodes[n]["layer"] for n in G if "layer" in G.nodes[n]}
    by_key: dict[tuple[int, str, bool], list[str]] = {}
    for n in plan.nodes[plan.n_inputs :]:
        key = (depth_of[n], layer_of.get(n, ""), n in outputs and n not in layer_of)
        by_key.setdefault(key, []).append(n)
    records = {r["name"]: r for r in G.graph.get("layers", [])}
    for (_, layer, is_output), nodes in sorted(by_key.items(), key=lambda item: (item[0][0], plan.index[item[1][0]])):
        if layer and len(nodes) != len(spec.layer_nodes[layer]):
            nodes = spec.layer_nodes[layer]  # a layer whose neurons sit at different depths: one box anyway
            if any(n in member for n in nodes):
                continue
        kind = "output" if is_output or (layer and set(nodes) <= outputs) else "layer"
        add(Group(layer or _range_name(nodes), nodes, kind))
    for group in result:
        if group.kind != "input":
            _incoming(net, group, records.get(group.name) if group.name in records else None)
    return result


def _range_name(nodes: list[str]) -> str:
    return nodes[0] if len(nodes) == 1 else f"{nodes[0]} … {nodes[-1]}"


def _incoming(net: Network, group: Group, record: dict[str, Any] | None) -> None:
    """The parameter indices of the weights into ``group`` (sources × neurons) and of its biases."""
    G, plan = net.graph, net.plan
    if record is not None and record["nodes"] == group.nodes:
        a, b = record["weights"]
        group.sources = list(record["sources"])
        group.weights = np.arange(a, b).reshape(len(group.sources), len(group.nodes))
        extra = [(u, v, d) for v in group.nodes for u, _, d in G.in_edges(v, data=True) if "layer" not in d]
    else:
        group.weights = None
        extra = [(u, v, d) for v in group.nodes for u, _, d in G.in_edges(v, data=True)]
    if extra:  # hand-written edges into the group: a column of the matrix per source
        new = sorted({u for u, _, _ in extra} - set(group.sources), key=plan.index.__getitem__)
        sources = group.sources + new
        weights = np.full((len(sources), len(group.nodes)), -1, dtype=np.int64)
        if group.weights is not None:
            weights[: len(group.sources)] = group.weights
        row = {u: i for i, u in enumerate(sources)}
        col = {v: j for j, v in enumerate(group.nodes)}
        for u, v, d in extra:
            weights[row[u], col[v]] = plan.parameter_index[d["weight"]]
        group.sources, group.weights = sources, weights
    group.biases = [plan.parameter_index[G.nodes[v]["bias"]] for v in group.nodes if G.nodes[v].get("bias")]


def gradient_facts(net: Network, trace: Trace, group: Group) -> tuple[float, float]:
    """A layer box's gradient facts: mean |δ| over its neurons (δ of the batch loss) and the norm
    of the gradient of its weights and biases (the step-through page's replay recomputes them)."""
    cols = [net.plan.index[n] for n in group.nodes]
    delta = float(np.abs(trace.backward.dnet[:, cols].sum(axis=0)).mean())
    indices = np.concatenate([group.weights[group.weights >= 0] if group.weights is not None else [], group.biases])
    grad = float(np.linalg.norm(trace.backward.grad[indices.astype(np.int64)])) if len(indices) else 0.0
    return delta, grad


# ---------------------------------------------------------------------- boxes


class _LayerView:
    def __init__(self, net: Network, trace: Trace | None, sample: int | None, precision: int, title: str | None):
        self.net, self.trace, self.precision, self.title = net, trace, precision, title
        n_samples = trace.n_samples if trace is not None else 0
        if sample is not None and not 0 <= sample < max(n_samples, 1):
            valid = f"0 to {n_samples - 1}" if n_samples > 1 else "0" if n_samples else "none, there is no data"
            raise RenderError(f"sample {sample} does not exist: {n_samples} sample(s), valid: {valid}")
        self.sample = sample or 0
        self.theta = trace.theta if trace is not None else net.theta
        self.groups = groups(net)
        self.ids = {id(g): f"layer {k}" for k, g in enumerate(self.groups)}
        self.member = {n: k for k, g in enumerate(self.groups) for n in g.nodes}

    def num(self, x: float) -> str:
        return escape(number(x, self.precision))

    def label(self, group: Group) -> str:
        rows = [self._heading(group)]
        body = self._input_body(group) if group.kind == "input" else self._heatmap(group)
        if body:
            rows.append(f"<TR><TD>{body}</TD></TR>")
        rows += [f'<TR><TD ALIGN="LEFT">{line}</TD></TR>' for line in self._facts(group)]
        return Html(f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">{"".join(rows)}</TABLE>>')

    def _heading(self, group: Group) -> str:
        size = " × ".join(map(str, group.shape)) if group.shape else str(len(group.nodes))
        text = f'<B>{escape(group.name)}</B>  <FONT COLOR="{MUTED}">{size}</FONT>'
        if group.kind != "input":
            G = self.net.graph
            names: list[str] = []
            for v in group.nodes:
                name = G.nodes[v]["activation"].name
                if name not in names:
                    names.append(name)
            text += f"  {escape(', '.join(names))}"
        return f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="14">{text}</FONT></TD></TR>'

    def _input_body(self, group: Group) -> str:
        if self.trace is None:
            return ""
        cols = [self.net.plan.index[n] for n in group.nodes]
        values = self.trace.forward.out[self.sample, cols]
        if group.shape:
            image = values.reshape(group.shape if len(group.shape) == 2 else (1, -1))
            every = self.trace.forward.out[:, cols]
            pixels = greys(image, float(every.min()), float(every.max()))
            return cells(pixels, cell_size(image.shape, 96), border="#888888")
        if len(group.nodes) <= MAX_LISTED:
            return self._listing(group.nodes, values)
        # A long strip is averaged in blocks like a heatmap: 300 inputs would be 900 points wide.
        strip = pool(values[None, :])
        return cells(greys(strip, float(values.min()), float(values.max())), 3)

    def _listing(self, nodes: list[str], values: np.ndarray, targets: np.ndarray | None = None) -> str:
        rows = []
        for k, (n, v) in enumerate(zip(nodes, values.tolist())):
            cells = f'<TD ALIGN="LEFT">{escape(n)}</TD><TD ALIGN="RIGHT">{self.num(v)}</TD>'
            if targets is not None:
                cells += f'<TD ALIGN="RIGHT"><FONT COLOR="{MUTED}">t = {float(targets[k]):g}</FONT></TD>'
            rows.append(f"<TR>{cells}</TR>")
        return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{"".join(rows)}</TABLE>'

    def _heatmap(self, group: Group) -> str:
        if group.weights is None or group.weights.size == 0:
            return ""
        values = np.where(group.weights >= 0, self.theta[np.maximum(group.weights, 0)], np.nan).T  # neurons × sources
        note = f"W: {len(group.nodes)} neurons × {len(group.sources)} inputs"
        image = self._image_of(group.sources)
        if image is not None and len(group.nodes) <= MAX_TILES:
            scale = colour_scale(values)
            picture = self._tiles(values, image, scale)
            note += f", colours ±{self.num(scale)}; one {' × '.join(map(str, image))} tile per neuron"
        else:
            pooled = pool(values)
            # Block means are smaller than single weights: the scale is that of what is drawn.
            scale = colour_scale(pooled)
            note += f", colours ±{self.num(scale)}"
            if pooled.shape != values.shape:
                note += f" of {pooled.shape[0]}×{pooled.shape[1]} block means"
            picture = cells(colours(pooled, scale), cell_size(pooled.shape), border="#888888")
        return (
            f'<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0"><TR><TD>{picture}</TD></TR>'
            f'<TR><TD><FONT POINT-SIZE="9" COLOR="{MUTED}">{note}</FONT></TD></TR></TABLE>'
        )

    def _image_of(self, sources: list[str]) -> list[int] | None:
        """The 2-D shape when ``sources`` are exactly one shaped input layer, in order."""
        for group in self.groups:
            if group.kind == "input" and group.shape and len(group.shape) == 2 and group.nodes == sources:
                return group.shape
        return None

    def _tiles(self, values: np.ndarray, shape: list[int], scale: float) -> str:
        """Each neuron's weights drawn as an image of the input's shape: what the neuron looks for."""
        n = len(values)
        per_row = math.ceil(n / max(1, round(math.sqrt(n / 2))))  # about twice as wide as high
        cell = max(2, min(6, HEATMAP_POINTS // (per_row * max(shape))))
        tiles_colours = colours(values, scale).reshape(n, *shape)
        rows = []
        for start in range(0, n, per_row):
            tiles = "".join(
                f'<TD CELLPADDING="1">{cells(tiles_colours[k], cell, border="#888888")}</TD>'
                for k in range(start, min(start + per_row, n))
            )
            rows.append(f"<TR>{tiles}</TR>")
        return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="1" CELLPADDING="0">{"".join(rows)}</TABLE>'

    def _facts(self, group: Group) -> list[str]:
        trace = self.trace
        facts: list[str] = []
        if group.kind == "input":
            if trace is not None:
                facts.append(f'<FONT POINT-SIZE="10" COLOR="{MUTED}">sample {self.sample}</FONT>')
            return facts
        plan = self.net.plan
        cols = [plan.index[n] for n in group.nodes]
        if group.kind == "output" and trace is not None and len(group.nodes) <= MAX_LISTED:
            targets = (
                trace.targets[self.sample, [list(plan.outputs).index(c) for c in cols]]
                if set(cols) <= set(plan.outputs.tolist())
                else None
            )
            facts.append(self._listing(group.nodes, trace.forward.out[self.sample, cols], targets))
        if group.biases:
            facts.append(f"biases: {len(group.biases)}")
        if trace is not None:
            delta, grad = gradient_facts(self.net, trace, group)
            facts.append(f"mean |δ| <B>{self.num(delta)}</B>")
            facts.append(f'‖∂{LOSS}/∂θ‖ <B>{self.num(grad)}</B>  <FONT COLOR="{MUTED}">(weights and biases)</FONT>')
        return facts

    def _edges(self) -> list[str]:
        lines = []
        for group in self.groups:
            if group.weights is None:
                continue
            feeding: dict[int, list[int]] = {}
            for i, u in enumerate(group.sources):
                feeding.setdefault(self.member[u], []).append(i)
            for source, rows in feeding.items():
                block = group.weights[rows]
                count = int((block >= 0).sum())
                label = f"{count:,} weights"
                if self.trace is not None:
                    norm = float(np.linalg.norm(self.trace.backward.grad[block[block >= 0]]))
                    label += f"\n‖∂{LOSS}/∂w‖ {number(norm, self.precision)}"
                lines.append(
                    f"  {dot_id(self.ids[id(self.groups[source])])} -> {dot_id(self.ids[id(group)])}"
                    + attributes(label=label, fontsize="10", fontcolor=MUTED, color="#555555", penwidth="1.4")
                )
        return lines

    def _loss_box(self) -> str:
        plan = self.net.plan
        lines = [f"<B>loss</B>  {escape(plan.loss.name)}"]
        if self.trace is not None:
            lines.append(f"{LOSS} = <B>{self.num(self.trace.loss)}</B>")
            lines.append(
                f'<FONT POINT-SIZE="10" COLOR="{MUTED}">{plan.reduction} over {self.trace.n_samples} sample(s)</FONT>'
            )
        rows = "".join(f'<TR><TD ALIGN="LEFT">{line}</TD></TR>' for line in lines)
        return Html(f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2">{rows}</TABLE>>')

    def _caption(self) -> Html:
        name = self.title or self.net.spec.name or "network"
        n_edges = self.net.graph.number_of_edges()
        parts = [
            f"<B>{escape(name)}</B>: layer view, one box per layer ({len(self.net.plan.nodes)} nodes, {n_edges:,} edges)",
            "heatmaps: the weights into each layer, rows its neurons, columns the nodes feeding it; "
            "orange w &gt; 0, purple w &lt; 0, white 0, full colour at the box's ±scale (98 % of its |w| are below)",
        ]
        if self.trace is not None:
            parts.append(
                f"mean |δ|: mean over the layer's neurons of |∂{LOSS}/∂net| of the batch loss; "
                f"‖∂{LOSS}/∂θ‖: norm of the gradient of its weights and biases"
            )
        else:
            parts.append("structure only: no data, so no δ or gradients")
        return Html("<" + '<BR ALIGN="LEFT"/>'.join(parts) + '<BR ALIGN="LEFT"/>>')

    def dot(self) -> str:
        lines = [f"digraph {dot_id(self.net.spec.name or 'network')} {{"]
        lines.append(
            "  graph"
            + attributes(
                rankdir="LR",
                ranksep="0.45",
                nodesep="0.3",
                fontname=FONT,
                fontsize="12",
                labelloc="b",
                labeljust="l",
                label=self._caption(),
                size="13.333,7.5",  # a 16:9 slide: never larger, scaled down to fit
            )
        )
        lines.append(
            "  node"
            + attributes(
                shape="box", style="rounded,filled", fontname=FONT, fontsize="12", color="#444444", margin="0.1,0.06"
            )
        )
        lines.append("  edge" + attributes(fontname=FONT, arrowsize="0.7"))
        for group in self.groups:
            lines.append(
                f"  {dot_id(self.ids[id(group)])}"
                + attributes(
                    label=self.label(group), fillcolor=FILL[group.kind], tooltip=group.name, **{"class": "layer"}
                )
            )
        lines.append("  loss" + attributes(label=self._loss_box(), fillcolor=FILL["loss"], **{"class": "loss"}))
        lines += self._edges()
        for group in self.groups:
            if group.kind == "output":
                lines.append(f"  {dot_id(self.ids[id(group)])} -> loss" + attributes(color="#9e9e9e"))
        lines.append("}")
        return "\n".join(lines) + "\n"


def to_layer_dot(
    net: Network,
    trace: Trace | None = None,
    *,
    sample: int | None = None,
    precision: int = 4,
    title: str | None = None,
) -> str:
    """The layer view of ``net`` (annotated with ``trace`` when given) as DOT text."""
    return _LayerView(net, trace, sample, precision, title).dot()
