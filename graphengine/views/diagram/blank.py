"""The exercise diagram: the given numbers and a labelled box for every asked quantity.

The same drawing as :mod:`graphengine.views.diagram.annotated` with every computed value replaced by a blank
(``render --blanks``, the worksheets of ``graphengine exercise``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from ..._util.numfmt import derivation_number
from ...errors import RenderError
from ...model.aliases import edge_weight_name, parameter_label
from .annotated import DEFAULT_PRECISION, DEFAULT_SHOW, _Diagram
from .dotparts import Html, attributes, dot_id, escape, font, html_pair, html_row, html_table, layers_of
from .palette import FILL, MUTED

if TYPE_CHECKING:
    import networkx as nx

    from ...engine.trace import Trace


def blank_dot(
    G: nx.DiGraph,
    trace: Trace | None,
    blanks: Mapping[str, str],
    precision: int = DEFAULT_PRECISION,
    title: str | None = None,
    description: str | None = None,
    boxes: bool = True,
    label_width: float | None = None,
    layers: tuple[int, int] | None = None,
) -> str:
    """The DOT text of an exercise: ``blanks`` maps hand-file quantities to box labels
    (``{"h1.net": "a"}``); the given numbers are shown, no other computed value. Without ``boxes``
    the drawing names the nodes and weights and shows the given numbers only (a worksheet's table
    lists the blanks): a smaller drawing, printed larger. ``label_width`` is an edge label's width
    in neurons, which sets how many labels share a row between two layers (default: 1 with
    boxes, :data:`NAME_LABEL_WIDTH` without; a larger one makes a narrower, taller drawing).
    ``layers`` (first, last), counted from the inputs' 0, draws a part of the network: those layers
    and the edges between them; the loss and the caption only with the outputs."""
    if trace is None:
        raise RenderError("an exercise diagram (blanks) needs data: the spec has no `data` samples")
    if label_width is None:
        label_width = 1.0 if boxes else NAME_LABEL_WIDTH
    diagram = _BlankDiagram(G, trace, blanks, precision, title, description, boxes, label_width)
    if layers is not None:
        diagram.draw_only(*layers)
    return diagram.dot()


BLANK_INK = "#1f4e99"
EDGE_POINTS = 12  # an edge's label as large as the nodes' text: readable where the page shrinks it


class _BlankDiagram(_Diagram):
    """An exercise: the given numbers (inputs, weights, biases, targets) and a labelled box for
    every asked quantity; nothing else that was computed, not even as a colour or a tooltip."""

    def __init__(
        self,
        G: nx.DiGraph,
        trace: Trace,
        blanks: Mapping[str, str],
        precision: int,
        title: str | None,
        description: str | None,
        boxes: bool = True,
        label_width: float = 1.0,
    ) -> None:
        super().__init__(G, trace, DEFAULT_SHOW, 0, precision, "full", title, description)
        self.trace: Trace = trace  # an exercise always has its step (the givens are read from it)
        self.asked = dict(blanks)
        self.blanks = self.asked if boxes else {}  # the quantities drawn as boxes
        self.with_boxes, self.label_width = boxes, label_width
        self.boxed: set[str] = set()  # a shared parameter's boxes are drawn at its first use only
        self.with_loss = True

    def draw_only(self, first: int, last: int) -> None:
        """Draw layers ``first`` to ``last`` (0: the inputs) and the edges between them; the loss
        and the caption when ``last`` is the outputs' layer."""
        if not 0 <= first < last < len(self.generations):
            raise RenderError(f"no layers {first} to {last}: the network has {len(self.generations)} (0 the inputs)")
        self.with_loss = last == len(self.generations) - 1
        self.generations = self.generations[first : last + 1]
        self.order = [n for g in self.generations for n in g]

    def number(self, x: float) -> str:
        """A given number as the spec writes it (at most two decimals), with a true minus sign."""
        return derivation_number(x, 2).replace("-", "−")

    def _box(self, label: str, quantity: str) -> str:
        letter = self.blanks[quantity]
        box = font(escape(f"({letter})"), BLANK_INK, bold=True)
        return (
            f'<TR><TD ALIGN="LEFT">{label}</TD>'
            f'<TD BORDER="1" COLOR="{BLANK_INK}" WIDTH="58" HEIGHT="16" ALIGN="CENTER">{box}</TD></TR>'
        )

    def _boxes(self, rows: list[tuple[str, str]]) -> list[str]:
        """A row per asked quantity among ``rows`` of (label, quantity)."""
        out = []
        for label, quantity in rows:
            if quantity in self.blanks and quantity not in self.boxed:
                self.boxed.add(quantity)
                out.append(self._box(label, quantity))
        return out

    @staticmethod
    def _spaced(rows: list[str]) -> str:
        return Html(f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">{"".join(rows)}</TABLE>>')

    def _node(self, name: str) -> str:
        attrs = self.graph.nodes[name]
        kind = "input" if attrs["kind"] == "input" else "output" if name in self.outputs else "neuron"
        head = font(escape(name), bold=True)
        if kind != "input":
            act = attrs["activation"].name + "".join(f" {k}={v:g}" for k, v in attrs["activation_params"].items())
            head += "  " + font(escape(act), MUTED)
        rows = [f'<TR><TD COLSPAN="2" ALIGN="LEFT">{head}</TD></TR>']
        if kind == "input":
            rows.append(html_pair("value", self.number(self.trace.out(name, 0))))
        labels = (("net", "net"), ("out", "out"), ("dout", "∂E/∂out"), ("dact", "∂out/∂net"), ("dnet", "δ = ∂E/∂net"))
        rows += self._boxes([(label, f"{name}.{q}") for q, label in labels])
        bias = attrs.get("bias")
        if bias:
            implicit = bias == f"{name}.bias"
            named = font("bias", MUTED) + ("" if implicit else " " + self._param_name(bias))
            rows.append(html_pair(named, self.number(self._value(bias))))
            symbol = "b" if implicit else escape(bias)
            rows += self._boxes([(f"∂E/∂{symbol}", f"grad.{bias}"), (f"{symbol}′", f"updated.{bias}")])
        label = self._spaced(rows)
        return f"  {dot_id(name)}{attributes(label=label, tooltip=name, fillcolor=FILL[kind])}"

    def _rows(self) -> dict[tuple[str, str], tuple[int, int]]:
        """Edge → (its label's row, the rows between its layers). The labels of the edges between
        two layers are set in rows, as many in a row as fit the wider layer's width (a drawing
        about as wide as its widest layer), each row chosen by :func:`_spread`."""
        layer = {n: k for k, generation in enumerate(self.generations) for n in generation}
        position = {n: i for i, n in enumerate(self.order)}
        between: dict[tuple[int, int], list[tuple[str, str]]] = {}
        for u, v in self._drawn_edges():
            between.setdefault((layer[u], layer[v]), []).append((u, v))
        rows: dict[tuple[str, str], tuple[int, int]] = {}
        for (a, b), edges in between.items():
            edges.sort(key=lambda e: (position[e[1]], position[e[0]]))
            apart = self.label_width
            per_row = math.ceil(max(len(self.generations[a]), len(self.generations[b])) / apart - COST_TOLERANCE)
            n = -(-len(edges) // per_row)
            where = {
                n: i - (len(g) - 1) / 2 for g in (self.generations[a], self.generations[b]) for i, n in enumerate(g)
            }
            chosen = _spread(edges, where, n, per_row, apart)
            rows |= {e: (row, n) for e, row in zip(edges, chosen)}
        return rows

    def _edge(self, u: str, v: str) -> str:
        """The edge drawn through its label: ``u`` to the label (a node of its own, in a row
        between the layers), the label to ``v`` with the arrow. Graphviz would set an edge's
        own label beside the middle of its route, which it bends to where the label fits: in a
        3-2 network the labels ran w1 w2 w4 w5 w3 w6."""
        if not hasattr(self, "label_rows"):
            self.label_rows = self._rows()
        p = self.graph.edges[u, v]["weight"]
        implicit = p == edge_weight_name(u, v) and "w" not in self.graph.graph["parameters"]
        symbol = "w" if implicit else escape(p)
        first = font(escape(parameter_label(p)), bold=True) if implicit else self._param_name(p)
        rows = [f'<TR><TD COLSPAN="2" ALIGN="LEFT">{first} {self.number(self._value(p))}</TD></TR>']
        rows += self._boxes([(f"∂E/∂{symbol}", f"grad.{p}"), (f"{symbol}′", f"updated.{p}")])
        inner = self._spaced(rows)[1:-1]
        label = html_table([f"<TR><TD>{font(inner, None, EDGE_POINTS)}</TD></TR>"], padding=2 if self.with_boxes else 0)
        tip = f"{u} → {v}: {p} = {self.number(self._value(p))}"
        style = "dashed" if not self._trainable(p) else None
        row, n = self.label_rows[(u, v)]
        node = dot_id(f"{u}→{v}")
        edge = {"color": MUTED, "penwidth": 1.2, "style": style, "tooltip": tip}
        return "\n".join(
            [
                f"  {node}{attributes(label=label, shape='box', style='rounded,filled', fillcolor='white', color=MUTED, penwidth=0.6, margin='0.02', tooltip=tip)}",
                f"  {dot_id(u)} -> {node}{attributes(**edge, arrowhead='none', minlen=row + 1)}",
                f"  {node} -> {dot_id(v)}{attributes(**edge, minlen=n - row)}",
            ]
        )

    def _loss_lines(self) -> list[str]:
        lines = []
        for k, o in enumerate(self.outputs):
            rows = [f'<TR><TD COLSPAN="2" ALIGN="LEFT">{font(f"loss at {escape(o)}", bold=True)}</TD></TR>']
            rows.append(html_pair("target", self.number(float(self.trace.targets[0, k]))))
            rows += self._boxes([(f"E_{escape(o)}", f"loss.{o}")])
            lines.append(f"  {dot_id(self.loss_id[o])}{attributes(label=self._spaced(rows), fillcolor=FILL['loss'])}")
        loss = self.graph.graph["loss"]
        rows = [f'<TR><TD COLSPAN="2" ALIGN="LEFT">{font("E", bold=True)} {font(escape(loss.name), MUTED)}</TD></TR>']
        rows += self._boxes([("E =", "loss")])
        lines.append(
            f"  {dot_id(self.total_id)}{attributes(label=self._spaced(rows), fillcolor=FILL['loss'], penwidth=1.5)}"
        )
        return lines

    def _loss_nodes(self) -> list[str]:
        return super()._loss_nodes() if self.with_loss else []

    def _loss_edges(self) -> list[str]:
        return super()._loss_edges() if self.with_loss else []

    def _caption(self) -> str:
        if not self.with_loss:
            return ""  # a part of the drawing: the caption is under the last part
        name = self.title or self.graph.graph.get("name") or "network"
        rows = [html_row(font(escape(name), bold=True, size=16))]
        if self.description:  # lines apart: a long caption would widen the drawing, and shrink it on paper
            rows.append(html_row(font(escape(self.description), MUTED)))
        rows.append(html_row("given: inputs, weights, biases, targets;"))
        rows.append(
            html_row(
                "boxes (a), (b), …: the values to compute"
                if self.with_boxes
                else "the sheet's blanks (a), (b), …: the values to compute"
            )
        )
        n = self.trace.n_samples
        if n > 1:
            how = self.graph.graph["reduction"]
            rows.append(
                html_row(
                    f"inputs, targets and node values: sample 0 of {n}; E and ∂E/∂p: the batch loss ({how} over {n} samples)"
                )
            )
        if any(q.startswith("updated.") for q in self.asked):
            rows.append(html_row(f"p′ = p − η·∂E/∂p with learning rate η = {self.trace.learning_rate:g}"))
        for p in self.shared:
            rows.append(
                html_row(
                    self._param_name(p)
                    + f": one parameter used {len(self.uses[p])} times ({escape(', '.join(self.uses[p]))})"
                )
            )
        return html_table(rows, padding=2)

    def _legend(self) -> list[str]:
        return []  # edge colours would tell the sign of every gradient

    def dot(self) -> str:
        # Top to bottom: an exercise is printed on a portrait page.
        # Rows of edge labels between the layers: closer ranks and neighbours keep the page's scale
        # (and text) up.
        # Names only: small boxes, and the edges between them, closer still.
        ranks, neighbours = ("0.15", "0.15") if self.with_boxes else ("0.1", "0.08")
        dot = super().dot().replace('rankdir="LR"', 'rankdir="TB"', 1)
        dot = dot.replace('ranksep="0.5"', f'ranksep="{ranks}"', 1).replace(
            'nodesep="0.25"', f'nodesep="{neighbours}"', 1
        )
        # No blank frame: a PDF's is half an inch a side by default, and the page would shrink it with the drawing.
        return dot.replace("graph [", 'graph [margin="0" ', 1)


MAX_ROW_CHOICES = 20_000  # 3 rows of 9 edges are 19 683 choices; beyond, a local search
COST_TOLERANCE = 1e-9  # a change must lower the cost by more than rounding to count
PDF_PAD = 4.0  # points: Graphviz's default pad around the layout in its PDF
NAME_LABEL_WIDTH = 0.6  # a weight's name and value (w12 −0.35) take about this much of a neuron's width


def _spread(
    edges: list[tuple[str, str]], where: dict[str, float], n: int, per_row: int, apart: float = 1.0
) -> list[int]:
    """The row of each edge's label (n rows of at most ``per_row``), chosen so that each label can
    stand where its edge would pass: at row r, (r + 1)/(n + 1) of the way from its tail to its head.
    The cost of a choice is how far its labels must move from there to stand ``apart`` (in node
    widths) from each other. Every choice is tried when they are few; else single moves and swaps
    from the edges in order, while one lowers the cost."""
    from itertools import product

    blocks = [k * n // len(edges) for k in range(len(edges))]
    if n == 1:
        return blocks

    def cost(choice: Sequence[int]) -> float:
        total = 0.0
        for row in range(n):
            f = (row + 1) / (n + 1)
            mine = sorted(
                ((u, v) for (u, v), r in zip(edges, choice) if r == row), key=lambda e: where[e[0]] + where[e[1]]
            )
            total += _moved([(where[u] + f * (where[v] - where[u])) / apart for u, v in mine])
        return total

    if n ** len(edges) > MAX_ROW_CHOICES:
        return _improved(blocks, cost, n, per_row)

    best: tuple[float, bool, tuple[int, ...]] | None = None
    for choice in product(range(n), repeat=len(edges)):
        if max(choice.count(r) for r in range(n)) <= per_row:
            # ties: the edges in order, then the first choice
            ranked = (cost(choice), choice != tuple(blocks), choice)
            best = ranked if best is None or ranked < best else best
    return list(best[2]) if best is not None else blocks


def _improved(start: list[int], cost: Callable[[Sequence[int]], float], n: int, per_row: int) -> list[int]:
    """``start`` changed by single moves (an edge to another row) and swaps (two edges' rows), the
    first that lowers the cost each time, while one does: a choice no single change betters."""
    choice, best = list(start), cost(start)
    improved = True
    while improved:
        improved = False
        tries = [(k, row) for k in range(len(choice)) for row in range(n)]
        tries += [(k, j) for k in range(len(choice)) for j in range(k + 1, len(choice))]
        for move in range(len(tries)):
            k, other = tries[move]
            tried = list(choice)
            if move < len(choice) * n:
                tried[k] = other
            else:
                tried[k], tried[other] = choice[other], choice[k]
            if tried == choice or max(tried.count(r) for r in range(n)) > per_row:
                continue
            if (c := cost(tried)) < best - COST_TOLERANCE:
                choice, best, improved = tried, c, True
    return choice


def _moved(ideal: list[float]) -> float:
    """How far labels in this order (Graphviz orders a row by the mean place of each label's
    ends) must move from their ideal places to stand one node apart: the least sum of squared
    moves, by pooling adjacent violators of the order of ``ideal[k] - k``."""
    pools: list[tuple[float, int]] = []  # (mean, size)
    for k, x in enumerate(ideal):
        pools.append((x - k, 1))
        while len(pools) > 1 and pools[-2][0] > pools[-1][0]:
            (m2, c2), (m1, c1) = pools.pop(), pools.pop()
            pools.append(((m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2))
    placed = [m for m, c in pools for _ in range(c)]
    return sum((p - (x - k)) ** 2 for k, (p, x) in enumerate(zip(placed, ideal)))


def layer_bands(G: nx.DiGraph, layout: bytes) -> list[tuple[float, float]]:
    """The bottom and top of each layer's nodes, inputs first, in points from the bottom of the
    drawing's PDF, read from ``layout`` (``dot -Tjson`` of a top-to-bottom drawing of ``G``): how
    tall a part of the drawing would be."""
    nodes = {o["name"]: o for o in json.loads(layout).get("objects", []) if "pos" in o}
    bands = []
    for layer in layers_of(G):
        ys = [float(nodes[n]["pos"].split(",")[1]) for n in layer]
        halves = [36 * float(nodes[n]["height"]) for n in layer]  # inches, height / 2 in points
        bands.append(
            (PDF_PAD + min(y - h for y, h in zip(ys, halves)), PDF_PAD + max(y + h for y, h in zip(ys, halves)))
        )
    return bands
