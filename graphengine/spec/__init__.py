"""Spec files: YAML text → a located document (``yamldoc``) → a validated :class:`Spec` (pydantic
models in ``schema`` and its parts, then small named rules), with limits counted before anything expands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._util.lazy import lazy_exports

__all__ = ["Spec", "load_spec", "parse_spec"]

if TYPE_CHECKING:
    from .load import load_spec, parse_spec
    from .schema import Spec

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Spec": ".schema",
        "load_spec": ".load",
        "parse_spec": ".load",
    },
)
