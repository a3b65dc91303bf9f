"""Classic slips that would land on the right answer by accident, and the other reasons a draw
of numbers makes a poor exercise.

Every slip of the one slip library (:func:`graphengine.teach.slips.library.accidents`: the
slips ``check`` names and the few it judges another way) is made on the exact values of the
step, next to the quantity it spoils: two sources' values swapped in a net, another weight,
a term left out, net written for out, the derivative taken at net, a factor or a path left out,
a shared parameter through one use, one sample for the batch, the step taken uphill, with
another η or not at all. A draw is unsafe when one of them comes within a few units of the
4th significant digit of the right value — the learner who makes it would be marked right.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..exercise.blanks import unit
from ..quantities import Quantities
from .library import accidents

if TYPE_CHECKING:
    from ...engine.network import Network
    from ...engine.trace import Trace

MIN_ANSWER = 1e-3  # every asked quantity at least this large
SLIP_UNITS = 3  # a slip's value must lie more than this many units of the 4th digit away
MIN_TARGET_DISTANCE = 0.05  # |out − target| of every output
SAME_VALUE = 1e-12
"""Relative gap under which a slip's value *is* the right value (relu: out = net, ∂out/∂net = 1):
no slip there, so not an accident."""


def unsafe(net: Network, trace: Trace, asked: list[str], given: list[float]) -> str | None:
    """Why this draw makes a poor exercise, or None when it is safe (every check but the
    learner-at-4-digits one, which needs :func:`graphengine.teach.exercise.grade.judge`)."""
    quantities = Quantities(net, trace)
    exact = {q: quantities.exact(q) for q in asked}
    for q, x in exact.items():
        if not math.isfinite(x) or abs(x) < MIN_ANSWER:
            return f"{q} = {x:.3g} is too close to zero"
    for o, t in zip(net.graph.graph["outputs"], trace.targets[0]):
        if abs(trace.out(o, 0) - t) < MIN_TARGET_DISTANCE:
            return f"{o}.out is too close to its target"
    for q, x in exact.items():
        for g in given:  # with either sign: a given number copied, or copied with a sign slip
            if abs(abs(x) - abs(g)) <= SLIP_UNITS * unit(x):
                return f"{q} looks like a given number ({g:g})"
    for q, x in exact.items():
        for slip in accidents(quantities, q):
            distance = abs(slip.value - x)
            # Swapped inputs must always show, even where the two weights are equal.
            by_construction = distance <= SAME_VALUE * max(1.0, abs(x)) and slip.code != "swapped"
            if not by_construction and distance <= SLIP_UNITS * unit(x):
                return f"the slip `{slip.code}` gives {q} by accident"
    return None
