"""Plugins: the types and decorators (``registry``, a leaf), the built-in activations, losses,
optimisers and initialisers (registered exactly as a user plugin is), discovery (entry points,
files, the checkout's ``plugins/``), verification on load and guarding where they run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._util.lazy import lazy_exports

__all__ = [
    "Activation",
    "Initializer",
    "Loss",
    "Optimizer",
    "Registry",
    "activation",
    "builtin_registry",
    "default_registry",
    "initializer",
    "loss",
    "optimizer",
]

if TYPE_CHECKING:
    from .discovery import builtin_registry, default_registry
    from .registry import Activation, Initializer, Loss, Optimizer, Registry, activation, initializer, loss, optimizer

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Activation": ".registry",
        "Initializer": ".registry",
        "Loss": ".registry",
        "Optimizer": ".registry",
        "Registry": ".registry",
        "activation": ".registry",
        "builtin_registry": ".discovery",
        "default_registry": ".discovery",
        "initializer": ".registry",
        "loss": ".registry",
        "optimizer": ".registry",
    },
)
