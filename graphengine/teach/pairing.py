"""Written arithmetic's numbers matched to the network's: which weight and which input a term uses.

:func:`written_is` says whether a number written inside arithmetic is a given value (at its
written precision, :func:`graphengine.teach.claims.matches`); :func:`swapped_pairing` reads a
``net`` written as arithmetic and names a term whose weight belongs to another edge than the
input it multiplies ("the inputs are swapped"), in the learner's own numbers.
"""

from __future__ import annotations

from .arithmetic import Expression, Number
from .claims import matches
from .quantities import Getter, Quantities


def written_is(number: Number, value: float, sign: int = 1) -> bool:
    """A written number inside arithmetic is ``value`` (:func:`claims.matches` at its written
    precision; integers exactly); in a term of sign −1 (``− 0.62 × 0.5``) its negation may be."""
    unit = 0.0 if number.is_integer else number.unit
    return any(matches(r, unit, value, asked=False) for r in (number.value, sign * number.value))


def swapped_pairing(quantities: Quantities, q: str, expression: Expression | None, get: Getter) -> str:
    """``0.25 × 0.10: w3 = 0.25 belongs to the edge i1 → h2, but 0.10 is i2`` from written arithmetic."""
    kind, v = quantities.names[q]
    if expression is None or kind != "net":
        return ""
    edges = [(d["weight"], u) for u, _, d in quantities.graph.in_edges(v, data=True)]
    for term in expression.terms():
        numbers = term.numbers
        if len(numbers) != 2:
            continue
        lead = "−" if term.sign < 0 else ""  # `0.1 − 0.62 × 0.5`: the term's minus may be the weight's
        for a, b in (numbers, numbers[::-1]):
            weight = next((p for p, _ in edges if written_is(a, quantities.values[p], term.sign)), None)
            source = next((u for _, u in edges if written_is(b, get(f"{u}.out"), term.sign)), None)
            own = next((u for p, u in edges if p == weight), None)
            if weight and source and own != source:
                signed = a.text if written_is(a, quantities.values[weight]) else lead + a.text
                return (
                    f"{lead}{a.text} × {b.text}: {weight} = {signed} belongs to the edge {own} → {v}, "
                    f"but {b.text} is {source}: the inputs are swapped"
                )
    return ""
