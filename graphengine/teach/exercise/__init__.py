"""Exercises: a generated network with nice numbers, its worksheet and drawing, the folder of
files to hand out, and grading a class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._util.lazy import lazy_exports

__all__ = ["Options", "generate"]

if TYPE_CHECKING:
    from .generate import Options, generate

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Options": ".generate",
        "generate": ".generate",
    },
)
