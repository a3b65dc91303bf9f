"""Training data: the spec's inline samples, or a CSV file named in ``data``.

::

    data:
      csv: data/digits.csv          # relative to the spec file
      inputs: {prefix: pixel_}      # or a list of columns; omitted: every column not used for targets
      one_hot: label                # or {column: label, classes: [0, 1, ...]}; or `targets: [col, ...]`
                                    # or `targets: {column: label, positive: red}` (one output: 1 for red)
      validation_split: 0.1         # the last 10 % of the (shuffled) rows
      shuffle: true                 # shuffle rows before splitting (seed: data.seed or training.seed)

The i-th input column feeds the i-th input of the network, the i-th target column
(or class) the i-th output. Every error names the file and line — of the spec for a
bad key, of the CSV for a bad cell.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._util.reading import MAX_DATA_BYTES, check_readable, data_path, open_data_text, read_cap
from ..errors import DataError, KeyPath, did_you_mean, similar_file
from ..spec.data import CsvColumns, CsvData, LabelTarget
from ..spec.schema import Spec
from .csvnumpy import read_csv_numpy
from .datafiles import FILE_SUFFIXES, npz_numbers, read_csv_fast, read_csv_header, read_npz, read_table


@dataclass
class Dataset:
    """Inputs ``X`` ``(samples, inputs)`` and targets ``T`` ``(samples, outputs)``, plus a validation part."""

    X: np.ndarray
    T: np.ndarray
    X_val: np.ndarray
    T_val: np.ndarray
    classes: list[str] | None = None  # one-hot class labels in output order; a label target's [negative, positive]


def load_data(spec: Spec, inputs_only: bool = False) -> Dataset:
    """The spec's data as arrays (reading and checking the data file if there is one).

    ``inputs_only`` (for predictions): target columns may be missing and ``T`` has no columns.
    """
    n_in, n_out = len(spec.inputs), len(spec.outputs)
    if isinstance(spec.data, list):
        X = np.array([[s.inputs[n] for n in spec.inputs] for s in spec.data], dtype=np.float64)
        T = np.array([[s.targets[n] for n in spec.outputs] for s in spec.data], dtype=np.float64)
        X, T = X.reshape(len(spec.data), n_in), T.reshape(len(spec.data), n_out)
        return Dataset(X, T, X[:0], T[:0])
    return _load_file(spec, spec.data, inputs_only)


def _load_file(spec: Spec, data: CsvData, inputs_only: bool = False) -> Dataset:
    key = "file" if data.file is not None else "csv"
    name = data.file if data.file is not None else data.csv
    assert name is not None
    where = ("data", key)
    # below the spec's folder, unless the user allows more or signed this path (a spec they saved)
    path = data_path(spec, name, where, data.path_signature)
    suffix = path.suffix.lower()
    if key == "file" and suffix not in FILE_SUFFIXES:
        raise spec.error(
            DataError, f"`{name}`: a data file ends in {', '.join(FILE_SUFFIXES)}, not `{suffix or name}`", where
        )
    try:
        exists = "\0" not in name and path.exists()
    except (OSError, ValueError):
        exists = False
    if "\0" in name:
        raise spec.error(DataError, f"`{name}` is not a usable file name", where)
    if not exists:
        raise spec.error(DataError, f"no such file `{name}` (looked for {path}){similar_file(path)}", where)
    if path.is_dir():
        raise spec.error(DataError, f"`{name}` is a directory, not a {'CSV' if key == 'csv' else 'data'} file", where)
    # A regular file within the size cap (not a FIFO, a device, /dev/zero), before any reader opens it.
    check_readable(path, read_cap(MAX_DATA_BYTES), DataError)
    if suffix == ".npz":
        X, T, classes = _npz_arrays(spec, data, path, inputs_only)
        return _split(spec, data, X, T, classes)
    table = None
    if key == "csv" or suffix == ".csv":
        header = _csv_header(spec, name, path, where)
    else:
        n_in, n_out = len(spec.inputs), len(spec.outputs)
        header, table = read_table(path, n_in + n_out + 1, f"{n_in} input(s) and {n_out} target(s)")
    columns: dict[str, int] = {}
    for i, column_name in enumerate(header):
        if column_name in columns:
            raise DataError(f"column `{column_name}` appears twice in the header", file=str(path), line=1)
        columns[column_name] = i

    def column(column_name: str, key: KeyPath) -> int:
        if column_name not in columns:
            other = next((d for d in (";", "\t", "|") if len(header) == 1 and d in header[0]), None)
            hint = f"; the file seems to separate cells with {other!r}, but a CSV file uses commas" if other else ""
            raise spec.error(
                DataError,
                f"column `{column_name}` is not in {name}{did_you_mean(column_name, header)} ({_columns(header)}){hint}",
                key,
            )
        return columns[column_name]

    if isinstance(data.inputs, str) or isinstance(data.targets, str):
        raise spec.error(
            DataError,
            f"`{name}` is a table: name its columns as a list (or inputs as {{prefix: ...}}); "
            "a single array name is for .npz files",
            ("data", "inputs" if isinstance(data.inputs, str) else "targets"),
        )
    # Targets first: when inputs are omitted they are every other column.
    label_col: int | None = None
    if inputs_only:  # target columns that are there are still not inputs
        named = data.targets if isinstance(data.targets, list) else [(data.one_hot or data.targets).column]  # type: ignore[union-attr]
        target_cols = [columns[c] for c in named if c in columns]
    elif data.one_hot is not None:
        label_col = column(data.one_hot.column, ("data", "one_hot"))
        target_cols = [label_col]
    elif isinstance(data.targets, LabelTarget):
        label_col = column(data.targets.column, ("data", "targets", "column"))
        target_cols = [label_col]
    else:
        assert data.targets is not None
        target_cols = [column(c, ("data", "targets", i)) for i, c in enumerate(data.targets)]

    if data.inputs is None:
        input_cols = [i for i in range(len(header)) if i not in target_cols]
    elif isinstance(data.inputs, CsvColumns):
        input_cols = [i for i, h in enumerate(header) if h.startswith(data.inputs.prefix)]
        if not input_cols:
            raise spec.error(
                DataError, f"no column of {name} starts with `{data.inputs.prefix}`", ("data", "inputs", "prefix")
            )
    else:
        input_cols = [column(c, ("data", "inputs", i)) for i, c in enumerate(data.inputs)]

    n_in, n_out = len(spec.inputs), len(spec.outputs)
    if len(input_cols) != n_in:
        raise spec.error(
            DataError,
            f"{len(input_cols)} input column(s) selected in {name} but the network has {n_in} input(s)",
            ("data", "inputs") if data.inputs is not None else ("data",),
        )
    numeric_targets = not inputs_only and label_col is None
    if numeric_targets and len(target_cols) != n_out:
        raise spec.error(
            DataError,
            f"{len(target_cols)} target column(s) but the network has {n_out} output(s)",
            ("data", "targets"),
        )

    groups = [input_cols] + ([target_cols] if numeric_targets else [])
    if table is not None:
        arrays = [np.stack([table(c) for c in g], axis=1) if g else np.empty((0, 0)) for g in groups]
        labels = table(label_col, as_label=True) if label_col is not None else None
        if len(arrays[0]) == 0:
            raise DataError("the file has no data rows", file=str(path))
        lines = None
    else:
        arrays, labels, lines = _csv_values(path, header, groups, label_col)
    X = arrays[0]
    classes = None
    if inputs_only:
        T = np.zeros((len(X), 0))
    elif isinstance(data.targets, LabelTarget):
        assert labels is not None
        T, classes = _label_targets(spec, data, data.targets, labels)
    elif data.one_hot is not None:
        assert labels is not None and label_col is not None
        T, classes = _one_hot_targets(spec, data, labels, header[label_col], path, lines)
    else:
        T = arrays[1]
    return _split(spec, data, X, T, classes)


def _csv_header(spec: Spec, name: str, path: Path, where: KeyPath) -> list[str]:
    n_in, n_out = len(spec.inputs), len(spec.outputs)
    reads = f"{n_in} input(s) and {n_out} target(s)"
    try:
        # utf-8-sig: spreadsheet programs start a CSV file with a byte-order mark.
        first = read_csv_header(path, n_in + n_out + 1, reads)
    except UnicodeDecodeError as e:
        raise spec.error(DataError, f"`{name}` is not UTF-8 text ({e.reason} at byte {e.start})", where) from None
    except (OSError, csv.Error) as e:
        raise spec.error(DataError, f"cannot read `{name}`: {e}", where) from None
    except ValueError:  # a NUL character in the path
        raise spec.error(DataError, f"`{name}` is not a usable file name", where) from None
    if not any(first):
        raise DataError("the file is empty; the first line must name the columns", file=str(path), line=1)
    return first


def _csv_values(
    path: Path, header: list[str], groups: list[list[int]], label_col: int | None
) -> tuple[list[np.ndarray], np.ndarray | None, list[int] | None]:
    """The CSV's number columns per group and its label column: fast (numpy's C loader, else
    pandas when installed) when the file is clean, else read again with the csv module, which
    names the first bad cell."""
    fast = read_csv_numpy(path, len(header), groups, label_col) or read_csv_fast(path, len(header), groups, label_col)
    if fast is not None:
        return fast[0], fast[1], None
    body: list[tuple[int, list[str]]] = []
    try:
        with open_data_text(path) as f:  # a regular file within the size cap, else one error line
            rows = csv.reader(f)
            next(rows, None)  # the header, read already
            # Row by row: the first row of the wrong width stops the reading (nothing after it is kept).
            for line, row in enumerate(rows, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    raise DataError(
                        f"{len(row)} cell(s) but the header names {len(header)} column(s)", file=str(path), line=line
                    )
                body.append((line, row))
    except UnicodeDecodeError as e:
        raise DataError(f"not UTF-8 text ({e.reason} at byte {e.start})", file=str(path)) from None
    except (OSError, csv.Error) as e:
        raise DataError(f"cannot read: {e}", file=str(path)) from None
    if not body:
        raise DataError("the file has a header but no data rows", file=str(path), line=1)
    arrays = [_numbers(body, g, header, path) for g in groups]
    labels = None
    if label_col is not None:
        labels = np.array([row[label_col].strip() for _, row in body], dtype=object)
    return arrays, labels, [line for line, _ in body]


def _one_hot_targets(
    spec: Spec, data: CsvData, labels: np.ndarray, column_name: str, path: Path, lines: list[int] | None
) -> tuple[np.ndarray, list[str]]:
    """One-hot rows for the class labels (listed classes in their order, else sorted)."""
    assert data.one_hot is not None
    n_out = len(spec.outputs)
    found = set(labels.tolist())
    if data.one_hot.classes is not None:
        classes = list(data.one_hot.classes)
        known = set(classes)
        unknown = found - known
        if unknown:
            row = next(i for i, label in enumerate(labels.tolist()) if label not in known)
            line = lines[row] if lines is not None else _csv_line(path, row)
            raise DataError(
                f"column `{column_name}`: class `{labels[row]}` is not one of the listed classes "
                f"({', '.join(classes)})" + ("" if line else f" (row {row + 1})"),
                file=str(path),
                line=line,
            )
    else:
        classes = _sorted_labels(found)
    if len(classes) != n_out:
        raise spec.error(
            DataError,
            f"{len(classes)} class(es) in column `{column_name}` but the network has {n_out} output(s)",
            ("data", "one_hot"),
        )
    position = {c: k for k, c in enumerate(classes)}
    T = np.zeros((len(labels), n_out))
    T[np.arange(len(labels)), np.fromiter(map(position.__getitem__, labels.tolist()), np.intp, len(labels))] = 1.0
    return T, classes


def _csv_line(path: Path, row: int) -> int | None:
    """The line of data row ``row`` (0-based, blank rows skipped) of a CSV file; None for other files."""
    if path.suffix.lower() != ".csv":
        return None
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        seen = -1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                seen += 1
                if seen == row:
                    return reader.line_num
    return None  # pragma: no cover


def _npz_arrays(
    spec: Spec, data: CsvData, path: Path, inputs_only: bool = False
) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """Inputs and targets from the arrays of an ``.npz`` file named by ``inputs`` and
    ``targets``/``one_hot`` (a label target's ``column`` names an array of labels)."""
    arrays = read_npz(path)
    names = sorted(arrays)

    def array(name: Any, key: KeyPath) -> str:
        if not isinstance(name, str):
            raise spec.error(
                DataError, f"an .npz file's {key[-1]} are one array: give its name (arrays: {', '.join(names)})", key
            )
        if name not in arrays:
            raise spec.error(
                DataError,
                f"array `{name}` is not in {data.file}{did_you_mean(name, names)} (arrays: {', '.join(names)})",
                key,
            )
        return name

    X = npz_numbers(arrays, array(data.inputs, ("data", "inputs")), path)
    n_in, n_out = len(spec.inputs), len(spec.outputs)
    if X.shape[1] != n_in:
        raise spec.error(
            DataError,
            f"array `{data.inputs}` has {X.shape[1]} column(s) but the network has {n_in} input(s)",
            ("data", "inputs"),
        )
    classes = None

    def label_array(name: Any, key: KeyPath) -> tuple[str, np.ndarray]:
        label_name = array(name, key)
        raw = arrays[label_name]
        if raw.ndim != 1:
            raise spec.error(DataError, f"array `{label_name}` of class labels must be 1-D, got {raw.shape}", key)
        labels = [str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in raw.tolist()]
        return label_name, np.array(labels, dtype=object)

    if inputs_only:
        T = np.zeros((len(X), 0))
    elif isinstance(data.targets, LabelTarget):
        _, labels = label_array(data.targets.column, ("data", "targets", "column"))
        T, classes = _label_targets(spec, data, data.targets, labels)
    elif data.one_hot is not None:
        label_name, labels = label_array(data.one_hot.column, ("data", "one_hot"))
        T, classes = _one_hot_targets(spec, data, labels, label_name, path, None)
    else:
        T = npz_numbers(arrays, array(data.targets, ("data", "targets")), path)
        if T.shape[1] != n_out:
            raise spec.error(
                DataError,
                f"array `{data.targets}` has {T.shape[1]} column(s) but the network has {n_out} output(s)",
                ("data", "targets"),
            )
    if len(T) != len(X):
        raise spec.error(DataError, f"{len(X)} input row(s) but {len(T)} target row(s) in {data.file}", ("data",))
    if len(X) == 0:
        raise DataError("the file has no data rows", file=str(path))
    return X, T, classes


def _split(spec: Spec, data: CsvData, X: np.ndarray, T: np.ndarray, classes: list[str] | None) -> Dataset:
    """Shuffle (seeded) and split off the validation rows."""
    n = len(X)
    order = np.arange(n)
    if data.shuffle and data.validation_split > 0:
        seed = data.seed if data.seed is not None else (spec.training.seed or 0)
        order = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * data.validation_split))
    if data.validation_split > 0 and (n_val == 0 or n_val == n):
        raise spec.error(
            DataError,
            f"validation_split {data.validation_split!r} of {n} row(s) leaves "
            + ("no validation rows" if n_val == 0 else "no training rows"),
            ("data", "validation_split"),
        )
    if n_val == 0:  # no copies of a big table when nothing is split off
        return Dataset(X, T, X[:0], T[:0], classes)
    train, val = order[: n - n_val], order[n - n_val :]
    return Dataset(X[train], T[train], X[val], T[val], classes)


def _numbers(body: list[tuple[int, list[str]]], cols: list[int], header: list[str], path: Path) -> np.ndarray:
    """Cells of ``cols`` as float64; the first bad cell is reported with its line and column."""
    try:
        X = np.array([[float(row[c]) for c in cols] for _, row in body], dtype=np.float64)
    except ValueError:
        for line, row in body:
            for c in cols:
                try:
                    float(row[c])
                except ValueError:
                    cell = row[c].strip()
                    what = "an empty cell" if not cell else f"`{cell}`"
                    raise DataError(
                        f"column `{header[c]}`: {what} is not a number", file=str(path), line=line
                    ) from None
        raise  # pragma: no cover
    bad = ~np.isfinite(X)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        line, row = body[r]
        raise DataError(
            f"column `{header[cols[c]]}`: `{row[cols[c]].strip()}` is not a finite number", file=str(path), line=line
        )
    return X.reshape(len(body), len(cols))


def _label_targets(spec: Spec, data: CsvData, target: LabelTarget, labels: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """One output: 1.0 where the label is ``target.positive``, else 0.0; the labels [negative, positive]."""
    found = _sorted_labels(set(labels.tolist()))
    if target.positive not in found:
        shown = ", ".join(found[:12]) + (", …" if len(found) > 12 else "")
        raise spec.error(
            DataError,
            f"label `{target.positive}` never appears in column `{target.column}` of {data.file or data.csv}"
            f"{did_you_mean(target.positive, found)} (labels: {shown})",
            ("data", "targets", "positive"),
        )
    if len(spec.outputs) != 1:
        raise spec.error(
            DataError,
            f"a label target feeds one output (1 for `{target.positive}`, 0 otherwise), "
            f"but the network has {len(spec.outputs)} outputs; for one output per class use `one_hot`",
            ("data", "targets"),
        )
    others = [label for label in found if label != target.positive]
    negative = others[0] if len(others) == 1 else f"not {target.positive}"
    return (labels == target.positive).astype(np.float64)[:, None], [negative, target.positive]


def _sorted_labels(labels: set[str]) -> list[str]:
    """Class labels in numeric order when they are all numbers (``2`` before ``10``), else text order."""
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels)


_COLUMN_NAME = re.compile(r"[\w .()\[\]#%+-]{1,40}")


def _columns(header: list[str]) -> str:
    """The header's columns for an error message, only when they look like column names: the
    first line of a file that is not a table (a credentials file named by mistake) is not echoed."""
    if all(_COLUMN_NAME.fullmatch(h) for h in header):
        return "columns: " + ", ".join(header[:12]) + (", …" if len(header) > 12 else "")
    return f"its first line has {len(header)} cell(s) that do not look like column names: is it a CSV table?"
