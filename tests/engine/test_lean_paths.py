"""The lean loop's shortcuts (engine/lean.py) against the general loop, bit for bit: one gradient
array reused every epoch (zeroed where it is accumulated), built-in SGD through views of a
contiguous run of trainable parameters, the optimiser's step for any other run, and plugin
optimisers that keep the gradient they are given."""

from pathlib import Path

import numpy as np
import pytest

import graphengine
import graphengine.engine.train as train_module
from graphengine.engine.lean import lean_layers
from graphengine.plugins.discovery import discover
from graphengine.plugins.registry import activation, optimizer

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "specs" / "doc_example.yaml").read_text()


def variant(*replacements: tuple[str, str]) -> str:
    text = DOC
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    return text


def frozen(name: str) -> tuple[str, str]:
    value = {"w1": "0.15", "w5": "0.40"}[name]
    return f"  {name}: {value}\n", f"  {name}: {{value: {value}, trainable: false}}\n"


TRAINED_B1 = ("b1: {value: 0.35, trainable: false}", "b1: 0.35")
TRAINED_B2 = ("b2: {value: 0.60, trainable: false}", "b2: 0.60")

VARIANTS = {
    # b1 (one entry shared by h1 and h2) is trained: its gradient is added up, so zeroed every epoch.
    "a trained shared bias": variant(TRAINED_B1),
    "both shared biases trained, nothing frozen": variant(TRAINED_B1, TRAINED_B2),
    # w2..w8: one run not starting at 0, taken by SGD through views.
    "the first weight frozen": variant(frozen("w1")),
    # w1..w4, w6..w8: two runs, the optimiser's step through indices.
    "a weight frozen in the middle": variant(frozen("w5")),
    "a weight frozen in the middle, adam": variant(frozen("w5"), ("learning_rate: 0.5", "optimizer: adam")),
    "momentum, biases trained": variant(TRAINED_B1, TRAINED_B2, ("learning_rate: 0.5", "optimizer: momentum")),
    # o1 and o2's bias is w8: the output block's parameters are not its own (added, not assigned).
    "a weight that is also a bias": variant(
        ("bias: b2}", "bias: w8}"), ("  b2: {value: 0.60, trainable: false}   # one bias shared by o1 and o2\n", "")
    ),
    "an integer learning rate": variant(("learning_rate: 0.5", "learning_rate: 1")),
}


def train(text: str, lean: bool, monkeypatch, epochs: int = 40, registry=None):
    monkeypatch.setattr(train_module, "LEAN", lean)
    net = graphengine.Network.from_yaml(text, registry, file=str(ROOT / "specs" / "lean.yaml"))
    history = net.train(epochs)
    return net, history


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_shortcut_gives_the_general_loops_numbers(name, monkeypatch):
    text = VARIANTS[name]
    net = graphengine.Network.from_yaml(text, file=str(ROOT / "specs" / "lean.yaml"))
    assert lean_layers(net.plan) is not None
    start = net.theta.copy()
    lean, a = train(text, True, monkeypatch)
    general, b = train(text, False, monkeypatch)
    assert a.losses == b.losses and a.epochs == b.epochs == 40
    assert np.array_equal(lean.theta, general.theta)
    moved = lean.theta != start
    assert np.array_equal(moved, net.plan.trainable)  # every trainable parameter moved, no frozen one


def test_a_frozen_weight_stays_and_the_rest_follow_the_hand_step(monkeypatch):
    # One epoch of SGD by hand (the worked example's numbers) with w5 frozen.
    net, _ = train(variant(frozen("w5")), True, monkeypatch, epochs=1)
    x, t = np.array([0.05, 0.10]), np.array([0.01, 0.99])
    W1, W2 = np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([[0.40, 0.50], [0.45, 0.55]])
    h = 1 / (1 + np.exp(-(x @ W1 + 0.35)))
    y = 1 / (1 + np.exp(-(h @ W2 + 0.60)))
    d2 = (y - t) * y * (1 - y)
    d1 = (W2 @ d2) * h * (1 - h)
    W1 = W1 - 0.5 * np.outer(x, d1)
    W2 = W2 - 0.5 * np.outer(h, d2)
    W2[0, 0] = 0.40  # w5 is frozen
    p = net.parameters
    got = [[p["w1"], p["w3"]], [p["w2"], p["w4"]]], [[p["w5"], p["w7"]], [p["w6"], p["w8"]]]
    assert np.allclose(got[0], W1, rtol=0, atol=1e-15) and np.allclose(got[1], W2, rtol=0, atol=1e-15)
    assert p["w5"] == 0.40 and p["b1"] == 0.35 and p["b2"] == 0.60


def test_a_plugin_optimizer_that_keeps_the_gradient_gets_a_fresh_one_each_step(monkeypatch):
    registry = discover(entry_points=False)

    @optimizer(formula="steps by the previous gradient")
    def delayed(grad, state, learning_rate=0.5):
        previous = state.get("previous")
        state["previous"] = grad  # kept, not copied: a gradient array reused by the loop would change it
        return learning_rate * (grad if previous is None else previous)

    registry.add(delayed, source="test")
    text = variant(("learning_rate: 0.5", "optimizer: delayed"))
    lean, a = train(text, True, monkeypatch, registry=registry)
    general, b = train(text, False, monkeypatch, registry=registry)
    assert a.losses == b.losses and np.array_equal(lean.theta, general.theta)
    assert a.losses[-1] < a.losses[0]


def test_outputs_in_another_order_train_as_in_the_spec_order(monkeypatch):
    # [o2, o1] is not the last level's column order: the general loop trains it, to the same numbers.
    text = variant(("outputs: [o1, o2]", "outputs: [o2, o1]"))
    permuted = graphengine.Network.from_yaml(text)
    assert lean_layers(permuted.plan) is None
    net, a = train(DOC, True, monkeypatch)
    other, b = train(text, True, monkeypatch)
    assert np.array_equal(net.theta, other.theta) and a.losses == b.losses


def test_a_plugin_activation_in_another_dtype_is_cast_as_the_general_loop_casts_it(monkeypatch):
    # Added without a source, so "built-in" by name: the lean loop still casts its float64 results.
    registry = discover(entry_points=False)

    @activation(formula="x^3 + x", derivative_formula="3x^2 + 1")
    def cubic(x):
        return (x**3 + x).astype(np.float64)

    @cubic.derivative
    def cubic(x, y):
        return (3 * x**2 + 1).astype(np.float64)

    registry.add(cubic)
    text = variant(
        ("activation: sigmoid, bias: b1", "activation: cubic, bias: b1"), ("learning_rate: 0.5", "dtype: float32")
    )
    net = graphengine.Network.from_yaml(text, registry)
    assert lean_layers(net.plan) is not None
    lean, a = train(text, True, monkeypatch, registry=registry)
    general, b = train(text, False, monkeypatch, registry=registry)
    assert a.losses == b.losses and np.array_equal(lean.theta, general.theta)
    assert a.losses[-1] < a.losses[0]
