"""The worksheet's drawing on paper: which drawing, how large and over how many pages.

An edge label is drawn at 12 pt (:data:`~graphengine.views.diagram.blank.EDGE_POINTS`); on the
page it must print at :data:`LEAST_POINTS` or more. The first of these that does is printed:

1. the drawing with a box (a), (b), … for every blank, on one page;
2. the drawing of names and given numbers only (the worksheet's table lists the blanks), on one page,
   its edge labels in wide rows, then in narrow ones (a taller, narrower drawing);
3. that drawing in parts, one a page (``network-part1.pdf``, …), fewest pages first: each part
   draws some consecutive layers and the edges between them; a layer where the drawing is cut is
   drawn at the foot of one page and again at the top of the next, with a line saying so.

When none reaches it (no shape ``exercise`` makes), the one printed largest. A page is portrait or
landscape, whichever prints the drawing larger; the parts of one drawing share one scale.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, NamedTuple

from ...views.diagram.blank import EDGE_POINTS, blank_dot, layer_bands
from ...views.diagram.dotparts import layers_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    import networkx as nx

    from ...engine.trace import Trace

DIAGRAM = "network"  # network.svg for the Markdown sheet, network.pdf for the LaTeX one
LEAST_POINTS = 9.0  # an edge label printed smaller is hard to read on paper
DRAWING_MARGIN = "1cm"  # the drawing's page: 7.7 in of a Letter page's 8.5
PAGE = (612.0, 792.0)  # Letter, in points (article's default paper)
MARGIN_POINTS = 72 / 2.54  # DRAWING_MARGIN in points
DRAWING_HEIGHT = 0.97  # of the text height: room for the page's number
CONTINUED_POINTS = 36.0  # the two lines of a part's page that say where the drawing goes on


class Form(NamedTuple):
    """How the drawing is drawn: with a box per blank or names only, and how wide an edge label
    counts (None: :func:`~graphengine.views.diagram.blank.blank_dot`'s default)."""

    boxes: bool
    label_width: float | None = None


FORMS = (Form(boxes=True), Form(boxes=False), Form(boxes=False, label_width=1.0))


@dataclass(frozen=True)
class Part:
    """A part of the drawing printed on a page of its own (its PDF and size in points), and the
    layer drawn at its top that the page before also drew, and at its foot that the next draws."""

    pdf: bytes
    size: tuple[float, float]
    from_before: tuple[str, ...] = ()
    on_next: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrintedDrawing:
    """The drawing as the worksheet prints it: ``pdf`` is the whole drawing (``network.pdf``), the
    parts are printed one a page (one part: the whole), all at one scale and orientation."""

    pdf: bytes
    parts: tuple[Part, ...]
    landscape: bool
    scale: float
    boxes: bool

    @property
    def points(self) -> float:
        """The size an edge label prints at."""
        return EDGE_POINTS * self.scale

    def files(self) -> dict[str, bytes]:
        """``network.pdf`` and, when the drawing takes several pages, each page's part."""
        files = {f"{DIAGRAM}.pdf": self.pdf}
        if len(self.parts) > 1:
            files |= {part_file(k): part.pdf for k, part in enumerate(self.parts, 1)}
        return files


def part_file(k: int) -> str:
    """The file of the drawing's ``k``-th page (from 1) when it takes several.

    >>> part_file(2)
    'network-part2.pdf'
    """
    return f"{DIAGRAM}-part{k}.pdf"


def drawing_size(pdf: bytes) -> tuple[float, float] | None:
    """Width and height in points of a one-page PDF drawing (its MediaBox), or None."""
    box = re.search(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", pdf)
    if box is None:
        return None
    x0, y0, x1, y1 = map(float, box.groups())
    return x1 - x0, y1 - y0


def printed_scale(size: tuple[float, float], landscape: bool, continued: bool = False) -> float:
    """The scale a drawing of ``size`` (points) is printed at on its page (a small one is enlarged);
    ``continued``: the page also says where the drawing goes on.

    >>> round(printed_scale((1078, 651), False), 2), round(printed_scale((1078, 651), True), 2)
    (0.52, 0.68)
    """
    width, height = PAGE[::-1] if landscape else PAGE
    room = (width - 2 * MARGIN_POINTS, DRAWING_HEIGHT * (height - 2 * MARGIN_POINTS) - continued * CONTINUED_POINTS)
    return min(room[0] / size[0], room[1] / size[1])


def fitted(pdf: bytes, parts: tuple[Part, ...], boxes: bool) -> PrintedDrawing:
    """The drawing printed in ``parts`` at one scale, on the orientation that prints it larger."""
    continued = len(parts) > 1

    def scale(landscape: bool) -> float:
        return min(printed_scale(part.size, landscape, continued) for part in parts)

    landscape = scale(True) > scale(False)
    return PrintedDrawing(pdf, parts, landscape, scale(landscape), boxes)


def cuts(bands: list[tuple[float, float]], height: float, pages: int) -> list[tuple[int, int]]:
    """The layers (first, last) of each of ``pages`` parts, cut at layers so that the tallest part
    is least, as the whole drawing (``height`` points; its layers' ``bands`` from
    :func:`~graphengine.views.diagram.blank.layer_bands`) measures them.

    >>> cuts([(90, 100), (60, 70), (30, 40), (10, 20)], 100, 2)  # parts 40 and 70, or 70 and 40 high
    [(0, 1), (1, 3)]
    """
    last = len(bands) - 1
    best: tuple[float, list[tuple[int, int]]] | None = None
    for at in combinations(range(1, last), pages - 1):
        layers = list(zip((0, *at), (*at, last)))
        tallest = max((height if a == 0 else bands[a][1]) - (0.0 if b == last else bands[b][0]) for a, b in layers)
        if best is None or tallest < best[0]:
            best = (tallest, layers)
    return best[1] if best is not None else [(0, last)]


def printed_drawing(
    G: nx.DiGraph, trace: Trace, blanks: Mapping[str, str], title: str | None, description: str | None
) -> PrintedDrawing:
    """The first drawing (see the module's text) whose edge labels print at :data:`LEAST_POINTS` or more."""
    from ...views.diagram.render import pipe

    def dot(form: Form, layers: tuple[int, int] | None = None) -> str:
        return blank_dot(G, trace, blanks, title=title, description=description, layers=layers, **form._asdict())

    def drawn(form: Form, layers: tuple[int, int] | None = None) -> Part:
        pdf = without_date(pipe(dot(form, layers), "pdf"))
        return Part(pdf, drawing_size(pdf) or (1.0, 1.0))

    tried: list[PrintedDrawing] = []
    for form in FORMS:
        whole = drawn(form)
        tried.append(fitted(whole.pdf, (whole,), form.boxes))
        if tried[-1].points >= LEAST_POINTS:
            return tried[-1]
    layers = layers_of(G)
    names_only = [(form, whole.parts[0]) for form, whole in zip(FORMS, tried) if not form.boxes]
    bands = [layer_bands(G, pipe(dot(form), "json")) for form, _ in names_only]
    for pages in range(2, len(layers)):
        this_many = []
        for (form, whole), layer_band in zip(names_only, bands):
            parts = []
            for a, b in cuts(layer_band, whole.size[1], pages):
                part = drawn(form, (a, b))
                before = tuple(layers[a]) if a > 0 else ()
                after = tuple(layers[b]) if b < len(layers) - 1 else ()
                parts.append(Part(part.pdf, part.size, before, after))
            this_many.append(fitted(whole.pdf, tuple(parts), False))
        tried += this_many
        best = max(this_many, key=lambda d: d.points)
        if best.points >= LEAST_POINTS:
            return best
    return max(tried, key=lambda d: d.points)


def without_date(pdf: bytes) -> bytes:
    """Graphviz's PDF with a fixed creation date (cairo writes the clock's, whatever
    SOURCE_DATE_EPOCH says): the same digits count, so the cross-reference offsets stay right."""
    return re.sub(rb"(/(?:Creation|Mod)Date \(D:)\d{14}", rb"\g<1>19700101000000", pdf)


def drawing_latex(drawing: PrintedDrawing | None) -> list[str]:
    """The drawing's pages: narrow margins, each part at the drawing's scale (the full text width
    unless it is taller than the page), the pages turned to landscape when that prints it larger
    (a wide network such as 4-4), a line above and below a part saying where the drawing goes on."""
    from ...views.derivation.mathfmt import escape_tex_text

    if drawing is None:  # no PDF to measure: the drawing at the full text width
        include = (
            rf"\includegraphics[width=\linewidth,height={DRAWING_HEIGHT}\textheight,keepaspectratio]{{{DIAGRAM}.pdf}}"
        )
        return [
            rf"\newgeometry{{margin={DRAWING_MARGIN}}}",
            r"\begin{center}",
            include,
            r"\end{center}",
            r"\restoregeometry",
            "",
        ]
    scale = math.floor(drawing.scale * 1000) / 1000  # never more than fits
    several = len(drawing.parts) > 1
    pages: list[str] = []
    for k, part in enumerate(drawing.parts, 1):
        if k > 1:
            pages.append(r"\newpage")
        pages.append(r"\begin{center}")
        if part.from_before:
            names = escape_tex_text(", ".join(part.from_before))
            pages.append(rf"\emph{{The drawing, continued from the previous page: {names} again.}}\\[0.5em]")
        pages.append(rf"\includegraphics[scale={scale}]{{{part_file(k) if several else DIAGRAM + '.pdf'}}}")
        if part.on_next:
            names = escape_tex_text(", ".join(part.on_next))
            pages.append(rf"\\[0.5em]\emph{{The drawing continues on the next page, from {names}.}}")
        pages.append(r"\end{center}")
    if drawing.landscape:
        pages = [r"\begin{landscape}", *pages, r"\end{landscape}"]
    return [rf"\newgeometry{{margin={DRAWING_MARGIN}}}", *pages, r"\restoregeometry", ""]
