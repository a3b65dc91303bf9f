"""The classic slips of backpropagation, each a small named function.

A detector takes the step's :class:`~graphengine.teach.quantities.Quantities` and the
argument of one quantity (a node or a parameter) and returns :class:`Candidate` s:
what that slip gives, computed from the learner's own values (``compute(get)``), and
a sentence a student understands. The judge (:mod:`graphengine.teach.check`) keeps the
candidates whose value the learner wrote. Codes are stable (``check --json`` prints
them as ``reason``)::

    swapped  wrong-weight  missing-term  missing-factor  net-for-out  derivative-of-net
    updated-weights  factor-2  sign  uphill  learning-rate  batch  shared

and ``arithmetic`` when none of them explains a wrong value.
"""

from __future__ import annotations

from ..quantities import Quantities
from . import backward as slips_backward
from . import forward as slips_forward
from .registry import CODES, DETECTORS, MAX_PER_DETECTOR, Candidate

__all__ = ["CODES", "Candidate", "candidates", "sign_of"]
_DETECTOR_MODULES = (slips_forward, slips_backward)  # importing them registers their detectors


def candidates(Q: Quantities, name: str) -> list[Candidate]:
    """Every registered slip's candidates for the quantity ``name``."""
    kind, arg = Q.names[name]
    found: list[Candidate] = []
    for _, kinds, detector in DETECTORS:
        if kind in kinds:
            found.extend(detector(Q, arg)[:MAX_PER_DETECTOR])
    return found + sign_of(Q, name)


# ---------------------------------------------------------------------- any quantity


def sign_of(Q: Quantities, name: str) -> list[Candidate]:
    """The sign-flipped value of ``name`` (every kind but out and the update)."""
    kind, _ = Q.names[name]
    if kind in ("out", "updated"):
        return []
    return [Candidate("sign", lambda get: -Q.formula(name, get), "the sign is flipped")]
