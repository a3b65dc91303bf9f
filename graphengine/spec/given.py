"""The numbers a spec gives (parameters, inline weights and biases, data written in the spec,
the learning rate), where each is written in the text, and the text with some of them changed.

``serve``'s "what if" edits them: the page sends new values, the text is changed at exactly
those scalars (comments, order and layout kept) and parsed again. Only numbers written as
plain YAML scalars are listed; data in a file and initialised layers are not given numbers.

>>> text = "parameters:\\n  w5: 0.40   # from the worked example\\n"
>>> [g.key for g in given_numbers(text)]
['parameters.w5']
>>> with_numbers(text, {"parameters.w5": 0.5})
'parameters:\\n  w5: 0.5   # from the worked example\\n'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import yaml

from ..errors import SpecError
from .yamldoc import compose

# A page with more fields than this is no longer a "what if": the first ones are offered.
MAX_GIVEN = 200
# Samples of inline data whose inputs and targets are offered.
MAX_SAMPLES = 4


@dataclass(frozen=True)
class Given:
    """One number written in the spec: its key, a label for people, and where its text is."""

    key: str  # "parameters.w5", "data.0.inputs.i1", "training.learning_rate" …
    label: str
    value: float
    text: str  # as written
    start: int  # character offsets of the scalar in the spec's text
    end: int
    line: int


def _number(node: yaml.Node) -> float | None:
    if not isinstance(node, yaml.ScalarNode) or node.style:  # plain: None (Python composer) or "" (C)
        return None  # quoted or block scalars are text, not numbers
    try:
        value = float(node.value)
    except ValueError:
        return None
    return value if node.tag.endswith((":int", ":float")) and math.isfinite(value) else None


def _mapping(node: yaml.Node | None) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def given_numbers(text: str, file: str | None = None) -> list[Given]:
    """Every number the spec gives, in the order a reader meets them (at most :data:`MAX_GIVEN`)."""
    root = compose(text, file)
    top = _mapping(root)
    found: list[Given] = []

    def add(key: str, label: str, node: yaml.Node | None) -> None:
        value = _number(node) if node is not None else None
        if value is not None and node is not None and len(found) < MAX_GIVEN:
            start, end = node.start_mark.index, node.end_mark.index
            found.append(Given(key, label, value, text[start:end], start, end, node.start_mark.line + 1))

    for name, node in _mapping(top.get("parameters")).items():
        add(f"parameters.{name}", name, _mapping(node).get("value") if isinstance(node, yaml.MappingNode) else node)
    for name, node in _mapping(top.get("nodes")).items():
        bias = _mapping(node).get("bias")
        add(f"nodes.{name}.bias", f"bias of {name}", bias)
    edges = top.get("edges")
    if isinstance(edges, yaml.SequenceNode):
        for k, edge in enumerate(edges.value):
            fields = _mapping(edge)
            ends = [fields.get("from"), fields.get("to")]
            if all(isinstance(e, yaml.ScalarNode) for e in ends):
                label = f"{ends[0].value}→{ends[1].value}"  # type: ignore[union-attr]
                add(f"edges.{k}.weight", f"weight {label}", fields.get("weight"))
    data = top.get("data")
    if isinstance(data, yaml.SequenceNode):
        for s, sample in enumerate(data.value[:MAX_SAMPLES]):
            fields = _mapping(sample)
            which = f" (sample {s})" if len(data.value) > 1 else ""
            for name, node in _mapping(fields.get("inputs")).items():
                add(f"data.{s}.inputs.{name}", f"{name}{which}", node)
            for name, node in _mapping(fields.get("targets")).items():
                add(f"data.{s}.targets.{name}", f"target t_{name}{which}", node)
    add("training.learning_rate", "learning rate η", _mapping(top.get("training")).get("learning_rate"))
    return found


def yaml_number(x: float) -> str:
    """``x`` as a YAML scalar that reads back as the same float (YAML 1.1 wants a dot before an exponent).

    >>> yaml_number(0.5), yaml_number(1e-05), yaml_number(1e20)
    ('0.5', '1.0e-05', '1.0e+20')
    """
    text = repr(x)
    if "e" in text and "." not in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def with_numbers(text: str, values: dict[str, float], file: str | None = None) -> str:
    """``text`` with the given numbers ``values`` (key → new value) written in place of the old ones.

    Only those scalars change: comments, order and layout stay. An unknown key or a value
    that is not a finite number is a :class:`SpecError` naming it.
    """
    given = {g.key: g for g in given_numbers(text, file)}
    edits = []
    for key, value in values.items():
        if key not in given:
            raise SpecError(f"`{key}` is not a number given in the spec", file=file)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise SpecError(f"`{key}`: {value!r} is not a finite number", file=file)
        g = given[key]
        if float(value) != g.value:
            edits.append((g.start, g.end, yaml_number(float(value))))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text
