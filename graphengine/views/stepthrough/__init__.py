"""The step-through page: the ordered small steps of one training step, one self-contained HTML
file, and ``serve``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._util.lazy import lazy_exports

__all__ = ["build_page", "build_steps", "make_server"]

if TYPE_CHECKING:
    from .page import build_page
    from .serve import make_server
    from .steps import build_steps

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "build_page": ".page",
        "build_steps": ".steps",
        "make_server": ".serve",
    },
)
