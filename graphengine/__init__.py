"""graphengine: neural networks described in YAML, computed and drawn neuron by neuron.

The public API:

- :func:`load` a spec file into a :class:`Network`;
- :meth:`Network.run` one step and read the :class:`Trace` (values, gradients, updates);
- :meth:`Network.train` for many epochs;
- :func:`activation`, :func:`loss`, :func:`optimizer` and :func:`initializer` to write plugins;
- :func:`explain`, :func:`to_dot`/:func:`render`, :func:`check`, :func:`predict`/:func:`evaluate`,
  :func:`export` and :func:`from_torch`: what the commands do, as functions.

Everything else lives in the subpackages, in processing order: ``spec``, ``model``, ``engine``,
``views``, ``interop``, ``teach``, ``cli`` (each ``__init__`` lists its public names).

This module only re-exports, lazily (PEP 562 ``__getattr__``): ``import graphengine`` and
``graphengine --help`` stay free of numpy, networkx and pydantic until a name is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .__about__ import __version__
from ._util.lazy import lazy_exports

#: The subpackages in processing order: each imports only those before it (``views`` and ``interop``
#: are peers). tests/test_layout.py enforces it; the docs' layout page lists the modules in it.
PROCESSING_ORDER = ("errors", "_util", "plugins", "spec", "model", "engine", ("views", "interop"), "teach", "cli")

__all__ = [
    "Activation",
    "DataError",
    "GraphEngineError",
    "GraphError",
    "History",
    "Initializer",
    "Loss",
    "Network",
    "Optimizer",
    "Plan",
    "PluginError",
    "Registry",
    "Spec",
    "SpecError",
    "Trace",
    "TrainingError",
    "__version__",
    "activation",
    "check",
    "evaluate",
    "explain",
    "export",
    "from_torch",
    "initializer",
    "load",
    "load_spec",
    "loss",
    "optimizer",
    "outside_data_allowed",
    "parse_spec",
    "predict",
    "render",
    "to_dot",
]

if TYPE_CHECKING:
    from ._util.reading import outside_data_allowed
    from .engine.evaluation import evaluate, predict
    from .engine.history import History
    from .engine.network import Network, load
    from .engine.plan import Plan
    from .engine.trace import Trace
    from .errors import DataError, GraphEngineError, GraphError, PluginError, SpecError, TrainingError
    from .interop.export import export
    from .interop.from_torch import from_torch
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
    from .spec.load import load_spec, parse_spec
    from .spec.schema import Spec
    from .teach.check import check
    from .views.derivation.explain import explain
    from .views.diagram.render import render, to_dot

# public name -> the module (relative to this package) that defines it
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Activation": ".plugins.registry",
        "DataError": ".errors",
        "GraphEngineError": ".errors",
        "GraphError": ".errors",
        "History": ".engine.history",
        "Initializer": ".plugins.registry",
        "Loss": ".plugins.registry",
        "Network": ".engine.network",
        "Optimizer": ".plugins.registry",
        "Plan": ".engine.plan",
        "PluginError": ".errors",
        "Registry": ".plugins.registry",
        "Spec": ".spec.schema",
        "SpecError": ".errors",
        "Trace": ".engine.trace",
        "TrainingError": ".errors",
        "activation": ".plugins.registry",
        "check": ".teach.check",
        "evaluate": ".engine.evaluation",
        "explain": ".views.derivation.explain",
        "export": ".interop.export",
        "from_torch": ".interop.from_torch",
        "initializer": ".plugins.registry",
        "load": ".engine.network",
        "load_spec": ".spec.load",
        "loss": ".plugins.registry",
        "optimizer": ".plugins.registry",
        "outside_data_allowed": "._util.reading",
        "parse_spec": ".spec.load",
        "predict": ".engine.evaluation",
        "render": ".views.diagram.render",
        "to_dot": ".views.diagram.render",
    },
)
