"""Pydantic's validation errors as one located message each: the bad value and what would
be valid, with "did you mean" for an unknown key."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from ..errors import KeyPath, did_you_mean
from .data import CsvData, LabelTarget, Sample
from .layers import InputLayerSpec, LayerSpec
from .schema import EdgeSpec, NodeSpec, ParameterSpec, Spec, Training, WeightsFile
from .values import _describe

_EXPECTED = {
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "int_type": "an integer",
    "bool_type": "`true` or `false`",
    "float_type": "a number",
}


def _fields(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that holds the key at ``loc`` (for 'did you mean' on unknown keys)."""
    parents: dict[tuple[Any, ...], type[BaseModel]] = {
        (): Spec,
        ("nodes", "*"): NodeSpec,
        ("edges", "*"): EdgeSpec,
        ("parameters", "*"): ParameterSpec,
        ("data", "*"): Sample,
        ("data",): CsvData,
        ("data", "targets"): LabelTarget,
        ("layers", "*"): LayerSpec,
        ("inputs", "*"): InputLayerSpec,
        ("training",): Training,
        ("weights_file",): WeightsFile,
    }
    parent = loc[:-1]
    generic = tuple("*" if i == 1 else p for i, p in enumerate(parent))
    return parents.get(parent) or parents.get(generic)


def _message(err: ErrorDetails) -> str:
    kind, loc, value = err["type"], err["loc"], err.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc)
        valid = _fields(model) if model else []
        hint = did_you_mean(str(loc[-1]), valid)
        return f"unknown key `{loc[-1]}`{hint}" + (f" (valid keys: {', '.join(valid)})" if valid else "")
    if kind == "missing":
        return f"missing required key `{loc[-1]}`"
    if kind == "value_error":
        return str(err["ctx"]["error"])
    if kind in ("model_type", "model_attributes_type") and len(loc) == 2 and loc[0] == "nodes":
        return (
            f"a node entry must be a mapping such as `{{activation: sigmoid, bias: 0.1}}` "
            f"(`{{}}` for identity without bias), got {_describe(value)}"
        )
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_describe(value)}"
    if kind == "too_short":
        return "must not be empty"
    if kind == "literal_error":
        return f"expected {err['ctx']['expected']}, got {_describe(value)}"
    if isinstance(value, float) and not math.isfinite(value) and kind in ("less_than", "less_than_equal"):
        return f"expected a finite number, got {_describe(value)}"
    if kind == "less_than_equal":
        return f"must be ≤ {err['ctx']['le']:,}, got {_describe(value)}"
    if kind == "less_than":
        return f"must be < {err['ctx']['lt']:g}, got {_describe(value)}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be {'≥' if kind.endswith('equal') else '>'} {err['ctx'].get('ge', err['ctx'].get('gt'))}, got {_describe(value)}"
    return f"{err['msg']}, got {_describe(value)}"


def _clean_loc(loc: tuple[Any, ...]) -> KeyPath:
    # PlainValidator-wrapped models may add internal loc parts; keep the user's key path.
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
