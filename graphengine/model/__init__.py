"""The model of a network: a validated Spec becomes a ``networkx.DiGraph`` (structure checks,
dense layers expanded, one name per parameter).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._util.lazy import lazy_exports

__all__ = ["build_graph", "parameter_uses"]

if TYPE_CHECKING:
    from .graph import build_graph, parameter_uses

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "build_graph": ".graph",
        "parameter_uses": ".graph",
    },
)
