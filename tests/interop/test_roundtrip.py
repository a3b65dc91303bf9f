"""train → save (-o) → load: the trained spec loads again with the same parameters and loss,
inline numbers get their trained values in place, and nothing partial is ever written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import Ran

import graphengine
from graphengine.engine import network as network_module
from graphengine.errors import GraphEngineError

XOR = "specs/xor.yaml"
SKIP = "specs/skip_shared.yaml"


def test_cli_train_save_load_round_trip(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    out = tmp_path / "xor_trained.yaml"
    ran = cli("train", XOR, "--epochs", "300", "--json", "-o", out)
    assert ran.code == 0
    data = json.loads(ran.out)
    trained = graphengine.load(out)
    # Floats are written with repr precision, so the values come back bit for bit.
    assert trained.parameters == data["parameters"]
    assert trained.loss() == data["final_loss"]
    assert trained.loss() < graphengine.load(XOR).loss()
    # It is the same network: same nodes, edges, loss, data, training section.
    original = graphengine.load(XOR)
    assert list(trained.graph.edges(data="weight")) == list(original.graph.edges(data="weight"))
    assert trained.spec.data == original.spec.data
    assert trained.spec.training == original.spec.training
    assert cli("validate", out).code == 0


def test_inline_numbers_are_written_back_in_place(tmp_path: Path) -> None:
    net = graphengine.load(SKIP)
    before = dict(net.parameters)
    net.train(50)
    out = tmp_path / "skip.yaml"
    net.save(out)
    raw = yaml.safe_load(out.read_text())
    values = net.parameters
    assert raw["edges"][2] == {"from": "x1", "to": "h2", "weight": values["x1->h2"]}
    assert raw["edges"][5]["weight"] == values["x2->y"] != before["x2->y"]
    assert raw["nodes"]["h1"]["bias"] == values["h1.bias"]
    assert raw["nodes"]["y"] == {"bias": values["y.bias"]}
    # Named parameters stay references; their values live under `parameters`, in their own form.
    assert raw["edges"][0]["weight"] == raw["edges"][1]["weight"] == "w"
    assert raw["nodes"]["h2"]["bias"] == "b"
    assert raw["parameters"] == {"w": values["w"], "b": {"value": -0.1, "trainable": False}}
    again = graphengine.load(out)
    assert again.parameters == values
    assert again.loss() == net.loss()


def test_saving_an_untrained_network_changes_nothing(tmp_path: Path) -> None:
    net = graphengine.load("specs/doc_example.yaml")
    out = tmp_path / "same.yaml"
    net.save(out)
    assert yaml.safe_load(out.read_text()) == yaml.safe_load(Path("specs/doc_example.yaml").read_text())


def test_invalid_spec_writes_nothing_and_keeps_an_existing_file(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    out = tmp_path / "out.yaml"
    assert cli("train", "tests/fixtures/bad/cycle.yaml", "-o", out).code == 2
    assert not out.exists()
    out.write_text("precious\n")
    assert cli("train", "tests/fixtures/bad/weight_nan.yaml", "-o", out).code == 2
    assert out.read_text() == "precious\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.yaml"]


def test_a_failed_write_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.yaml"
    out.write_text("old\n")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(network_module.os, "replace", broken_replace)
    with pytest.raises(GraphEngineError, match="cannot write: No space left on device"):
        graphengine.load(XOR).save(out)
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.yaml"]  # the temporary file is gone
    monkeypatch.undo()
    graphengine.load(XOR).save(out)
    assert graphengine.load(out).parameters == graphengine.load(XOR).parameters


def test_unwritable_output_is_a_one_line_error(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = blocker / "trained.yaml"  # a folder that is a file
    ran = cli("train", XOR, "--epochs", "1", "-o", out)
    assert ran.code == 2
    err = ran.err
    assert err.startswith(f"error: {out}: cannot write") and len(err.strip().splitlines()) == 1
