"""``inputs:`` layers and dense ``layers:`` in a spec: sizes, sources, initialisers, weights."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import Field, PlainValidator, StrictBool, StrictInt, model_validator

from .choices import ActivationSpec, InitSpec, _activation, _init
from .limits import MAX_LAYER_SIZE
from .values import Name, _describe, _Model, finite_number


class InputLayerSpec(_Model):
    """``inputs: [{name: x, size: 64}]`` declares the inputs ``x_0`` … ``x_63``."""

    name: Name
    size: Annotated[StrictInt, Field(ge=1, le=MAX_LAYER_SIZE)]
    # `shape: [8, 8]`: the inputs are an image, row by row (the layer view draws it as one).
    shape: Annotated[list[Annotated[StrictInt, Field(ge=1)]], Field(min_length=1, max_length=2)] | None = None

    @model_validator(mode="after")
    def _shape_fits_size(self) -> InputLayerSpec:
        if self.shape is not None and math.prod(self.shape) != self.size:
            shown = " × ".join(map(str, self.shape))
            raise ValueError(f"shape {shown} holds {math.prod(self.shape)} values but the layer has size {self.size}")
        return self


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

    return PlainValidator(check)


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


class LayerSpec(_Model):
    """A dense layer: ``size`` neurons ``name_0`` … each fed by every node of ``from``."""

    name: Name
    size: Annotated[StrictInt, Field(ge=1, le=MAX_LAYER_SIZE)]
    source: Annotated[str | list[str], PlainValidator(lambda v: _sources(v)), Field(alias="from")]
    activation: Annotated[ActivationSpec, PlainValidator(_activation)] = ActivationSpec()
    init: Annotated[InitSpec, PlainValidator(_init)] = InitSpec(name="xavier")
    bias: Annotated[bool | float, PlainValidator(_bias_value)] = True
    trainable: StrictBool = True
    seed: Annotated[StrictInt, Field(ge=0)] | None = None
    weights: Annotated[Any, _array(2, "a list of rows of numbers (one row per source node)")] = None
    biases: Annotated[Any, _array(1, "a list of numbers (one per neuron)")] = None
