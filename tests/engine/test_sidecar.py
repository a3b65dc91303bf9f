"""Trained weights in a sidecar file: written with the YAML, read back exactly, refused when stale."""

import hashlib

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphengine
from graphengine.cli import main
from graphengine.engine.sidecar import sidecar_path
from graphengine.errors import DataError


def layered(widths: list[int], seed: int) -> str:
    lines = [f"inputs: [{{name: x, size: {widths[0]}}}]", "layers:"]
    previous = "x"
    for k, width in enumerate(widths[1:]):
        name = "y" if k == len(widths) - 2 else f"h{k}"
        lines.append(f"  - {{name: {name}, size: {width}, from: {previous}, activation: tanh, seed: {seed + k}}}")
        previous = name
    lines += ["outputs: [y]", "loss: mse"]
    return "\n".join(lines) + "\n"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    widths=st.lists(st.integers(1, 30), min_size=2, max_size=4),
    threshold=st.integers(0, 400),
    seed=st.integers(0, 50),
)
def test_save_load_round_trip_with_and_without_sidecar(tmp_path, widths, threshold, seed):
    """Generated networks: above the threshold a sidecar, below plain YAML; both load exactly."""
    spec = tmp_path / f"n{seed}.yaml"
    spec.write_text(layered(widths, seed))
    net = graphengine.load(spec)
    net.theta = np.random.default_rng(seed).normal(size=len(net.theta))
    out = tmp_path / f"out{seed}.yaml"
    sidecar = sidecar_path(out)
    sidecar.unlink(missing_ok=True)
    net.save(out, sidecar_threshold=threshold)
    data = yaml.safe_load(out.read_text())
    big = len(net.theta) > threshold
    assert ("weights_file" in data) == big == sidecar.exists()
    if big:
        assert data["weights_file"]["file"] == sidecar.name
        assert data["weights_file"]["parameters"] == len(net.theta)
        assert not any("weights" in layer for layer in data["layers"])  # the values are not in the YAML
    again = graphengine.load(out)
    assert np.array_equal(again.theta, net.theta)  # bit-exact either way
    # saving the loaded network again (small threshold or not) keeps the values
    again.save(out, sidecar_threshold=10**9)
    assert "weights_file" not in yaml.safe_load(out.read_text())
    assert np.array_equal(graphengine.load(out).theta, net.theta)


@pytest.fixture
def saved(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text(layered([20, 30, 5], 0))
    net = graphengine.load(spec)
    net.theta += 0.25
    out = tmp_path / "trained.yaml"
    net.save(out, sidecar_threshold=100)
    return net, out


def test_stale_missing_and_foreign_sidecars_are_one_error_line(saved, tmp_path, capsys):
    net, out = saved
    sidecar = sidecar_path(out)
    good = sidecar.read_bytes()

    def run() -> str:
        assert main(["validate", str(out)]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
        return err

    # stale: the sidecar of another save of the same network
    other = graphengine.load(out)
    other.theta -= 1.0
    other.save(tmp_path / "other.yaml", sidecar_threshold=100)
    sidecar.write_bytes(sidecar_path(tmp_path / "other.yaml").read_bytes())
    err = run()
    assert "weights_file.sha256" in err and "does not hold the values" in err
    # foreign: a sidecar of a network of another shape
    small = tmp_path / "small.yaml"
    small.write_text(layered([20, 29, 5], 0))
    graphengine.load(small).save(tmp_path / "small_out.yaml", sidecar_threshold=100)
    sidecar.write_bytes(sidecar_path(tmp_path / "small_out.yaml").read_bytes())
    assert "weights of another network" in run()
    # truncated
    sidecar.write_bytes(good[:100])
    assert "not a readable .safetensors weights file" in run()
    # missing
    sidecar.unlink()
    err = run()
    assert "is missing" in err and "weights_file.file" in err
    # a hand-edited hash is checked by the schema
    sidecar.write_bytes(good)
    out.write_text(out.read_text().replace("sha256: ", "sha256: x"))
    assert "weights_file.sha256" in run()


def test_train_o_writes_sidecar_first_and_yaml_names_its_hash(tmp_path, capsys):
    spec = tmp_path / "net.yaml"
    spec.write_text(
        layered([100, 120, 3], 1)
        + "data:\n"
        + "".join(
            f"  - {{inputs: {{{', '.join(f'x_{i}: {((i * 7 + s) % 10) / 10}' for i in range(100))}}}, "
            f"targets: {{y_0: 0.1, y_1: 0.5, y_2: 0.9}}}}\n"
            for s in range(3)
        )
    )
    out = tmp_path / "o" / "trained.yaml"
    out.parent.mkdir()  # output folders are never made silently
    assert main(["train", str(spec), "--epochs", "3", "-o", str(out), "--json"]) == 0
    capsys.readouterr()
    data = yaml.safe_load(out.read_text())
    sidecar = out.with_name("trained.weights.safetensors")
    assert data["weights_file"]["file"] == sidecar.name and sidecar.stat().st_mtime_ns <= out.stat().st_mtime_ns
    values = graphengine.load(out).theta
    assert hashlib.sha256(values.astype("<f8").tobytes()).hexdigest() == data["weights_file"]["sha256"]
    assert (
        main(["train", str(spec), "--epochs", "3", "-o", str(tmp_path / "small.yaml"), "--sidecar-threshold", "99999"])
        == 0
    )
    assert "weights_file" not in (tmp_path / "small.yaml").read_text()


def test_read_sidecar_error_is_a_data_error(saved):
    net, out = saved
    sidecar_path(out).unlink()
    with pytest.raises(DataError, match="is missing"):
        graphengine.load(out)
