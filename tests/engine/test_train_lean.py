"""The lean full-batch loop (engine/lean.py) gives the general loop's numbers to the last bit.

Each spec trains twice from the same start, once through the lean loop and once through the
general one (``train.LEAN`` off): the loss history, accuracies, validation losses and final
parameters must be equal, not close.
"""

import os
import signal
from pathlib import Path

import numpy as np
import pytest

import graphengine
import graphengine.engine.train as train_module
from graphengine.engine.lean import lean_layers
from graphengine.errors import TrainingError

ROOT = Path(__file__).resolve().parents[2]


def dense(activation: str, loss: str, *, out_activation: str = "identity", extra: str = "") -> str:
    """A 3-4-3-2 layered spec with four samples, Xavier weights from a seed."""
    classes = loss in ("softmax_cross_entropy", "binary_cross_entropy")
    targets = [(1, 0), (0, 1), (1, 0), (0, 1)] if classes else [(0.3, -0.6), (-0.2, 0.9), (0.5, 0.1), (-0.7, 0.4)]
    inputs = [(0.5, -0.2, 0.1), (-1.5, 0.7, 0.3), (0.25, 1.2, -0.8), (2.0, -0.4, 0.6)]
    data = "".join(
        f"  - inputs: {{x_0: {x[0]}, x_1: {x[1]}, x_2: {x[2]}}}\n    targets: {{y_0: {t[0]}, y_1: {t[1]}}}\n"
        for x, t in zip(inputs, targets)
    )
    return f"""
name: lean
inputs:
  - {{name: x, size: 3}}
layers:
  - {{name: h, size: 4, from: x, activation: {activation}, init: xavier}}
  - {{name: g, size: 3, from: h, activation: {activation}, init: xavier}}
  - {{name: y, size: 2, from: g, activation: {out_activation}, init: xavier}}
outputs: [y]
loss: {loss}
data:
{data}training:
  learning_rate: 0.05
  seed: 7
{extra}"""


SPECS = {
    "worked example (sigmoid, frozen shared biases)": (ROOT / "specs" / "doc_example.yaml").read_text(),
    "tanh, half squared error": dense("tanh", "half_squared_error"),
    "relu, mse": dense("relu", "mse"),
    "leaky relu (a parameter), mse": dense("{name: leaky_relu, alpha: 0.2}", "mse"),
    "softplus into softmax cross-entropy": dense("softplus", "softmax_cross_entropy"),
    "sigmoid into binary cross-entropy": dense("sigmoid", "binary_cross_entropy", out_activation="sigmoid"),
    "identity layers": dense("identity", "half_squared_error"),
    "tanh, adam": dense("tanh", "mse", extra="  optimizer: adam\n").replace(
        "learning_rate: 0.05", "learning_rate: 0.01"
    ),
    "relu, momentum": dense("relu", "half_squared_error", extra="  optimizer: {name: momentum, beta: 0.8}\n"),
    "tanh, float32": dense("tanh", "mse", extra="  dtype: float32\n"),
    "xor": (ROOT / "specs" / "xor.yaml").read_text(),
    "tanh 3-3-3-2": (ROOT / "specs" / "tanh_3332.yaml").read_text(),
}


def trained(text: str, lean: bool, epochs: int = 60, monkeypatch=None, file: str = "lean.yaml", **kwargs):
    monkeypatch.setattr(train_module, "LEAN", lean)
    net = graphengine.Network.from_yaml(text, file=str(ROOT / "specs" / file))
    history = net.train(epochs, **kwargs)
    return net, history


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_lean_loop_gives_the_general_loops_numbers_bit_for_bit(name, monkeypatch):
    text = SPECS[name]
    net = graphengine.Network.from_yaml(text, file=str(ROOT / "specs" / "lean.yaml"))
    assert lean_layers(net.plan) is not None  # the lean loop is what this spec trains through
    lean, lean_history = trained(text, True, monkeypatch=monkeypatch)
    general, general_history = trained(text, False, monkeypatch=monkeypatch)
    assert lean_history.losses == general_history.losses
    assert lean_history.accuracies == general_history.accuracies
    assert lean_history.epochs == general_history.epochs == 60
    assert np.array_equal(lean.theta, general.theta)
    assert lean_history.losses[-1] != lean_history.losses[0]  # it trained


def test_classification_accuracy_and_a_validation_split_match_too(monkeypatch):
    text = (ROOT / "specs" / "moons.yaml").read_text()
    text = text.replace("  csv: data/moons.csv\n", "  csv: data/moons.csv\n  validation_split: 0.25\n")
    assert "validation_split" in text
    net = graphengine.Network.from_yaml(text, file=str(ROOT / "specs" / "moons.yaml"))
    assert lean_layers(net.plan) is not None and len(net.X_val) > 0
    kwargs = {"batch_size": len(net.X)}  # full batch even where the spec asks for mini-batches
    lean, a = trained(text, True, 15, monkeypatch, "moons.yaml", **kwargs)
    general, b = trained(text, False, 15, monkeypatch, "moons.yaml", **kwargs)
    assert a.accuracies is not None and a.accuracies == b.accuracies
    assert a.val_losses == b.val_losses and a.val_accuracies == b.val_accuracies
    assert a.losses == b.losses and np.array_equal(lean.theta, general.theta)


def test_callbacks_see_the_same_epochs_and_losses(monkeypatch):
    text = SPECS["tanh, half squared error"]
    seen: dict[bool, list] = {True: [], False: []}
    for lean in (True, False):
        trained(text, lean, 5, monkeypatch, callback=lambda e, loss, m, lean=lean: seen[lean].append((e, loss, m)))
    assert seen[True] == seen[False] and [e for e, _, _ in seen[True]] == [1, 2, 3, 4, 5]


def test_networks_the_lean_loop_does_not_cover_train_through_the_general_one():
    # A skip connection: the last level reads two levels.
    skip = graphengine.load(ROOT / "specs" / "skip_shared.yaml")
    assert lean_layers(skip.plan) is None
    # Mixed activations in one level.
    text = (
        (ROOT / "specs" / "doc_example.yaml")
        .read_text()
        .replace("h2: {activation: sigmoid, bias: b1}", "h2: {activation: tanh, bias: b1}")
    )
    mixed = graphengine.Network.from_yaml(text)
    assert lean_layers(mixed.plan) is None


def test_divergence_names_the_epoch_and_node_as_the_general_loop_does(monkeypatch):
    text = SPECS["relu, mse"].replace("learning_rate: 0.05", "learning_rate: 1000000.0")
    messages = []
    for lean in (True, False):
        with pytest.raises(TrainingError) as caught:
            trained(text, lean, 200, monkeypatch)
        messages.append(caught.value.message)
    assert messages[0] == messages[1] and "epoch" in messages[0]


def test_ctrl_c_in_the_lean_loop_stops_after_the_epoch(monkeypatch):
    # SIGINT arrives while epoch 3 reports: training stops after it, with exactly 3 epochs' parameters.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    def press(epoch, loss, metrics):
        if epoch == 3:
            os.kill(os.getpid(), signal.SIGINT)

    net, history = trained(SPECS["tanh, half squared error"], True, 100, monkeypatch, callback=press)
    assert history.interrupted and history.epochs == 3 and len(history.losses) == 3
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    reference, _ = trained(SPECS["tanh, half squared error"], False, 3, monkeypatch)
    assert np.array_equal(net.theta, reference.theta)


def test_a_second_ctrl_c_in_the_lean_loop_interrupts_at_once(monkeypatch):
    def press_twice(epoch, loss, metrics):
        if epoch == 2:
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)  # raises KeyboardInterrupt here

    _, history = trained(SPECS["tanh, half squared error"], True, 100, monkeypatch, callback=press_twice)
    assert history.interrupted and history.epochs == 2
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
