"""Find the maths of a written page and the chains of equalities in it.

A page is Markdown with ``$…$`` / ``$$…$$`` (and ``\\[…\\]``) maths, or a LaTeX file.
Each formula is cut into rows (``\\\\`` of ``aligned``), pieces (``,``, ``\\quad``) and
sides (``=``, ``\\approx``); a row that starts with ``=`` goes on with the chain before
it, even in the next display and after a paragraph of prose, as worked examples write::

    $$h_1 = w_{11}i_1 + w_{21}i_2 + b_1$$
    $$= (0.15 \\times 0.05) + (0.20 \\times 0.1) + 0.35$$
    $$= 0.3775$$

Code blocks, inline code and comments are skipped. Every position is an offset into the
page, so a caller can name the line and rewrite exactly the number it means.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import DocumentError
from ..latex_math import Expr, Neg, Num, Pow, Prod, numbers, parse, symbols
from ..latex_tokens import Token, split_top_level, tokenize
from .markdown_code import code_assignments, code_spans, labelled_lists, mask_fences, mask_inline_code
from .matrices import Element, Unit, elementwise, last_side
from .plain import plain_segments, tables
from .prose import prose_results

MAX_PAGE_CHARS = 2_000_000  # a worked example is a few pages; more is not a page to read
ARROWS = {"to", "rightarrow", "Rightarrow", "implies", "iff", "mapsto", "→", "⇒", "⟹"}
MAX_FORMULAS = 20_000  # the longest worked example has a few hundred; every formula is judged
TEX_ENVIRONMENTS = ("equation", "align", "gather", "multline", "eqnarray", "displaymath", "math", "flalign")


@dataclass(frozen=True)
class WrittenNumber:
    """A number as the page writes it: its digits say how precise it claims to be."""

    text: str
    value: float
    unit: float  # one unit of the last written digit
    start: int  # offsets of the whole number (sign included) in the page
    end: int


@dataclass
class Side:
    tokens: list[Token]
    tree: Expr | None = None  # None: could not be read (see Chain.problems)
    problem: str = ""

    @property
    def start(self) -> int:
        return self.tokens[0].start

    def number(self) -> WrittenNumber | None:
        """The number this side is, if it is just one: ``0.3775``, ``-0.0381``, or in
        scientific notation ``4.386 \\times 10^{-4}`` (text ``4.386e-4``)."""
        tree, sign = self.tree, ""
        if isinstance(tree, Neg):
            tree, sign = tree.arg, "-"
        exponent = 0
        if isinstance(tree, Prod) and len(tree.factors) == 2 and not any(tree.divide):
            mantissa, power = tree.factors
            scale = power.exponent if isinstance(power, Pow) else None
            scale_sign = -1 if isinstance(scale, Neg) else 1
            scale = scale.arg if isinstance(scale, Neg) else scale
            if (
                isinstance(mantissa, Num)
                and isinstance(power, Pow)
                and isinstance(power.base, Num)
                and power.base.text == "10"
                and isinstance(scale, Num)
                and scale.text.isdigit()
                and len(scale.text) <= 3
            ):
                tree, exponent = mantissa, scale_sign * int(scale.text)
        if not isinstance(tree, Num):
            return None
        decimals = tree.decimals
        try:
            value = (-tree.value if sign else tree.value) * 10.0**exponent
        except OverflowError:  # `1 \times 10^{999}`: no float holds it, so it is no number to judge
            return None
        text = sign + tree.text + (f"e{exponent}" if exponent else "")
        return WrittenNumber(text, value, 10.0 ** (exponent - decimals), self.tokens[0].start, self.tokens[-1].end)


@dataclass
class Chain:
    """``lhs = side = side = … = number``: one quantity written out (``lhs`` may be empty)."""

    lhs: list[Token]
    sides: list[Side] = field(default_factory=list)
    display: bool = True
    element: Element | None = None  # (row, column, rows, columns) when one element of a matrix

    def final(self) -> WrittenNumber | None:
        return self.sides[-1].number() if self.sides else None


@dataclass
class Loose:
    """Numbers in maths that no equation holds (an ``array`` of column sums)."""

    numbers: list[Token]


@dataclass
class Page:
    text: str
    file: str
    chains: list[Chain]
    loose: list[Loose]
    problems: list[tuple[int, str]]  # (offset, message): malformed maths, never fatal
    newlines: list[int] = field(default_factory=list)

    def line(self, offset: int) -> int:
        """The 1-based line of an offset into the page."""
        return bisect.bisect_right(self.newlines, offset - 1) + 1 if offset > 0 else 1


# ---------------------------------------------------------------------- maths spans


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with every match blanked out (newlines kept, so offsets and lines stay)."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


class _Finder:
    """``text.find`` for scanners that only move forward: each needle's last answer is kept, so
    many unclosed openers (250 000 ``\\(``) cost one search, not one each."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: dict[str, int] = {}

    def find(self, needle: str, start: int) -> int:
        hit = self.found.get(needle)
        if hit is None or (hit != -1 and hit < start):
            hit = self.text.find(needle, start)
            self.found[needle] = hit
        return hit


_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_TEX_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_TEX_VERBATIM = re.compile(r"\\begin\{(verbatim|lstlisting|minted)\*?\}.*?(?:\\end\{\1\*?\}|\Z)", re.S)
_ENV = re.compile(r"\\begin\{(" + "|".join(TEX_ENVIRONMENTS) + r")(\*?)\}")


def masked_page(text: str, tex: bool) -> str:
    """``text`` with code, verbatim and comments blanked (offsets kept)."""
    if tex:
        return _mask(_mask(text, _TEX_VERBATIM), _TEX_COMMENT)
    return mask_inline_code(_mask(mask_fences(text), _HTML_COMMENT))


def find_maths(text: str, tex: bool) -> tuple[list[tuple[int, int, bool]], list[tuple[int, str]]]:
    """The maths of a page: (content start, content end, display?) and the unclosed ones."""
    masked = masked_page(text, tex)
    finder = _Finder(masked)
    spans: list[tuple[int, int, bool]] = []
    problems: list[tuple[int, str]] = []
    i, n = 0, len(masked)
    while i < n:
        c = masked[i]
        if c == "\\" and i + 1 < n:
            following = masked[i + 1]
            if following in "[(":
                closing = "\\]" if following == "[" else "\\)"
                end = finder.find(closing, i + 2)
                if end < 0:
                    problems.append((i, f"`\\{following}` is never closed by `{closing}`"))
                    i += 2
                    continue
                spans.append((i + 2, end, following == "["))
                i = end + 2
                continue
            m = _ENV.match(masked, i)
            if m:
                closing = f"\\end{{{m.group(1)}{m.group(2)}}}"
                end = finder.find(closing, m.end())
                if end < 0:
                    problems.append((i, f"`\\begin{{{m.group(1)}{m.group(2)}}}` is never closed"))
                    i = m.end()
                    continue
                spans.append((m.end(), end, True))
                i = end + len(closing)
                continue
            i += 2  # \$ and other escapes
            continue
        if c != "$":
            i += 1
            continue
        if masked.startswith("$$", i):
            end = finder.find("$$", i + 2)
            if end < 0:
                problems.append((i, "`$$` is never closed"))
                i += 2
                continue
            spans.append((i + 2, end, True))
            i = end + 2
            continue
        close = _inline_end(masked, i, tex)
        if close is None:
            if tex:
                problems.append((i, "`$` is never closed"))
            i += 1  # Markdown: a dollar sign, not maths (`costs $5 and $10`)
            continue
        spans.append((i + 1, close, False))
        i = close + 1
    return spans, problems


def _inline_end(text: str, start: int, tex: bool) -> int | None:
    """The closing ``$`` of inline maths opened at ``start`` (pandoc's rule in Markdown:
    no space inside either dollar, no digit right after the closing one, one paragraph)."""
    j = start + 1
    if not tex and (j >= len(text) or text[j].isspace()):
        return _spaced_end(text, start)
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "\n" and not tex:
            k = j + 1
            while k < len(text) and text[k] in " \t":
                k += 1
            if k < len(text) and text[k] == "\n":
                return None  # a blank line ends the paragraph
        if c == "$":
            if tex:
                return j
            if text[j - 1].isspace() or text[j + 1 : j + 2].isdigit():
                return None
            return j
        j += 1
    return None


_SPACED = re.compile(r"\$[ \t]+([^$\n]{1,2000}?)[ \t]*\$(?!\d)")


def _spaced_end(text: str, start: int) -> int | None:
    """``$ net_{h_1} = … $``: inline maths with spaces inside the dollars, taken as maths only
    when it holds a command, a script or an equality (``costs $ 5 and $`` is prose)."""
    m = _SPACED.match(text, start)
    if m is None or not any(c in m.group(1) for c in "\\_^="):
        return None
    return m.end() - 1


# ---------------------------------------------------------------------- chains


def _split(tokens: list[Token], kinds: tuple[str, ...]) -> list[list[Token]]:
    """``tokens`` cut at top-level tokens of these kinds (not inside braces or parentheses)."""
    return split_top_level(tokens, lambda t: t.kind in kinds)


def _sides(piece: list[Token]) -> list[list[Token]] | None:
    """The sides of a chain of equalities; None when a relation is not an equality."""
    parts: list[list[Token]] = [[]]
    depth = 0  # braces only: an unclosed `(` must not swallow the `=` after it
    for token in piece:
        if token.kind == "open" and token.text == "{":
            depth += 1
        elif token.kind == "close" and token.text == "}":
            depth = max(0, depth - 1)
        if depth == 0 and token.kind == "rel":
            if token.text != "=":
                return None
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _trim(tokens: list[Token]) -> list[Token]:
    """Without trailing punctuation and remarks: ``0.3775.``, ``0.593 \\text{ (rounded)}``."""
    while len(tokens) > 1 and (
        tokens[-1].kind == "sep"
        or (tokens[-1].kind == "word" and tokens[-1].text == ".")
        or (tokens[-1].kind == "text" and tokens[-2].kind in ("num", "close", "text"))
    ):
        tokens = tokens[:-1]
    if tokens and tokens[-1].kind == "sep":
        return []
    return tokens


def _is_arithmetic(tokens: list[Token]) -> bool:
    """Plain numbers and operators (``0.2965``): a value written without saying what it is."""
    try:
        tree = parse(tokens)
    except DocumentError:
        return False
    return bool(numbers(tree)) and not symbols(tree)


def read_chains(text: str, file: str = "", tex: bool = False) -> Page:
    """Every chain of equalities on the page, with the numbers no equation holds."""
    newlines = [m.start() for m in re.finditer("\n", text)]
    found, problems = find_maths(text, tex)
    if len(found) > MAX_FORMULAS:
        raise DocumentError(
            f"{len(found):,} formulas is more than a worked page holds (at most {MAX_FORMULAS:,})", file=file or None
        )
    spans = [(start, end, display, False) for start, end, display in found]
    chains: list[Chain] = []
    loose: list[Loose] = []
    tabled: list[Chain] = []
    named_lists: dict[tuple[int, int], tuple[int, int]] = {}  # a list in code after `Label:` → the label
    if not tex:
        masked = masked_page(text, tex)
        spans += [(s.start, s.end, False, s.fresh) for s in plain_segments(text, masked, [(a, b) for a, b, _ in found])]
        spans += [(a, b, False, False) for a, b in code_spans(text)]
        named_lists.update((code, label) for label, code in labelled_lists(text))
        spans += [(a, b, False, True) for a, b in named_lists]
        spans.sort()
        tabled = _table_chains(text, masked, problems)
        tabled += [Chain(lhs, [Side(value, tree)], display=False) for lhs, value, tree in prose_results(text, masked)]
    before: list[Unit] | None = None  # the last side of a matrix equation, for `= …` after it
    labelled = _labelled(text, found)
    for start, end, display, fresh in spans:
        try:
            tokens = tokenize(text, start, end)
            if (start, end) in labelled and not any(t.kind == "rel" for t in tokens):
                value = labelled[(start, end)]
                tokens += [Token("rel", "=", value[0], value[0]), *tokenize(text, *value)]
            elif (start, end) in named_lists:  # `Softmax: `[0.836, 0.113]``: the label is the name
                tokens = [*tokenize(text, *named_lists[(start, end)]), Token("rel", "=", start, start), *tokens]
        except DocumentError as e:
            problems.append((e.offset if e.offset is not None else start, e.message))
            continue
        carried = before if tokens and tokens[0].kind == "rel" else None
        elements = elementwise(tokens, carried)
        before = last_side(tokens) if elements is not None else None
        if elements is not None:
            for equation, element in elements:
                count = len(chains)
                _add_piece(_trim(equation), chains, loose, problems, display, True)
                for chain in chains[count:]:
                    chain.element = element
            continue
        for row in _split(tokens, ("row",)):
            row = [t for t in row if t.kind != "col"]
            pieces = _split(row, ("sep",))
            if sum(any(t.kind == "rel" for t in p) for p in pieces) < 2:
                pieces = [row]  # one equation; its commas are its own (`\max(0, x)`)
            for piece in pieces:
                _add_piece(_trim(piece), chains, loose, problems, display, fresh)
            fresh = False
    if not tex:
        tabled += _code_chains(text)
    if tabled:
        chains = sorted(chains + tabled, key=lambda c: (c.lhs or c.sides[0].tokens)[0].start)
    problems.sort()
    return Page(text, file, chains, loose, problems, newlines)


def _add_piece(
    piece: list[Token],
    chains: list[Chain],
    loose: list[Loose],
    problems: list[tuple[int, str]],
    display: bool,
    fresh: bool,
) -> None:
    """One equation's chain (or its side after ``=`` goes on with the chain before it). An arrow
    starts another equation (``… = 1 \\Rightarrow x = …``); a comparison ends it (``z = 0.5 > 0``)."""
    if not piece:
        return
    depth = 0
    for k, t in enumerate(piece):
        depth += (t.kind == "open" and t.text == "{") - (t.kind == "close" and t.text == "}")
        if depth == 0 and t.kind == "rel" and t.text != "=" and k:
            _add_piece(_trim(piece[:k]), chains, loose, problems, display, fresh)
            arrow = next((j for j in range(k, len(piece)) if piece[j].kind == "rel" and piece[j].text in ARROWS), None)
            if arrow is not None:  # `z = 0.5 > 0 \Rightarrow a = 0.5`: the comparison ends, the arrow starts
                _add_piece(_trim(piece[arrow + 1 :]), chains, loose, problems, display, True)
            return
    sides = _sides(piece)
    if sides is None:
        return  # an inequality or an arrow: not a value to check
    if len(sides) == 1:
        if _is_arithmetic(piece):
            loose.append(Loose([t for t in piece if t.kind == "num"]))
        return
    lhs, rest = sides[0], sides[1:]
    if any(len(_split(side, ("sep",))) > 1 for side in rest):
        return  # `i = 1, 2, \dots, n`: a list, not a value
    if not lhs and chains and not fresh:
        chain = chains[-1]  # `= …` goes on with the chain before it
    else:
        chain = Chain(lhs, display=display)
        chains.append(chain)
        if _is_arithmetic(lhs):  # `0.15 \times 0.05 = 0.0075`: the left side is arithmetic too
            chain.sides.append(Side(lhs, parse(lhs)))
    for side_tokens in rest:
        side = Side(_trim(side_tokens))
        if not side.tokens:
            problems.append((piece[-1].end, "nothing after `=`"))
            continue
        try:
            side.tree = parse(side.tokens)
        except DocumentError as e:
            side.problem = e.message
            problems.append((e.offset if e.offset is not None else side.start, e.message))
        chain.sides.append(side)


_LABELLED = re.compile(r"[ \t]*(?:\$|\\\))[ \t]*:[ \t]*([-−+]?\d[\d.]*(?:[ \t]*[-−+×*/=][ \t]*[-−+]?\d[\d.]*)*)")


def _labelled(text: str, found: list[tuple[int, int, bool]]) -> dict[tuple[int, int], tuple[int, int]]:
    """Inline maths followed by ``: value`` (``\\(1/(1 + e^{-2.3})\\): 0.909``): the maths is
    what the value is, as if written ``= 0.909``. Maps the maths' span to the value's."""
    out = {}
    for start, end, display in found:
        m = _LABELLED.match(text, end)
        if not display and m is not None:
            out[(start, end)] = m.span(1)
    return out


def _code_chains(text: str) -> list[Chain]:
    """A chain for each assignment of the page's code blocks (see :func:`.code_assignments`)."""
    chains: list[Chain] = []
    for (a, b), (c, d) in code_assignments(text):
        try:
            tokens = [*tokenize(text, a, b), Token("rel", "=", b, b), *tokenize(text, c, d)]
            _add_piece(tokens, chains, [], [], False, True)
        except DocumentError:
            continue  # code that is not arithmetic: no chain, and no complaint about it
    return [c for c in chains if all(side.tree is not None for side in c.sides)]


def _table_chains(text: str, masked: str, problems: list[tuple[int, str]]) -> list[Chain]:
    """A chain ``name = value`` for each value of a Markdown table (see :mod:`.plain`)."""
    chains = []
    for names, cell in tables(text, masked):
        try:
            lhs = [t for c in names for t in tokenize(text, c.start, c.end)]
            value = tokenize(text, cell.start, cell.end)
            chains.append(Chain(lhs, [Side(value, parse(value))], display=False))
        except DocumentError as e:
            problems.append((e.offset if e.offset is not None else cell.start, e.message))
    return chains


def read_page(path: str | Path) -> Page:
    """Read a Markdown or LaTeX page; :class:`DocumentError` when the file cannot be read at all."""
    from ..._util.reading import read_bytes

    path = Path(path)
    file = str(path)
    try:  # the one reader: a regular file (never a FIFO or /dev/zero), its size checked before reading
        data = read_bytes(path, MAX_PAGE_CHARS, DocumentError, missing=True)
    except (FileNotFoundError, ValueError):
        raise DocumentError("no such file", file=file) from None
    except DocumentError as e:
        if "larger than" in e.message:
            raise DocumentError(f"more than a page (at most {MAX_PAGE_CHARS:,} bytes)", file=file) from None
        raise
    if b"\x00" in data:
        raise DocumentError("a binary file, not a Markdown or LaTeX page", file=file)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise DocumentError("not UTF-8 text; save the page as UTF-8", file=file, line=line) from None
    return read_chains(text, file, tex=path.suffix.lower() in (".tex", ".latex", ".ltx"))
