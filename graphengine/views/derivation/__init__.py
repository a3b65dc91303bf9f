"""The chain rule written out with numbers: a document model rendered as text, Markdown or LaTeX."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._util.lazy import lazy_exports

__all__ = ["Explainer"]

if TYPE_CHECKING:
    from .explain import Explainer

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Explainer": ".explain",
    },
)
