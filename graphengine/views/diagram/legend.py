"""The diagram's caption and colour key: what its numbers and colours mean."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..notation import LOSS
from .dotparts import Html, attributes, dot_id, escape, font, html_row, html_table
from .palette import MUTED, NEGATIVE, POSITIVE, ZERO

if TYPE_CHECKING:
    from .annotated import _Diagram


def caption(self: _Diagram) -> str:
    """The caption under the diagram: the name, what the numbers are, shared parameters, simplifications."""
    t, G = self.trace, self.graph
    name = self.title or G.graph.get("name") or "network"
    rows = [
        html_row(
            font(escape(name), bold=True, size=16)
            + ("  " + font(escape(self.description), MUTED) if self.description else "")
        )
    ]
    if t is None:
        rows.append(html_row("structure only: the spec has no data, so no values or gradients"))
    else:
        n = t.n_samples
        which = f"sample {self.values_of} of {n}" if n > 1 else "the one sample"
        facts = [f"net, out, targets: {which}"] if self.numbers else []
        if "grads" in self.show:
            delta = (
                f"δ = Σ over samples of ∂{LOSS}/∂net"
                if self.batch_delta
                else f"δ = ∂{LOSS}/∂net = ∂{LOSS}/∂out × ∂out/∂net"
            )
            if not self.batch_delta and n > 1:
                delta += f" (sample {self.values_of}'s part of the batch loss {LOSS}"
                # The number a learner checks by hand is ∂E_s/∂net; say how it relates.
                e_s = LOSS + str(self.values_of).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
                delta += f": 1/{n} × ∂{e_s}/∂net)" if G.graph["reduction"] == "mean" else ")"
            facts.append(delta)
        if facts:
            rows.append(html_row(" · ".join(facts)))
        edge_facts = ["weight w"] if "values" in self.show else []
        if "grads" in self.show:
            edge_facts.append(f"∂{LOSS}/∂w of the batch loss {LOSS}")
        if "updates" in self.show:
            edge_facts.append(f"w′ = w − {t.learning_rate:g} × ∂{LOSS}/∂w (one gradient-descent step)")
        if edge_facts:
            rows.append(html_row("edges: " + ", ".join(edge_facts)))
    for p in self.shared:
        rows.append(
            html_row(
                self._param_name(p)
                + ": one parameter used "
                + f"{len(self.uses[p])} times ({escape(', '.join(self.uses[p]))})"
                + (f"; ∂{LOSS}/∂{escape(p)} is the sum over all uses" if "grads" in self.show else "")
            )
        )
    if self.detail in ("nodes", "names"):
        rows.append(
            html_row(
                font(
                    f"simplified: {G.number_of_edges()} edges, so edges carry no numbers (colour and width show ∂{LOSS}/∂w; "
                    "hover an edge in the SVG, or run `graphengine run`, for its numbers)",
                    "#8a5a00",
                )
            )
        )
    if self.detail == "names":
        rows.append(
            html_row(
                font(
                    f"simplified: {G.number_of_nodes()} nodes, so nodes show names only; fill colour shows δ",
                    "#8a5a00",
                )
            )
        )
    return html_table(rows, padding=2)


def legend(self: _Diagram) -> list[str]:
    """A small key of the edge colours, in the column of the total loss, below it."""
    if self.trace is None or "grads" not in self.show or self.gmax == 0:
        return []
    what = " node fill: sign of δ" if self.detail == "names" else ""
    rows = [
        f'<TR><TD COLSPAN="4" ALIGN="LEFT"><B>edge colour</B>: sign of ∂{LOSS}/∂w{what}</TD></TR>',
        f'<TR><TD COLSPAN="4" ALIGN="LEFT">shade and width: |∂{LOSS}/∂w| (widest {self.number(self.gmax)})</TD></TR>',
    ]
    for shades, text in (
        (POSITIVE, "&gt; 0: the step lowers w"),
        (NEGATIVE, "&lt; 0: the step raises w"),
        ((ZERO,), "= 0 (dashed: frozen)"),
    ):
        cells = [_swatch(c, h) for c, h in zip(shades, (2, 4, 7))]
        cells += ["<TD></TD>"] * (3 - len(cells))
        rows.append("<TR>" + "".join(cells) + f'<TD ALIGN="LEFT">{text}</TD></TR>')
    label = Html(
        '<<TABLE BORDER="1" COLOR="#bbbbbb" STYLE="rounded" CELLBORDER="0" CELLSPACING="3" CELLPADDING="1">'
        + "".join(rows)
        + "</TABLE>>"
    )
    return [f"  {dot_id(self.legend_id)}{attributes(label=label, shape='plain', style='solid', fontsize='10')}"]


def _swatch(color: str, height: int) -> str:
    return f'<TD BGCOLOR="{color}" WIDTH="24" HEIGHT="{height}" FIXEDSIZE="TRUE"></TD>'
