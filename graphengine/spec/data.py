"""The ``data:`` section of a spec: inline samples, or a CSV file with its columns and targets."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, PlainValidator, StrictBool, StrictInt, TypeAdapter, model_validator

from .values import Name, Number, _describe, _Model


class Sample(_Model):
    inputs: dict[Name, Number]
    targets: dict[Name, Number]


_SAMPLES = TypeAdapter(list[Sample])


class CsvColumns(_Model):
    """``inputs: {prefix: pixel_}``: every column whose name starts with the prefix, in file order."""

    prefix: str


class OneHot(_Model):
    column: Name
    classes: Annotated[list[Annotated[Any, PlainValidator(lambda v: _class_label(v))]], Field(min_length=1)] | None = (
        None
    )


def _class_label(value: Any) -> str:
    if isinstance(value, bool):  # YAML 1.1 reads yes/no/on/off unquoted as booleans
        raise ValueError(f'expected a class label, got {_describe(value)}; quote a label such as "yes" or "no"')
    if not isinstance(value, (str, int, float)):
        raise ValueError(f"expected a class label (text or number), got {_describe(value)}")
    return str(value)


def _one_hot(value: Any) -> OneHot:
    return OneHot.model_validate({"column": value} if isinstance(value, str) else value)


class LabelTarget(_Model):
    """``targets: {column: label, positive: red}``: one output, 1 where the label is ``positive``, else 0."""

    column: Name
    positive: Annotated[Any, PlainValidator(lambda v: _class_label(v))]


def _targets(value: Any) -> list[str] | LabelTarget | str:
    if isinstance(value, dict):
        return LabelTarget.model_validate(value)
    if isinstance(value, str):  # an .npz file's array name
        return _ARRAY_NAME.validate_python(value)
    return _TARGET_COLUMNS.validate_python(value)


_TARGET_COLUMNS = TypeAdapter(Annotated[list[Name], Field(min_length=1)])
_ARRAY_NAME = TypeAdapter(Name)


class CsvData(_Model):
    """``data: {csv: file.csv, inputs: ..., targets: ... | one_hot: label}`` (path relative to the spec).

    ``file:`` instead of ``csv:`` names a ``.csv``, Parquet (``.parquet``), ``.npy`` (one 2-D
    array, columns ``0``, ``1``, …) or ``.npz`` file; for ``.npz``, ``inputs``, ``targets`` and
    ``one_hot`` name arrays (``inputs: X``).
    """

    csv: Name | None = None
    file: Name | None = None
    inputs: Annotated[list[Name], Field(min_length=1)] | CsvColumns | Name | None = None
    targets: Annotated[list[Name] | LabelTarget | Name, PlainValidator(_targets)] | None = None
    one_hot: Annotated[OneHot, PlainValidator(_one_hot)] | None = None
    validation_split: Annotated[float, Field(ge=0.0, lt=1.0, strict=False)] = 0.0
    shuffle: StrictBool = True
    seed: Annotated[StrictInt, Field(ge=0)] | None = None
    # Written by `train -o` when the data file lies outside the trained spec's folder: the
    # user's signature of its absolute path (see graphengine._util.signing).
    path_signature: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None

    @model_validator(mode="after")
    def _one_target_kind(self) -> CsvData:
        if (self.csv is None) == (self.file is None):
            raise ValueError("give exactly one of `csv` (a CSV file) and `file` (.csv, .parquet, .npy or .npz)")
        if (self.targets is None) == (self.one_hot is None):
            raise ValueError("give exactly one of `targets` (a list of columns) and `one_hot` (a class-label column)")
        return self


def _data(value: Any) -> list[Sample] | CsvData:
    if isinstance(value, dict):
        return CsvData.model_validate(value)
    if isinstance(value, list):
        return _SAMPLES.validate_python(value)
    raise ValueError(f"expected a list of samples or {{csv: file.csv, ...}}, got {_describe(value)}")
