"""LaTeX maths → a small expression tree: the arithmetic a worked example writes.

>>> from graphengine.teach.latex_tokens import tokenize
>>> tree = parse(tokenize(r"\\frac{1}{2} (0.01 - 0.751)^2"))
>>> round(evaluate(tree), 6), to_text(tree)
(0.274541, '1/2 × (0.01 − 0.751)^2')

Covers what worked examples use: numbers, + − × · * / ÷, ``\\frac{}{}`` (also
``\\tfrac12``), ``^{}``, ``e^{-x}``, ``\\exp``, ``\\tanh``, ``\\ln``, ``\\max``, ``\\sqrt``,
parentheses (``\\left( … \\right)``), juxtaposition (``(0.751)(1 - 0.751)``), and symbols
(``\\text{net}_{h1}``, ``w_5^{+}``, ``\\partial``) which stay symbolic. Our own small parser:
nothing is evaluated but this arithmetic, work is bounded by the text's length and a
nesting limit, and malformed LaTeX raises :class:`DocumentError` with an offset, never
anything else.
"""

from __future__ import annotations

import math

from ..errors import DocumentError
from .latex_tokens import FUNCTIONS, MAX_DEPTH, Token
from .mathtree import Call, Const, Expr, Frac, Neg, Num, Pow, Prod, Sum, Sym, children, numbers, symbols, value, walk

# ---------------------------------------------------------------------- the tree
# One tree for all written maths (graphengine.teach.mathtree); re-exported here for readers.

__all__ = ["Call", "Const", "Expr", "Frac", "Neg", "Num", "Pow", "Prod", "Sum", "Sym", "children", "walk"]
__all__ += ["numbers", "symbols", "parse", "evaluate", "to_text", "check_form"]


# ---------------------------------------------------------------------- the parser


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens, self.position, self.depth = tokens, 0, 0
        self.count = 0  # numbers read so far: each Num's index

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def fail(self, message: str, token: Token | None = None) -> DocumentError:
        token = token or self.peek() or (self.tokens[-1] if self.tokens else None)
        return DocumentError(message, offset=token.start if token else None)

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.fail("the formula ends too early")
        self.position += 1
        return token

    def expect(self, text: str) -> Token:
        token = self.peek()
        if token is None or token.kind != "close" or token.text != text:
            shown = f"`{token.text}`" if token else "the end"
            raise self.fail(f"expected `{text}`, found {shown}", token)
        self.position += 1
        return token

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} levels deep")

    def expression(self) -> Expr:
        self.enter()
        terms = [self.term()]
        while (token := self.peek()) is not None and token.kind == "op" and token.text in "+-±∓":
            self.position += 1
            if token.text in "±∓":
                raise self.fail("`±` has two values; write one of them", token)
            term = self.term()
            terms.append(Neg(term) if token.text == "-" else term)
        self.depth -= 1
        return terms[0] if len(terms) == 1 else Sum(tuple(terms))

    def starts_atom(self, token: Token | None) -> bool:
        if token is None:
            return False
        if token.kind == "open" and token.text == "[":
            return False  # `x [unit]` is rare; `[` never multiplies silently
        return token.kind in ("num", "word", "cmd", "open", "frac", "text")

    def term(self) -> Expr:
        factors, divide = [self.factor()], [False]
        while True:
            token = self.peek()
            if token is not None and token.kind == "op" and token.text in "*/":
                self.position += 1
                factors.append(self.factor())
                divide.append(token.text == "/")
            elif self.starts_atom(token):
                assert token is not None
                if token.kind == "num" and isinstance(_last_number(factors[-1]), Num):
                    raise self.fail("two numbers side by side with nothing between them", token)
                factors.append(self.factor())
                divide.append(False)
            else:
                break
        return factors[0] if len(factors) == 1 else Prod(tuple(factors), tuple(divide))

    def factor(self) -> Expr:
        token = self.peek()
        if token is not None and token.kind == "op" and token.text in "+-":
            self.position += 1
            self.enter()
            arg = self.factor()
            self.depth -= 1
            return Neg(arg) if token.text == "-" else arg
        return self.power()

    def group(self) -> Expr:
        """A braced argument: ``{…}``."""
        token = self.next()
        if token.kind != "open" or token.text != "{":
            raise self.fail("expected `{`", token)
        if (after := self.peek()) is not None and after.kind == "close" and after.text == "}":
            self.position += 1
            return Sym("")
        inner = self.expression()
        self.expect("}")
        return inner

    def script(self) -> Expr:
        """A sub- or superscript: an expression, or a lone mark (``w^{+}``, ``w^{*}``, ``x_{-}``)."""
        ahead = self.tokens[self.position : self.position + 3]
        if len(ahead) == 3 and ahead[0].text == "{" and ahead[1].kind == "op" and ahead[2].text == "}":
            self.position += 3
            return Sym(ahead[1].text)
        return self.group()

    def power(self) -> Expr:
        base = self.atom()
        while (
            (token := self.peek()) is not None
            and token.kind in ("sup", "sub")
            or (token is not None and token.kind == "word" and token.text == "'")
        ):
            self.position += 1
            if token.kind == "word":  # w5'
                base = Sym(_name(base) + "'")
                continue
            self.enter()
            script = self.script()
            self.depth -= 1
            mark = "^" if token.kind == "sup" else "_"
            if isinstance(base, Sym) and base.name == "e" and mark == "^":
                base = Call("exp", (script,))
            elif isinstance(base, Sym) or mark == "_" or symbols(script):
                base = Sym(f"{_name(base)}{mark}{_name(script)}")  # w_5^{+}, o_1^{out}: part of a name
            else:
                base = Pow(base, script)
        return base

    def atom(self) -> Expr:
        token = self.next()
        if token.kind == "num":
            self.count += 1
            return Num(token.text, float(token.text), token.start, token.end, self.count - 1)
        if token.kind == "open":
            self.enter()
            if token.text == "{" and (after := self.peek()) is not None and after.kind == "close":
                self.expect("}")
                self.depth -= 1
                return Sym("")
            inner = self.expression()
            self.expect({"(": ")", "[": "]", "{": "}"}[token.text])
            self.depth -= 1
            return inner
        if token.kind == "frac":
            self.enter()
            numerator = self.group()
            denominator = self.group()
            self.depth -= 1
            return Frac(numerator, denominator)
        if token.kind == "text":
            return Sym(" ".join(token.text.split()))
        if token.kind == "word":
            return Sym(token.text)
        if token.kind == "cmd":
            if token.text in FUNCTIONS:
                return self.call(token)
            return Sym(
                {"partial": "∂", "delta": "δ", "eta": "η", "alpha": "α", "sigma": "σ"}.get(token.text, token.text)
            )
        raise self.fail(f"unexpected `{token.text}`", token)

    def call(self, token: Token) -> Expr:
        after = self.peek()
        name = token.text
        if after is None or after.kind != "open":
            if name == "sigma":
                return Sym("σ")
            self.enter()
            arg = self.power()  # \ln 2, \exp x
            self.depth -= 1
            return Call(name, (arg,))
        self.position += 1
        self.enter()
        args = [self.expression()]
        while (sep := self.peek()) is not None and sep.kind == "sep" and sep.text == ",":
            self.position += 1
            args.append(self.expression())
        self.expect({"(": ")", "[": "]", "{": "}"}[after.text])
        self.depth -= 1
        return Call(name, tuple(args))


def _last_number(node: Expr) -> Num | None:
    return node if isinstance(node, Num) else None


def _name(node: Expr) -> str:
    """A name for a symbol's base or script: ``h_1`` → ``h_1``, ``{\\text{out}}`` → ``out``."""
    if isinstance(node, Sym):
        return node.name
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Neg):
        return "-" + _name(node.arg)
    if isinstance(node, Sum):
        return "+".join(_name(t) for t in node.terms) if len(node.terms) > 1 else _name(node.terms[0])
    if isinstance(node, Prod):
        return "".join(_name(f) for f in node.factors)
    return to_text(node)


def parse(tokens: list[Token]) -> Expr:
    """The expression of ``tokens`` (one side of an equation); :class:`DocumentError` if malformed."""
    if not tokens:
        raise DocumentError("an empty side of an equation")
    for token in tokens:
        if token.kind in ("rel", "row", "col"):
            raise DocumentError(f"unexpected `{token.text}` inside a formula", offset=token.start)
    parser = _Parser(tokens)
    tree = parser.expression()
    if (extra := parser.peek()) is not None:
        raise parser.fail(f"unexpected `{extra.text}`", extra)
    return tree


# ---------------------------------------------------------------------- value and text


def evaluate(tree: Expr) -> float | None:
    """The value of plain arithmetic; None when ``tree`` has a symbol or is not a finite real."""
    if symbols(tree):
        return None
    result = value(tree)
    return result if math.isfinite(result) else None


_PRECEDENCE = {Sum: 1, Neg: 2, Prod: 3, Frac: 3, Pow: 5}


def _wrapped(node: Expr, above: int) -> str:
    text = to_text(node)
    return f"({text})" if _PRECEDENCE.get(type(node), 9) <= above else text


def to_text(tree: Expr) -> str:
    """Plain-text arithmetic (``0.25 × 0.10 + 0.30 × 0.05 + 0.35``), the form ``check`` reads."""
    if isinstance(tree, Num | Const):
        return tree.text
    if isinstance(tree, Sym):
        return tree.name
    if isinstance(tree, Neg):
        return "−" + _wrapped(tree.arg, 2)
    if isinstance(tree, Sum):
        parts = [to_text(tree.terms[0])]
        for term in tree.terms[1:]:
            parts.append(f"− {_wrapped(term.arg, 1)}" if isinstance(term, Neg) else f"+ {to_text(term)}")
        return " ".join(parts)
    if isinstance(tree, Prod):
        parts = [_wrapped(tree.factors[0], 2)]
        for factor, divides in zip(tree.factors[1:], tree.divide[1:]):
            parts.append(("/ " if divides else "× ") + _wrapped(factor, 3 if divides else 2))
        return " ".join(parts)
    if isinstance(tree, Frac):
        return f"{_wrapped(tree.numerator, 3)}/{_wrapped(tree.denominator, 3)}"
    if isinstance(tree, Pow):
        return f"{_wrapped(tree.base, 4)}^{_wrapped(tree.exponent, 4)}"
    if tree.fn == "exp":
        return f"e^({to_text(tree.args[0])})"
    return f"{tree.fn}({', '.join(to_text(a) for a in tree.args)})"


def check_form(tree: Expr) -> str | None:
    """``tree`` in the arithmetic ``check`` reads (:mod:`graphengine.teach.arithmetic`): numbers,
    + − × /, ^, parentheses and ``e``; None when it has symbols or other functions."""
    if symbols(tree) or any(isinstance(n, Call) and n.fn != "exp" for n in walk(tree)):
        return None
    return to_text(tree)
