"""Lazy re-exports for a package ``__init__`` (PEP 562): a public name is imported from its
defining module the first time it is used, so importing a subpackage stays as cheap as
importing the modules it really needs.

>>> import types
>>> module_getattr, module_dir = lazy_exports("graphengine", {"Plan": ".engine.plan"})
>>> module_getattr("Plan").__name__, module_dir()
('Plan', ['Plan'])
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose public names live in the modules
    ``exports`` names (relative to ``package``, e.g. ``".plan"``)."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
