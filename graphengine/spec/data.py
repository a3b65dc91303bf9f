"""The ``data:`` section of a spec: inline samples, or a CSV file with its columns and targets."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic_core import SchemaValidator

from .record import Record, cs, field
from .values import BOOL, NAME, NATURAL, NUMBER, _describe, checked


class Sample(Record):
    inputs: dict[str, float]
    targets: dict[str, float]

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        return {"inputs": field(cs.dict_schema(NAME, NUMBER)), "targets": field(cs.dict_schema(NAME, NUMBER))}


class CsvColumns(Record):
    """``inputs: {prefix: pixel_}``: every column whose name starts with the prefix, in file order."""

    prefix: str

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        return {"prefix": field(cs.str_schema())}


def _class_label(value: Any) -> str:
    if isinstance(value, bool):  # YAML 1.1 reads yes/no/on/off unquoted as booleans
        raise ValueError(f'expected a class label, got {_describe(value)}; quote a label such as "yes" or "no"')
    if not isinstance(value, (str, int, float)):
        raise ValueError(f"expected a class label (text or number), got {_describe(value)}")
    return str(value)


class OneHot(Record):
    column: str
    classes: list[str] | None

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        labels = cs.list_schema(checked(_class_label), min_length=1)
        return {"column": field(NAME), "classes": field(cs.nullable_schema(labels), default=None)}


def _one_hot(value: Any) -> OneHot:
    return OneHot.model_validate({"column": value} if isinstance(value, str) else value)


class LabelTarget(Record):
    """``targets: {column: label, positive: red}``: one output, 1 where the label is ``positive``, else 0."""

    column: str
    positive: str

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        return {"column": field(NAME), "positive": field(checked(_class_label))}


def _targets(value: Any) -> list[str] | LabelTarget | str:
    if isinstance(value, dict):
        return LabelTarget.model_validate(value)
    if isinstance(value, str):  # an .npz file's array name
        return str(_array_name().validate_python(value))
    return list(_target_columns().validate_python(value))


# Bare values outside a record are validated lax (any sequence YAML gives is a list), as
# pydantic's TypeAdapter does; the records inside stay strict.
@cache
def _array_name() -> SchemaValidator:
    return SchemaValidator(NAME)


@cache
def _target_columns() -> SchemaValidator:
    return SchemaValidator(cs.list_schema(NAME, min_length=1))


@cache
def _samples() -> SchemaValidator:
    return SchemaValidator(cs.list_schema(Sample.core_schema()))


class CsvData(Record):
    """``data: {csv: file.csv, inputs: ..., targets: ... | one_hot: label}`` (path relative to the spec).

    ``file:`` instead of ``csv:`` names a ``.csv``, Parquet (``.parquet``), ``.npy`` (one 2-D
    array, columns ``0``, ``1``, …) or ``.npz`` file; for ``.npz``, ``inputs``, ``targets`` and
    ``one_hot`` name arrays (``inputs: X``).
    """

    csv: str | None
    file: str | None
    inputs: list[str] | CsvColumns | str | None
    targets: list[str] | LabelTarget | str | None
    one_hot: OneHot | None
    validation_split: float
    shuffle: bool
    seed: int | None
    # Written by `train -o` when the data file lies outside the trained spec's folder: the
    # user's signature of its absolute path (see graphengine._util.signing).
    path_signature: str | None

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        inputs = cs.union_schema([cs.list_schema(NAME, min_length=1), CsvColumns.core_schema(), NAME])
        return {
            "csv": field(cs.nullable_schema(NAME), default=None),
            "file": field(cs.nullable_schema(NAME), default=None),
            "inputs": field(cs.nullable_schema(inputs), default=None),
            "targets": field(cs.nullable_schema(checked(_targets)), default=None),
            "one_hot": field(cs.nullable_schema(checked(_one_hot)), default=None),
            "validation_split": field(cs.float_schema(ge=0.0, lt=1.0, strict=False), default=0.0),
            "shuffle": field(BOOL, default=True),
            "seed": field(cs.nullable_schema(NATURAL), default=None),
            "path_signature": field(cs.nullable_schema(cs.str_schema(pattern=r"^[0-9a-f]{64}$")), default=None),
        }

    @classmethod
    def after(cls, record: CsvData) -> CsvData:
        if (record.csv is None) == (record.file is None):
            raise ValueError("give exactly one of `csv` (a CSV file) and `file` (.csv, .parquet, .npy or .npz)")
        if (record.targets is None) == (record.one_hot is None):
            raise ValueError("give exactly one of `targets` (a list of columns) and `one_hot` (a class-label column)")
        return record


def _data(value: Any) -> list[Sample] | CsvData:
    if isinstance(value, dict):
        return CsvData.model_validate(value)
    if isinstance(value, list):
        return list(_samples().validate_python(value))
    raise ValueError(f"expected a list of samples or {{csv: file.csv, ...}}, got {_describe(value)}")
