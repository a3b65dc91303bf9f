"""LaTeX maths → a small expression tree: the arithmetic a worked example writes.

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
import re
from dataclasses import dataclass

from .errors import DocumentError

MAX_DEPTH = 60  # nesting of groups, fractions and parentheses: deeper is refused, not recursed

# ---------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Token:
    kind: str  # num, word, cmd, op, rel, open, close, sub, sup, sep, row, col, frac, text
    text: str
    start: int  # offsets into the document the tokens came from
    end: int


TEXT_COMMANDS = {"text", "textrm", "textit", "textbf", "texttt", "textsf", "mbox", "textnormal"}
WRAPPERS = {"mathrm", "mathbf", "mathit", "mathsf", "mathtt", "boldsymbol", "bm", "operatorname", "hat", "bar"}
WRAPPERS |= {"tilde", "vec", "widehat", "overline", "mathcal", "mathbb", "displaystyle", "underline", "color"}
SPACES = {",", ";", ":", "!", " ", "left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr"}
SPACES |= {"displaystyle", "textstyle", "limits", "nonumber", "notag", "cdotp", "hfill", "middle", "hline"}
FRACTIONS = {"frac", "tfrac", "dfrac", "cfrac"}
OPERATORS = {"times": "*", "cdot": "*", "ast": "*", "div": "/", "pm": "±", "mp": "∓"}
RELATIONS = {"approx": "=", "simeq": "=", "doteq": "=", "coloneqq": "=", "gets": "=", "leftarrow": "="}
RELATIONS |= {"eqsim": "=", "cong": "="}
STOPS = {"neq", "ne", "le", "leq", "ge", "geq", "lt", "gt", "to", "rightarrow", "Rightarrow", "implies", "iff"}
STOPS |= {"mapsto", "equiv", "propto", "sim", "in"}
UNICODE_OPS = {"×": "*", "·": "*", "∙": "*", "⋅": "*", "÷": "/", "−": "-", "–": "-", "*": "*", "/": "/"}
UNICODE_RELATIONS = {"≈": "=", "≃": "=", "←": "=", "=": "="}
UNICODE_STOPS = set("≠≤≥<>→⇒⟹≡∝∼")
FUNCTIONS = {"exp", "tanh", "ln", "log", "max", "min", "sqrt", "sigma", "sinh", "cosh"}

_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+", re.ASCII)
_DIGITS = set("0123456789")  # str.isdigit() is true for `¹` and `٣` too
_WORD = re.compile(r"[^\W\d_]+\d*")
_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.S)


def _matching_brace(src: str, i: int, limit: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``i`` (``\\{`` and ``\\}`` do not count)."""
    depth, opening = 0, i
    while i < limit:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise DocumentError("a `{` is never closed", offset=opening)


def _matching_paren(src: str, i: int, limit: int) -> int:
    """Index of the ``)`` closing the ``(`` at ``i``."""
    depth = 0
    for j in range(i, limit):
        if src[j] == "(":
            depth += 1
        elif src[j] == ")":
            depth -= 1
            if depth == 0:
                return j
    raise DocumentError("a `(` is never closed", offset=i)


def tokenize(src: str, start: int = 0, end: int | None = None, depth: int = 0) -> list[Token]:
    """The tokens of ``src[start:end]``, with offsets into ``src``.

    Arguments of ``\\frac``, ``^`` and ``_`` written without braces (``\\tfrac12``, ``x^2``)
    take one character, as in LaTeX, and come back wrapped in braces like the braced ones.
    """
    end = len(src) if end is None else end
    if depth > MAX_DEPTH:
        raise DocumentError(f"fractions nested more than {MAX_DEPTH} levels deep", offset=start)
    tokens: list[Token] = []
    i = start
    while i < end:
        c = src[i]
        if c.isspace() or c == "~":
            i += 1
            continue
        if c == "%":  # a comment to the end of the line
            newline = src.find("\n", i, end)
            i = end if newline < 0 else newline + 1
            continue
        single = tokens and tokens[-1].kind in ("sub", "sup")
        if single and c == "(":  # plain-text maths: e^(-0.3775) means e^{-0.3775}
            close = _matching_paren(src, i, end)
            tokens += [
                Token("open", "{", i, i),
                *tokenize(src, i, close + 1, depth + 1),
                Token("close", "}", close, close),
            ]
            i = close + 1
            continue
        if c in "½²³":  # plain-text maths: ½(t − y)², as check reads them
            if c == "½":
                tokens += [Token("frac", "frac", i, i + 1), Token("open", "{", i, i), Token("num", "1", i, i)]
                tokens += [Token("close", "}", i, i), Token("open", "{", i, i), Token("num", "2", i, i)]
            else:
                tokens += [
                    Token("sup", "^", i, i),
                    Token("open", "{", i, i),
                    Token("num", "2" if c == "²" else "3", i, i),
                ]
            tokens.append(Token("close", "}", i + 1, i + 1))
            i += 1
            continue
        if single and c != "{" and c != "\\":
            # one character as the whole argument: `\tfrac12`, `x^2`, `w_5`
            kind = "num" if c in _DIGITS else "word" if c.isalpha() else "op"
            tokens += [Token("open", "{", i, i), Token(kind, c, i, i + 1), Token("close", "}", i + 1, i + 1)]
            i += 1
            continue
        if c == "\\":
            m = _COMMAND.match(src, i, end)
            if m is None:
                raise DocumentError("a lone `\\` at the end", offset=i)
            name, j = m.group(1), m.end()
            if name in TEXT_COMMANDS:
                while j < end and src[j].isspace():
                    j += 1
                if j >= end or src[j] != "{":
                    raise DocumentError(f"`\\{name}` without `{{…}}`", offset=i)
                close = _matching_brace(src, j, end)
                tokens.append(Token("text", src[j + 1 : close], i, close + 1))
                i = close + 1
            elif name == "\\":
                tokens.append(Token("row", name, i, j))
                i = j
            elif name in FRACTIONS:
                tokens.append(Token("frac", name, i, j))
                for _ in range(2):  # each argument comes back braced: {…}, or one character
                    while j < end and src[j].isspace():
                        j += 1
                    if j >= end:
                        raise DocumentError(f"`\\{name}` needs two arguments", offset=i)
                    if src[j] == "{":
                        close = _matching_brace(src, j, end)
                        inner = tokenize(src, j + 1, close, depth + 1)
                        after = close + 1
                    else:
                        m = _COMMAND.match(src, j, end) if src[j] == "\\" else None
                        after = m.end() if m else j + 1
                        inner, close = tokenize(src, j, after, depth + 1), after
                    tokens += [Token("open", "{", j, j + 1), *inner, Token("close", "}", close, close + 1)]
                    j = after
                i = j
            elif name in ("{", "}"):
                tokens.append(Token("word", name, i, j))  # a literal brace: a symbol, never a group
                i = j
            elif name == "begin" or name == "end":
                close = _matching_brace(src, j, end) if j < end and src[j] == "{" else j - 1
                env = src[j + 1 : close] if close >= j else ""
                if name == "begin" and env in ("array", "tabular") and close + 1 < end and src[close + 1] == "{":
                    close = _matching_brace(src, close + 1, end)  # the column spec {r}
                tokens.append(Token("row", f"{name}{{{env}}}", i, close + 1))
                i = close + 1
            elif name == "color" and j < end and src[j] == "{":
                i = _matching_brace(src, j, end) + 1  # \color{red}: the colour name is no symbol
            elif name in ("quad", "qquad"):
                tokens.append(Token("sep", name, i, j))  # `a = 1 \quad b = 2`: two equations
                i = j
            elif name in SPACES:
                i = j
            elif name in WRAPPERS:
                i = j  # \mathrm{e}, \hat{o}: the group's content stands for itself
            elif name in OPERATORS:
                tokens.append(Token("op", OPERATORS[name], i, j))
                i = j
            elif name in RELATIONS:
                tokens.append(Token("rel", "=", i, j))
                i = j
            elif name in STOPS:
                tokens.append(Token("rel", name, i, j))
                i = j
            elif name in ("prime",):
                tokens.append(Token("word", "'", i, j))
                i = j
            else:
                tokens.append(Token("cmd", name, i, j))
                i = j
            continue
        if c in _DIGITS or (c == "." and i + 1 < end and src[i + 1] in _DIGITS):
            m = _NUMBER.match(src, i, end)
            assert m is not None
            tokens.append(Token("num", m.group(), i, m.end()))
            i = m.end()
        elif c == "{":
            tokens.append(Token("open", "{", i, i + 1))
            i += 1
        elif c == "}":
            tokens.append(Token("close", "}", i, i + 1))
            i += 1
        elif c in "([":
            tokens.append(Token("open", c, i, i + 1))
            i += 1
        elif c in ")]":
            tokens.append(Token("close", c, i, i + 1))
            i += 1
        elif c == "_":
            tokens.append(Token("sub", c, i, i + 1))
            i += 1
        elif c == "^":
            tokens.append(Token("sup", c, i, i + 1))
            i += 1
        elif c == "&":
            tokens.append(Token("col", c, i, i + 1))
            i += 1
        elif c in ",;":
            tokens.append(Token("sep", c, i, i + 1))
            i += 1
        elif c in "+-" or c in UNICODE_OPS:
            tokens.append(Token("op", UNICODE_OPS.get(c, c), i, i + 1))
            i += 1
        elif c in UNICODE_RELATIONS:
            tokens.append(Token("rel", "=", i, i + 1))
            i += 1
        elif c in UNICODE_STOPS:
            tokens.append(Token("rel", c, i, i + 1))
            i += 1
        elif c == ":" and i + 1 < end and src[i + 1] == "=":
            tokens.append(Token("rel", "=", i, i + 2))
            i += 2
        elif c == "'":
            tokens.append(Token("word", "'", i, i + 1))
            i += 1
        else:
            m = _WORD.match(src, i, end)
            if m:
                tokens.append(Token("word", m.group(), i, m.end()))
                i = m.end()
            else:
                tokens.append(Token("word", c, i, i + 1))  # ∂, |, ! …: a symbol of its own
                i += 1
    return tokens


# ---------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Num:
    text: str
    value: float
    start: int
    end: int

    @property
    def decimals(self) -> int:
        return len(self.text.split(".")[1]) if "." in self.text else 0

    @property
    def unit(self) -> float:
        """One unit of the last written digit: ``0.10`` → 0.01."""
        return 10.0**-self.decimals


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
    fn: str  # one of FUNCTIONS
    args: tuple[Expr, ...]


Expr = Num | Sym | Neg | Sum | Prod | Frac | Pow | Call


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


# ---------------------------------------------------------------------- the parser


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens, self.i, self.depth = tokens, 0, 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def fail(self, message: str, token: Token | None = None) -> DocumentError:
        token = token or self.peek() or (self.tokens[-1] if self.tokens else None)
        return DocumentError(message, offset=token.start if token else None)

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.fail("the formula ends too early")
        self.i += 1
        return token

    def expect(self, text: str) -> Token:
        token = self.peek()
        if token is None or token.kind != "close" or token.text != text:
            shown = f"`{token.text}`" if token else "the end"
            raise self.fail(f"expected `{text}`, found {shown}", token)
        self.i += 1
        return token

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} levels deep")

    def expression(self) -> Expr:
        self.enter()
        terms = [self.term()]
        while (token := self.peek()) is not None and token.kind == "op" and token.text in "+-±∓":
            self.i += 1
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
                self.i += 1
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
            self.i += 1
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
            self.i += 1
            return Sym("")
        inner = self.expression()
        self.expect("}")
        return inner

    def script(self) -> Expr:
        """A sub- or superscript: an expression, or a lone mark (``w^{+}``, ``w^{*}``, ``x_{-}``)."""
        ahead = self.tokens[self.i : self.i + 3]
        if len(ahead) == 3 and ahead[0].text == "{" and ahead[1].kind == "op" and ahead[2].text == "}":
            self.i += 3
            return Sym(ahead[1].text)
        return self.group()

    def power(self) -> Expr:
        base = self.atom()
        while (
            (token := self.peek()) is not None
            and token.kind in ("sup", "sub")
            or (token is not None and token.kind == "word" and token.text == "'")
        ):
            self.i += 1
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
            return Num(token.text, float(token.text), token.start, token.end)
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
        self.i += 1
        self.enter()
        args = [self.expression()]
        while (sep := self.peek()) is not None and sep.kind == "sep" and sep.text == ",":
            self.i += 1
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
    if (token := parser.peek()) is not None:
        raise parser.fail(f"unexpected `{token.text}`", token)
    return tree


# ---------------------------------------------------------------------- value and text


def evaluate(tree: Expr) -> float | None:
    """The value of plain arithmetic; None when ``tree`` has a symbol or is not a finite real."""
    if symbols(tree):
        return None
    try:
        value = _value(tree)
    except (OverflowError, ZeroDivisionError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _value(node: Expr) -> float:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Neg):
        return -_value(node.arg)
    if isinstance(node, Sum):
        return math.fsum(_value(t) for t in node.terms)
    if isinstance(node, Prod):
        result = 1.0
        for factor, divides in zip(node.factors, node.divide):
            result = result / _value(factor) if divides else result * _value(factor)
        return result
    if isinstance(node, Frac):
        return _value(node.numerator) / _value(node.denominator)
    if isinstance(node, Pow):
        base, exponent = _value(node.base), _value(node.exponent)
        if abs(exponent) > 1000 or (base < 0 and exponent != int(exponent)):
            raise ValueError("power out of range")
        return float(base**exponent)
    assert isinstance(node, Call)
    args = [_value(a) for a in node.args]
    if node.fn in ("max", "min"):
        return max(args) if node.fn == "max" else min(args)
    if len(args) != 1:
        raise ValueError(f"{node.fn} takes one argument")
    x = args[0]
    if node.fn == "exp":
        return math.exp(x)
    if node.fn == "sigma":
        return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
    if node.fn in ("ln", "log"):
        return math.log(x)
    if node.fn == "sqrt":
        return math.sqrt(x)
    return float(getattr(math, node.fn)(x))


_PRECEDENCE = {Sum: 1, Neg: 2, Prod: 3, Frac: 3, Pow: 5}


def _wrapped(node: Expr, above: int) -> str:
    text = to_text(node)
    return f"({text})" if _PRECEDENCE.get(type(node), 9) <= above else text


def to_text(tree: Expr) -> str:
    """Plain-text arithmetic (``0.25 × 0.10 + 0.30 × 0.05 + 0.35``), the form ``check`` reads."""
    if isinstance(tree, Num):
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
    """``tree`` in the arithmetic ``check`` reads (:mod:`graphengine.expr`): numbers,
    + − × /, ^, parentheses and ``e``; None when it has symbols or other functions."""
    if symbols(tree) or any(isinstance(n, Call) and n.fn != "exp" for n in walk(tree)):
        return None
    return to_text(tree)
