"""``inputs:`` layers and dense ``layers:`` in a spec: sizes, sources, initialisers, weights."""

from __future__ import annotations

import math
from typing import Any

from .choices import ActivationSpec, InitSpec, _activation, _init
from .limits import MAX_LAYER_SIZE
from .record import Record, cs, field
from .values import BOOL, NAME, NATURAL, _describe, checked, finite_number

_SIZE = cs.int_schema(ge=1, le=MAX_LAYER_SIZE, strict=True)


class InputLayerSpec(Record):
    """``inputs: [{name: x, size: 64}]`` declares the inputs ``x_0`` … ``x_63``."""

    name: str
    size: int
    # `shape: [8, 8]`: the inputs are an image, row by row (the layer view draws it as one).
    shape: list[int] | None

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        shape = cs.list_schema(cs.int_schema(ge=1, strict=True), min_length=1, max_length=2)
        return {"name": field(NAME), "size": field(_SIZE), "shape": field(cs.nullable_schema(shape), default=None)}

    @classmethod
    def after(cls, record: InputLayerSpec) -> InputLayerSpec:
        if record.shape is not None and math.prod(record.shape) != record.size:
            shown = " × ".join(map(str, record.shape))
            raise ValueError(
                f"shape {shown} holds {math.prod(record.shape)} values but the layer has size {record.size}"
            )
        return record


def _input_item(value: Any) -> str | InputLayerSpec:
    if isinstance(value, str):
        if not value:
            raise ValueError("expected an input name, got an empty string")
        return value
    if isinstance(value, dict):
        return InputLayerSpec.model_validate(value)
    raise ValueError(f"expected an input name or {{name: x, size: N}}, got {_describe(value)}")


def _array(ndim: int, what: str) -> Any:
    """A validator turning nested lists of numbers into a float64 array (fast for big layers)."""
    import numpy as np

    def check(value: Any) -> Any:
        if not isinstance(value, list):
            raise ValueError(f"expected {what}, got {_describe(value)}")
        rows = value if ndim == 2 else [value]
        for row in rows:
            if not isinstance(row, list):
                raise ValueError(f"expected {what}, got {_describe(row)} as a row")
            for v in row:
                if type(v) is not float and (isinstance(v, bool) or not isinstance(v, (int, float))):
                    raise ValueError(f"expected {what}, got {_describe(v)}")
        if ndim == 2 and len({len(row) for row in rows}) > 1:
            raise ValueError(f"expected {what}, got rows of different lengths")
        try:
            array = np.array(value, dtype=np.float64)
        except OverflowError:
            raise ValueError(f"expected {what}, got an integer too large for a float") from None
        if array.size == 0:
            array = array.reshape((0,) * ndim)
        if not np.isfinite(array).all():
            raise ValueError(f"expected {what}; found NaN or infinity")
        return array

    return checked(check)


def _bias_value(value: Any) -> bool | float:
    if isinstance(value, bool):
        return value
    try:
        return finite_number(value)
    except ValueError:
        raise ValueError(f"expected `true`, `false` or a number (the initial bias), got {_describe(value)}") from None


def _sources(value: Any) -> str | list[str]:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return list(value)
    raise ValueError(f"expected a layer or node name, or a non-empty list of them, got {_describe(value)}")


class LayerSpec(Record):
    """A dense layer: ``size`` neurons ``name_0`` … each fed by every node of ``from``."""

    name: str
    size: int
    source: str | list[str]
    activation: ActivationSpec
    init: InitSpec
    bias: bool | float
    trainable: bool
    seed: int | None
    weights: Any  # a float64 array (rows: source nodes), or None
    biases: Any  # a float64 array (one per neuron), or None

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        return {
            "name": field(NAME),
            "size": field(_SIZE),
            "source": field(checked(_sources), alias="from"),
            "activation": field(checked(_activation), default=ActivationSpec()),
            "init": field(checked(_init), default=InitSpec(name="xavier")),
            "bias": field(checked(_bias_value), default=True),
            "trainable": field(BOOL, default=True),
            "seed": field(cs.nullable_schema(NATURAL), default=None),
            "weights": field(_array(2, "a list of rows of numbers (one row per source node)"), default=None),
            "biases": field(_array(1, "a list of numbers (one per neuron)"), default=None),
        }
