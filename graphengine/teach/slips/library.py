"""The classic slips of backpropagation, each a small named function.

A detector takes the step's :class:`~graphengine.teach.quantities.Quantities` and the
argument of one quantity (a node or a parameter) and returns :class:`Candidate` s:
what that slip gives, computed from the learner's own values (``compute(get)``), and
a sentence a student understands. The judge (:mod:`graphengine.teach.check`) keeps the
candidates whose value the learner wrote. Codes are stable (``check --json`` prints
them as ``reason``)::

    swapped  wrong-weight  missing-term  missing-factor  net-for-out  derivative-of-net
    updated-weights  factor-2  sign  uphill  learning-rate  batch  shared

and ``arithmetic`` when none of them explains a wrong value. The exercise safety check asks
:func:`accidents` for what every slip gives from the exact values, ``check``'s slips and the
few only it guards against (``named_by_check=False`` in the registry).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import NamedTuple

from ..quantities import Quantities
from . import backward as slips_backward
from . import forward as slips_forward
from . import guarded as slips_guarded
from .registry import CODES, DETECTORS, MAX_PER_DETECTOR, Candidate

__all__ = ["CODES", "Candidate", "SlipFit", "SlipMatch", "SlipValue", "accidents", "candidates", "sign_of"]
_DETECTOR_MODULES = (slips_forward, slips_backward, slips_guarded)  # importing them registers their detectors


def candidates(quantities: Quantities, name: str, *, every: bool = False) -> list[Candidate]:
    """Every registered slip's candidates for the quantity ``name`` (those ``check`` names;
    ``every``: also those only the exercise safety check asks for)."""
    meaning = quantities.names[name]
    found: list[Candidate] = []
    for registered in DETECTORS:
        if meaning.kind in registered.kinds and (every or registered.named_by_check):
            found.extend(registered.detector(quantities, meaning.of)[:MAX_PER_DETECTOR])
    return found + sign_of(quantities, name)


class SlipValue(NamedTuple):
    """What one slip gives for a quantity."""

    code: str
    value: float


class SlipMatch(NamedTuple):
    """A slip that gives the value a learner wrote: its code, the sentence naming it, what it gives."""

    code: str
    sentence: str
    value: float


class SlipFit(NamedTuple):
    """How closely a slip gives a written value, for ranking the matches (closest first)."""

    closeness: float  # the gap over what is allowed: 0 exact, 1 at the edge
    order: int  # the candidate's position among those tried (ties keep the library's order)
    match: SlipMatch


def accidents(quantities: Quantities, name: str) -> Iterator[SlipValue]:
    """What every slip of ``name`` gives when it is made on the exact values."""
    for candidate in candidates(quantities, name, every=True):
        try:
            value = candidate.compute(quantities.exact)
        except (ArithmeticError, ValueError):
            continue
        if math.isfinite(value):
            yield SlipValue(candidate.code, value)


# ---------------------------------------------------------------------- any quantity


def sign_of(quantities: Quantities, name: str) -> list[Candidate]:
    """The sign-flipped value of ``name`` (every kind but out and the update)."""
    if quantities.names[name].kind in ("out", "updated"):
        return []
    return [Candidate("sign", lambda get: -quantities.formula(name, get), "the sign is flipped")]
