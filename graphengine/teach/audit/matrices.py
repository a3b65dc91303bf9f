"""Matrices and vectors read element by element.

A worked example in matrix form writes one equation for many values::

    \\text{softmax} = \\left[\\frac{0.149}{1.517}, \\frac{1.0}{1.517}\\right] ≈ [0.098, 0.659]
    \\begin{bmatrix} 1.0 * 0.098 \\\\ 2.0 * 0.098 \\end{bmatrix} = \\begin{bmatrix} 0.098 \\\\ 0.196 \\end{bmatrix}

Each element is its own chain: ``\\frac{0.149}{1.517} ≈ 0.098``, ``1.0 * 0.098 = 0.098``. The
shape is the last side's; a side whose matrices have another shape (the product ``X · W``
of a 1×2 and a 2×3) is left out of the elements' chains, a number or symbol beside a matrix
of the right shape is used for every element (``[-0.8, 1.1] - 1.1``). A row and a column
of the same length are the same vector. Matrices are ``matrix``/``pmatrix``/``bmatrix``/…
environments, ``array``, and bracketed lists ``[a, b, c]`` / ``[[a, b], [c, d]]``.

>>> from graphengine.teach.latex_tokens import tokenize
>>> text = "[0.1, 0.2] - 0.1 = [0, 0.1]"
>>> [(" ".join(t.text for t in eq), at) for eq, at in elementwise(tokenize(text, 0, len(text)))]
[('0.1 - 0.1 = 0', (0, 0, 1, 2)), ('0.2 - 0.1 = 0.1', (0, 1, 1, 2))]
"""

from __future__ import annotations

from dataclasses import dataclass

from ..latex_tokens import Token, split_top_level

ENVIRONMENTS = {"matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "array"}
MAX_ELEMENTS = 400  # a worked example's matrices are small; more is not one to expand


@dataclass
class Grid:
    """A matrix as written: its elements' tokens, row by row."""

    rows: list[list[list[Token]]]

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), max(len(r) for r in self.rows)

    @property
    def size(self) -> int:
        return sum(len(r) for r in self.rows)

    def elements(self) -> list[list[Token]]:
        return [cell for row in self.rows for cell in row]

    def fits(self, shape: tuple[int, int]) -> bool:
        """Same shape, or the same vector as a row or a column (or one number: used for all)."""
        if self.size == 1 or self.shape == shape:
            return True
        return 1 in self.shape and 1 in shape and self.size == shape[0] * shape[1]


Unit = Token | Grid


def _env(token: Token) -> tuple[str, str] | None:
    """(``begin``/``end``, environment) of a matrix environment's token."""
    if token.kind != "row" or "{" not in token.text:
        return None
    head, _, rest = token.text.partition("{")
    env = rest.rstrip("}").rstrip("*")
    return (head, env) if head in ("begin", "end") and env in ENVIRONMENTS else None


def _cells(tokens: list[Token], rows: str, columns: str) -> list[list[list[Token]]]:
    """``tokens`` cut into rows at top-level tokens of kind ``rows`` and cells at ``columns``."""
    lines = split_top_level(tokens, lambda t: t.kind == rows and t.text in ("\\", "row"))
    grid = [split_top_level(line, lambda t: t.kind == columns) for line in lines]
    return [row for row in grid if any(row)]


def _bracket_list(tokens: list[Token]) -> Grid | None:
    """``[a, b, c]`` (one row) or ``[[a, b], [c, d]]`` (rows): the inside of one bracket pair."""
    parts = _top_level(tokens, "sep")
    if all(_is_bracketed(p) for p in parts) and parts:
        rows = []
        for p in parts:
            inner = _top_level(p[1:-1], "sep")
            if any(not cell for cell in inner):
                return None
            rows.append(inner)
        return Grid(rows)
    if len(parts) < 2 or any(not p for p in parts):
        return None
    return Grid([parts])


def _is_bracketed(tokens: list[Token]) -> bool:
    return (
        len(tokens) >= 2 and tokens[0].text == "[" and tokens[-1].text == "]" and _match(tokens, 0) == len(tokens) - 1
    )


def _top_level(tokens: list[Token], kind: str) -> list[list[Token]]:
    return split_top_level(tokens, lambda t: t.kind == kind)


def _match(tokens: list[Token], i: int) -> int:
    """The index of the token closing the group opened at ``i`` (-1 if none)."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].kind == "open":
            depth += 1
        elif tokens[j].kind == "close":
            depth -= 1
            if depth == 0:
                return j
    return -1


def _units(tokens: list[Token]) -> list[Unit] | None:
    """``tokens`` with each top-level matrix as one :class:`Grid`; None when there is none."""
    units: list[Unit] = []
    found = False
    i, depth = 0, 0
    while i < len(tokens):
        t = tokens[i]
        env = _env(t)
        if env and env[0] == "begin" and depth == 0:
            level, j = 0, i
            while j < len(tokens):
                other = _env(tokens[j])
                if other:
                    level += 1 if other[0] == "begin" else -1
                    if level == 0:
                        break
                j += 1
            if j >= len(tokens):
                return None
            inner = tokens[i + 1 : j]
            if any(_env(x) for x in inner):
                return None  # a matrix of matrices: not one to read element by element
            rows = _cells(inner, "row", "col")
            if rows:
                units.append(Grid(rows))
                found = True
            i = j + 1
            continue
        if t.kind == "open" and t.text == "[" and depth == 0:
            j = _match(tokens, i)
            grid = _bracket_list(tokens[i + 1 : j]) if j > i else None
            if grid is not None:
                units.append(grid)
                found = True
                i = j + 1
                continue
        if t.kind == "open":
            depth += 1
        elif t.kind == "close":
            depth = max(0, depth - 1)
        units.append(t)
        i += 1
    return units if found else None


def _sides(units: list[Unit]) -> tuple[list[list[Unit]], list[Token]]:
    """``units`` cut at top-level equalities, with the equality tokens."""
    sides: list[list[Unit]] = [[]]
    rels: list[Token] = []
    depth = 0
    for u in units:
        if isinstance(u, Token):
            if u.kind == "open":
                depth += 1
            elif u.kind == "close":
                depth = max(0, depth - 1)
            if depth == 0 and u.kind == "rel" and u.text == "=":
                sides.append([])
                rels.append(u)
                continue
        sides[-1].append(u)
    return sides, rels


def grid_sides(tokens: list[Token]) -> list[list[Unit]] | None:
    """The sides of an equation that holds a matrix (as units), or None."""
    units = _units(tokens)
    if units is None or any(isinstance(u, Token) and u.kind == "row" for u in units):
        return None  # rows of an `aligned` around matrices: read as they are
    return _sides(units)[0]


Element = tuple[int, int, int, int]  # (row, column, rows, columns) of an element in its matrix


def elementwise(tokens: list[Token], before: list[Unit] | None = None) -> list[tuple[list[Token], Element]] | None:
    """One equation (its tokens) per element of the matrices in ``tokens``, with where the
    element is; None when they hold no matrix. ``before`` is the last side of the equation
    before, for one that starts with ``=`` and goes on with it."""
    sides = grid_sides(tokens)
    if sides is None:
        return None
    rel = next((t for t in tokens if t.kind == "rel"), None)
    if rel is None:
        return None
    if before is not None and not sides[0]:
        sides = [before, *sides[1:]]
    last = next((s for s in reversed(sides) if any(isinstance(u, Grid) for u in s)), None)
    if last is None:
        return None
    grids = [u for u in last if isinstance(u, Grid)]
    shape = max((g.shape for g in grids), key=lambda s: s[0] * s[1])
    count = shape[0] * shape[1]
    if count > MAX_ELEMENTS:
        return None
    kept: list[list[Unit]] = []
    for side in sides:
        side_grids = [u for u in side if isinstance(u, Grid)]
        if any(not g.fits(shape) for g in side_grids):
            product = _product(side, shape)
            if product is not None:
                kept.append([product])
            continue  # a product of other shapes: not one element's arithmetic
        if any(g.size not in (1, count) for g in side_grids):
            continue
        kept.append(side)
    if len(kept) < 2:
        return []
    equations: list[tuple[list[Token], Element]] = []
    for index in range(count):
        equation: list[Token] = []
        for k, side in enumerate(kept):
            if k:
                equation.append(Token("rel", "=", rel.start, rel.start))
            for u in side:
                if isinstance(u, Grid):
                    cells = u.elements()
                    equation += cells[index] if len(cells) > 1 else cells[0]
                else:
                    equation.append(u)
        equations.append((equation, (index // shape[1], index % shape[1], *shape)))
    return equations


def _product(side: list[Unit], shape: tuple[int, int]) -> Grid | None:
    """``A · B`` of two matrices whose product has ``shape``: each element written out as
    ``(a_{i1})*(b_{1j}) + (a_{i2})*(b_{2j}) + …``; None for anything else."""
    grids = [u for u in side if isinstance(u, Grid)]
    between = [u for u in side if not isinstance(u, Grid)]
    if len(grids) != 2 or side[0] is not grids[0] or side[-1] is not grids[1]:
        return None
    a, b = grids
    if between and not (len(between) == 1 and between[0].kind == "op" and between[0].text == "*"):
        return None  # `A · B`, or the two written side by side
    last = a.rows[-1][-1]
    at = between[0].start if between else (last[-1].end if last else 0)
    (m, k), (k2, n) = a.shape, b.shape
    if k != k2 or a.size != m * k or b.size != k * n or m * n > MAX_ELEMENTS or not Grid([[[]] * n] * m).fits(shape):
        return None

    def grouped(cell: list[Token]) -> list[Token]:
        return [Token("open", "(", at, at), *cell, Token("close", ")", at, at)]

    rows = []
    for i in range(m):
        row = []
        for j in range(n):
            cell: list[Token] = []
            for x in range(k):
                if x:
                    cell.append(Token("op", "+", at, at))
                cell += [*grouped(a.rows[i][x]), Token("op", "*", at, at), *grouped(b.rows[x][j])]
            row.append(cell)
        rows.append(row)
    return Grid(rows)


def last_side(tokens: list[Token]) -> list[Unit] | None:
    """The last side of an equation that holds a matrix, to go on with (see :func:`elementwise`)."""
    sides = grid_sides(tokens)
    if not sides or not any(isinstance(u, Grid) for u in sides[-1]):
        return None
    return sides[-1]
