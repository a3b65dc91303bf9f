"""graphengine: neural networks described in YAML, computed and drawn neuron by neuron.

The public API:

- :func:`load` a spec file into a :class:`Network`;
- :meth:`Network.run` one step and read the :class:`Trace` (values, gradients, updates);
- :meth:`Network.train` for many epochs;
- :func:`activation`, :func:`loss`, :func:`optimizer` and :func:`initializer` to write plugins.

This module only re-exports, lazily (PEP 562 ``__getattr__``): ``import graphengine`` and
``graphengine --help`` stay free of numpy, networkx and pydantic until a name is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .__about__ import __version__

# public name -> the module (relative to this package) that defines it
_EXPORTS = {
    "DataError": "errors",
    "GraphEngineError": "errors",
    "GraphError": "errors",
    "PluginError": "errors",
    "SpecError": "errors",
    "TrainingError": "errors",
    "History": "engine.train",
    "Network": "engine.network",
    "Trace": "engine.trace",
    "load": "engine.network",
    "Activation": "plugins.registry",
    "Loss": "plugins.registry",
    "Optimizer": "plugins.registry",
    "Initializer": "plugins.registry",
    "Registry": "plugins.registry",
    "activation": "plugins.registry",
    "loss": "plugins.registry",
    "optimizer": "plugins.registry",
    "initializer": "plugins.registry",
    "from_torch": "interop.from_torch",
}

__all__ = [
    "Activation",
    "DataError",
    "GraphEngineError",
    "GraphError",
    "Initializer",
    "History",
    "Loss",
    "Network",
    "Optimizer",
    "PluginError",
    "Registry",
    "SpecError",
    "Trace",
    "TrainingError",
    "__version__",
    "activation",
    "initializer",
    "from_torch",
    "load",
    "loss",
    "optimizer",
]

if TYPE_CHECKING:
    from .engine.network import Network, load
    from .engine.trace import Trace
    from .engine.train import History
    from .errors import DataError, GraphEngineError, GraphError, PluginError, SpecError, TrainingError
    from .plugins.registry import (
        Activation,
        Initializer,
        Loss,
        Optimizer,
        Registry,
        activation,
        initializer,
        loss,
        optimizer,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'graphengine' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
