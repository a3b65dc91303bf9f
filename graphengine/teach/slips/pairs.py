"""Two slips in one value, named as the pair (``uphill+learning-rate``).

A pair is one slip's candidate with a second slip laid over it. The second slips that can be
laid over any computation are those that act on the value as a whole: ``sign`` (the value
negated, every kind but ``out`` and ``updated``) and ``uphill`` (the step reversed: from
``w − s`` to ``w + s``, that is ``2w − value``, for ``updated``). So ``sign`` over a forgotten
factor 2 is ``sign+factor-2``, and ``uphill`` over a wrong η is ``uphill+learning-rate``.
The judge tries pairs only when no single slip explains a value.
"""

from __future__ import annotations

from ..quantities import Getter, Quantities
from .registry import Candidate

MAX_PAIRED = 600  # candidates a quantity's pairs may add


def pair_code(first: str, second: str) -> str:
    """The pair's code: its two slip codes joined by ``+``, the overlaid one first."""
    return f"{first}+{second}"


def pairs(Q: Quantities, name: str, singles: list[Candidate]) -> list[Candidate]:
    """Every single candidate of ``name`` with ``sign`` or ``uphill`` laid over it."""
    kind, arg = Q.names[name]
    found: list[Candidate] = []
    for c in singles:
        if "+" in c.code:
            continue
        if kind == "updated" and c.code != "uphill":
            w = Q.values[arg]

            def reversed_step(get: Getter, c: Candidate = c, w: float = w) -> float:
                return 2 * w - c.compute(get)

            found.append(
                Candidate(pair_code("uphill", c.code), reversed_step, f"{c.sentence}, and the step added", c.needs)
            )
        elif kind not in ("out", "updated") and c.code != "sign":

            def negated(get: Getter, c: Candidate = c) -> float:
                return -c.compute(get)

            found.append(
                Candidate(pair_code("sign", c.code), negated, f"{c.sentence}, and the sign is flipped", c.needs)
            )
        if len(found) >= MAX_PAIRED:
            break
    return found
