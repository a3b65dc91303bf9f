"""A chain checked step by step: in ``a = b = c = d`` each ``=`` is a step.

An intermediate (``e^{-0.3775} = 0.68566``, ``1 + 0.68566 = 1.68566``, ``(−0.747)² = 0.5580``)
is not a quantity of the network; it is checked as arithmetic from the step before it.
Two sides agree when they differ by no more than their numbers' rounding can move them
(one unit of each written number's last digit, propagated); integers are exact.

A step that does not follow is ``arithmetic``, with the value the page's own previous step
gives; what follows from it in the same chain, and agrees with it, is ``carried``. When a
step is arithmetic rather than a number (``= 1/(1 + 0.68566)`` after ``= 1/(1 + e^{-0.3775})``)
and it brings one new number, that number is the slip, and its exact value is the one that
makes the two steps agree.

>>> from graphengine.teach.audit.scan import read_chains
>>> page = read_chains("$$e^{-0.3775} = 0.68566 = 0.6857$$")
>>> [(n.text, s.reason or "right", round(s.exact, 5)) for n, s in check_steps(page.chains[0], set())[0]]
[('0.68566', 'arithmetic', 0.68557), ('0.6857', 'carried', 0.68557)]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from ..claims import truncated, written_unit
from ..mathtree import Call, Expr, Frac, Neg, Num, Pow, Prod, Sum, Sym, numbers, symbols, value
from .scan import Chain, WrittenNumber


@dataclass
class Step:
    """The verdict on one intermediate number (the shape of a judged row)."""

    name: str  # the step it follows from, as arithmetic
    written: WrittenNumber
    exact: float  # what the step before gives (with the page's earlier slips corrected)
    right: bool
    reason: str = ""  # "", "arithmetic" or "carried"
    note: str = ""
    quantity: str = "arithmetic"
    because_of: list[str] = field(default_factory=list)

    @property
    def mistake(self) -> bool:
        """Not right, and more than digits cut (a ``truncated`` number is noted, like rounding)."""
        return not self.right and self.reason != TRUNCATED

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "quantity": self.quantity,
            "written": self.written.value,
            "written_text": self.written.text,
            "exact": self.exact,
            "right": self.right,
        }
        if not self.right:
            data["reason"], data["note"] = self.reason, self.note
        return data


TRUNCATED = "truncated"
"""The reason for a number cut at its last digit rather than rounded (``0.149`` for 0.14957,
:func:`graphengine.teach.claims.truncated`): noted, but no mistake (like ``rounding``)."""


def truncation_note(number: WrittenNumber, value: float) -> str:
    """``0.149 is 0.14957 cut, not rounded (0.150)``."""
    decimals = max(0, -math.floor(math.log10(number.unit)))
    return f"{number.text} is {value:.{decimals + 2}f} cut, not rounded ({value:.{decimals}f})"


# A side of a chain with more numbers than this is not checked as a step of arithmetic: the
# checks evaluate it once per number (quadratic), and no worked step is that long.
MAX_STEP_NUMBERS = 64


def exact_key(x: float) -> float:
    """The key of a value in a set of exact values: its size to 12 significant digits."""
    return float(f"{abs(x):.12g}")


def _spread(tree: Expr, base: float, exact: AbstractSet[float] = frozenset()) -> float:
    """How far ``tree`` moves when each written non-integer number moves by one unit; a number
    that is exactly one of the network's values (``exact``, see :func:`exact_key`) is no
    rounding and does not move."""
    total = 0.0
    for n in numbers(tree):
        if n.is_integer or n.index < 0 or exact_key(n.value) in exact:
            continue
        moved = value(tree, {n.index: n.value + n.unit})
        total += abs(moved - base) if math.isfinite(moved) else math.inf
    return total


def _corrected(tree: Expr, fixes: dict[str, float]) -> float:
    """``tree`` with the page's earlier wrong intermediates replaced by their exact values."""
    replace = {n.index: fixes[n.text] for n in numbers(tree) if n.text in fixes and n.index >= 0}
    return value(tree, replace)


def _solve(tree: Expr, number: Num, goal: float) -> float | None:
    """The value of ``number`` that makes ``tree`` equal ``goal`` (secant steps), if any."""
    x0, x1 = number.value, number.value + max(number.unit, 1e-9)
    f0, f1 = value(tree, {number.index: x0}) - goal, value(tree, {number.index: x1}) - goal
    for _ in range(40):
        if not (math.isfinite(f0) and math.isfinite(f1)) or f1 == f0:
            return None
        x0, x1 = x1, x1 - f1 * (x1 - x0) / (f1 - f0)
        f0, f1 = f1, value(tree, {number.index: x1}) - goal
        if abs(f1) <= 1e-13 * max(1.0, abs(goal)):
            return x1
    return None


def _written(n: Num, negative: bool = False) -> WrittenNumber:
    text = ("-" if negative else "") + n.text
    return WrittenNumber(text, -n.value if negative else n.value, n.unit, n.start, n.end)


def substitute(tree: Expr, lookup: Callable[[str], float | None]) -> Expr:
    """``tree`` with each symbol the page has a value for (``net_{o1}`` → its written value)
    replaced by that value, taken as exact; other symbols stay."""
    if isinstance(tree, Sym):
        found = lookup(tree.name)
        return Num(repr(found), found) if found is not None else tree
    if isinstance(tree, Neg):
        return Neg(substitute(tree.arg, lookup))
    if isinstance(tree, Sum):
        return Sum(tuple(substitute(t, lookup) for t in tree.terms))
    if isinstance(tree, Prod):
        return Prod(tuple(substitute(t, lookup) for t in tree.factors), tree.divide)
    if isinstance(tree, Frac):
        return Frac(substitute(tree.numerator, lookup), substitute(tree.denominator, lookup))
    if isinstance(tree, Pow):
        return Pow(substitute(tree.base, lookup), substitute(tree.exponent, lookup))
    if isinstance(tree, Call):
        return Call(tree.fn, tuple(substitute(t, lookup) for t in tree.args))
    return tree


def check_steps(
    chain: Chain,
    judged: set[int],
    lookup: Callable[[str], float | None] | None = None,
    exact_values: AbstractSet[float] = frozenset(),
    off: set[int] | None = None,
) -> tuple[list[tuple[WrittenNumber, Step]], bool]:
    """Each intermediate number of ``chain`` (not a number already judged as a quantity,
    by its start offset in ``judged``) with its verdict as a step of arithmetic; ``lookup``
    gives the page's value of a symbol (``net_{o1}``), if it has one; ``exact_values`` the network's
    exact values (a number written as one of them carries no rounding); ``off`` collects the
    judged numbers that do not follow from the side before them. Also: whether any
    step does not follow from the one before (even where no single number is to blame)."""
    found: list[tuple[WrittenNumber, Step]] = []
    disagrees = False
    fixes: dict[str, float] = {}  # text of a wrong intermediate → its exact value
    previous: tuple[Expr, float, float] | None = None
    for side in chain.sides:
        tree = side.tree
        if tree is not None and lookup is not None and symbols(tree):
            tree = substitute(tree, lookup)
        if tree is None or symbols(tree) or len(numbers(tree)) > MAX_STEP_NUMBERS:
            previous = None
            continue
        here = value(tree)
        if not math.isfinite(here):
            previous = None
            continue
        spread = _spread(tree, here, exact_values)
        number = side.number()
        if number is not None:
            spread = max(spread, written_unit(number.text))  # claims' rule: an integer is exact
        if previous is not None:
            before_tree, before, before_spread = previous
            exact = _corrected(before_tree, fixes)
            agrees = abs(here - before) <= (spread + before_spread) * (1 + 1e-9) + 1e-12
            shown = _show(before_tree)
            if number is not None and number.start not in judged:
                if not agrees:
                    disagrees = True
                    step = Step(shown, number, exact, False, "arithmetic", _note(number.text, shown, before))
                    fixes[number.text.lstrip("-")] = abs(exact)
                elif fixes and abs(number.value - exact) > 0.5 * number.unit * (1 + 1e-9) + 1e-15:
                    step = Step(shown, number, exact, False, "carried", f"follows from the page's {shown}")
                elif truncated(number.value, number.unit, before, exact):
                    step = Step(shown, number, exact, False, TRUNCATED, truncation_note(number, exact))
                else:
                    step = Step(shown, number, exact, True)
                found.append((number, step))
            elif number is not None and not agrees:
                disagrees = True  # a judged result that its own arithmetic does not give
                if off is not None:
                    off.add(number.start)
            elif number is None and not agrees:
                disagrees = True
                goal = _corrected(before_tree, fixes)
                flipped = [
                    n
                    for n in numbers(tree)
                    if n.index >= 0
                    and not n.is_integer
                    and abs(value(tree, {n.index: -n.value}) - goal) <= (spread + before_spread) * (1 + 1e-9) + 1e-12
                ]
                if len(flipped) == 1 and flipped[0].start not in judged:
                    n = flipped[0]
                    note = f"the sign of {n.text} is dropped (from {shown})"
                    found.append((_written(n), Step(shown, _written(n), -n.value, False, "sign", note)))
                    previous = (tree, here, spread)
                    continue
                old = {n.text for n in numbers(before_tree)}
                new = [n for n in numbers(tree) if n.text not in old and not n.is_integer]
                if len(new) == 1 and new[0].start not in judged:
                    should = _solve(tree, new[0], goal)
                    if should is not None:
                        note = f"{new[0].text} is {should:.{new[0].decimals + 2}f} (from {shown})"
                        found.append(
                            (_written(new[0]), Step(shown, _written(new[0]), should, False, "arithmetic", note))
                        )
                        fixes[new[0].text] = should
        previous = (tree, here, spread)
    return found, disagrees


def _show(tree: Expr) -> str:
    from ..latex_math import to_text

    text = to_text(tree)
    return text if len(text) <= 40 else text[:39] + "…"


def _note(written: str, step: str, gives: float) -> str:
    return f"{step} gives {gives:.6g}, not {written}"
