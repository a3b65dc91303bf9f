"""Numbers inside written arithmetic that are quantities of their own.

**An output's error inside its half squared error**: ``½ × (−0.747)²``.

Under a squared-error loss, ``½ × (N)²`` (also ``0.5 (N)^2``, ``\\frac{(N)^2}{2}``) is an
output's loss term with its error t − y already worked out: N is that error, a value of the
page to check (``error.o``, :mod:`graphengine.teach.audit.defined`) although no side of an
equation is N alone. Which output: the one whose error N is (up to its sign, at N's digits)
when that holds for every such N on the page, one output each; otherwise the page's order,
but only when it writes exactly one such term per output (a term of each output, in turn).
Anything less is not read: never guessed and marked wrong.

**A node's out inside σ′ = out(1 − out)**: ``y(1 − y) = 0.7391(1 − 0.7391)``. When a chain
writes ``X(1 − X)`` with X a name of node v (any of its notations), then the same shape with
one number N in both places, N is the page's value of v's out (:func:`outs_in_derivatives`).

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
from ..latex_tokens import Token
from ..mathtree import Expr, Frac, Neg, Num, Pow, Prod, Sum, Sym
from ..quantities import Quantities
from .defined import defined_values
from .names import Names
from .scan import Chain, Side, WrittenNumber

SQUARED = "½(t − y)²"  # how such an error is recognised (a row's ``recognised_by``)
IN_DERIVATIVE = "out(1 − out)"  # how such an out is recognised


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


def _same(x: Expr, y: Expr) -> bool:
    """The same symbol, or the same written number (wherever each is written)."""
    if isinstance(x, Num) and isinstance(y, Num):
        return x.text == y.text
    return isinstance(x, Sym) and x == y


def _one_minus(x: Expr) -> Expr | None:
    """``X`` of ``X(1 − X)`` (either order of the factors), if ``x`` has that shape."""
    if not (isinstance(x, Prod) and len(x.factors) == 2 and not any(x.divide)):
        return None
    for a, b in (x.factors, x.factors[::-1]):
        if (
            isinstance(b, Sum)
            and len(b.terms) == 2
            and isinstance(b.terms[0], Num)
            and b.terms[0].value == 1.0
            and isinstance(b.terms[1], Neg)
            and _same(b.terms[1].arg, a)
        ):
            return a
    return None


def _node_of(symbol: Sym, names: Names) -> str | None:
    named = names.resolve(symbol.name.replace("_", " _").replace("{", "").replace("}", ""))
    if named.kind == "node":
        return named.name
    if named.kind == "quantity" and named.name.endswith(".out"):
        return named.name[: -len(".out")]
    return None


def outs_in_derivatives(chains: list[Chain], names: Names) -> list[tuple[Chain, str]]:
    """(a one-number chain, ``v.out``) for each N of ``X(1 − X) = N(1 − N)`` (module docstring)."""
    found: list[tuple[Chain, str]] = []
    for chain in chains:
        for before, side in zip(chain.sides, chain.sides[1:]):
            symbol = _one_minus(before.tree) if before.tree is not None else None
            number = _one_minus(side.tree) if side.tree is not None else None
            if not isinstance(symbol, Sym) or not isinstance(number, Num) or "." not in number.text:
                continue
            node = _node_of(symbol, names)
            if node is None:
                continue
            token = Token("num", number.text, number.start, number.end)
            found.append(
                (
                    Chain(
                        [], [Side([token], Num(number.text, number.value, number.start, number.end, 0))], display=False
                    ),
                    f"{node}.out",
                )
            )
    return found
