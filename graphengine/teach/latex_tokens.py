"""LaTeX maths → tokens, each with its offsets in the page (for graphengine.teach.latex_math).

Numbers, words, commands, operators, relations (``=``, ``\\approx``; ``\\le``, ``\\to`` are
kept apart as non-equalities), groups, sub/superscripts, rows (``\\\\``, ``\\begin``) and
columns (``&``). ``\\text{…}`` is one token; ``\\mathrm``, ``\\hat`` and spacing are dropped;
arguments written without braces (``\\tfrac12``, ``x^2``) come back braced. Plain-text maths
is read too: ``e^(-x)``, ``½``, ``²``, ``×``, ``·``, ``−``.

>>> [t.text for t in tokenize(r"\\tfrac12 (0.01 - y)^2")]
['tfrac', '{', '1', '}', '{', '2', '}', '(', '0.01', '-', 'y', ')', '^', '{', '2', '}']
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import DocumentError

MAX_DEPTH = 60  # nesting of groups, fractions and parentheses: deeper is refused, not recursed


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

SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", "0123456789+-()aeoxhklmnpstijruv"))
SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁿⁱᶻˣʸᵀᵗ", "0123456789+-()nizxyTt"))

_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+", re.ASCII)
_DIGITS = set("0123456789")  # str.isdigit() is true for `¹` and `٣` too
_SCRIPTS = re.escape("".join(SUBSCRIPTS) + "".join(SUPERSCRIPTS) + "½")
_WORD = re.compile(rf"[^\W\d_{_SCRIPTS}]+\d*")
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
        if c in SUBSCRIPTS or c in SUPERSCRIPTS:  # w₅, x₁, e⁻ᶻ: a script of one run of such signs
            table = SUBSCRIPTS if c in SUBSCRIPTS else SUPERSCRIPTS
            j = i
            while j < end and src[j] in table:
                j += 1
            inner = tokenize("".join(table[ch] for ch in src[i:j]), 0, None, depth + 1)
            mark = ("sub", "_") if table is SUBSCRIPTS else ("sup", "^")
            tokens += [Token(*mark, i, i), Token("open", "{", i, i)]
            tokens += [Token(t.kind, t.text, t.start + i, t.end + i) for t in inner]
            tokens.append(Token("close", "}", j, j))
            i = j
            continue
        if c in "½":  # plain-text maths: ½(t − y)², as check reads them
            tokens += [Token("frac", "frac", i, i + 1), Token("open", "{", i, i), Token("num", "1", i, i)]
            tokens += [Token("close", "}", i, i), Token("open", "{", i, i), Token("num", "2", i, i)]
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
            elif name in ("color", "textcolor") and j < end and src[j] == "{":
                i = _matching_brace(src, j, end) + 1  # \color{red}, \textcolor{red}{…}: the colour name is no symbol
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


def split_top_level(tokens: list[Token], at: Callable[[Token], bool]) -> list[list[Token]]:
    """``tokens`` cut at the tokens ``at`` picks outside any bracket (braces, parentheses), which
    are dropped; an unmatched closing bracket is ignored.

    >>> [[t.text for t in part] for part in split_top_level(tokenize("a, (b, c), d"), lambda t: t.kind == "sep")]
    [['a'], ['(', 'b', ',', 'c', ')'], ['d']]
    """
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "open":
            depth += 1
        elif token.kind == "close":
            depth = max(0, depth - 1)
        if depth == 0 and at(token):
            parts.append([])
        else:
            parts[-1].append(token)
    return parts
