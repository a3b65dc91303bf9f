"""pydantic-core's validation errors as one located message each: the bad value and what would
be valid, with "did you mean" for an unknown key."""

from __future__ import annotations

import math
from typing import Any

from pydantic_core import ErrorDetails

from ..errors import KeyPath, did_you_mean
from .data import CsvData, LabelTarget, Sample
from .layers import InputLayerSpec, LayerSpec
from .record import Record
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


def _model_at(loc: tuple[Any, ...]) -> type[Record] | None:
    """The record that holds the key at ``loc`` (for 'did you mean' on unknown keys)."""
    parents: dict[tuple[Any, ...], type[Record]] = {
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
        valid = model.keys() if model else []
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


# What to write after a key left empty (`bias:`), by the key's name.
_WRITE_INSTEAD = {
    "bias": "a number (`bias: 0.1`) or a parameter's name (`bias: b1`), or leave the key out for no bias",
    "weight": "a number (`weight: 0.5`) or a parameter's name (`weight: w1`)",
    "activation": "an activation such as `sigmoid`, `tanh`, `relu` or `identity` (or leave the key out for identity)",
    "loss": "a loss such as `half_squared_error`, `mse` or `binary_cross_entropy` (or leave the key out)",
    "inputs": "a list of names such as `[i1, i2]`",
    "outputs": "a list of names such as `[o1]`",
    "from": "the name of the node the edge leaves",
    "to": "the name of the node the edge enters",
    "value": "a number such as `0.5`",
    "trainable": "`true` or `false`",
    "learning_rate": "a positive number such as `learning_rate: 0.1`, or leave the key out",
    "name": "a name, or leave the key out",
    "description": "a sentence, or leave the key out",
}
_SECTIONS = ("nodes", "edges", "parameters", "data", "training", "layers", "targets")


def empty_value(path: KeyPath) -> str:
    """What is wrong with a key or list item written with nothing after it, and what to write.

    >>> empty_value(("nodes", "h1", "bias"))
    "no value; write a number (`bias: 0.1`) or a parameter's name (`bias: b1`), or leave the key out for no bias"
    >>> empty_value(("parameters", "w1"))
    'no value; write a number (`w1: 0.5`) or `{value: 0.5, trainable: false}`'
    """
    key = path[-1]
    if isinstance(key, int):
        return "an empty list item; write a value after the `-`, or remove the line"
    if path[:1] == ("parameters",) and len(path) == 2:
        return f"no value; write a number (`{key}: 0.5`) or `{{value: 0.5, trainable: false}}`"
    if key in _WRITE_INSTEAD:
        return f"no value; write {_WRITE_INSTEAD[key]}"
    if key in _SECTIONS:
        return f"no value; write its entries on the lines below it, indented by two spaces (or leave `{key}:` out)"
    return "no value; write one after the colon, or leave the key out"
