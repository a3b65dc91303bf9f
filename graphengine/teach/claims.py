"""What a written number claims: the one rule "this written number matches this value".

A number is read with the precision its writing shows: ``0.593`` claims three decimals
(± 0.001, one unit of its last digit), ``0.5930`` four. A number written **without a
decimal part** (``0``, ``1``, ``-2``) claims nothing beyond itself: its unit is 0, so it
is no licence — ``0`` is right only where the exact value is 0 at the precision the sheet
asks for. An exercise sheet (``grade``) asks for :data:`ASKED_DIGITS` significant digits
of the exact value (``0.59304`` asks for ± 0.0001): a student who carried more digits than
asked and is off in the fifth is right, and one who writes ``0`` for 0.00003 is not (its
asked unit is 0.00000001). A free hand file (``check``, ``audit``) asks for nothing: only
the written precision counts (``asked=None``).

:func:`matches` is the rule; :func:`tolerance` the allowance it uses (the larger of the
written unit and the asked unit, widened by :data:`RELATIVE_SLACK` for binary floats).
Within that unit, :func:`truncated` tells a number cut at its last digit (``0.149`` for
0.14957) from one rounded (``0.150``): ``audit`` notes it (a careful reader would), while
``check`` and ``grade`` keep the one-unit rule.
``asked=None`` compares at the written precision only; ``asked=False`` too, with a relative
slack for a number inside written arithmetic that names a weight or an input.

>>> matches(0.593, written_unit("0.593"), 0.59304)
True
>>> matches(0.0, written_unit("0"), 0.00003, asked=ASKED_DIGITS)
False
>>> matches(0.59301, written_unit("0.59301"), 0.59304, asked=ASKED_DIGITS)
True
>>> matches(0.59301, written_unit("0.59301"), 0.59304)
False
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Protocol

ASKED_DIGITS = 4  # the sheet asks for 4 significant digits of each value
RELATIVE_SLACK = 1e-9  # binary floats: a unit 0.001 is 0.0010000000000000000208…
ABSOLUTE_SLACK = 1e-15
CUT_SLACK = 1e-6  # a cut drops less than one unit: 0.8 − 0.7 is 0.10000000000000009 in binary


def written_unit(text: str) -> float:
    """One unit of the last written digit of ``text``; 0 for a number without a decimal part."""
    clean = text.strip().replace("−", "-").replace("_", "")
    try:
        number = Decimal(clean)
    except InvalidOperation:
        return 0.0
    if "." not in clean and "e" not in clean.lower():
        return 0.0
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int):
        return 0.0
    return float(Decimal(1).scaleb(exponent))


def asked_unit(exact: float, digits: int = ASKED_DIGITS) -> float:
    """One unit of the ``digits``-th significant digit of ``exact`` (0 for 0)."""
    if not exact or not math.isfinite(exact):
        return 0.0
    return 10.0 ** (math.floor(math.log10(abs(exact))) - digits + 1)


def tolerance(unit: float, exact: float, asked: int | bool | None = None) -> float:
    """How far a number written with ``unit`` may lie from ``exact`` and still be it: one
    ``unit``, or the asked precision (``asked`` significant digits of ``exact``) if larger."""
    if asked is False:
        return unit * (1 + RELATIVE_SLACK) + 1e-12 * max(1.0, abs(exact))
    allowed = max(unit, asked_unit(exact, asked)) if asked else unit
    return allowed * (1 + RELATIVE_SLACK) + ABSOLUTE_SLACK


def matches(value: float, unit: float, exact: float, asked: int | bool | None = None) -> bool:
    """The written ``value`` (its last digit's ``unit``) is ``exact`` at the precision claimed."""
    return abs(value - exact) <= tolerance(unit, exact, asked)


def rounded(value: float, unit: float, exact: float) -> bool:
    """The written ``value`` is ``exact`` rounded to its last digit (within half a ``unit``).

    >>> rounded(0.150, 0.001, 0.14957), rounded(0.149, 0.001, 0.14957)
    (True, False)
    """
    return abs(value - exact) <= 0.5 * unit * (1 + RELATIVE_SLACK) + ABSOLUTE_SLACK * max(1.0, abs(exact))


def truncated(value: float, unit: float, *values: float) -> bool:
    """The written ``value`` is each of ``values`` cut at its last written digit instead of
    rounded: within one ``unit`` of it (so :func:`matches` accepts it) but closer to zero by
    more than half a unit. ``values`` are every value the writer may have rounded — the exact
    one and the page's own from its earlier (rounded) numbers: a number that is any of them
    rounded is not truncated, nor is one between them (the writer carried some digits).
    An integer (``unit`` 0) claims no digits and is never truncated.

    >>> truncated(0.149, 0.001, 0.14957), truncated(0.150, 0.001, 0.14957)
    (True, False)
    >>> truncated(0.17, 0.01, 0.1787, 0.1787), truncated(0.1786, 0.0001, 0.17869, 0.17864)
    (True, False)
    >>> truncated(-0.149, 0.001, -0.14957), truncated(0.149, 0.001, -0.14957), truncated(-0.7, 0.1, -0.8)
    (True, False, False)
    """
    if not unit or not values:
        return False
    for exact in values:
        if not math.isfinite(exact) or not matches(value, unit, exact) or rounded(value, unit, exact):
            return False
        if value and (value > 0) != (exact > 0) or abs(value) >= abs(exact):
            return False  # rounded the other way (up), or a sign: not a cut
        if abs(exact) - abs(value) >= unit * (1 - CUT_SLACK):
            return False  # a whole unit off: the cut of 0.8 is 0.8, never 0.7
    return True


class Rounded(Protocol):
    """A number as a learner wrote it: its value and one unit of its last written digit."""

    @property
    def value(self) -> float: ...

    @property
    def unit(self) -> float: ...


def rounding_habit(written: Iterable[Rounded]) -> Callable[[float], float]:
    """How a learner rounds, from their written numbers (each with ``value`` and ``unit``). Returns
    half a unit of the last digit they would keep on a value ``x``: the coarser last digit of their
    written numbers nearest in size below and above ``x`` (within a factor of 10), since a learner's
    habit depends on size (``0.06`` but ``0.0078`` for 2 decimals that keep 2 significant figures);
    with no written number that near, a fixed number of decimals (``0.59``, ``1.23``) or of
    significant digits (``0.593``, ``1.23``), whichever their numbers keep more often.

    >>> from types import SimpleNamespace as W
    >>> half = rounding_habit([W(value=0.06, unit=0.01), W(value=0.0078, unit=0.0001), W(value=0.59, unit=0.01)])
    >>> half(0.055), half(0.0071), half(0.3)
    (0.005, 5e-05, 0.005)
    """
    decimals: Counter[int] = Counter()
    digits: Counter[int] = Counter()
    sizes: list[tuple[float, float]] = []
    for w in written:
        if w.unit and w.value:
            places = round(-math.log10(w.unit))
            decimals[places] += 1
            digits[places + math.floor(math.log10(abs(w.value))) + 1] += 1
            sizes.append((abs(w.value), w.unit))
    sizes.sort()
    kind, n = "digits", 15
    if decimals:
        (d, nd), (g, ng) = decimals.most_common(1)[0], digits.most_common(1)[0]
        kind, n = ("decimals", d) if nd > ng else ("digits", g)

    def half_unit(x: float) -> float:
        if not x or not math.isfinite(x):
            return 0.0
        size = abs(x)
        at = bisect.bisect_left(sizes, (size, 0.0))
        near = [sizes[i][1] for i in (at - 1, at) if 0 <= i < len(sizes) and size / 10 <= sizes[i][0] <= size * 10]
        if near:
            return 0.5 * max(near)
        unit = 10.0**-n if kind == "decimals" else 10.0 ** (math.floor(math.log10(size)) - n + 1)
        return 0.5 * unit

    return half_unit
