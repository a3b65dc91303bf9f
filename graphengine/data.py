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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataError, did_you_mean, similar_file
from .reading import data_path, open_data_text
from .spec import CsvColumns, CsvData, LabelTarget, Spec


@dataclass
class Dataset:
    """Inputs ``X`` ``(samples, inputs)`` and targets ``T`` ``(samples, outputs)``, plus a validation part."""

    X: np.ndarray
    T: np.ndarray
    X_val: np.ndarray
    T_val: np.ndarray
    classes: list[str] | None = None  # one-hot class labels in output order; a label target's [negative, positive]


def load_data(spec: Spec, inputs_only: bool = False) -> Dataset:
    """The spec's data as arrays (reading and checking the CSV file if there is one).

    ``inputs_only`` (for predictions): target columns may be missing and ``T`` has no columns.
    """
    n_in, n_out = len(spec.inputs), len(spec.outputs)
    if isinstance(spec.data, list):
        X = np.array([[s.inputs[n] for n in spec.inputs] for s in spec.data], dtype=np.float64)
        T = np.array([[s.targets[n] for n in spec.outputs] for s in spec.data], dtype=np.float64)
        X, T = X.reshape(len(spec.data), n_in), T.reshape(len(spec.data), n_out)
        return Dataset(X, T, X[:0], T[:0])
    return _load_csv(spec, spec.data, inputs_only)


def _load_csv(spec: Spec, data: CsvData, inputs_only: bool = False) -> Dataset:
    where = ("data", "csv")
    path = data_path(spec, data.csv, where)  # below the spec's folder, unless the user allows more
    try:
        # utf-8-sig: spreadsheet programs start a CSV file with a byte-order mark.
        with open_data_text(path) as f:  # a regular file within the size cap, else one error line
            rows = list(csv.reader(f))
    except FileNotFoundError:
        raise spec.error(
            DataError, f"no such file `{data.csv}` (looked for {path}){similar_file(path)}", where
        ) from None
    except IsADirectoryError:
        raise spec.error(DataError, f"`{data.csv}` is a directory, not a CSV file", where) from None
    except UnicodeDecodeError as e:
        raise spec.error(DataError, f"`{data.csv}` is not UTF-8 text ({e.reason} at byte {e.start})", where) from None
    except (OSError, csv.Error) as e:
        raise spec.error(DataError, f"cannot read `{data.csv}`: {e}", where) from None
    except ValueError:  # a NUL character in the path
        raise spec.error(DataError, f"`{data.csv}` is not a usable file name", where) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise DataError("the file is empty; the first line must name the columns", file=str(path), line=1)
    header = [h.strip() for h in rows[0]]
    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in columns:
            raise DataError(f"column `{name}` appears twice in the header", file=str(path), line=1)
        columns[name] = i
    body = [(line, row) for line, row in enumerate(rows[1:], start=2) if any(cell.strip() for cell in row)]
    if not body:
        raise DataError("the file has a header but no data rows", file=str(path), line=1)
    for line, row in body:
        if len(row) != len(header):
            raise DataError(
                f"{len(row)} cell(s) but the header names {len(header)} column(s)", file=str(path), line=line
            )

    def column(name: str, key: tuple) -> int:
        if name not in columns:
            shown = ", ".join(header[:12]) + (", …" if len(header) > 12 else "")
            other = next((d for d in (";", "\t", "|") if len(header) == 1 and d in header[0]), None)
            hint = f"; the file seems to separate cells with {other!r}, but a CSV file uses commas" if other else ""
            raise spec.error(
                DataError,
                f"column `{name}` is not in {data.csv}{did_you_mean(name, header)} (columns: {shown}){hint}",
                key,
            )
        return columns[name]

    # Targets first: when inputs are omitted they are every other column.
    classes: list[str] | None = None
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
                DataError, f"no column of {data.csv} starts with `{data.inputs.prefix}`", ("data", "inputs", "prefix")
            )
    else:
        input_cols = [column(c, ("data", "inputs", i)) for i, c in enumerate(data.inputs)]

    n_in, n_out = len(spec.inputs), len(spec.outputs)
    if len(input_cols) != n_in:
        raise spec.error(
            DataError,
            f"{len(input_cols)} input column(s) selected in {data.csv} but the network has {n_in} input(s)",
            ("data", "inputs") if data.inputs is not None else ("data",),
        )

    X = _numbers(body, input_cols, header, path)
    if inputs_only:
        T = np.zeros((len(body), 0))
    elif isinstance(data.targets, LabelTarget):
        T, classes = _label_targets(spec, data, data.targets, [row[label_col].strip() for _, row in body])
    elif data.one_hot is not None:
        labels = [row[label_col].strip() for _, row in body]
        if data.one_hot.classes is not None:
            classes = list(data.one_hot.classes)
            known = set(classes)
            for line, label in zip((line for line, _ in body), labels):
                if label not in known:
                    raise DataError(
                        f"column `{header[label_col]}`: class `{label}` is not one of the listed classes "
                        f"({', '.join(classes)})",
                        file=str(path),
                        line=line,
                    )
        else:
            classes = _sorted_labels(set(labels))
        if len(classes) != n_out:
            raise spec.error(
                DataError,
                f"{len(classes)} class(es) in column `{header[label_col]}` but the network has {n_out} output(s)",
                ("data", "one_hot"),
            )
        position = {c: k for k, c in enumerate(classes)}
        T = np.zeros((len(body), n_out))
        T[np.arange(len(body)), [position[label] for label in labels]] = 1.0
    else:
        if len(target_cols) != n_out:
            raise spec.error(
                DataError,
                f"{len(target_cols)} target column(s) but the network has {n_out} output(s)",
                ("data", "targets"),
            )
        T = _numbers(body, target_cols, header, path)

    n = len(body)
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


def _label_targets(spec: Spec, data: CsvData, target: LabelTarget, labels: list[str]) -> tuple[np.ndarray, list[str]]:
    """One output: 1.0 where the label is ``target.positive``, else 0.0; the labels [negative, positive]."""
    found = _sorted_labels(set(labels))
    if target.positive not in found:
        shown = ", ".join(found[:12]) + (", …" if len(found) > 12 else "")
        raise spec.error(
            DataError,
            f"label `{target.positive}` never appears in column `{target.column}` of {data.csv}"
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
    return (np.array(labels) == target.positive).astype(np.float64)[:, None], [negative, target.positive]


def _sorted_labels(labels: set[str]) -> list[str]:
    """Class labels in numeric order when they are all numbers (``2`` before ``10``), else text order."""
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels)
