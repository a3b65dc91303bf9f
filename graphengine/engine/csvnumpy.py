"""The core install's fast CSV reader: numpy's C loader for clean numeric tables.

``numpy.loadtxt`` (C since numpy 1.23) parses the number columns straight into one float64
array, with the same correctly rounded parser as ``float()``, so the numbers are those the
exact reader (Python's csv module) gives, bit for bit. Before it, one vectorised pass over
the bytes checks what loadtxt does not — every non-blank row has exactly the header's
number of cells, and no cell is quoted — and picks out the label column's text, so the
label never costs a second parse. Peak memory is the arrays returned plus a 16 MB block
(plus one copy of the inputs when numeric targets sit beside them).

It returns ``None`` whenever the file is not such a table (a quote, an empty, non-finite or
unparsable cell, a whitespace-only line): the caller then tries pandas if installed, and the
exact reader names the first bad cell. A row with the wrong number of cells is named at once
(``DataError``), so that a row a million cells wide never reaches a slower reader.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..errors import DataError

_BLOCK_BYTES = 1 << 24
_NEWLINE, _COMMA = ord("\n"), ord(",")


class _NotClean(Exception):
    """The file is not a clean table for this reader (the caller reads it another way)."""


def _scan(path: Path, n_columns: int, label_column: int | None) -> tuple[int, list[str] | None]:
    """Data rows (non-blank lines after the header) and the label column's stripped text,
    checking every row has ``n_columns`` cells and no cell is quoted.

    A row with another number of cells, in a file without quotes or bare carriage returns so
    far, is the file's first such row for every reader: :class:`DataError` names its line at
    once (a row of a million cells is never handed to a slower reader)."""
    rows = 0
    line = 2  # the first data line (the header is one line: it has no quoted newline)
    labels: list[str] | None = [] if label_column is not None else None
    with open(path, "rb") as f:
        head = f.readline()
        if not head.endswith(b"\n") or head.count(b'"') % 2:
            raise _NotClean
        rest = b""
        while True:
            chunk = f.read(_BLOCK_BYTES)
            block = rest + chunk
            if not chunk:
                if block and not block.endswith(b"\n"):
                    block += b"\n"  # a last line without a newline
            else:
                cut = block.rfind(b"\n") + 1
                block, rest = block[:cut], block[cut:]
            if not block:
                if not chunk:
                    break
                continue
            if b'"' in block:
                raise _NotClean
            rows += _scan_block(block, n_columns, label_column, labels, line, path)
            line += block.count(b"\n")
            if not chunk:
                break
    return rows, labels


def _scan_block(
    block: bytes, n_columns: int, label_column: int | None, labels: list[str] | None, line: int, path: Path
) -> int:
    buffer = np.frombuffer(block, np.uint8)
    ends = np.flatnonzero(buffer == _NEWLINE)
    starts = np.empty_like(ends)
    starts[0], starts[1:] = 0, ends[:-1] + 1
    commas = np.flatnonzero(buffer == _COMMA)
    first = np.searchsorted(commas, starts)
    counts = np.searchsorted(commas, ends) - first
    content = ends - starts - (buffer[np.maximum(ends - 1, 0)] == ord("\r"))
    blank = content <= 0
    ragged = ~blank & (counts != n_columns - 1)
    if ragged.any():
        if block.count(b"\r") != block.count(b"\r\n"):  # a bare CR ends a row for the csv module
            raise _NotClean
        k = int(np.argmax(ragged))
        if not block[starts[k] : ends[k]].replace(b",", b"").strip():
            raise _NotClean  # only commas and spaces: a blank row to the exact reader, which skips it
        cells = int(counts[k]) + 1
        raise DataError(f"{cells} cell(s) but the header names {n_columns} column(s)", file=str(path), line=line + k)
    if labels is not None:
        assert label_column is not None
        keep = ~blank
        first, starts, ends = first[keep], starts[keep], ends[keep]
        cell_start = starts if label_column == 0 else commas[first + label_column - 1] + 1
        cell_end = ends if label_column == n_columns - 1 else commas[first + label_column]
        try:
            labels.extend(block[s:e].decode("utf-8").strip() for s, e in zip(cell_start.tolist(), cell_end.tolist()))
        except UnicodeDecodeError:
            raise _NotClean from None
    return int(np.count_nonzero(~blank))


def read_csv_numpy(
    path: Path, n_columns: int, groups: list[list[int]], label_column: int | None
) -> tuple[list[np.ndarray], np.ndarray | None] | None:
    """The columns of ``groups`` as one float64 array ``(rows, len(group))`` each and the label
    column as an array of stripped strings, or ``None`` when the file is not a clean numeric
    table (see the module docstring)."""
    try:
        rows, labels = _scan(path, n_columns, label_column)
    except (_NotClean, OSError):
        return None
    if rows == 0 or (labels is not None and any(label == "" for label in labels)):
        return None
    columns = [c for group in groups for c in group]
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            table = np.loadtxt(
                path,
                dtype=np.float64,
                delimiter=",",
                comments=None,
                skiprows=1,
                usecols=columns,
                ndmin=2,
                encoding="utf-8-sig",
            )
            # NaN and ±inf survive a sum (no mask array); only a sum that overflows needs the mask.
            finite = math.isfinite(np.add.reduce(table, axis=None)) or bool(np.isfinite(table).all())
    except (ValueError, UnicodeError, OSError):
        return None
    if len(table) != rows or not finite:
        return None
    if len(groups) == 1:
        outputs = [table]
    else:
        bounds = np.cumsum([0] + [len(g) for g in groups])
        outputs = [np.ascontiguousarray(table[:, a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    return outputs, (np.array(labels, dtype=object) if labels is not None else None)
