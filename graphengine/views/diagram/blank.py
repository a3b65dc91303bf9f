"""The exercise diagram: the given numbers and a labelled box for every asked quantity.

The same drawing as :mod:`graphengine.views.diagram.annotated` with every computed value replaced by a blank
(``render --blanks``, the worksheets of ``graphengine exercise``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..._util.numfmt import derivation_number
from ...errors import RenderError
from ...model.aliases import edge_weight_name, parameter_label
from .annotated import DEFAULT_PRECISION, DEFAULT_SHOW, _Diagram
from .dotparts import Html, attributes, dot_id, escape, font, html_pair, html_row, html_table
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
) -> str:
    """The DOT text of an exercise: ``blanks`` maps hand-file quantities to box labels
    (``{"h1.net": "a"}``); the given numbers are shown, no other computed value."""
    if trace is None:
        raise RenderError("an exercise diagram (blanks) needs data: the spec has no `data` samples")
    return _BlankDiagram(G, trace, blanks, precision, title, description).dot()


BLANK_INK = "#1f4e99"


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
    ) -> None:
        super().__init__(G, trace, DEFAULT_SHOW, 0, precision, "full", title, description)
        self.trace: Trace = trace  # an exercise always has its step (the givens are read from it)
        self.blanks = dict(blanks)
        self.boxed: set[str] = set()  # a shared parameter's boxes are drawn at its first use only

    def number(self, x: float) -> str:
        """A given number as the spec writes it (at most two decimals), with a true minus sign."""
        return derivation_number(x, 2).replace("-", "−")

    def _box(self, label: str, quantity: str) -> str:
        letter = self.blanks[quantity]
        box = font(escape(f"({letter})"), BLANK_INK, bold=True)
        return (
            f'<TR><TD ALIGN="LEFT">{label}</TD>'
            f'<TD BORDER="1" COLOR="{BLANK_INK}" WIDTH="58" HEIGHT="18" ALIGN="CENTER">{box}</TD></TR>'
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
        attrs = self.G.nodes[name]
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
            named = font("bias", MUTED, 10) + ("" if implicit else " " + self._param_name(bias, 10))
            rows.append(html_pair(named, font(self.number(self._value(bias)), None, 10)))
            symbol = "b" if implicit else escape(bias)
            rows += self._boxes([(f"∂E/∂{symbol}", f"grad.{bias}"), (f"{symbol}′", f"updated.{bias}")])
        label = self._spaced(rows)
        return f"  {dot_id(name)}{attributes(label=label, tooltip=name, fillcolor=FILL[kind])}"

    def _edge(self, u: str, v: str) -> str:
        p = self.G.edges[u, v]["weight"]
        implicit = p == edge_weight_name(u, v) and "w" not in self.G.graph["parameters"]
        symbol = "w" if implicit else escape(p)
        first = font(escape(parameter_label(p)), bold=True) if implicit else self._param_name(p)
        rows = [f'<TR><TD COLSPAN="2" ALIGN="LEFT">{first} {self.number(self._value(p))}</TD></TR>']
        rows += self._boxes([(f"∂E/∂{symbol}", f"grad.{p}"), (f"{symbol}′", f"updated.{p}")])
        inner = self._spaced(rows)[1:-1]
        label = html_table([f"<TR><TD>{font(inner, None, 10)}</TD></TR>"], padding=4)
        tip = f"{u} → {v}: {p} = {self.number(self._value(p))}"
        style = "dashed" if not self._trainable(p) else None
        return f"  {dot_id(u)} -> {dot_id(v)}{attributes(color=MUTED, penwidth=1.2, style=style, tooltip=tip, label=label)}"

    def _loss_lines(self) -> list[str]:
        lines = []
        for k, o in enumerate(self.outputs):
            rows = [f'<TR><TD COLSPAN="2" ALIGN="LEFT">{font(f"loss at {escape(o)}", bold=True)}</TD></TR>']
            rows.append(html_pair("target", self.number(float(self.trace.targets[0, k]))))
            rows += self._boxes([(f"E_{escape(o)}", f"loss.{o}")])
            lines.append(f"  {dot_id(self.loss_id[o])}{attributes(label=self._spaced(rows), fillcolor=FILL['loss'])}")
        loss = self.G.graph["loss"]
        rows = [f'<TR><TD COLSPAN="2" ALIGN="LEFT">{font("E", bold=True)} {font(escape(loss.name), MUTED)}</TD></TR>']
        rows += self._boxes([("E =", "loss")])
        lines.append(
            f"  {dot_id(self.total_id)}{attributes(label=self._spaced(rows), fillcolor=FILL['loss'], penwidth=1.5)}"
        )
        return lines

    def _caption(self) -> str:
        name = self.title or self.G.graph.get("name") or "network"
        head = font(escape(name), bold=True, size=16)
        if self.description:
            head += "  " + font(escape(self.description), MUTED)
        rows = [
            html_row(head),
            html_row("given: inputs, weights, biases, targets; boxes (a), (b), …: the values to compute"),
        ]
        n = self.trace.n_samples
        if n > 1:
            how = self.G.graph["reduction"]
            rows.append(
                html_row(
                    f"inputs, targets and node values: sample 0 of {n}; E and ∂E/∂p: the batch loss ({how} over {n} samples)"
                )
            )
        if any(q.startswith("updated.") for q in self.blanks):
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
        return super().dot().replace('rankdir="LR"', 'rankdir="TB"', 1)
