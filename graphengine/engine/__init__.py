"""Computing: the DAG compiled into a :class:`Plan`, run forward/backward/update vectorised over
samples into a :class:`Trace`; data and weights files; training; evaluation; :class:`Network`,
the facade a user holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._util.lazy import lazy_exports

__all__ = [
    "Evaluation",
    "History",
    "Network",
    "Plan",
    "Predictions",
    "Trace",
    "compile_plan",
    "evaluate",
    "load",
    "predict",
]

if TYPE_CHECKING:
    from .evaluation import Evaluation, Predictions, evaluate, predict
    from .history import History
    from .network import Network, load
    from .plan import Plan, compile_plan
    from .trace import Trace

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Evaluation": ".evaluation",
        "History": ".history",
        "Network": ".network",
        "Plan": ".plan",
        "Predictions": ".evaluation",
        "Trace": ".trace",
        "compile_plan": ".plan",
        "evaluate": ".evaluation",
        "load": ".network",
        "predict": ".evaluation",
    },
)
