"""Wiring read from a page's numbers when it writes no symbolic definition.

``z^{(3)} = 0.3(0.426) + 0.4(0.5) + 0.1`` with ``w_7 = 0.3``, ``w_9 = 0.4``, ``b^{(2)} = 0.1`` given
and ``a^{(1)} ≈ 0.426``, ``a^{(2)} = 0.5`` written: z3 = w7 a1 + w9 a2 + b2. Each product is a
given weight (one not used yet, the lowest numbered first) times an input or a node's written
output; a lone number is a given bias. Anything that does not match exactly is not wiring.
"""

from __future__ import annotations

import re

from ..latex_math import Expr, Neg, Num, Prod, Sum

_WEIGHT = re.compile(r"^(?:w|W|θ|theta)")
_BIAS = re.compile(r"^b")


def _value(tree: Expr) -> float | None:
    if isinstance(tree, Num):
        return tree.value
    if isinstance(tree, Neg) and isinstance(tree.arg, Num):
        return -tree.arg.value
    return None


def _terms(tree: Expr) -> list[tuple[float, float] | float] | None:
    """(a, b) for each product a·b, the value for a lone number; None when it is not that shape."""
    parts = tree.terms if isinstance(tree, Sum) else (tree,)
    found: list[tuple[float, float] | float] = []
    for term in parts:
        sign = 1.0
        if isinstance(term, Neg) and isinstance(term.arg, Prod):
            sign, term = -1.0, term.arg
        if isinstance(term, Prod) and len(term.factors) == 2 and not any(term.divide):
            a, b = (_value(f) for f in term.factors)
            if a is None or b is None:
                return None
            found.append((sign * a, b))
        elif (v := _value(term)) is not None:
            found.append(v)
        else:
            return None
    return found


def _order(name: str) -> tuple[str, int]:
    m = re.match(r"^(\D+)(\d+)$", name)
    return (m.group(1), int(m.group(2))) if m else (name, 0)


def numeric_wiring(
    tree: Expr, givens: dict[str, float], sources: dict[str, float], used: set[str]
) -> tuple[list[tuple[str, str]], str | None] | None:
    """The (weight, source) terms and bias of a numeric net, or None when they do not all match.

    ``sources``: the inputs' and the nodes' written outputs by name; ``used``: weights taken."""
    terms = _terms(tree)
    if not terms or not any(isinstance(t, tuple) for t in terms):
        return None
    weights = sorted((n for n in givens if _WEIGHT.match(n)), key=_order)
    biases = [n for n in givens if _BIAS.match(n)]
    wired: list[tuple[str, str]] = []
    bias = None
    taken = set(used)
    for term in terms:
        if not isinstance(term, tuple):
            match = [b for b in biases if abs(givens[b] - term) < 1e-12]
            if len(match) != 1 or bias is not None:
                return None
            bias = match[0]
            continue
        for w_value, s_value in (term, term[::-1]):
            weight = next((w for w in weights if w not in taken and abs(givens[w] - w_value) < 1e-12), None)
            source = [s for s in sources if abs(sources[s] - s_value) < 1e-12 and s not in {x for _, x in wired}]
            if weight and source:
                taken.add(weight)
                wired.append((weight, source[0]))
                break
        else:
            return None
    used |= taken
    return wired, bias
