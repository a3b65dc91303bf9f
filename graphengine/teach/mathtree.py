"""The one expression tree of written maths: what a learner's arithmetic
(:mod:`graphengine.teach.arithmetic`) and a page's LaTeX or plain-text maths
(:mod:`graphengine.teach.latex_math`) both parse into.

Two grammars, one tree. A number keeps its written text (so one unit of its last digit,
which is how rounding is judged), its offsets in the text it came from and its index among
the numbers of its expression (so :func:`value` can move one number and see what changes)::

    Num      a written number                      0.3775, −0.62, 4.386e-4
    Const    an exact constant                     ½, e, the 2 of ²
    Sym      a name that stays symbolic            net_{h1}, w_5^{+}, ∂
    Neg      minus its argument
    Sum      terms added (a subtracted term is a Neg)
    Prod     factors multiplied, or divided where ``divide`` says so
    Frac     numerator over denominator            \\frac{1}{2}, {a \\over b}
    Pow      base to the exponent                  x^2, e^{-x}
    Call     a function of its arguments           \\exp, σ, \\tanh, \\max

>>> tree = Sum((Num("0.15", 0.15, index=0), Neg(Prod((Num("2", 2.0, index=1), Const("½", 0.5)), (False, False)))))
>>> round(value(tree), 12), value(tree, {0: 0.25})
(-0.85, -0.75)
>>> Num("0.10", 0.1).unit, Num("4.386e-4", 4.386e-4).unit, Num("−0.62", -0.62).is_integer
(0.01, 1e-07, False)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MINUS_SIGNS = "-−–"


@dataclass(frozen=True)
class Num:
    """A number as written: its text, value, offsets (``start``, ``end``) and index among the
    numbers of its expression (−1 when it is not one of them, as a written result)."""

    text: str
    value: float
    start: int = 0
    end: int = 0
    index: int = -1

    @property
    def digits(self) -> str:
        """The text without its sign."""
        return self.text.lstrip(MINUS_SIGNS + "+")

    @property
    def decimals(self) -> int:
        """Digits after the decimal point (``4.386e-4`` → 3)."""
        mantissa = self.digits.lower().partition("e")[0]
        return len(mantissa.split(".")[1]) if "." in mantissa else 0

    @property
    def unit(self) -> float:
        """One unit of the last written digit: ``0.10`` → 0.01, ``4.386e-4`` → 1e-07."""
        try:
            exponent = Decimal(self.digits.replace("−", "-").replace("–", "-")).as_tuple().exponent
        except InvalidOperation:
            return 10.0**-self.decimals
        return float(Decimal(1).scaleb(exponent)) if isinstance(exponent, int) else 0.0

    @property
    def is_integer(self) -> bool:
        """Written without a decimal point or exponent (``1``, ``−2``): taken as exact."""
        return self.digits.isdigit()

    @property
    def column(self) -> int:
        """1-based column of the number in the text it came from."""
        return self.start + 1


@dataclass(frozen=True)
class Const:
    """An exact constant written as a sign: ``½``, ``e``, the 2 of ``²``."""

    text: str
    value: float


@dataclass(frozen=True)
class Sym:
    name: str


@dataclass(frozen=True)
class Neg:
    arg: Expr


@dataclass(frozen=True)
class Sum:
    terms: tuple[Expr, ...]  # a subtracted term is a Neg


@dataclass(frozen=True)
class Prod:
    factors: tuple[Expr, ...]
    divide: tuple[bool, ...]  # factor k divides (`a / b`) rather than multiplies


@dataclass(frozen=True)
class Frac:
    numerator: Expr
    denominator: Expr


@dataclass(frozen=True)
class Pow:
    base: Expr
    exponent: Expr


@dataclass(frozen=True)
class Call:
    fn: str  # exp, sigma, tanh, ln, log, max, min, sqrt, sinh, cosh
    args: tuple[Expr, ...]


Expr = Num | Const | Sym | Neg | Sum | Prod | Frac | Pow | Call


def children(node: Expr) -> tuple[Expr, ...]:
    if isinstance(node, Neg):
        return (node.arg,)
    if isinstance(node, Sum):
        return node.terms
    if isinstance(node, Prod):
        return node.factors
    if isinstance(node, Frac):
        return (node.numerator, node.denominator)
    if isinstance(node, Pow):
        return (node.base, node.exponent)
    if isinstance(node, Call):
        return node.args
    return ()


def walk(tree: Expr) -> list[Expr]:
    """Every node of ``tree`` in reading order (no recursion)."""
    found: list[Expr] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(reversed(children(node)))
    return found


def numbers(tree: Expr) -> list[Num]:
    """Every number written in ``tree``, in reading order."""
    return [node for node in walk(tree) if isinstance(node, Num)]


def symbols(tree: Expr) -> list[str]:
    """The symbols in ``tree``; none means the tree is plain arithmetic."""
    return [node.name for node in walk(tree) if isinstance(node, Sym)]


def is_exp_base(node: Expr) -> bool:
    """``e`` as the base of a power (Euler's number)."""
    return isinstance(node, Const) and node.text == "e"


def value(tree: Expr, replace: Mapping[int, float] | None = None) -> float:
    """The value of ``tree``; ``replace`` maps a number's index to a value used instead.

    Never raises for arithmetic: a division by zero is ±inf, an overflowing power inf, a
    power of a negative base to a fraction nan; a symbol is nan. Iterative, so the depth
    of the tree costs no recursion.
    """
    replace = replace or {}
    results: dict[int, float] = {}
    stack: list[tuple[Expr, bool]] = [(tree, False)]
    while stack:
        node, done = stack.pop()
        if isinstance(node, Num):
            results[id(node)] = replace.get(node.index, node.value) if node.index >= 0 else node.value
            continue
        if isinstance(node, Const):
            results[id(node)] = node.value
            continue
        if isinstance(node, Sym):
            results[id(node)] = math.nan
            continue
        if not done:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children(node)))
            continue
        args = [results[id(child)] for child in children(node)]
        results[id(node)] = _combine(node, args)
    return results[id(tree)]


def _combine(node: Expr, args: list[float]) -> float:
    if isinstance(node, Neg):
        return -args[0]
    if isinstance(node, Sum):
        total = args[0]
        for x in args[1:]:
            total += x
        return total
    if isinstance(node, Prod):
        result = args[0]
        if node.divide[0]:
            result = _divide(1.0, result)
        for x, divides in zip(args[1:], node.divide[1:]):
            result = _divide(result, x) if divides else result * x
        return result
    if isinstance(node, Frac):
        return _divide(args[0], args[1])
    if isinstance(node, Pow):
        return _power(args[0], args[1])
    assert isinstance(node, Call)
    return _call(node.fn, args)


def _divide(a: float, b: float) -> float:
    if b != 0:
        return a / b
    return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)


def _power(a: float, b: float) -> float:
    try:
        return math.pow(a, b)
    except (OverflowError, ValueError):
        return math.inf if a > 0 or float(b).is_integer() else math.nan


def _call(fn: str, args: list[float]) -> float:
    if fn in ("max", "min"):
        return max(args) if fn == "max" else min(args)
    if len(args) != 1:
        return math.nan
    x = args[0]
    try:
        if fn == "exp":
            return math.exp(x)
        if fn == "sigma":
            return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
        if fn in ("ln", "log"):
            return math.log(x)
        if fn == "sqrt":
            return math.sqrt(x)
        if fn in ("tanh", "sinh", "cosh"):
            return float(getattr(math, fn)(x))
    except (OverflowError, ValueError):
        return math.inf if fn in ("exp", "cosh") and x > 0 else math.nan
    return math.nan
