"""The numbers a spec gives and their in-place edit (graphengine/spec/given.py), used by `serve`'s "what if"."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given as for_all
from hypothesis import strategies as st

import graphengine
from graphengine.errors import SpecError
from graphengine.spec.given import given_numbers, with_numbers, yaml_number

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "specs" / "doc_example.yaml"


def test_the_worked_example_gives_every_number_once():
    text = DOC.read_text()
    found = {g.key: g for g in given_numbers(text)}
    expected = {f"parameters.w{k}" for k in range(1, 9)} | {"parameters.b1", "parameters.b2"}
    expected |= {"data.0.inputs.i1", "data.0.inputs.i2", "data.0.targets.o1", "data.0.targets.o2"}
    expected |= {"training.learning_rate"}
    assert set(found) == expected
    assert found["parameters.b1"].value == 0.35 and found["parameters.b1"].text == "0.35"  # inside {value: …}
    assert found["parameters.w2"].text == "0.20"  # as written
    lines = text.splitlines()
    for g in found.values():
        assert g.text in lines[g.line - 1]


def test_an_edit_changes_only_its_scalar():
    text = DOC.read_text()
    edited = with_numbers(text, {"parameters.w5": 0.5, "parameters.b1": 0.25, "data.0.targets.o2": 1.0})
    before, after = text.splitlines(), edited.splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert changed == [
        ("  w5: 0.40", "  w5: 0.5"),
        (
            "  b1: {value: 0.35, trainable: false}   # one bias shared by h1 and h2",
            "  b1: {value: 0.25, trainable: false}   # one bias shared by h1 and h2",
        ),
        ("    targets: {o1: 0.01, o2: 0.99}", "    targets: {o1: 0.01, o2: 1.0}"),
    ]
    net = graphengine.Network.from_yaml(edited)
    assert net.parameters["w5"] == 0.5 and net.parameters["b1"] == 0.25
    assert with_numbers(text, {"parameters.w5": 0.4}) == text  # the same value: nothing rewritten


def test_inline_weights_and_biases_are_given_too():
    text = (ROOT / "specs" / "iris_4883.yaml").read_text()
    keys = [g.key for g in given_numbers(text)]
    assert "nodes.a1.bias" in keys and "edges.0.weight" in keys


@pytest.mark.parametrize(
    "values, message",
    [({"parameters.w9": 1.0}, "`parameters.w9` is not a number given"), ({"parameters.w5": float("nan")}, "finite")],
)
def test_bad_edits_are_refused(values, message):
    with pytest.raises(SpecError, match=message):
        with_numbers(DOC.read_text(), values)


@for_all(st.floats(allow_nan=False, allow_infinity=False))
def test_written_numbers_read_back_exactly(x):
    assert yaml.safe_load(f"a: {yaml_number(x)}")["a"] == x
