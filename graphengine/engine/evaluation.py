"""Using a trained network on data: its outputs per row, the class it picks, and how good that is.

The rows come from a data file read the way the spec's ``data`` section describes (its
columns, its class list), or from the spec's own data. Classes are decided as the loss
declares (``@loss.classes``), the way :func:`graphengine.engine.metrics.accuracy` counts them:
``softmax_cross_entropy`` picks the arg-max output; ``binary_cross_entropy`` says yes for
each output ≥ 0.5; a plugin loss decides its own way.

>>> import graphengine
>>> net = graphengine.load("specs/iris_4883.yaml")            # doctest: +SKIP
>>> report = evaluate(net, data_for(net))                      # doctest: +SKIP
>>> report.confusion_matrices[0].matrix.sum() == report.rows   # doctest: +SKIP
True
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._util.reading import outside_data_allowed
from ..errors import DataError, similar_file
from ..spec.data import CsvData, OneHot
from .data import Dataset, load_data
from .datafiles import FILE_SUFFIXES
from .metrics import accuracy

if TYPE_CHECKING:
    from ..plugins.registry import Loss
    from .network import Network


# --------------------------------------------------------------------------- data


def data_for(net: Network, path: str | os.PathLike[str] | None = None, inputs_only: bool = False) -> Dataset:
    """The rows of ``path``, read as the spec's ``data`` section describes them; the spec's own data without it.

    A data file gets all its rows (no validation split). A spec with inline samples
    describes a file whose columns are named after the inputs and outputs. Without a class
    list in the spec, the classes are those of the spec's own data, so a test file that
    lacks a class still lines up with the outputs. ``inputs_only``: the target columns may
    be missing (for predictions).
    """
    if path is None:
        return Dataset(net.X, net.T, net.X_val, net.T_val, net.classes)
    spec = net.spec
    path = Path(path)
    if not path.exists():
        raise DataError("no such file" + similar_file(path), file=str(path))
    if path.is_dir():
        raise DataError("is a directory, not a data file", file=str(path))
    if isinstance(spec.data, CsvData):
        described = spec.data
    else:
        described = CsvData.model_validate({"csv": "-", "inputs": list(spec.inputs), "targets": list(spec.outputs)})
    # `file:` where the spec's data section names its file that way or FILE is not CSV text
    # (Parquet, .npy, .npz), else `csv:`.
    binary = path.suffix.lower() in FILE_SUFFIXES and path.suffix.lower() != ".csv"
    key = "file" if described.file is not None or binary else "csv"
    update: dict[str, Any] = {"csv": None, "file": None, key: str(path.resolve()), "validation_split": 0.0}
    if described.one_hot is not None and described.one_hot.classes is None and net.classes:
        update["one_hot"] = OneHot(column=described.one_hot.column, classes=list(net.classes))
    # The user named this file (`--data`): it is read wherever it is, unlike a path a spec names.
    with outside_data_allowed():
        data = load_data(spec.model_copy(update={"data": described.model_copy(update=update)}), inputs_only)
    if data.classes is None or (net.classes and len(net.classes) == len(data.classes)):
        # A label target's negative label is named by the spec's own data when this file lacks it.
        data.classes = net.classes or data.classes
    return data


# --------------------------------------------------------------------------- classes


@dataclass
class Decision:
    """How one group of outputs becomes a class: its name and class labels (code k is ``labels[k]``)."""

    name: str
    labels: list[str]


def decisions(net: Network) -> list[Decision]:
    """The class decisions ``net``'s loss declares: one over all outputs (softmax), one per output
    (binary, ``per_output``), or none (a loss that is not about classes)."""
    loss, outputs = net.plan.loss, list(net.spec.outputs)
    if not loss.is_classifier:
        return []
    if not loss.classes_per_output:
        labels = net.classes if net.classes and len(net.classes) == len(outputs) else outputs
        return [Decision("class", list(labels))]
    if len(outputs) == 1 and net.classes and len(net.classes) == 2:
        return [Decision(outputs[0], list(net.classes))]
    return [Decision(o, ["0", "1"]) for o in outputs]


def class_codes(loss: Loss, Y: np.ndarray) -> np.ndarray:
    """Class codes ``(rows, decisions)`` of outputs (or one-hot/0-1 targets) ``Y``, as :func:`accuracy` counts them."""
    if loss.classes_function is None:
        return np.zeros((len(Y), 0), dtype=np.int64)
    return np.asarray(loss.classes_function(Y), dtype=np.int64)


# --------------------------------------------------------------------------- predict


@dataclass
class Predictions:
    """Outputs ``(rows, outputs)`` and, for classification losses, the predicted class labels per decision."""

    output_names: list[str]
    outputs: np.ndarray
    decisions: list[Decision]
    codes: np.ndarray  # (rows, decisions)

    def predicted(self, k: int = 0) -> list[str]:
        """The predicted label of every row for decision ``k``."""
        labels = np.array(self.decisions[k].labels, dtype=object)
        predicted: list[str] = labels[self.codes[:, k]].tolist()
        return predicted

    def columns(self) -> list[str]:
        """Column names of the CSV file: the outputs, then ``predicted`` (one per output for binary ones)."""
        if len(self.decisions) == 1:
            names = ["predicted"]
        else:
            names = [f"predicted {d.name}" for d in self.decisions]
        return self.output_names + names

    def to_csv(self) -> str:
        """A CSV table, one row per input row; numbers in full (``repr``) precision."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns())
        predicted = [self.predicted(k) for k in range(len(self.decisions))]
        for r, row in enumerate(self.outputs.tolist()):
            writer.writerow([repr(v) for v in row] + [labels[r] for labels in predicted])
        return buffer.getvalue()

    def to_dict(self) -> dict[str, Any]:
        """The ``predict --json`` object: per row its outputs and (for classification) its predicted label,
        or one label per output for several binary outputs."""
        rows: list[dict[str, Any]] = [{"outputs": dict(zip(self.output_names, y))} for y in self.outputs.tolist()]
        predicted = [self.predicted(k) for k in range(len(self.decisions))]
        for r, row in enumerate(rows):
            if len(self.decisions) == 1:
                row["predicted"] = predicted[0][r]
            elif self.decisions:
                row["predicted"] = {d.name: labels[r] for d, labels in zip(self.decisions, predicted)}
        result: dict[str, Any] = {"outputs": self.output_names, "rows": rows}
        if self.decisions:
            result["classes"] = {d.name: d.labels for d in self.decisions}
        return result


def predict(net: Network, X: np.ndarray) -> Predictions:
    """``net``'s outputs for the rows ``X`` (``Network.predict``) and the classes they pick."""
    Y = net.predict(X)
    found = decisions(net)
    codes = class_codes(net.plan.loss, Y) if found else np.zeros((len(Y), 0), dtype=np.int64)
    return Predictions(list(net.spec.outputs), Y, found, codes)


# --------------------------------------------------------------------------- evaluate


@dataclass
class ConfusionMatrix:
    """``matrix[i, j]``: rows of true class ``labels[i]`` predicted as ``labels[j]``."""

    name: str
    labels: list[str]
    matrix: np.ndarray

    @property
    def precision(self) -> list[float | None]:
        """Per class: right / predicted as that class (None when nothing was predicted as it)."""
        predicted = self.matrix.sum(axis=0)
        return [float(self.matrix[k, k] / n) if n else None for k, n in enumerate(predicted)]

    @property
    def recall(self) -> list[float | None]:
        """Per class: right / rows of that class (None when the data has none)."""
        actual = self.matrix.sum(axis=1)
        return [float(self.matrix[k, k] / n) if n else None for k, n in enumerate(actual)]

    @property
    def support(self) -> list[int]:
        support: list[int] = self.matrix.sum(axis=1).tolist()
        return support

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "labels": self.labels,
            "matrix": self.matrix.tolist(),
            "per_class": {
                label: {"rows": n, "precision": p, "recall": r}
                for label, n, p, r in zip(self.labels, self.support, self.precision, self.recall)
            },
        }


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts ``(true class, predicted class)`` of two code vectors.

    >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 1]), 2).tolist()
    [[1, 0], [1, 1]]
    """
    counts = np.bincount(true * n_classes + predicted, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


@dataclass
class Evaluation:
    """Loss, accuracy and confusion matrices of a network on some rows."""

    rows: int
    loss: float
    accuracy: float | None
    confusion_matrices: list[ConfusionMatrix]

    def to_dict(self) -> dict[str, Any]:
        """The ``evaluate --json`` object (for one part of the data)."""
        result: dict[str, Any] = {"rows": self.rows, "loss": self.loss}
        if self.accuracy is not None:
            result["accuracy"] = self.accuracy
            result["confusion"] = [c.to_dict() for c in self.confusion_matrices]
        return result


def evaluate(net: Network, X: np.ndarray, T: np.ndarray) -> Evaluation:
    """Loss and accuracy (as ``train`` reports them) and, for classification losses, the confusion matrices."""
    if len(X) == 0:
        raise DataError("there are no rows to evaluate on")
    Y = net.predict(X)
    matrices = []
    if net.plan.loss.is_classifier:
        predicted, true = class_codes(net.plan.loss, Y), class_codes(net.plan.loss, T)
        for k, decision in enumerate(decisions(net)):
            n = len(decision.labels)
            matrices.append(
                ConfusionMatrix(decision.name, decision.labels, confusion_matrix(true[:, k], predicted[:, k], n))
            )
    return Evaluation(len(X), net.loss(X, T), accuracy(net.plan.loss, Y, T), matrices)
