"""A value written in another blank's place: "this is grad.w6's value; written in grad.w5's blank?".

The judge (:mod:`graphengine.teach.check`) asks :func:`belongs_to` only of a written value that
is neither right, nor rounding or carried, nor a slip for its own blank, so a value its own
blank explains is never called misplaced. It is another blank's when it lies within its written
precision and :data:`MISPLACED_RELATIVE` of that blank's exact value, or of the learner's
written value there, unless that blank is computed from this one (a later value that follows
from it is no sign of a swap), and it is written to at least 2 significant digits.

A slip that fits only loosely gives way to a copy of another blank's very digits, unless the
slip needs no coincidence either (:func:`copied`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from .claims import ABSOLUTE_SLACK, RELATIVE_SLACK
from .hand import Written
from .quantities import Quantities

MISPLACED = "misplaced"  # the code of a value that belongs to another blank of the sheet
MISPLACED_RELATIVE = 0.005  # a misplaced value is another blank's to 0.5 %


class Dependencies:
    """Which quantities each quantity's formula uses, and what is computed from what (memoised)."""

    def __init__(self, quantities: Quantities) -> None:
        self.quantities = quantities
        self._uses: dict[str, tuple[str, ...]] = {}

    def direct(self, q: str) -> tuple[str, ...]:
        """The quantities the formula of ``q`` uses."""
        if q not in self._uses:
            used: list[str] = []

            def get(d: str) -> float:
                used.append(d)
                return self.quantities.exact(d)

            self.quantities.formula(q, get)
            self._uses[q] = tuple(dict.fromkeys(used))
        return self._uses[q]

    def depends_on(self, later: str, q: str) -> bool:
        """Is ``later`` computed from ``q``, directly or through others (walked without recursion)?"""
        seen, todo = {later}, [later]
        while todo:
            for d in self.direct(todo.pop()):
                if d == q:
                    return True
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return False


def belongs_to(
    quantities: Quantities,
    dependencies: Dependencies,
    sheet: Mapping[str, Written],
    q: str,
    w: Written,
    allowed: float,
) -> str | None:
    """The other blank of ``sheet`` whose value ``w`` (written in ``q``'s blank) is, closest first; None if none."""
    best: tuple[float, str] | None = None
    for other, theirs in sheet.items():
        if other == q or theirs is w:
            continue
        own = () if dependencies.depends_on(other, q) else (theirs.value,)
        for value in (quantities.exact(other), *own):
            gap = abs(w.value - value)
            close = gap <= allowed and gap <= MISPLACED_RELATIVE * abs(value)
            if close and abs(w.value) >= 10 * w.unit and (best is None or gap < best[0]):
                best = (gap, other)
    return best[1] if best else None


class Copy(NamedTuple):
    """The blank whose very digits a learner wrote again, and why a slip explains them as well, if it does."""

    other: str
    slip_gives_it: bool  # the slip computes that blank's value: the same computation, nothing copied
    slip_rounds_to_it: bool  # the slip's value, rounded as the learner writes it, is these very digits

    def slip_wins(self, other_name: str) -> str:
        """What the slip's note adds about the other blank ("" when the copy explains the digits better)."""
        if self.slip_gives_it:
            return f"; that is {other_name}'s value"
        return f"; the same digits as your {other_name}" if self.slip_rounds_to_it else ""


def copied(
    quantities: Quantities,
    dependencies: Dependencies,
    sheet: Mapping[str, Written],
    q: str,
    w: Written,
    allowed: float,
    slipped: float,
    worked_out: Callable[[str], float],
    code: str = "",
) -> Copy | None:
    """A copy that competes with a slip fitting ``w`` only loosely (the slip's ``code`` and value
    ``slipped`` from the learner's values, off by more than a quarter of what their rounding allows),
    or with two slips in one value however close (a ``code`` ``a+b``: two mistakes, where a copy is
    one): the other blank :func:`belongs_to` finds, where the learner wrote the very same digits
    (``0.023`` in both); None if there is none.

    The copy explains the digits better, unless the slip needs no coincidence either:

    * the slip gives that blank's value itself (``slip_gives_it``): its exact value, or the one
      ``worked_out`` from the learner's own values, to :data:`MISPLACED_RELATIVE`. A weight's
      gradient without its input factor is the bias's gradient: the same computation, so the
      learner writes the same digits in both blanks without copying anything;
    * a single slip's value rounds to the written digits (``slip_rounds_to_it``: within half a unit
      of the last one, as the learner rounds it): the learner's own chain, slip and all, reproduced
      to the digit. A copied value lies further from every single slip's (a grader cannot tell them
      apart when it does not). Not so for two slips in one value (a ``code`` ``a+b``): pairs are
      many, and one of them landing on a copied value's digits by chance is no rare coincidence.
    """
    other = belongs_to(quantities, dependencies, sheet, q, w, allowed)
    if other is None or (sheet[other].value, sheet[other].unit) != (w.value, w.unit):
        return None
    values = (quantities.exact(other), worked_out(other))
    gives = any(abs(slipped - v) <= MISPLACED_RELATIVE * abs(v) for v in values)
    rounds = "+" not in code and abs(w.value - slipped) <= 0.5 * w.unit * (1 + RELATIVE_SLACK) + ABSOLUTE_SLACK
    return Copy(other, gives, rounds)
