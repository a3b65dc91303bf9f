"""The step-through page's own diagram: few numbers per element, one font size, readable from the back.

The annotated diagram (:mod:`graphengine.views.diagram.annotated`) puts every number of a step
on the picture in 9–12 point text; on a projector the page must be legible at 1024×768, so
this one keeps what a step reveals and drops the rest to the panel:

* a node: its name, ``net``, ``out``, ``δ`` and its bias; an output also its target and loss term;
* an edge (up to :data:`EDGE_LABELS_UP_TO` edges): the weight, ``∂E/∂w`` and the updated weight;
  beyond that, edges carry colour and width only (the panel has every number);
* the total loss in a box below the outputs.

Every label is in one size (:data:`FONT_SIZE`), so the smallest text on the page is the
diagram's scale times that size. Ids and value cells are those of :func:`svg_ids`, so the
page's script treats both diagrams alike. Edges are drawn neutral: the page colours an edge
by ∂E/∂w only from the step that computes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._util.numfmt import diagram_number
from ...model.aliases import edge_weight_name, parameter_label
from ..diagram.dotparts import Html, attributes, dot_id, escape, layers_of, same_rank, svg_ids
from ..diagram.palette import FILL, FONT, MUTED

if TYPE_CHECKING:
    import networkx as nx

    from ...engine.trace import Trace

FONT_SIZE = 14
# Beyond this many edges their labels would make the picture too big to read at 16 px: colour only.
EDGE_LABELS_UP_TO = 8
NEUTRAL = "#555555"  # an edge before its gradient is computed
NEUTRAL_WIDTH = 1.5


def _cell(cell_id: str | None, name: str, value: str, color: str | None = None) -> str:
    """One row ``name value``; the value is the row's last text run (the page replaces it)."""
    attrs = f' ID="{cell_id}" HREF="#ge"' if cell_id else ""
    name_run = f'<FONT COLOR="{color}">{name}</FONT>' if color else name
    return f'<TR><TD ALIGN="LEFT"{attrs}>{name_run}&#160;{value}</TD></TR>'


def _table(rows: list[str]) -> Html:
    return Html(f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{"".join(rows)}</TABLE>>')


def cell_texts(G: nx.DiGraph[str], trace: Trace, sample: int = 0, precision: int = 4) -> dict[str, str]:
    """Every value cell of the lecture diagram (its id) → the number it shows for ``trace``.

    The page uses it for the first drawing, the "after the step" view and each replay frame,
    so all three show numbers formatted alike.
    """
    ids, t, s = svg_ids(G), trace, sample

    def num(x: float) -> str:
        return diagram_number(x, precision)

    texts: dict[str, str] = {}
    terms = t.loss_terms(s)
    for v in G.nodes:
        nid = ids["node"][v]
        texts[f"{nid}-out"] = num(t.out(v, s))
        if G.nodes[v]["kind"] == "input":
            continue
        texts[f"{nid}-net"] = num(t.net(v, s))
        texts[f"{nid}-delta"] = num(t.dnet(v, s))
        bias = G.nodes[v].get("bias")
        if bias:
            texts[f"{nid}-bvalue"] = num(t.values[bias])
    if terms is not None:
        for o in G.graph["outputs"]:
            texts[f"{ids['loss'][o]}-term"] = num(terms[o])
    for (u, v), eid in ids["edge"].items():
        p = G.edges[u, v]["weight"]
        texts[f"{eid}-weight"] = num(t.values[p])
        texts[f"{eid}-grad"] = num(t.gradient(p))
        texts[f"{eid}-update"] = num(t.updated[p]) if G.graph["parameters"][p]["trainable"] else "frozen"
    texts["ge-loss-value"] = num(t.loss)
    if t.n_samples > 1:
        texts["ge-loss-sample"] = num(float(t.sample_losses[s]))
    return texts


class Figure:
    """The DOT text of ``net``'s lecture diagram for ``trace`` (sample ``sample``)."""

    def __init__(self, G: nx.DiGraph[str], trace: Trace, sample: int = 0, precision: int = 4) -> None:
        self.graph, self.trace, self.sample, self.precision = G, trace, sample, precision
        self.ids = svg_ids(G)
        self.outputs = list(G.graph["outputs"])
        self.labelled = G.number_of_edges() <= EDGE_LABELS_UP_TO
        self.texts = cell_texts(G, trace, sample, precision)

    def number(self, x: float) -> str:
        return diagram_number(x, self.precision)

    def row(self, cell_id: str, name: str, color: str | None = MUTED) -> str:
        return _cell(cell_id, name, self.texts[cell_id], color)

    def node(self, v: str) -> str:
        G, t, s, nid = self.graph, self.trace, self.sample, self.ids["node"][v]
        kind = "input" if G.nodes[v]["kind"] == "input" else "output" if v in self.outputs else "neuron"
        head = f"<B>{escape(v)}</B>"
        if kind != "input":
            head += f' <FONT COLOR="{MUTED}">{escape(G.nodes[v]["activation"].name)}</FONT>'
        rows = [f'<TR><TD ALIGN="LEFT">{head}</TD></TR>']
        if kind == "input":
            rows.append(self.row(f"{nid}-out", "out"))
        else:
            rows.append(self.row(f"{nid}-net", "net"))
            rows.append(self.row(f"{nid}-out", "out"))
            rows.append(self.row(f"{nid}-delta", "δ"))
            bias = G.nodes[v].get("bias")
            if bias:
                name = "b" if bias == f"{v}.bias" else escape(bias)
                rows.append(self.row(f"{nid}-bvalue", name))
        if kind == "output":
            k = self.outputs.index(v)
            lid = self.ids["loss"][v]
            rows.append(_cell(None, "t", self.number(float(t.targets[s, k])), MUTED))
            if f"{lid}-term" in self.texts:
                rows.append(self.row(f"{lid}-term", f"E_{escape(v)}"))
        attrs = {
            "label": _table(rows),
            "fillcolor": FILL[kind],
            "id": nid,
            "class": "ge-node",
            "tooltip": v,
        }
        return f"  {dot_id(v)}{attributes(**attrs)}"

    def edge(self, u: str, v: str) -> str:
        G = self.graph
        p = G.edges[u, v]["weight"]
        eid = self.ids["edge"][(u, v)]
        attrs: dict[str, Any] = {"color": NEUTRAL, "penwidth": NEUTRAL_WIDTH, "id": eid, "class": "ge-edge"}
        if not G.graph["parameters"][p]["trainable"]:
            attrs["style"] = "dashed"
        attrs["tooltip"] = f"{u} → {v}: {p}"
        if self.labelled:
            implicit = p == edge_weight_name(u, v) and "w" not in G.graph["parameters"]
            sym = "w" if implicit else escape(parameter_label(p))
            rows = [
                self.row(f"{eid}-weight", f"<B>{sym}</B>", None),
                self.row(f"{eid}-grad", f"∂E/∂{sym}"),
            ]
            trainable = G.graph["parameters"][p]["trainable"]
            rows.append(self.row(f"{eid}-update", f"{sym}′" if trainable else sym))
            attrs["label"] = _table(rows)
        return f"  {dot_id(u)} -> {dot_id(v)}{attributes(**attrs)}"

    def total(self, name: str) -> str:
        rows = [self.row("ge-loss-value", "<B>E</B>", None)]
        if "ge-loss-sample" in self.texts:
            rows.append(self.row("ge-loss-sample", f"E_{self.sample}"))
        attrs = {
            "label": _table(rows),
            "fillcolor": FILL["loss"],
            "id": "ge-loss",
            "class": "ge-total",
            "penwidth": 1.5,
        }
        return f"  {dot_id(name)}{attributes(**attrs)}"

    def dot(self) -> str:
        G = self.graph
        lines = ["digraph lecture {"]
        lines.append("  graph" + attributes(rankdir="LR", ranksep="0.3", nodesep="0.12", fontname=FONT, newrank="true"))
        lines.append(
            "  node"
            + attributes(
                shape="box",
                style="rounded,filled",
                fontname=FONT,
                fontsize=str(FONT_SIZE),
                margin="0.06,0.03",
                color="#444444",
            )
        )
        lines.append("  edge" + attributes(fontname=FONT, fontsize=str(FONT_SIZE), arrowsize="0.7"))
        generations = layers_of(G)
        for generation in generations:
            lines += [self.node(v) for v in generation]
            lines.append(same_rank(generation))
        total = "loss"
        while total in G.nodes:
            total += "_"
        lines.append(self.total(total))
        position = {n: i for i, g in enumerate(generations) for n in g}
        last = [o for o in self.outputs if G.out_degree(o) == 0]
        if last:
            lines.append(same_rank([*last, total]))
        edges = sorted(G.edges, key=lambda e: (position[e[0]], position[e[1]]))
        lines += [self.edge(u, v) for u, v in edges]
        lines.append("}")
        return "\n".join(lines) + "\n"


def figure_dot(G: nx.DiGraph[str], trace: Trace, sample: int = 0) -> str:
    """The lecture diagram's DOT text."""
    return Figure(G, trace, sample).dot()
