"""Fast readers for training data files: CSV (pandas), Parquet (pyarrow), ``.npy`` and ``.npz``.

:mod:`graphengine.engine.data` decides which columns are inputs and targets and says what is
wrong where; this module only turns a file into float64 arrays, fast and without Python
objects per cell. The CSV reader parses the file in chunks of rows into arrays allocated
once (the row count comes from counting newlines), so the peak memory is the arrays it
returns plus a chunk or two. It returns ``None`` whenever it cannot read a file cleanly
(pandas missing, a bad or empty cell, a short or long row): the caller then reads the file again with
Python's csv module, which finds the first bad cell and names its line and column —
the good path is never slowed by the error search.
"""

from __future__ import annotations

import csv
import io
import math
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError

#: Suffixes ``data: {file: ...}`` reads (``.csv`` too).
FILE_SUFFIXES = (".csv", ".parquet", ".pq", ".npy", ".npz")
# Cells per pandas chunk (~32 MB of float64): its frames are the only temporaries of the CSV
# reader. Per chunk pandas builds a Series per column, so fewer, bigger chunks are faster:
# 2 000 rows of 785 columns took 1.5x pandas.read_csv's time, 5 000 rows 1.1x.
_CHUNK_CELLS = 1 << 22

PYARROW_HINT = "pip install 'graphengine[parquet]'"

# A data table may hold columns the spec does not read (ids, notes, a label), but not without
# bound: at most this many times the columns the spec reads, plus this many. Above that the
# file is refused from its first line, before any reader sizes arrays or frames by it (a
# 1,000,000-column file took pandas minutes and gigabytes).
WIDER_FACTOR, WIDER_EXTRA = 10, 1_000
# Bytes a header may spend per column name it is allowed (names are rarely past 30).
HEADER_BYTES_PER_COLUMN = 128


def max_columns(reads: int) -> int:
    """The most columns a data table may have when the spec reads ``reads`` of them.

    >>> max_columns(3), max_columns(785)
    (1030, 8850)
    """
    return WIDER_FACTOR * reads + WIDER_EXTRA


def read_csv_header(path: Path, reads: int, what: str) -> list[str]:
    """The CSV file's first row (its column names, stripped), read with a byte cap and refused
    when it has more columns than :func:`max_columns` allows for ``reads`` columns (``what``
    says which, for the message). Raises :class:`DataError` at line 1; ``UnicodeDecodeError``
    and ``OSError`` pass to the caller."""
    limit = max_columns(reads)
    cap = limit * HEADER_BYTES_PER_COLUMN
    too_wide = f"but the spec reads {what}: a table may have at most {limit:,} columns (is it the file meant?)"
    lines: list[bytes] = []
    size = 0
    with open(path, "rb") as f:
        while True:  # a quoted name may hold a newline: the row ends where its quotes balance
            line = f.readline(cap + 1 - size)
            lines.append(line)
            size += len(line)
            if size > cap:
                raise DataError(f"the first line is longer than {cap:,} bytes, {too_wide}", file=str(path), line=1)
            if not line.endswith(b"\n") or b"".join(lines).count(b'"') % 2 == 0:
                break
    text = b"".join(lines).decode("utf-8-sig")
    first = next(csv.reader(io.StringIO(text, newline="")), [])
    if len(first) > limit:
        raise DataError(f"the header has {len(first):,} cells, {too_wide}", file=str(path), line=1)
    return [h.strip() for h in first]


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        return None
    return pandas


def count_lines(path: Path) -> int:
    """Lines of the file (a last line without a newline counts): the header plus at most
    this many minus one data rows."""
    count, last = 0, b"\n"
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def read_csv_fast(
    path: Path, n_columns: int, groups: list[list[int]], label_column: int | None
) -> tuple[list[np.ndarray], np.ndarray | None] | None:
    """The columns of ``groups`` as one float64 array ``(rows, len(group))`` each, and the
    label column as an array of stripped strings — or ``None`` when pandas is missing or
    the file is not a clean table of numbers (the caller's exact reader then explains).

    pandas' C parser reads the file in chunks of rows straight into arrays allocated once:
    as fast as one ``pandas.read_csv`` (whose float parser is correctly rounded, like
    ``float()``), at about half its peak memory (see benchmarks/bench_csv.py).
    """
    pd = _pandas()
    if pd is None:
        return None
    names = [f"c{i}" for i in range(n_columns)]  # the header is read (and checked) by the caller
    numeric = sorted({c for g in groups for c in g})
    types: dict[str, Any] = {names[c]: np.float64 for c in numeric}
    if label_column is not None:
        types[names[label_column]] = str
    # Every column is parsed (with `usecols` pandas ignores a row's extra cells): pandas fails
    # on a long row (warns, for the first one), and fills a short row's missing cells with ""
    # (or fails on a number column), so a row that does not reach the last column is caught.
    for other in names:
        types.setdefault(other, str)
    last = names[-1]
    capacity = max(count_lines(path) - 1, 0)  # exact for a file without blank lines: no copy at the end
    outputs = [np.empty((capacity, len(g))) for g in groups]
    labels = np.empty(capacity, dtype=object) if label_column is not None else None
    picks = [[names[c] for c in g] for g in groups]
    rows = 0
    try:
        chunks = pd.read_csv(
            path,
            engine="c",
            header=0,
            names=names,
            index_col=False,
            dtype=types,
            na_filter=False,  # an empty cell is an error here, not NaN
            skip_blank_lines=True,
            encoding="utf-8-sig",
            chunksize=max(1000, _CHUNK_CELLS // n_columns),
        )
        with chunks, warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
            warnings.simplefilter("error", pd.errors.ParserWarning)
            for frame in chunks:
                n = len(frame)
                if rows + n > capacity:  # pragma: no cover - more rows than newlines: not a plain file
                    return None
                if types[last] is str and (frame[last] == "").any():
                    return None
                for out, pick in zip(outputs, picks):
                    # column by column into the rows of `out`: no intermediate (rows, columns) frame
                    block = out[rows : rows + n]
                    np.stack([frame[name].to_numpy(np.float64) for name in pick], axis=1, out=block)
                    # NaN and ±inf survive a sum (while the chunk is in cache; no mask array); a sum
                    # that overflows only sends the file to the exact reader, which accepts it.
                    if not math.isfinite(np.add.reduce(block, axis=None)):
                        return None
                if labels is not None and label_column is not None:
                    labels[rows : rows + n] = frame[names[label_column]].str.strip().to_numpy(object)
                rows += n
    except (ValueError, TypeError, OSError, UnicodeError, pd.errors.ParserError, pd.errors.ParserWarning):
        return None
    if rows == 0:
        return None  # the exact reader says so
    if labels is not None and any(label == "" for label in labels[:rows]):
        return None
    if rows < capacity:  # blank lines or no final newline: keep exactly the rows read
        outputs = [out[:rows].copy() for out in outputs]
        labels = labels[:rows] if labels is not None else None
    return outputs, labels


# --------------------------------------------------------------------------- tables from files


def _check_width(path: Path, columns: int, reads: int | None, what: str) -> None:
    """Refuse a table wider than :func:`max_columns` allows, from its header, before reading it."""
    if reads is not None and columns > max_columns(reads):
        raise DataError(
            f"the table has {columns:,} columns, but the spec reads {what}: "
            f"a table may have at most {max_columns(reads):,} columns (is it the file meant?)",
            file=str(path),
        )


def read_table(path: Path, reads: int | None = None, what: str = "") -> tuple[list[str], Any]:
    """A Parquet or ``.npy`` file as (column names, a function column index → float64 values | labels).

    ``.npy`` holds one 2-D array of numbers; its columns are named ``0``, ``1``, ….
    With ``reads`` (the columns the spec reads, ``what`` in words) a wider table is refused
    from its header (:func:`max_columns`), before its data is read.
    """
    suffix = path.suffix.lower()
    if suffix == ".npy":
        try:
            shape = np.load(path, mmap_mode="r", allow_pickle=False).shape  # the header only
        except (OSError, ValueError, EOFError):
            shape = ()  # _load_npy says what is wrong
        if len(shape) == 2:
            _check_width(path, shape[1], reads, what)
        array = _load_npy(path)
        if array.ndim != 2:
            raise DataError(
                f"a .npy data file holds one 2-D array (samples × columns), got shape {array.shape}", file=str(path)
            )
        return [str(i) for i in range(array.shape[1])], _npy_column(array, path)
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(f"Parquet files need pyarrow: {PYARROW_HINT}", file=str(path)) from None
    try:
        _check_width(path, pq.ParquetFile(path).metadata.num_columns, reads, what)
        table = pq.read_table(path)
    except DataError:
        raise
    except Exception as e:  # a truncated or foreign file
        raise DataError(f"not a readable Parquet file ({type(e).__name__})", file=str(path)) from None
    return [str(n) for n in table.column_names], _parquet_column(table, path)


def _npy_column(array: np.ndarray, path: Path) -> Any:
    def column(c: int, as_label: bool = False) -> np.ndarray:
        values = array[:, c]
        if as_label:
            return np.array([_label_text(v) for v in values.tolist()], dtype=object)
        return _as_numbers(values, str(c), path)

    return column


def _parquet_column(table: Any, path: Path) -> Any:
    def column(c: int, as_label: bool = False) -> np.ndarray:
        values = table.column(c)
        if as_label:
            return np.array([_label_text(v) for v in values.to_pylist()], dtype=object)
        name = table.column_names[c]
        import pyarrow.types as t

        if not (t.is_integer(values.type) or t.is_floating(values.type) or t.is_boolean(values.type)):
            raise DataError(f"column `{name}` holds {values.type}, not numbers", file=str(path))
        if values.null_count:
            row = int(np.flatnonzero(values.is_null().to_numpy(zero_copy_only=False))[0])
            raise DataError(f"column `{name}`: row {row + 1} is empty (null), not a number", file=str(path))
        return _as_numbers(values.to_numpy(), name, path)

    return column


def _label_text(value: Any) -> str:
    # Integer labels stored as floats (3.0) read as `3`, as they would in a CSV file.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _as_numbers(values: np.ndarray, name: str, path: Path) -> np.ndarray:
    if values.dtype.kind not in "biuf":
        raise DataError(f"column `{name}` holds {values.dtype}, not numbers", file=str(path))
    values = values.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise DataError(
            f"column `{name}`: row {bad[0] + 1} holds `{values[bad[0]]}`, not a finite number", file=str(path)
        )
    return values


def _load_npy(path: Path) -> np.ndarray:
    try:
        array: np.ndarray = np.load(path, allow_pickle=False)
        return array
    except (OSError, ValueError, EOFError) as e:
        raise DataError(f"not a readable .npy file ({type(e).__name__}: {e})", file=str(path)) from None


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file by name (never unpickled)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, EOFError, KeyError, RuntimeError, zipfile.BadZipFile) as e:  # a broken archive
        raise DataError(f"not a readable .npz file ({type(e).__name__})", file=str(path)) from None
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray):  # numpy hands a member that is not .npy back as bytes
            raise DataError(f"the member `{name}` is not a numpy array (.npy)", file=str(path))
    return arrays


def npz_numbers(arrays: dict[str, np.ndarray], name: str, path: Path) -> np.ndarray:
    """Array ``name`` as float64 ``(samples, columns)`` (a 1-D array is one column)."""
    values = arrays[name]
    if values.dtype.kind not in "biuf":
        raise DataError(f"array `{name}` holds {values.dtype}, not numbers", file=str(path))
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise DataError(f"array `{name}` has shape {values.shape}; expected (samples, columns)", file=str(path))
    values = np.ascontiguousarray(values, dtype=np.float64)
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        r, c = bad[0]
        raise DataError(f"array `{name}`: [{r}, {c}] is `{values[r, c]}`, not a finite number", file=str(path))
    return values
