"""One readable line for a network or a step: what ``repr`` shows in a notebook or a debugger.

>>> import graphengine
>>> net = graphengine.load("specs/doc_example.yaml")
>>> net
<Network doc_example 2-2-2, half_squared_error loss, 10 parameters (2 frozen), 1 sample>
>>> net.trace()
<Trace doc_example 2-2-2: half_squared_error loss 0.298371109 over 1 sample, learning rate 0.5>
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._util.numfmt import table_number

if TYPE_CHECKING:
    from .network import Network
    from .plan import Plan
    from .trace import Trace

__all__ = ["network_line", "shape", "trace_line"]

# Past this many levels the shape is shortened to its ends (2-4-…-4-1 with a count).
MAX_SHAPE_LEVELS = 8


def shape(plan: Plan) -> str:
    """Nodes per level, inputs first, as a network is usually named (``2-2-2``, ``64-32-10``)."""
    widths = [str(w) for w in plan.widths] or [str(len(plan.nodes))]
    if len(widths) > MAX_SHAPE_LEVELS:
        widths = [*widths[:3], f"…({len(widths) - 6} more)…", *widths[-3:]]
    return "-".join(widths)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _loss_name(plan: Plan) -> str:
    return plan.loss.name + "".join(f" {k}={v:g}" for k, v in plan.loss_params.items())


def network_line(net: Network) -> str:
    """``<Network NAME SHAPE, LOSS loss, N parameters (K frozen), S samples>``."""
    plan = net.plan
    frozen = int((~plan.trainable).sum())
    parameters = _plural(len(plan.parameter_names), "parameter") + (f" ({frozen} frozen)" if frozen else "")
    samples = _plural(len(net.X), "sample") if len(net.X) else "no data"
    name = net.spec.name or "network"
    return f"<Network {name} {shape(plan)}, {_loss_name(plan)} loss, {parameters}, {samples}>"


def trace_line(trace: Trace) -> str:
    """``<Trace NAME SHAPE: LOSS loss L over S samples, learning rate η>``."""
    plan = trace.plan
    name = (trace.graph.graph.get("name") if trace.graph is not None else None) or "network"
    return (
        f"<Trace {name} {shape(plan)}: {_loss_name(plan)} loss {table_number(trace.loss, 9)} "
        f"over {_plural(trace.n_samples, 'sample')}, learning rate {trace.learning_rate:g}>"
    )
