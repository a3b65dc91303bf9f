"""The scalars of a spec: numbers, names, and how a bad value is described in a message."""

from __future__ import annotations

import math
from typing import Any

from .record import cs


def _looks_like_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# PyYAML follows YAML 1.1, where `1e-3` (no dot) is text, not a number.
NUMBER_AS_TEXT_HINT = "quoted numbers and YAML 1.1 forms such as `1e-3` are read as text: write `0.001` or `1.0e-3`"


def _describe(value: Any) -> str:
    if isinstance(value, str) and len(value) > 80:  # one line stays one readable line
        return f"`{value[:40]}…` ({len(value):,} characters)"
    if isinstance(value, str):
        if value and _looks_like_number(value):
            return f"the text `{value}` ({NUMBER_AS_TEXT_HINT})"
        return f"`{value}`" if value else "an empty string"
    if isinstance(value, bool):
        return f"`{str(value).lower()}` (a boolean)"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int) and len(str(value)) > 20:
        return f"an integer of {len(str(value))} digits"
    return f"`{value}`"


def finite_number(value: Any) -> float:
    """An int or float that is not a boolean, NaN or infinite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {_describe(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"expected a finite number, got an integer with {len(str(value))} digits") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got `{value}`")
    return number


def number_or_name(value: Any) -> float | str:
    """A weight or bias: a finite number, or the name of a parameter (any string)."""
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("expected a number or a parameter name, got an empty string")
        return value
    try:
        return finite_number(value)
    except ValueError as e:
        raise ValueError(f"{e}; a weight or bias is a number or a parameter name") from None


def checked(function: Any) -> cs.CoreSchema:
    """A value checked by ``function`` (which returns it, cleaned, or raises ValueError)."""
    return cs.no_info_plain_validator_function(function, json_schema_input_schema=cs.any_schema())


NUMBER = checked(finite_number)
NUMBER_OR_NAME = checked(number_or_name)
NAME = cs.str_schema(min_length=1, strict=True)
BOOL = cs.bool_schema(strict=True)  # `true` or `false`, never 1 or "yes"
NATURAL = cs.int_schema(ge=0, strict=True)  # a seed, a count: 0, 1, 2, …
