"""The untrained network is epoch 0: `train --epochs 0 --json`, the JSON history and the --plot curve."""

from __future__ import annotations

import json

import numpy as np
import pytest

import graphengine
from graphengine.cli import main
from graphengine.engine.train import accuracy

SPECS = ["specs/doc_example.yaml", "specs/xor.yaml", "specs/iris_4883.yaml", "specs/skip_shared.yaml"]


def run_json(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("spec", SPECS)
def test_zero_epochs_report_the_untouched_network(capsys, spec):
    data = run_json(capsys, "train", spec, "--epochs", "0", "--json")
    step = run_json(capsys, "run", spec, "--json")  # the loss of the same, untouched parameters
    net = graphengine.load(spec)
    assert data["losses"] == [] and data["final_loss"] == step["loss"] == net.loss()
    assert data["history"] == {"epoch": [0], "loss": [step["loss"]]} | (
        {"accuracy": [data["accuracy"]]} if "accuracy" in data else {}
    )
    expected = accuracy(net.plan.loss, net.predict(net.X), net.T)
    assert data.get("accuracy") == expected
    assert data["parameters"] == net.parameters


@pytest.mark.parametrize("spec", SPECS)
def test_history_starts_at_epoch_0(capsys, spec):
    data = run_json(capsys, "train", spec, "--epochs", "7", "--json")
    history = data["history"]
    assert history["epoch"] == list(range(8))
    assert history["loss"][1:] == data["losses"]
    assert history["loss"][0] == run_json(capsys, "run", spec, "--json")["loss"]
    if "accuracy" in history:
        assert len(history["accuracy"]) == 8 and history["accuracy"][-1] == data["accuracy"]


def test_the_validation_columns_start_at_epoch_0_too(capsys):
    data = run_json(capsys, "train", "specs/digits.yaml", "--epochs", "2", "--json")
    history = data["history"]
    assert set(history) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in history.values())
    net = graphengine.load("specs/digits.yaml")
    assert history["val_loss"][0] == pytest.approx(net.loss(net.X_val, net.T_val), rel=1e-12)
    assert history["val_accuracy"][-1] == data["val_accuracy"]


def test_plot_draws_the_untrained_point(tmp_path, capsys, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.axes import Axes

    drawn: list[tuple[list, list]] = []
    original = Axes.plot

    def recording(self, x, y, *args, **kwargs):
        drawn.append((list(x), list(y)))
        return original(self, x, y, *args, **kwargs)

    monkeypatch.setattr(Axes, "plot", recording)
    plot = tmp_path / "curve.png"
    data = run_json(capsys, "train", "specs/xor.yaml", "--epochs", "5", "--json", "--plot", str(plot))
    assert plot.read_bytes()[:4] == b"\x89PNG"
    (loss_x, loss_y), (acc_x, acc_y) = drawn
    assert loss_x == acc_x == [0, 1, 2, 3, 4, 5]
    assert np.array_equal(loss_y, data["history"]["loss"]) and acc_y == data["history"]["accuracy"]
