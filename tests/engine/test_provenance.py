"""A trained spec reads its data wherever it is saved, for the user who saved it only
(graphengine.engine.provenance, graphengine._util.signing)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

import graphengine
from graphengine._util.signing import key_file, path_signed, sign_path
from graphengine.errors import DataError

ROOT = Path(__file__).resolve().parents[2]
DIGITS = ROOT / "specs" / "digits.yaml"


@pytest.fixture
def trained(tmp_path: Path, cli, monkeypatch) -> Path:
    """``train specs/digits.yaml -o OTHER/T.yaml`` run from a third folder."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "x" / "T.yaml"
    out.parent.mkdir()
    ran = cli("train", DIGITS, "--epochs", "1", "-o", out)
    assert ran.code == 0, ran.err
    return out


def test_trained_spec_elsewhere_evaluates_and_predicts_without_flags(trained: Path, cli, monkeypatch) -> None:
    data = yaml.safe_load(trained.read_text())["data"]
    assert data["csv"] == str((ROOT / "specs" / "data" / "digits.csv").resolve())
    assert len(data["path_signature"]) == 64
    elsewhere = trained.parent.parent / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for command in (["evaluate", trained], ["predict", trained], ["train", trained, "--epochs", "1"]):
        ran = cli(*command)
        assert ran.code == 0, (command, ran.err)
    # the same rows as the original spec reads (same data, same split)
    original, again = graphengine.load(DIGITS), graphengine.load(trained)
    np.testing.assert_array_equal(original.X, again.X)
    np.testing.assert_array_equal(original.T_val, again.T_val)


def test_another_users_key_refuses_the_trained_spec(trained: Path, cli, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "another-user"))
    ran = cli("evaluate", trained)
    assert ran.code == 2
    assert "outside the spec's folder" in ran.err and "path_signature is not one of yours" in ran.err
    assert len(ran.err.strip().splitlines()) == 1


def test_a_signature_names_one_file_only(trained: Path, cli, tmp_path: Path) -> None:
    """Editing the path (to a secret next to the data, say) breaks the signature."""
    secret = tmp_path / "secret.csv"
    shutil.copy(ROOT / "specs" / "data" / "digits.csv", secret)
    text = trained.read_text()
    trained.write_text(text.replace(str((ROOT / "specs" / "data" / "digits.csv").resolve()), str(secret)))
    ran = cli("evaluate", trained)
    assert ran.code == 2 and "path_signature is not one of yours" in ran.err


def test_a_hand_written_signature_without_the_key_is_refused(tmp_path: Path) -> None:
    """A spec from elsewhere naming /etc/hostname with a made-up signature reads nothing."""
    folder = tmp_path / "downloaded"
    folder.mkdir()
    spec = folder / "evil.yaml"
    spec.write_text(
        "inputs: [a]\noutputs: [b]\nnodes: {b: {}}\nedges: [{from: a, to: b, weight: 0.5}]\n"
        f'data: {{csv: /etc/hostname, inputs: [a], targets: [b], path_signature: "{"0" * 64}"}}\n'
    )
    with pytest.raises(DataError, match="path_signature is not one of yours"):
        graphengine.load(spec)


def test_signature_is_made_once_and_private(tmp_path: Path) -> None:
    first = sign_path("/data/a.csv")
    assert key_file().stat().st_mode & 0o777 == 0o600
    assert sign_path("/data/a.csv") == first  # the key is kept, not remade
    assert path_signed(first, "/data/a.csv") and not path_signed(first, "/data/b.csv")
    assert not path_signed(None, "/data/a.csv") and not path_signed("", "/data/a.csv")


def test_data_inside_the_new_folder_stays_relative(tmp_path: Path) -> None:
    """A data file below the trained spec's folder is named relative to it, unsigned: the
    folder can move as a whole."""
    folder = tmp_path / "project"
    (folder / "data").mkdir(parents=True)
    (folder / "runs").mkdir()
    shutil.copy(ROOT / "specs" / "data" / "digits.csv", folder / "data" / "digits.csv")
    shutil.copy(DIGITS, folder / "digits.yaml")
    graphengine.load(folder / "digits.yaml").save(folder / "T.yaml")
    assert yaml.safe_load((folder / "T.yaml").read_text())["data"]["csv"] == "data/digits.csv"
    graphengine.load(folder / "T.yaml").save(folder / "runs" / "T2.yaml")
    data = yaml.safe_load((folder / "runs" / "T2.yaml").read_text())["data"]
    assert data["csv"] == str((folder / "data" / "digits.csv").resolve()) and "path_signature" in data
    moved = tmp_path / "moved"
    shutil.move(folder, moved)
    assert len(graphengine.load(moved / "T.yaml").X) == len(graphengine.load(DIGITS).X)
