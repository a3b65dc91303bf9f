"""The spec's records: their declared attributes match their schemas, they compare and copy by
value, and validating a spec defines no pydantic model class (the start-up it saves)."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

import pytest
from pydantic_core import ValidationError

from graphengine.spec import choices, data, layers, schema
from graphengine.spec.load import parse_spec
from graphengine.spec.record import Record

ROOT = Path(__file__).resolve().parents[2]


def _records() -> list[type[Record]]:
    found = {
        value
        for module in (choices, data, layers, schema)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Record) and value is not Record
    }
    return sorted(found, key=lambda cls: cls.__name__)


def _declared(cls: type[Record]) -> list[str]:
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        if klass is Record or not issubclass(klass, Record):
            continue
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            if not name.startswith("_") and "ClassVar" not in str(annotation) and name not in names:
                names.append(name)
    return names


def test_there_are_records_to_check() -> None:
    assert {"Spec", "NodeSpec", "EdgeSpec", "LayerSpec", "CsvData", "ActivationSpec"} <= {
        cls.__name__ for cls in _records()
    }


@pytest.mark.parametrize("cls", _records(), ids=lambda cls: cls.__name__)
def test_a_records_attributes_are_its_schemas_fields_in_order(cls: type[Record]) -> None:
    assert _declared(cls) == list(cls.fields())
    # every declared annotation names real types (a typo would only show up in mypy otherwise)
    for klass in cls.__mro__[: cls.__mro__.index(Record)]:
        for annotation in vars(klass).get("__annotations__", {}).values():
            assert eval(annotation, vars(typing), vars(sys.modules[klass.__module__])) is not None


def test_records_compare_and_copy_by_value() -> None:
    spec = parse_spec("inputs: [a]\noutputs: [y]\nnodes: {y: {}}\nedges: [{from: a, to: y, weight: 0.5}]\n")
    again = parse_spec("inputs: [a]\noutputs: [y]\nnodes: {y: {}}\nedges: [{from: a, to: y, weight: 0.5}]\n")
    assert spec == again and spec is not again
    assert spec.edges[0] != again.edges[0].model_copy(update={"weight": 0.25})
    copy = spec.model_copy(update={"name": "copy"})
    assert (copy.name, spec.name) == ("copy", None)
    assert copy.edges is spec.edges  # shallow, as pydantic's model_copy
    assert schema.EdgeSpec(**{"from": "a", "to": "y", "weight": 0.5}) == spec.edges[0]


def test_a_default_record_is_never_shared() -> None:
    spec = parse_spec("inputs: [a]\noutputs: [y, z]\nnodes: {y: {}, z: {}}\n")
    first, second = spec.nodes["y"].activation, spec.nodes["z"].activation
    assert first == second == choices.ActivationSpec() and first is not second


def test_a_plugin_choice_keeps_its_parameters_and_other_records_refuse_unknown_keys() -> None:
    chosen = choices.ActivationSpec.model_validate({"name": "leaky_relu", "alpha": 0.2})
    assert (chosen.name, chosen.params) == ("leaky_relu", {"alpha": 0.2})
    with pytest.raises(ValidationError) as refused:
        schema.EdgeSpec.model_validate({"from": "a", "to": "b", "weight": 1.0, "wieght": 2})
    assert [e["type"] for e in refused.value.errors()] == ["extra_forbidden"]


def test_validating_a_spec_defines_no_pydantic_model() -> None:
    # pydantic's model machinery (pydantic.main, its schema generator, annotated_types) costs
    # every command about a quarter of its unavoidable imports; `run` must not load it, nor
    # anything the worked example does not use.
    code = (
        "import sys\nfrom graphengine.cli import main\n"
        "try:\n    main(['run', 'specs/doc_example.yaml', '--json'])\nexcept SystemExit:\n    pass\n"
        "loaded = sorted(m for m in ('pydantic.main', 'pydantic.fields', 'annotated_types', 'rich', 'difflib',"
        " 'matplotlib', 'scipy', 'pandas') if m in sys.modules)\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stderr.splitlines()[-1] == "LOADED []", done.stderr[-2000:]
    assert '"loss"' in done.stdout or "loss" in done.stdout
