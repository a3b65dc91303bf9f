"""Diagrams: DOT text of a network and a step (neuron view, layer view, exercise drawing) and
SVG/PNG/PDF files through Graphviz.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._util.lazy import lazy_exports

__all__ = ["to_dot", "to_svg", "view_dot"]

if TYPE_CHECKING:
    from .render import to_dot, to_svg, view_dot

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "to_dot": ".render",
        "to_svg": ".render",
        "view_dot": ".render",
    },
)
