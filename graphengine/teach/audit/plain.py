"""Maths written outside ``$``: plain-text lines and Markdown tables of values.

The most common form on the web is maths as plain text::

    net_h1 = (0.15 × 0.05) + (0.20 × 0.10) + 0.35 = 0.3775
    = 1 / (1 + e^(−0.3775))
    Inputs: x₁ = 0.05 | x₂ = 0.10
    = 0.0075 + 0.020 + b₁ = 0.3825 (including bias)

A line is maths when it has an equality and a digit; its prose around the maths (a label
ending in ``:``, a remark after the value, words before the symbol) is cut off, ``|``
separates equations. A line that starts with ``=`` goes on with the chain before it only
when no prose stands between them (a heading starts a new, nameless chain).

A table of values is read cell by cell: the first column names the row's symbol, a
``Value`` column gives it (``| w₁ | 0.15 |``), a column headed by a quantity word gives that
quantity of the row (``| H₁ | 0.3825 | 0.5944 |`` under ``Net Input (z)``,
``Activation σ(z)``).

Everything here is a single pass over each line with non-backtracking patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EQUALITY = re.compile(r"=|≈|:=")
_DIGIT = re.compile(r"\d")
_SUBSCRIPT = re.compile(r"[A-Za-z][₀-₉]|[A-Za-z]_\w")
_LEADER = re.compile(r"[ \t]*(?:>[ \t]*)*(?:#{1,6}[ \t]+|[-*+][ \t]+|\d{1,3}[.)][ \t]+)?")
_PROSE_WORD = re.compile(r"[^\W\d_]{3,}")
_NUMBER = re.compile(r"[-−–]?(?:\d+(?:\.\d+)?|\.\d+)")
_PHRASE = re.compile(r"(?i)learning[ \t]+rate")  # a name written in words
FUNCTION_WORDS = {"exp", "tanh", "max", "min", "log", "sigma", "sqrt", "sinh", "cosh", "relu", "softmax"}
QUANTITY_WORDS = {"net", "out", "sum", "total", "error", "loss", "new", "output", "input", "target", "delta"}
QUANTITY_WORDS |= {"cost", "pred", "old", "updated", "eta", "alpha", "grad"}
VALUE_HEADERS = {"value", "values", "valeur", "valor", "wert", "valore", "waarde", "মান", "值", "значение"}


@dataclass(frozen=True)
class Segment:
    start: int  # offsets into the page
    end: int
    fresh: bool  # prose stands between this and the maths before it: `= …` starts a new chain


def _is_prose(word: str, text: str, start: int, end: int) -> bool:
    """A word of prose, not a name of maths (``net``, ``exp``, ``out_h1``, ``\\frac``)."""
    if word.lower() in FUNCTION_WORDS or word.lower() in QUANTITY_WORDS:
        return False
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return before not in "\\_^{" and after not in "_^{(₀₁₂₃₄₅₆₇₈₉"


def plain_segments(text: str, masked: str, covered: list[tuple[int, int]]) -> list[Segment]:
    """The plain-text maths of a Markdown page (``masked``: code, comments blanked; ``covered``:
    the spans already read as ``$``/``\\[`` maths)."""
    segments: list[Segment] = []
    covered = sorted(covered)
    k = 0
    at = 0
    maths_before = False  # the last non-blank line was maths
    for line in masked.split("\n"):
        start, end = at, at + len(line)
        at = end + 1
        while k < len(covered) and covered[k][1] < start:
            k += 1
        if not line.strip():
            continue
        inside = k < len(covered) and covered[k][0] <= end and covered[k][1] >= start
        if inside or line.lstrip().startswith("|") or not _EQUALITY.search(line) or not _DIGIT.search(line):
            maths_before = inside
            continue
        lead = _LEADER.match(line)
        offset = start + (lead.end() if lead else 0)
        pieces = _split_pipes(text, offset, end)
        found = False
        for a, b in pieces:
            cut = _trim_prose(text, a, b)
            if cut is not None:
                # `learning rate = 0.1` cut to `= 0.1` is a new chain, never the one before it
                named_by_prose = text[cut[0] : cut[1]].lstrip().startswith(("=", "≈")) and cut[0] > a
                segments.append(Segment(cut[0], cut[1], named_by_prose or (not maths_before and not found)))
                found = True
        maths_before = found
    return segments


def _split_pipes(text: str, start: int, end: int) -> list[tuple[int, int]]:
    parts, a = [], start
    for m in re.finditer(r"\|", text[start:end]):
        parts.append((a, start + m.start()))
        a = start + m.end()
    parts.append((a, end))
    return parts


def _trim_prose(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The maths of one piece of a line: from the symbol before the first ``=`` to the last
    maths before any prose after it; None when it holds no equality with a digit."""
    piece = text[start:end]
    first = _EQUALITY.search(piece)
    if first is None or not _DIGIT.search(piece):
        return None
    colon = piece.rfind(":", 0, first.start())
    lhs_start = colon + 1 if colon >= 0 and piece[colon + 1 : colon + 2] != "=" else 0
    for m in _PROSE_WORD.finditer(piece, lhs_start, first.start()):
        if _is_prose(m.group(), piece, m.start(), m.end()):
            lhs_start = m.end()  # `Learning rate η = 0.5`: the symbol is η
    phrase = _PHRASE.search(piece, 0, first.start())
    if phrase is not None and not piece[phrase.end() : first.start()].strip():
        lhs_start = phrase.start()  # `learning rate = 0.1`: the words are the name
    stop = len(piece)
    for m in _PROSE_WORD.finditer(piece, first.end()):
        if _is_prose(m.group(), piece, m.start(), m.end()):
            stop = m.start()
            break
    body = piece[lhs_start:stop].rstrip(" \t(,;.:")
    if not _DIGIT.search(
        body[first.start() - lhs_start :] if first.start() >= lhs_start else body
    ) and not _SUBSCRIPT.search(body):
        return None
    return start + lhs_start, start + lhs_start + len(body)


@dataclass(frozen=True)
class Cell:
    start: int
    end: int

    def text(self, page: str) -> str:
        return page[self.start : self.end]


def tables(text: str, masked: str) -> list[tuple[list[Cell], Cell]]:
    """``(name cells, value cell)`` for each number of a Markdown table of values."""
    found: list[tuple[list[Cell], Cell]] = []
    header: list[Cell] | None = None
    at = 0
    for line in masked.split("\n"):
        start = at
        at += len(line) + 1
        stripped = line.strip()
        if not stripped.startswith("|"):
            header = None
            continue
        cells = _cells(text, start, start + len(line))
        if header is None:
            header = cells
            continue
        if all(set(c.text(text).strip()) <= set("-: ") for c in cells):
            continue  # the |---|---| rule
        if not cells:
            continue
        name = _unquoted(cells[0], text)
        if _NUMBER.fullmatch(name.text(text).strip()):
            # a row of numbers under a header of names (`| z1 | h1 |` over `| -0.70 | 0.33 |`)
            found += [([head], c) for head, c in zip(header, cells) if _NUMBER.fullmatch(c.text(text).strip())]
            continue
        for column, cell in enumerate(cells[1:], 1):
            value = cell.text(text).strip()
            if not _NUMBER.fullmatch(value) or column >= len(header):
                continue
            head = header[column].text(text).strip().lower()
            words = set(re.findall(r"[^\W\d_]+", head))
            if head in VALUE_HEADERS:
                found.append(([name], cell))
            elif words & {"net", "z", "out", "output", "activation", "σ", "a", "target", "gradient", "grad"}:
                found.append(([header[column], name], cell))
    return found


def _unquoted(cell: Cell, text: str) -> Cell:
    """A cell without the backticks of a code span around it (`` `w2` ``)."""
    inside = cell.text(text)
    if len(inside) > 2 and inside.startswith("`") and inside.endswith("`") and "`" not in inside[1:-1]:
        return Cell(cell.start + 1, cell.end - 1)
    return cell


def _cells(text: str, start: int, end: int) -> list[Cell]:
    row = text[start:end]
    first = row.find("|")
    last = row.rstrip().rfind("|")
    cells, a = [], first + 1
    for m in re.finditer(r"\|", row[first + 1 : last + 1]):
        b = first + 1 + m.start()
        lo, hi = a, b
        while lo < hi and row[lo] in " \t":
            lo += 1
        while hi > lo and row[hi - 1] in " \t":
            hi -= 1
        cells.append(Cell(start + lo, start + hi))
        a = b + 1
    return cells
