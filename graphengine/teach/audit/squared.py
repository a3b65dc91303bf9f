"""An output's error written as a number inside its half squared error: ``½ × (−0.747)²``.

Under a squared-error loss, ``½ × (N)²`` (also ``0.5 (N)^2``, ``\\frac{(N)^2}{2}``) is an
output's loss term with its error t − y already worked out: N is that error, a value of the
page to check (``error.o``, :mod:`graphengine.teach.audit.defined`) although no side of an
equation is N alone. Which output: the one whose error N is (up to its sign, at N's digits)
when that holds for every such N on the page, one output each; otherwise the page's order,
but only when it writes exactly one such term per output (a term of each output, in turn).
Anything less is not read: never guessed and marked wrong.

>>> import graphengine
>>> from graphengine.teach.quantities import Quantities
>>> from graphengine.teach.audit.scan import read_chains
>>> net = graphengine.load("specs/doc_example.yaml")
>>> page = read_chains("$$E_1 = \\\\frac{1}{2} \\\\times (-0.747)^2 = 0.279$$  $$E_2 = \\\\frac{1}{2}(0.2171)^2 = 0.0236$$")
>>> [(q, n.text) for _, q, n in squared_errors(page.chains, Quantities(net, net.trace()))]
[('error.o1', '-0.747'), ('error.o2', '0.2171')]
"""

from __future__ import annotations

from collections.abc import Iterator

from ..claims import matches
from ..mathtree import Expr, Frac, Neg, Num, Pow, Prod
from ..quantities import Quantities
from .defined import defined_values
from .scan import Chain, WrittenNumber

SQUARED = "½(t − y)²"  # how such an error is recognised (a row's ``recognised_by``)


def _is_half(x: Expr) -> bool:
    if isinstance(x, Num):
        return x.value == 0.5
    return (
        isinstance(x, Frac)
        and isinstance(x.numerator, Num)
        and isinstance(x.denominator, Num)
        and (x.numerator.value, x.denominator.value) == (1.0, 2.0)
    )


def _squared_number(x: Expr) -> WrittenNumber | None:
    """``(N)²`` with N a written number (with its sign): N."""
    if not (isinstance(x, Pow) and isinstance(x.exponent, Num) and x.exponent.value == 2.0):
        return None
    base, negative = x.base, False
    if isinstance(base, Neg):
        base, negative = base.arg, True
    if not isinstance(base, Num) or base.index < 0 or "." not in base.text:
        return None
    unit = 10.0 ** -len(base.text.split(".")[1])
    text = ("-" if negative else "") + base.text
    return WrittenNumber(text, -base.value if negative else base.value, unit, base.start, base.end)


def half_squares(tree: Expr) -> Iterator[WrittenNumber]:
    """Each N of ``½ × (N)²`` / ``(N)²/2`` in ``tree`` (the whole side, or a term of a sum)."""
    terms = getattr(tree, "terms", (tree,))
    for term in terms:
        if isinstance(term, Prod) and len(term.factors) == 2 and not any(term.divide):
            a, b = term.factors
            if _is_half(a) and (n := _squared_number(b)) is not None:
                yield n
            elif _is_half(b) and (n := _squared_number(a)) is not None:
                yield n
        elif isinstance(term, Prod) and len(term.factors) == 2 and term.divide == (False, True):
            a, b = term.factors
            if isinstance(b, Num) and b.value == 2.0 and (n := _squared_number(a)) is not None:
                yield n
        elif isinstance(term, Frac) and isinstance(term.denominator, Num) and term.denominator.value == 2.0:
            if (n := _squared_number(term.numerator)) is not None:
                yield n


def squared_errors(chains: list[Chain], Q: Quantities) -> list[tuple[Chain, str, WrittenNumber]]:
    """(chain, ``error.o``, N) for each error written inside a half squared error (module docstring)."""
    errors = {q: v for q, v in defined_values(Q).items() if q.startswith("error.")}
    if not errors:
        return []
    found = [
        (chain, n)
        for chain in chains
        for side in chain.sides
        if side.tree is not None and side.number() is None
        for n in half_squares(side.tree)
    ]
    if not found:
        return []
    by_value = []
    for _, n in found:
        fits = [q for q, v in errors.items() if matches(abs(n.value), n.unit, abs(v))]
        by_value.append(fits[0] if len(fits) == 1 else None)
    if None not in by_value and len(set(by_value)) == len(by_value):
        names: list[str] = [q for q in by_value if q is not None]
    elif len(found) == len(Q.outputs):
        names = [f"error.{o}" for o in Q.outputs]
    else:
        return []
    return [(chain, q, n) for (chain, n), q in zip(found, names, strict=True)]
