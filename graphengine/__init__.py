"""graphengine: neural networks described in YAML, computed and drawn neuron by neuron.

The public API:

- :func:`load` a spec file into a :class:`Network`;
- :meth:`Network.run` one step and read the :class:`Trace` (values, gradients, updates);
- :meth:`Network.train` for many epochs;
- :func:`activation`, :func:`loss` and :func:`optimizer` to write plugins.
"""

from .errors import DataError, GraphEngineError, GraphError, PluginError, SpecError, TrainingError
from .from_torch import from_torch
from .network import History, Network, Trace, load
from .registry import Activation, Loss, Optimizer, Registry, activation, loss, optimizer

__version__ = "0.1.0"

__all__ = [
    "Activation",
    "DataError",
    "GraphEngineError",
    "GraphError",
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
    "from_torch",
    "load",
    "loss",
    "optimizer",
]
