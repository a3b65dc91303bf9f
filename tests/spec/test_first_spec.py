"""A first spec without stumbles: what an empty value or a misaligned line is told
(the fixtures are in tests/fixtures/bad/ and checked by tests/test_spec_errors.py), and
what stays allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphengine.errors import SpecError
from graphengine.spec.load import parse_spec
from graphengine.spec.yamldoc import indentation_hint

DOC = Path(__file__).resolve().parents[2] / "specs" / "doc_example.yaml"


def test_explicit_null_bias_still_means_no_bias():
    text = DOC.read_text(encoding="utf-8").replace(
        "h1: {activation: sigmoid, bias: b1}", "h1: {activation: sigmoid, bias: ~}"
    )
    spec = parse_spec(text, "x.yaml")
    assert spec.nodes["h1"].bias is None and spec.nodes["h2"].bias == "b1"


@pytest.mark.parametrize("quoted", ['""', "''"])
def test_a_quoted_empty_string_is_not_an_empty_value(quoted):
    # `description: ""` is written on purpose: the schema judges it, not the empty-value rule.
    text = DOC.read_text(encoding="utf-8").replace("description: 2-2-2", f"description: {quoted}\n# 2-2-2")
    assert parse_spec(text, "x.yaml").description == ""


def test_every_empty_value_in_the_worked_example_is_located():
    """Empty each scalar of the worked example in turn: every one is an error on its own line."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    emptied = 0
    for k, line in enumerate(lines):
        stripped = line.split("#", 1)[0].rstrip()
        if ":" not in stripped or "{" in stripped or stripped.endswith(":"):
            continue
        key = stripped.split(":", 1)[0].strip()
        changed = [*lines[:k], f"{line[: line.index(':') + 1]}", *lines[k + 1 :]]
        with pytest.raises(SpecError) as caught:
            parse_spec("\n".join(changed), "x.yaml")
        assert caught.value.line == k + 1, (key, str(caught.value))
        assert caught.value.path[-1] == key and "no value" in caught.value.message
        emptied += 1
    assert emptied >= 12  # name, description, the parameters, loss, learning_rate


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("a:\n  b: 1\n  c: 2\n", 2, None),  # fine: no hint
        ("a:\n  b: 1\n   c: 2\n", 2, ("`b` on line 2", 2, 3)),
        ("a:\n    b: 1\n  c: 2\n", 2, ("`b` on line 2", 4, 2)),  # nearer 4 than 0
        ("a:\n  - x: 1\n     y: 2\n", 2, ("`x` on line 2", 4, 5)),
        ("a:\n  - {x: 1}\n   - {x: 2}\n", 2, ("the `-` on line 2", 2, 3)),
        ("a:\n  b:\n    c: 1\n\n   # note\n d: 1\n", 5, ("`b` on line 2", 2, 1)),  # tie 0/2: the deeper
    ],
)
def test_indentation_hint(text, line, expected):
    hint = indentation_hint(text, line)
    if expected is None:
        assert hint is None
        return
    what, must, has = expected
    assert hint == (
        f"check the indentation of line {line + 1} (it must line up with {what}: "
        f"{must} space{'s' if must != 1 else ''}, not {has})"
    )
