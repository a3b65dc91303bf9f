"""Small readers of written arithmetic for :mod:`.recognise`: signed numbers, plain products."""

from __future__ import annotations

from ..latex_math import Expr, Neg, Num, Prod
from .scan import WrittenNumber


def distinct(a: set[int], b: set[int]) -> bool:
    """One factor from each set, not the same one."""
    return any(x != y for x in a for y in b)


def enough(matched: int, expected: int) -> bool:
    """Enough terms of a sum are the node's own to say which node it is: all of them, or all
    but one (one slip) when that still leaves two. One path of two is no node's sum."""
    return matched >= 1 and (matched == expected or matched >= max(2, expected - 1))


def subject_of(q: str) -> str:
    """The node or parameter a canonical quantity is about: ``h1.net`` → ``h1``, ``grad.w5`` → ``w5``."""
    head, _, tail = q.partition(".")
    return tail if head in ("grad", "updated", "loss") else head


def _negated_number(x: Neg) -> Num:
    """``-(0.51)`` (a negated number) as the number −0.51 (its digits, and so its unit, unchanged)."""
    assert isinstance(x.arg, Num)
    return Num("-" + x.arg.text, -x.arg.value, x.arg.start, x.arg.end)


def signed_number(x: Expr) -> Expr:
    """``-(0.51)`` as the number −0.51 (its digits, and so its unit, unchanged)."""
    if isinstance(x, Neg) and isinstance(x.arg, Num):
        return Num("-" + x.arg.text, -x.arg.value, x.arg.start, x.arg.end)
    return x


def as_num(written: WrittenNumber) -> Num:
    return Num(written.text, written.value, written.start, written.end)


def is_one(x: Expr) -> bool:
    return isinstance(x, Num) and x.value == 1.0


def plain_factors(term: Expr) -> list[Num] | None:
    """The numbers of a product of plain numbers (``0.741 × 0.186 × 0.593``), else None."""
    if isinstance(term, Num) or (isinstance(term, Neg) and isinstance(term.arg, Num)):
        return [signed_number(term)]  # type: ignore[list-item]
    if isinstance(term, Prod) and not any(term.divide):
        found = []
        for f in term.factors:
            if isinstance(f, Num):
                found.append(f)
            elif isinstance(f, Neg) and isinstance(f.arg, Num):
                found.append(_negated_number(f))
            else:
                return None
        return found
    return None
