"""DOT text building blocks for :mod:`graphengine.views.diagram.annotated`: quoted ids, attribute lists,
HTML-like labels (fonts, tables, rows), rank groups, and the left-to-right layering of nodes."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    import networkx as nx


class SvgIds(TypedDict):
    """The SVG ids of a diagram's elements: nodes and loss nodes by name, edges by ``(source, target)``."""

    node: dict[str, str]
    edge: dict[tuple[str, str], str]
    loss: dict[str, str]


def escape(text: str, quote: bool = True) -> str:
    """Text for an HTML-like label: entities for ``&<>"'``; for ``[`` and ``]``, which Graphviz's
    HTML-label lexer (2.43) rejects as plain characters (`h]` fails to render); and for the
    backslash, which it would read as an escape (`\\\\` would show as one)."""
    return html.escape(text, quote).replace("[", "&#91;").replace("]", "&#93;").replace("\\", "&#92;")


def dot_id(name: str) -> str:
    """A node ID that Graphviz reads back as ``name`` (the SVG's titles show it). In a quoted ID
    Graphviz keeps backslashes as written but its lexer pairs one with the next character
    (``h\\"x`` would end the string early), so a name with a backslash becomes an HTML-like
    ``<…>`` ID, where only entities are special."""
    if "\\" in name:
        return f"<{escape(name, quote=True)}>"
    return '"' + name.replace('"', '\\"') + '"'


def quoted(text: str) -> str:
    """A quoted escString attribute value (label, tooltip) that displays as ``text``: labels turn
    ``\\\\`` into one backslash and ``\\n`` into a line break, so every backslash is doubled."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Html(str):
    """An HTML-like label (``<<TABLE …>>``), written as it is; every other value is quoted, so a
    name such as ``<b>y</b>`` is shown as text, never read as markup."""


def attributes(**attrs: Any) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        text = value if isinstance(value, Html) else quoted(str(value))
        parts.append(f"{key}={text}")
    return " [" + " ".join(parts) + "]" if parts else ""


def font(text: str, color: str | None = None, size: int | None = None, bold: bool = False) -> str:
    if bold:
        text = f"<B>{text}</B>"
    attrs = (f' COLOR="{color}"' if color else "") + (f' POINT-SIZE="{size}"' if size else "")
    return f"<FONT{attrs}>{text}</FONT>" if attrs else text


def html_table(rows: list[str], padding: int = 1) -> Html:
    return Html(f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="{padding}">{"".join(rows)}</TABLE>>')


def html_row(*cells: str, align: str = "LEFT") -> str:
    return "<TR>" + "".join(f'<TD ALIGN="{align}">{c}</TD>' for c in cells) + "</TR>"


def html_pair(key: str, value: str, value_attrs: str = "") -> str:
    return f'<TR><TD ALIGN="LEFT">{key}</TD><TD ALIGN="RIGHT"{value_attrs}>{value}</TD></TR>'


def layers_of(G: nx.DiGraph) -> list[list[str]]:
    """Nodes by depth, each depth in a top-to-bottom order that avoids crossings where it can.

    One barycentre sweep from the inputs (in declared order): a node sits at the mean relative
    position of its predecessors; ties keep the declared order, so dense layers stay as written.
    """
    from ...model.graph import generations  # here, so the CLI's --help (which reads DETAILS) stays light

    declared = {name: i for i, name in enumerate(G.nodes)}
    layers = [list(G.graph["inputs"])]
    position = {n: (i + 0.5) / len(layers[0]) for i, n in enumerate(layers[0])}
    for generation in generations(G)[1:]:

        def key(n: str) -> tuple[float, int]:
            preds = [position[u] for u in G.predecessors(n)]
            return (round(sum(preds) / len(preds), 9) if preds else 0.5, declared[n])

        layer = sorted(generation, key=key)
        position.update({n: (i + 0.5) / len(layer) for i, n in enumerate(layer)})
        layers.append(layer)
    return layers


def same_rank(names: list[str]) -> str:
    """One column of the picture, kept in the given top-to-bottom order by invisible edges."""
    chain = " -> ".join(dot_id(n) for n in names)
    pin = f" {chain} [style=invis]" if len(names) > 1 else ""
    return "  {rank=same; " + " ".join(dot_id(n) for n in names) + ";" + pin + "}"


def svg_ids(G: nx.DiGraph) -> SvgIds:
    """The ids that ``to_dot(..., ids=True)`` gives nodes, edges and loss nodes in the SVG.

    Ids are positions, not names (names may hold any text); a value cell's id is the
    element's id plus ``-net``, ``-out``, ``-dout``, ``-dact``, ``-delta``, ``-bvalue``,
    ``-bgrad``, ``-bupdate`` (nodes), ``-weight``, ``-grad``, ``-update`` (edges), ``-term`` (loss nodes)
    or ``ge-loss-value`` and ``ge-loss-sample`` (the total, sample 0's loss). The step-through page shows and hides them.
    """
    return {
        "node": {n: f"ge-n{i}" for i, n in enumerate(G.nodes)},
        "edge": {(u, v): f"ge-e{i}" for i, (u, v) in enumerate(G.edges)},
        "loss": {o: f"ge-l{k}" for k, o in enumerate(G.graph["outputs"])},
    }
