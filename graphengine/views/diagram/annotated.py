"""The annotated picture of a network and one step on it, as Graphviz DOT text.

Every number of a step is drawn where it belongs: net, out and δ = ∂E/∂net on the
nodes (with the bias, its gradient and update in small print), each weight's value,
∂E/∂w and updated value on its edge, a loss node per output with its target and
term, and the total loss. Edge colour is the sign of ∂E/∂w (a diverging palette),
pen width its size. The text depends only on the network and the numbers, so the
same spec always gives the same text. :mod:`graphengine.views.diagram.render` turns it into files.

>>> import graphengine
>>> net = graphengine.load("specs/doc_example.yaml")
>>> "0.5933" in to_dot(net.graph, net.trace())
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from ..._util.numfmt import diagram_number as number
from ...errors import RenderError, did_you_mean, valid_samples
from ...model.aliases import edge_weight_name, parameter_label
from ..notation import LOSS
from .dotparts import (
    attributes,
    dot_id,
    escape,
    font,
    html_pair,
    html_row,
    html_table,
    layers_of,
    same_rank,
    svg_ids,
)
from .legend import caption, legend
from .palette import FILL, FONT, MUTED, SHARED, SMALL, SMALLEST, ZERO, gradient_style

if TYPE_CHECKING:
    import networkx as nx

    from ...engine.trace import Trace

SHOW_CHOICES = ("structure", "values", "grads", "updates")
DEFAULT_SHOW = ("structure", "values", "grads", "updates")
DETAILS = ("auto", "full", "nodes", "names")
DIRECTIONS = ("LR", "TB")
DEFAULT_PRECISION = 4
# Beyond this many edges their labels would fill the picture: colour and width carry ∂E/∂w,
# the numbers stay in each edge's tooltip.
MAX_EDGE_LABELS = 40
# Points of room over an edge's label (left to right), none under it: the label stands on its own edge.
LABEL_HEADROOM = 12
# Beyond this many edges they are drawn thin and translucent.
DENSE_EDGES = 300
# Beyond this many nodes even node labels are too many: names only, fill colour carries δ.
MAX_NODE_LABELS = 250


def parse_show(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """``"values,grads"`` (or a list of such) → the parts to print, in canonical order; ``all`` is everything."""
    if values is None:
        return DEFAULT_SHOW
    items = [values] if isinstance(values, str) else list(values)
    chosen = {"structure"}
    for item in items:
        for word in item.split(","):
            word = word.strip().lower()
            if word == "all":
                chosen.update(SHOW_CHOICES)
            elif word in SHOW_CHOICES:
                chosen.add(word)
            elif word:
                hint = did_you_mean(word, (*SHOW_CHOICES, "all")).removeprefix("; ")
                raise RenderError(
                    f"unknown part `{word}`; {hint + ' ' if hint else ''}choose from {', '.join(SHOW_CHOICES)} or all"
                )
    return tuple(s for s in SHOW_CHOICES if s in chosen)


class _Diagram:
    """The DOT text of one network (and optionally one step on it)."""

    def __init__(
        self,
        G: nx.DiGraph,
        trace: Trace | None,
        show: tuple[str, ...],
        sample: int | None,
        precision: int,
        detail: str,
        title: str | None,
        description: str | None,
        ids: bool = False,
        direction: str = "LR",
    ) -> None:
        self.graph, self.trace, self.precision = G, trace, precision
        self.direction = direction
        # Stable ids on elements and value cells, for the step-through page's script.
        self.ids = svg_ids(G) if ids else None
        self.inputs, self.outputs = list(G.graph["inputs"]), list(G.graph["outputs"])
        self.generations = layers_of(G)
        self.order = [n for g in self.generations for n in g]
        n_samples = trace.n_samples if trace is not None else 0
        if sample is not None and not 0 <= sample < max(n_samples, 1):
            raise RenderError(
                f"sample {sample} does not exist: {n_samples} sample(s), valid: {valid_samples(n_samples)}"
            )
        self.sample = sample
        self.values_of = 0 if sample is None else sample
        # δ of one sample when asked for (or when there is only one); else the batch gradient Σ_s δ_s.
        self.batch_delta = sample is None and n_samples > 1
        self.show = set(show) if trace is not None else set(show) & {"structure", "values"}
        self.numbers = trace is not None and "values" in self.show
        if detail == "auto":
            detail = (
                "names"
                if G.number_of_nodes() > MAX_NODE_LABELS
                else "nodes"
                if G.number_of_edges() > MAX_EDGE_LABELS
                else "full"
            )
        self.detail = detail
        self.dense = G.number_of_edges() > DENSE_EDGES
        self.title, self.description = title, description
        self.uses = self._parameter_uses()
        self.shared = {p: SHARED[i % len(SHARED)] for i, p in enumerate(p for p, u in self.uses.items() if len(u) > 1)}
        grads = [abs(self._grad(d["weight"])) for _, _, d in G.edges(data=True)] if trace is not None else []
        # Only finite sizes set the scale: an overflowing step (inf, NaN) is drawn on its own.
        self.gmax = max((g for g in grads if math.isfinite(g)), default=0.0)
        hidden = self.order[len(self.inputs) :]
        deltas = [abs(self._delta(n)) for n in hidden] if trace is not None else []
        self.dmax = max((d for d in deltas if math.isfinite(d)), default=0.0)
        taken = set(G.nodes)
        self.loss_id = {o: self._fresh(f"loss({o})", taken) for o in self.outputs}
        self.total_id = self._fresh("loss", taken)
        self.legend_id = self._fresh("legend", taken)

    # -------------------------------------------------------------- helpers
    @staticmethod
    def _fresh(name: str, taken: set[str]) -> str:
        while name in taken:
            name += "_"
        taken.add(name)
        return name

    def _parameter_uses(self) -> dict[str, list[str]]:
        """Each parameter's uses as labels: its edges as the spec lists them, then its biases
        in drawing order."""
        from ...model.graph import parameter_uses  # here: the CLI's --help reads this module's DETAILS

        drawn = {name: i for i, name in enumerate(self.order)}
        labels: dict[str, list[str]] = {}
        for p, uses in parameter_uses(self.graph).items():
            ordered = sorted(uses, key=lambda use: -1 if use[0] is not None else drawn[use[1]])  # stable: edges first
            labels[p] = [f"bias of {v}" if u is None else f"{u}→{v}" for u, v in ordered]
        return labels

    def number(self, x: float) -> str:
        return number(x, self.precision)

    def _cell(self, element: str | None, part: str) -> str:
        """The attributes that give a table cell an id in the SVG (Graphviz writes a cell's id only with HREF)."""
        if self.ids is None or element is None:
            return ""
        return f' ID="{element}-{part}" HREF="#ge"'

    def _element(self, kind: Literal["node", "edge", "loss"], key: str | tuple[str, str]) -> dict[str, str]:
        if self.ids is None:
            return {}
        table: Mapping[Any, str] = self.ids[kind]  # by node name, or by (source, target)
        return {"id": table[key], "class": f"ge-{kind}"}

    def _col(self, node: str) -> int:
        assert self.trace is not None
        return self.trace.plan.index[node]

    def _grad(self, p: str) -> float:
        assert self.trace is not None
        return float(self.trace.backward.grad[self.trace.plan.parameter_index[p]])

    def _value(self, p: str) -> float:
        if self.trace is not None:
            return float(self.trace.theta[self.trace.plan.parameter_index[p]])
        return float(self.graph.graph["parameters"][p]["value"])

    def _trainable(self, p: str) -> bool:
        return bool(self.graph.graph["parameters"][p]["trainable"])

    def _delta(self, node: str) -> float:
        assert self.trace is not None
        column = self.trace.backward.dnet[:, self._col(node)]
        return float(column.sum()) if self.batch_delta else float(column[self.values_of])

    def _style(self, g: float, gmax: float | None = None) -> tuple[str, float, str]:
        """Line colour, pen width and text colour for a gradient ``g`` (relative to ``gmax``)."""
        return gradient_style(g, self.gmax if gmax is None else gmax)

    def _param_name(self, p: str, size: int | None = None) -> str:
        name = escape(p)
        if p in self.shared:
            color = self.shared[p]
            return font(name, color, size, bold=True) + " " + font(f"shared ×{len(self.uses[p])}", color, SMALLEST)
        return font(name, None, size, bold=True)

    # -------------------------------------------------------------- nodes
    def _node(self, name: str) -> str:
        attrs = self.graph.nodes[name]
        kind = "input" if attrs["kind"] == "input" else "output" if name in self.outputs else "neuron"
        style: dict[str, Any] = {"fillcolor": FILL[kind], **self._element("node", name)}
        nid = self.ids["node"][name] if self.ids else None
        if self.detail == "names":
            if self.trace is not None and "grads" in self.show and kind != "input":
                delta = self._delta(name)
                style["fillcolor"] = self._style(delta, self.dmax)[0] if delta else "#e8e8e8"
            style.update(fontsize="9", margin="0.04,0.01", height="0.2", width="0.3")
            return f"  {dot_id(name)}{attributes(label=name, tooltip=self._node_tip(name), **style)}"
        head = font(escape(name), bold=True)
        if kind != "input":
            act = attrs["activation"].name + "".join(f" {k}={v:g}" for k, v in attrs["activation_params"].items())
            head += "  " + font(escape(act), MUTED)
        rows = [f'<TR><TD COLSPAN="2" ALIGN="LEFT">{head}</TD></TR>']
        t, s = self.trace, self.values_of
        if self.numbers and t is not None:
            if kind == "input":
                rows.append(html_pair("value", self.number(t.forward.out[s, self._col(name)]), self._cell(nid, "out")))
            else:
                rows.append(html_pair("net", self.number(t.forward.net[s, self._col(name)]), self._cell(nid, "net")))
                rows.append(html_pair("out", self.number(t.forward.out[s, self._col(name)]), self._cell(nid, "out")))
        if "grads" in self.show and kind != "input":
            rows.append(self._delta_row(name))
        bias = attrs.get("bias")
        if bias:
            rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT">{self._bias(name, bias)}</TD></TR>')
        return f"  {dot_id(name)}{attributes(label=html_table(rows), tooltip=self._node_tip(name), **style)}"

    def _delta_row(self, name: str) -> str:
        assert self.trace is not None
        delta = self._delta(name)
        if self.batch_delta:
            # The non-breaking spaces keep a wide value from touching the label in a narrow node.
            return html_pair(font(f"δ = Σ ∂{LOSS}/∂net&#160;&#160;", "#000000"), font(self.number(delta), bold=True))
        c, s = self._col(name), self.values_of
        dout, dact = self.trace.backward.dout[s, c], self.trace.forward.dact[s, c]
        chain = font(f"&#160;&#160;{self.number(dout)} × {self.number(dact)} =", MUTED, SMALL)
        if self.ids is not None:
            # One cell per factor, so that the page can show each from its own step on.
            nid = self.ids["node"][name]
            cells = (
                f"<TD{self._cell(nid, 'dout')}>{font(f'&#160;&#160;{self.number(dout)}', MUTED, SMALL)}</TD>"
                f"<TD{self._cell(nid, 'dact')}>{font(f'&#160;×&#160;{self.number(dact)}', MUTED, SMALL)}</TD>"
                f"<TD{self._cell(nid, 'delta')}>{font('&#160;=&#160;', MUTED, SMALL)}{font(self.number(delta), bold=True)}</TD>"
            )
            chain_table = f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>{cells}</TR></TABLE>'
            return (
                f'<TR><TD ALIGN="LEFT">δ = ∂{LOSS}/∂net</TD>'
                f'<TD ALIGN="RIGHT">{chain_table}</TD></TR>'
                f'<TR><TD COLSPAN="2" ALIGN="RIGHT">{font(f"∂{LOSS}/∂out × ∂out/∂net", MUTED, SMALLEST)}</TD></TR>'
            )
        return (
            f'<TR><TD ALIGN="LEFT">δ = ∂{LOSS}/∂net</TD>'
            f'<TD ALIGN="RIGHT">{chain} {font(self.number(delta), bold=True)}</TD></TR>'
            f'<TR><TD COLSPAN="2" ALIGN="RIGHT">{font(f"∂{LOSS}/∂out × ∂out/∂net", MUTED, SMALLEST)}</TD></TR>'
        )

    def _bias(self, node: str, p: str) -> str:
        # An inline number's generated name (`h1.bias`) adds nothing, unless `b` would be ambiguous.
        implicit = p == f"{node}.bias" and "b" not in self.graph.graph["parameters"]
        parts = [font("bias", MUTED, SMALL)] if implicit else [font("bias", MUTED, SMALL), self._param_name(p, SMALL)]
        symbol = "b" if implicit else escape(p)
        if "values" in self.show:
            parts.append(font(self.number(self._value(p)), None, 10, bold=implicit))
        if "grads" in self.show:
            parts.append(font(f"∂{LOSS}/∂{symbol} {self.number(self._grad(p))}", MUTED, SMALL))
        if "updates" in self.show:
            parts.append(font(self._update_text(p), MUTED, SMALL))
        if self.ids is not None:
            # The gradient and the update in cells of their own, shown from their steps on.
            nid, known = self.ids["node"][node], len(parts) - ("grads" in self.show) - ("updates" in self.show)
            named = known - ("values" in self.show)
            cells = [f"<TD>{' '.join(parts[:named])}</TD>"]
            later = ["bvalue"] * (known - named) + ["bgrad", "bupdate"][: len(parts) - known]
            for part, text in zip(later, parts[named:]):
                cells.append(f"<TD{self._cell(nid, part)}>&#160;{text}</TD>")
            return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>{"".join(cells)}</TR></TABLE>'
        return " ".join(parts)

    def _update_text(self, p: str) -> str:
        assert self.trace is not None
        if not self._trainable(p):
            return "frozen"
        new = self.trace.new_theta[self.trace.plan.parameter_index[p]]
        return f"→ {self.number(new)}"

    def _node_tip(self, name: str) -> str:
        parts = [name]
        if self.trace is not None:
            c, s = self._col(name), self.values_of
            neuron = self.graph.nodes[name]["kind"] != "input"
            if self.numbers:
                if neuron:
                    parts.append(f"net {self.number(self.trace.forward.net[s, c])}")
                parts.append(f"out {self.number(self.trace.forward.out[s, c])}")
            if neuron and "grads" in self.show:
                parts.append(f"δ {self.number(self._delta(name))}")
        return ", ".join(parts)

    # -------------------------------------------------------------- edges
    def _edge(self, u: str, v: str) -> str:
        p = self.graph.edges[u, v]["weight"]
        attrs: dict[str, Any] = {"color": ZERO, "penwidth": 1.0, **self._element("edge", (u, v))}
        text_color = MUTED
        if self.trace is not None and "grads" in self.show:
            attrs["color"], attrs["penwidth"], text_color = self._style(self._grad(p))
        if self.dense:
            # Hundreds of edges: thinner and translucent, so they read as a texture, not a wall.
            attrs["color"] += "b0"
            attrs["penwidth"] = round(attrs["penwidth"] / 2, 2)
        if not self._trainable(p):
            attrs["style"] = "dashed"
        # An inline number's generated name (`h1->o1`) adds nothing, unless `w` would be ambiguous.
        implicit = p == edge_weight_name(u, v) and "w" not in self.graph.graph["parameters"]
        symbol = "w" if implicit else escape(p)
        tip = [f"{u} → {v}: {p}" + (f" = {self.number(self._value(p))}" if "values" in self.show else "")]
        if "grads" in self.show:
            tip.append(f"∂{LOSS}/∂w {self.number(self._grad(p))}")
        if "updates" in self.show:
            tip.append(self._update_text(p))
        attrs["tooltip"] = ", ".join(tip)
        if self.detail == "full":
            # The endpoints name an unnamed weight: where edges cross, a label is not always
            # next to its own edge.
            first = font(escape(parameter_label(p)), bold=True) if implicit else self._param_name(p)
            rows = [first + (" " + self.number(self._value(p)) if "values" in self.show else "")]
            parts = ["weight"]
            if "grads" in self.show:
                rows.append(f"∂{LOSS}/∂{symbol} {font(self.number(self._grad(p)), bold=True)}")
                parts.append("grad")
            if "updates" in self.show:
                rows.append(
                    f"{symbol}′ {self._update_text(p).lstrip('→ ')}" if self._trainable(p) else f"{symbol} frozen"
                )
                parts.append("update")
            # A margin around the text keeps a wide neighbouring edge from touching it.
            if self.ids is not None:
                eid = self.ids["edge"][(u, v)]
                cells = [
                    f'<TR><TD ALIGN="LEFT"{self._cell(eid, part)}>{font(r, text_color, SMALL)}</TD></TR>'
                    for r, part in zip(rows, parts)
                ]
                inner = html_table(["".join(cells)])[1:-1]
            else:
                inner = html_table(["".join(html_row(font(r, text_color, SMALL)) for r in rows)])[1:-1]
            if self.direction == "LR":
                # Graphviz sets a label over its edge, where a crossing neighbour may pass right over
                # the label: room over the text and little under it keep the text nearer its own edge.
                rows = [f'<TR><TD HEIGHT="{LABEL_HEADROOM}"></TD></TR><TR><TD CELLPADDING="2">{inner}</TD></TR>']
                attrs["label"] = html_table(rows, padding=0)
            else:  # beside its edge
                attrs["label"] = html_table([f"<TR><TD>{inner}</TD></TR>"], padding=4)
        return f"  {dot_id(u)} -> {dot_id(v)}{attributes(**attrs)}"

    # -------------------------------------------------------------- loss
    def _loss_lines(self) -> list[str]:
        G, t, s = self.graph, self.trace, self.values_of
        loss = G.graph["loss"]
        lines = []
        terms = t.loss_terms(s) if t is not None and self.numbers else None
        for o in self.outputs:
            rows = [html_row(font(f"loss at {escape(o)}", bold=True))]
            if t is not None and self.numbers:
                target = t.targets[s, self.outputs.index(o)]
                rows.append(html_pair("target", self.number(float(target))))
                if terms is not None:
                    lid = self.ids["loss"][o] if self.ids else None
                    rows.append(html_pair("term", font(self.number(terms[o]), bold=True), self._cell(lid, "term")))
            label = escape(f"loss at {o}") if self.detail == "names" else html_table(rows)
            element = self._element("loss", o)
            lines.append(f"  {dot_id(self.loss_id[o])}{attributes(label=label, fillcolor=FILL['loss'], **element)}")
        rows = [html_row(font(LOSS, bold=True) + " " + font(escape(loss.name), MUTED))]
        if t is not None and self.numbers:
            n = t.n_samples
            how = "sum of the terms" if n == 1 else f"{G.graph['reduction']} over {n} samples"
            total_cell = self._cell("ge-loss", "value")
            rows.append(
                html_pair(font(f"{LOSS} =", bold=True), font(self.number(t.loss), bold=True, size=16), total_cell)
            )
            rows.append(html_row(font(how, MUTED, SMALL)))
            if n > 1:
                rows.append(
                    html_pair(f"sample {s}", self.number(float(t.sample_losses[s])), self._cell("ge-loss", "sample"))
                )
        attrs = {"label": html_table(rows), "fillcolor": FILL["loss"], "penwidth": 1.5}
        if self.ids is not None:
            attrs.update(id="ge-loss", **{"class": "ge-total"})
        lines.append(f"  {dot_id(self.total_id)}{attributes(**attrs)}")
        return lines

    # -------------------------------------------------------------- caption
    def _caption(self) -> str:
        return caption(self)

    def _legend(self) -> list[str]:
        return legend(self)

    # -------------------------------------------------------------- whole
    def dot(self) -> str:
        name = self.graph.graph.get("name") or "network"
        lines = [f"digraph {dot_id(name)} {{"]
        lines.append(
            "  graph"
            + attributes(
                rankdir=self.direction,
                ranksep="0.5" if self.detail == "full" else "1.6",
                nodesep="0.25",
                fontname=FONT,
                labelloc="b",
                labeljust="l",
                label=self._caption(),
                newrank="true",
            )
        )
        lines.append(
            "  node"
            + attributes(
                shape="box", style="rounded,filled", fontname=FONT, fontsize="12", margin="0.08,0.04", color="#444444"
            )
        )
        lines.append(
            "  edge" + attributes(fontname=FONT, fontsize=str(SMALL), arrowsize="0.3" if self.dense else "0.6")
        )
        for depth, generation in enumerate(self.generations):
            lines.append(f"  // depth {depth}")
            lines += [self._node(n) for n in generation]
            lines.append(same_rank(generation))
        lines += self._loss_nodes()
        lines.append("  // edges")
        lines += [self._edge(u, v) for u, v in self._drawn_edges()]
        lines += self._loss_edges()
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _loss_nodes(self) -> list[str]:
        """The loss nodes, the legend beside the total, and their ranks."""
        lines = ["  // loss", *self._loss_lines()]
        legend = self._legend()
        lines += legend
        if legend:
            lines.append(same_rank([self.total_id, self.legend_id]))
        lines.append(same_rank([self.loss_id[o] for o in self.outputs]))
        if all(self.graph.out_degree(o) == 0 for o in self.outputs):
            lines.append(same_rank(self.outputs))
        return lines

    def _drawn_edges(self) -> list[tuple[str, str]]:
        """The edges between drawn nodes, in drawing order (by tail, then head)."""
        position = {n: i for i, n in enumerate(self.order)}
        drawn = (e for e in self.graph.edges if e[0] in position and e[1] in position)
        return sorted(drawn, key=lambda e: (position[e[0]], position[e[1]]))

    def _loss_edges(self) -> list[str]:
        lines = []
        for o in self.outputs:
            lines.append(f"  {dot_id(o)} -> {dot_id(self.loss_id[o])}" + attributes(color=ZERO, arrowhead="none"))
            lines.append(f"  {dot_id(self.loss_id[o])} -> {dot_id(self.total_id)}" + attributes(color=ZERO))
        return lines


def to_dot(
    G: nx.DiGraph,
    trace: Trace | None = None,
    *,
    show: Iterable[str] | str | None = None,
    sample: int | None = None,
    precision: int = DEFAULT_PRECISION,
    detail: str = "auto",
    title: str | None = None,
    description: str | None = None,
    ids: bool = False,
    direction: str = "LR",
) -> str:
    """The DOT text of the network graph ``G`` annotated with ``trace`` (structure only when
    ``trace`` is None); ``description`` is the spec's, shown in the caption.

    ``show`` picks what is printed (``structure``, ``values``, ``grads``, ``updates``; default all);
    ``sample`` whose forward values and δ to show (default: values of sample 0, δ summed over the
    batch); ``detail`` is ``auto``, ``full``, ``nodes`` (no edge labels) or ``names``; ``ids``
    gives elements and value cells the ids of :func:`svg_ids` (for the step-through page);
    ``direction`` is ``LR`` (layers left to right, the default) or ``TB`` (top to bottom: about half
    as wide for a small network, so its text stays large when the picture is scaled to a screen's width).
    """
    if detail not in DETAILS:
        raise RenderError(f"unknown detail `{detail}`; choose from {', '.join(DETAILS)}")
    if direction not in DIRECTIONS:
        raise RenderError(f"unknown direction `{direction}`; choose from {', '.join(DIRECTIONS)}")
    diagram = _Diagram(G, trace, parse_show(show), sample, precision, detail, title, description, ids, direction)
    return diagram.dot()
