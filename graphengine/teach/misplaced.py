"""A value written in another blank's place: "this is grad.w6's value; written in grad.w5's blank?".

The judge (:mod:`graphengine.teach.check`) asks :func:`belongs_to` only of a written value that
is neither right, nor rounding or carried, nor a slip for its own blank, so a value its own
blank explains is never called misplaced. It is another blank's when it lies within its written
precision and :data:`MISPLACED_RELATIVE` of that blank's exact value, or of the learner's
written value there, unless that blank is computed from this one (a later value that follows
from it is no sign of a swap), and it is written to at least 2 significant digits.
"""

from __future__ import annotations

from collections.abc import Mapping

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
