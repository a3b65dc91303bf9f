"""Matrices and vectors as a page writes them, read from its text element by element (for
``audit`` without ``--spec``; the scanner's element-wise chains are :mod:`.matrices`'s).

LaTeX ``bmatrix``/``pmatrix``/``matrix`` environments (rows split at ``\\\\``, columns at ``&``)
and bracketed lists (``X = [[1.0, 2.0]]``, ``scores = [3.0, 1.0, 0.2]``). An element that is not
a plain number (``e^2``, ``(1*0.2 + 2*(-0.5))``) is ``None``; a written ``1`` is kept as written,
so a column of ones (a bias column) can be told from a measured 1.0.

>>> [m.values for m in read_matrices(r"$z = \\begin{bmatrix} 2 \\\\ -1 \\end{bmatrix}$")]
[[[2.0], [-1.0]]]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_KINDS = ("matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix")
NAME_REACH = 300  # how far before a matrix its `NAME =` may start
_LIST = re.compile(r"\[\s*\[[^\[\]]*\](?:\s*,\s*\[[^\[\]]*\])*\s*\]|\[[^\[\]]*\]")
_NUMBER = re.compile(r"^[-−–]?\s*(?:\d+(?:\.\d+)?|\.\d+)$")
_SYMBOL = r"[A-Za-z\\][\w{}\[\]\\^()]*"
_NAME_BEFORE = re.compile(rf"^\s*({_SYMBOL})\s*(?:=\s*{_SYMBOL}\s*)*=\s*$")  # `W =`, `X = I =`: nothing else
_JOINERS = re.compile(r"^(?:\s|\\cdot|\\times|\\,|\\;|\\!|\\ |\*|·|×)*$")
MAX_ELEMENTS = 10_000  # a page's matrix larger than this is not a worked example's
MAX_MATRICES = 2_000  # a worked example writes dozens; past this many, the rest are not read


@dataclass
class Matrix:
    """One matrix or vector of the page: its elements (None where not a number), where it is,
    the name written before it (``W``, ``z^{[L]}``, ``scores``), and the elements' text."""

    values: list[list[float | None]]
    texts: list[list[str]]
    start: int
    end: int
    name: str = ""

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.values), len(self.values[0]) if self.values else 0

    @property
    def numeric(self) -> bool:
        return bool(self.values) and all(v is not None for row in self.values for v in row)

    def column(self, k: int) -> list[float]:
        return [v for row in self.values if (v := row[k]) is not None]

    def flat(self) -> list[float]:
        return [float(v) for row in self.values for v in row if v is not None]


def _cell(text: str) -> float | None:
    text = re.sub(r"\\[,;! ]|\\(?:text|mathrm)\{\s*\}|[{}]", "", text).strip()
    text = text.replace("−", "-").replace("–", "-")
    return float(text.replace(" ", "")) if _NUMBER.match(text) else None


def _rectangular(rows: list[list[str]]) -> bool:
    return bool(rows) and all(len(r) == len(rows[0]) for r in rows) and len(rows) * len(rows[0]) <= MAX_ELEMENTS


def _name_before(text: str, start: int) -> str:
    reach = max(0, start - NAME_REACH)
    line_start = max(
        text.rfind("\n", reach, start), text.rfind("$", reach, start), text.rfind("`", reach, start), reach - 1
    )
    before = re.sub(r"\\[\[\(]", " ", text[line_start + 1 : start])
    m = _NAME_BEFORE.match(before)
    return m.group(1) if m and not m.group(1).startswith("\\end") else ""


def _environments(text: str) -> list[tuple[int, str, int]]:
    """(start, body, end) of each ``\\begin{bmatrix} … \\end{bmatrix}`` (any matrix kind), found
    with plain searches: an opening never closed ends the search for its kind, so no page makes
    this quadratic."""
    found = []
    for kind in _KINDS:
        opening, closing = f"\\begin{{{kind}}}", f"\\end{{{kind}}}"
        at = text.find(opening)
        while at >= 0:
            stop = text.find(closing, at + len(opening))
            if stop < 0:
                break
            found.append((at, text[at + len(opening) : stop], stop + len(closing)))
            at = text.find(opening, stop)
    return sorted(found)


def read_matrices(text: str) -> list[Matrix]:
    """Every LaTeX matrix and bracketed list of ``text`` in order, each read element by element."""
    found: list[Matrix] = []
    for start, body, end in _environments(text)[:MAX_MATRICES]:
        rows = [[c.strip() for c in row.split("&")] for row in re.split(r"\\\\", body) if row.strip()]
        if _rectangular(rows):
            values = [[_cell(c) for c in row] for row in rows]
            found.append(Matrix(values, rows, start, end, _name_before(text, start)))
    for count, m in enumerate(_LIST.finditer(text)):
        if count >= MAX_MATRICES:
            break
        body = m.group(0)
        inner = re.findall(r"\[([^\[\]]*)\]", body)
        rows = [[c.strip() for c in row.split(",")] for row in inner if row.strip()]
        if not _rectangular(rows) or not any(c for r in rows for c in r):
            continue
        values = [[_cell(c) for c in row] for row in rows]
        if all(v is not None for row in values for v in row):
            found.append(Matrix(values, rows, m.start(), m.end(), _name_before(text, m.start())))
    found.sort(key=lambda x: x.start)
    kept: list[Matrix] = []
    for matrix in found:  # a list inside a matrix already read (`[0.2, 1]` in a cell) is not another
        if not kept or matrix.start >= kept[-1].end:
            kept.append(matrix)
    return kept


@dataclass
class Product:
    """A layer written as a product of two matrices: ``[X] · [W]`` (a row per sample, then one row
    per input) or ``[W] [x]`` (one row per unit, then one column per sample), maybe ``+ [b]``."""

    inputs: Matrix
    weights: Matrix
    weights_first: bool = False
    bias: Matrix | None = None

    def samples(self) -> list[list[float]]:
        """Each sample's inputs."""
        values = [[float(v) for v in row] for row in self.inputs.values]  # type: ignore[arg-type]
        return [list(column) for column in zip(*values, strict=True)] if self.weights_first else values

    def sample_texts(self) -> list[list[str]]:
        """Each sample's inputs as written."""
        texts = self.inputs.texts
        return [list(column) for column in zip(*texts, strict=True)] if self.weights_first else texts

    def weight_rows(self) -> list[list[float]]:
        """The weights with one row per input (a bias row last, if any) and one column per unit."""
        values = [[float(v) for v in row] for row in self.weights.values]  # type: ignore[arg-type]
        return [list(column) for column in zip(*values, strict=True)] if self.weights_first else values


_WEIGHT_NAME = re.compile(r"^\\?(?:mathbf\{|boldsymbol\{)?[WΘθ]")
_INPUT_NAME = re.compile(r"^\\?(?:mathbf\{|boldsymbol\{)?[xXaAhHiI]")


def name_of(m: Matrix, matrices: list[Matrix]) -> str:
    """The matrix's own name, or that of an equal one the page gave earlier (``W = [...]``, then ``[...][x]``)."""
    return m.name or next((o.name for o in matrices if o.name and o.values == m.values and o.start < m.start), "")


def first_product(text: str, matrices: list[Matrix]) -> Product | None:
    """The first two numeric matrices written side by side (``[X] \\cdot [W]``, ``[I][W]``, ``[W][x]``)
    whose shapes multiply: the page's layer in matrix form. The weights come first when the first
    is named like weights (``W``, ``θ``) or the second like inputs (``x``, ``a``, ``h``) and the
    second is a column."""
    for k, (a, b) in enumerate(zip(matrices, matrices[1:], strict=False)):
        if not (a.numeric and b.numeric) or a.shape[1] != b.shape[0]:
            continue
        if not _JOINERS.match(text[a.end : b.start]):
            continue
        first, second = name_of(a, matrices), name_of(b, matrices)
        weights_first = b.shape[1] == 1 and bool(_WEIGHT_NAME.match(first) or _INPUT_NAME.match(second))
        product = Product(b, a, True) if weights_first else Product(a, b)
        units = a.shape[0] if weights_first else b.shape[1]
        after = matrices[k + 2] if k + 2 < len(matrices) else None
        if (
            after is not None
            and after.numeric
            and re.fullmatch(r"\s*\+\s*", text[b.end : after.start])
            and len(after.flat()) == units
            and 1 in after.shape
        ):
            product.bias = after
        return product
    return None


def bias_column(product: Product, text: str) -> bool:
    """The inputs' last column is written ``1`` in every row, and the page says it is the bias
    (or works several samples): an augmented input whose weights' last row is the biases."""
    samples = product.sample_texts()
    if len(samples[0]) < 2 or any(row[-1].strip() != "1" for row in samples):
        return False
    return len(samples) > 1 or bool(re.search(r"bias", text, re.I))
