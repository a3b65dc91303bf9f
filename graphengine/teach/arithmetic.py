"""Written arithmetic, as a learner puts it on the page: ``(0.25 × 0.10) + (0.30 × 0.05) + 0.35 = 0.39``.

A small grammar of our own (never ``eval``)::

    equation := sum ['=' ['-'] NUMBER]
    sum      := product (('+' | '-' | '−') product)*
    product  := signed (('×' | '*' | '·' | '/' | '÷') signed | juxtaposed)*
    signed   := ('-' | '−' | '+') signed | power
    power    := postfix ['^' signed]            (right-associative: 2^3^2 = 2^9)
    postfix  := primary ('²' | '³')*
    primary  := NUMBER | '½' | 'e' | '(' sum ')'

It builds the one expression tree of written maths (:mod:`graphengine.teach.mathtree`),
the tree the LaTeX reader builds too. Juxtaposition multiplies: ``(0.751)(1 − 0.751)``, ``½(0.01 − 0.751)²``, ``2(…)``.
``e`` is Euler's number (``1/(1 + e^-0.3775)``). Every number keeps its written text
and one unit of its last written digit (``0.10`` → 0.01), which is how the judge
propagates the learner's rounding. Bounded on purpose: at most ``MAX_LENGTH``
characters, ``MAX_DEPTH`` nested parentheses, exponents of written numbers within
±``MAX_EXPONENT``; an overflowing power (``9^9^9``) is an error, not a hang.

>>> x = parse("(0.25 × 0.10) + (0.30 × 0.05) + 0.35 = 0.39")
>>> round(x.computed, 12), x.value, x.result.text
(0.39, 0.39, '0.39')
>>> [[n.text for n in t.numbers] for t in x.terms()]
[['0.25', '0.10'], ['0.30', '0.05'], ['0.35']]
>>> round(parse("(0.751)(1 − 0.751)").value, 6)
0.186999
>>> parse("½(0.01 − 0.751)²").value
0.2745405
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from ..errors import SpecError
from .mathtree import Const, Expr, Neg, Num, Pow, Prod, Sum, numbers, value

MAX_LENGTH = 400
MAX_DEPTH = 30
MAX_EXPONENT = 300

_TOKEN = re.compile(
    r"(?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+\-−]?\d+)?)"
    r"|(?P<op>[+\-−×*·/÷^²³½()=]|e)"
    r"|(?P<space>[ \t\u00a0\u2009\u202f]+)"
)
_MINUS = {"-", "−"}
_TIMES = {"×", "*", "·"}
_DIVIDE = {"/", "÷"}


Number = Num  # a written number of the computation (graphengine.teach.mathtree.Num)
Node = Expr


@dataclass(frozen=True)
class Term:
    """One term of the top-level sum: its sign and the factors multiplied (divisors kept as nodes)."""

    sign: int
    factors: tuple[Node, ...]

    @property
    def numbers(self) -> list[Number]:
        return [n for f in self.factors for n in numbers_of(f)]


@dataclass(frozen=True)
class Expression:
    """A parsed written computation; ``value`` is the written result when there is one."""

    text: str
    root: Node
    result: Number | None = None
    result_sign: int = 1
    numbers: tuple[Number, ...] = field(default=())

    @property
    def computed(self) -> float:
        """What the written computation (left of ``=``) gives."""
        return evaluate(self.root)

    @property
    def value(self) -> float:
        """The written result if the text ends in ``= RESULT``, else the computed value."""
        return self.result_sign * self.result.value if self.result else self.computed

    def terms(self) -> list[Term]:
        """The top-level sum split into signed terms, each a list of multiplied factors."""
        out: list[Term] = []
        for sign, node in _terms(self.root, 1):
            out.append(Term(sign, tuple(_factors(node))))
        return out

    def term_signs(self) -> dict[int, int]:
        """Each number's index → the sign of the top-level term it is in (−1 in ``0.1 − 0.62 × 0.5``)."""
        return {n.index: term.sign for term in self.terms() for n in term.numbers}

    def uncertainty(self, sigma: Callable[[Number], float] | None = None) -> float:
        """How far the computed value moves if each number moves by ``sigma(number)``
        (default: integers exact, others ± one unit of their last digit), summed."""
        sigma = sigma or default_sigma
        base = self.computed
        total = 0.0
        for n in self.numbers:
            s = sigma(n)
            if s:
                total += abs(evaluate(self.root, {n.index: n.value + s}) - base)
        return total


def default_sigma(number: Number) -> float:
    """± one unit of the last written digit; integers (``1``, ``2``) are exact."""
    return 0.0 if number.is_integer else number.unit


def numbers_of(node: Node) -> list[Number]:
    """The written numbers in ``node``, left to right."""
    return numbers(node)


def _terms(node: Node, sign: int) -> list[tuple[int, Node]]:
    if isinstance(node, Sum):
        return [pair for term in node.terms for pair in _terms(term, sign)]
    if isinstance(node, Neg):
        return [(-sign * s, n) for s, n in _terms(node.arg, 1)] if isinstance(node.arg, Sum) else [(-sign, node.arg)]
    return [(sign, node)]


def _factors(node: Node) -> list[Node]:
    if isinstance(node, Prod) and not any(node.divide):
        return [f for factor in node.factors for f in _factors(factor)]
    return [node]


def evaluate(node: Node, replace: Mapping[int, float] | None = None) -> float:
    """The value of ``node``; ``replace`` maps a number's index to a value used instead."""
    return value(node, replace)


class _Token(NamedTuple):
    """One token of written arithmetic."""

    kind: str  # `number` or `op` (the pattern that matched; spaces are dropped)
    text: str
    column: int  # 1-based, for messages


class _Parser:
    def __init__(self, text: str, fail: Callable[[str], SpecError]) -> None:
        self.text, self.fail = text, fail
        self.tokens: list[_Token] = []
        self.numbers: list[Number] = []
        self.pos = 0
        self.depth = 0
        at = 0
        while at < len(text):
            m = _TOKEN.match(text, at)
            if not m:
                raise fail(f"unexpected `{text[at]}` at column {at + 1} (numbers, + − × · / ^ ² ½ ( ) and = RESULT)")
            kind = m.lastgroup or ""
            if kind != "space":
                self.tokens.append(_Token(kind, m.group(), at + 1))
            at = m.end()

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise self.fail("ends too early: a number or `(` is missing at the end")
        self.pos += 1
        return token

    def number(self, text: str, column: int) -> Number:
        mantissa, _, exponent = text.lower().replace("−", "-").partition("e")
        if exponent and abs(int(exponent)) > MAX_EXPONENT:
            raise self.fail(f"the number `{text[:30]}` is out of range (exponents up to ±{MAX_EXPONENT})")
        d = Decimal(mantissa + (f"e{exponent}" if exponent else ""))
        exp = d.as_tuple().exponent
        assert isinstance(exp, int)
        n = Number(text, float(d), column - 1, column - 1 + len(text), len(self.numbers))
        self.numbers.append(n)
        return n

    def equation(self) -> tuple[Node, Number | None, int]:
        if not self.tokens:
            raise self.fail("empty expression: write a number or a computation like `0.741 × 0.186`")
        root = self.sum()
        result, sign = None, 1
        token = self.peek()
        if token and token.text == "=":
            self.pos += 1
            token = self.take()
            if token.text in _MINUS:
                sign, token = -1, self.take()
            if token.kind != "number":
                raise self.fail(
                    f"after `=` write the result as one number, got `{token.text}` at column {token.column}"
                )
            result = self.number(token.text, token.column)
            self.numbers.pop()  # the result is not part of the computation
            result = Number(result.text, result.value, result.start, result.end, -1)
        token = self.peek()
        if token is not None:
            raise self.fail(f"unexpected `{token.text}` at column {token.column}")
        return root, result, sign

    def sum(self) -> Node:
        terms = [self.product()]
        while (token := self.peek()) and (token.text == "+" or token.text in _MINUS):
            self.pos += 1
            term = self.product()
            terms.append(term if token.text == "+" else Neg(term))
        return terms[0] if len(terms) == 1 else Sum(tuple(terms))

    def product(self) -> Node:
        node = self.signed()
        while token := self.peek():
            if token.text in _TIMES or token.text in _DIVIDE:
                self.pos += 1
                node = Prod((node, self.signed()), (False, token.text in _DIVIDE))
            elif token.text in ("(", "½", "e") or (token.kind == "number" and self._after_close()):
                node = Prod((node, self.power()), (False, False))  # juxtaposed: (0.751)(1 − 0.751)
            else:
                break
        return node

    def _after_close(self) -> bool:
        return self.pos > 0 and self.tokens[self.pos - 1].text in (")", "²", "³")

    def signed(self) -> Node:
        token = self.peek()
        if token and (token.text in _MINUS or token.text == "+"):
            self.pos += 1
            self._enter()
            operand = self.signed()
            self.depth -= 1
            if token.text == "+":
                return operand
            if isinstance(operand, Number) and operand.text[0] not in _MINUS:
                return self._negated(operand, token)
            return Neg(operand)
        return self.power()

    def _negated(self, number: Number, minus: _Token) -> Number:
        # `−0.62` (or `(−0.62)`) is one negative number, as a weight of the network is: the sign
        # belongs to the number, so the judge can recognise the network's exact −0.62 in it.
        # Only a minus before a lone number: `−2²` stays −(2²), `−−0.62` a minus applied to −0.62.
        signed = Number(minus.text + number.text, -number.value, minus.column - 1, number.end, number.index)
        self.numbers[number.index] = signed
        return signed

    def power(self) -> Node:
        base = self.postfix()
        token = self.peek()
        if token and token.text == "^":
            self.pos += 1
            self._enter()
            exponent = self.signed()
            self.depth -= 1
            return Pow(base, exponent)
        return base

    def postfix(self) -> Node:
        node = self.primary()
        while (token := self.peek()) and token.text in ("²", "³"):
            self.pos += 1
            node = Pow(node, Const(token.text, 2.0 if token.text == "²" else 3.0))
        return node

    def primary(self) -> Node:
        kind, text, column = self.take()
        if kind == "number":
            return self.number(text, column)
        if text == "½":
            return Const("½", 0.5)
        if text == "e":
            return Const("e", math.e)
        if text == "(":
            self._enter()
            node = self.sum()
            self.depth -= 1
            closing = self.take()
            if closing.text != ")":
                raise self.fail(f"expected `)` at column {closing.column}, got `{closing.text}`")
            return node
        raise self.fail(f"expected a number or `(` at column {column}, got `{text}`")

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} levels deep")


def parse(text: str, *, file: str | None = None, line: int | None = None, key: str | None = None) -> Expression:
    """Parse written arithmetic; malformed text raises :class:`SpecError` with file and line."""

    def fail(problem: str) -> SpecError:
        return SpecError(problem, file=file, line=line, path=(key,) if key else ())

    if len(text) > MAX_LENGTH:
        raise fail(f"the expression is {len(text)} characters long (at most {MAX_LENGTH})")
    parser = _Parser(text, fail)
    root, result, sign = parser.equation()
    expression = Expression(text, root, result, sign, tuple(parser.numbers))
    computed = expression.computed
    if not math.isfinite(computed):
        raise fail("the computation has no finite value (a division by zero, or a power too large for a float)")
    return expression


def is_plain_number(text: str) -> bool:
    """``0.593``, ``-1.2e-3``: a number with nothing to compute."""
    return re.fullmatch(r"[+\-−]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+\-−]?\d+)?", text.strip().replace("_", "")) is not None
