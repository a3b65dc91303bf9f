"""Two slips in one value named as the pair, and the verdicts around them, on the worked example
(specs/doc_example.yaml: Matt Mazur's 2-2-2 sigmoid network). Every written value is computed
here by hand formulas, independently of graphengine."""

from __future__ import annotations

import math

import pytest

import graphengine
from graphengine.teach.check import judge
from graphengine.teach.claims import ASKED_DIGITS
from graphengine.teach.misplaced import Dependencies
from graphengine.teach.quantities import Quantities

W = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}
B1, B2, I1, I2, T1, T2, ETA = 0.35, 0.60, 0.05, 0.10, 0.01, 0.99, 0.5


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def forward() -> dict[str, float]:
    v: dict[str, float] = {}
    v["h1.net"] = W["w1"] * I1 + W["w2"] * I2 + B1
    v["h2.net"] = W["w3"] * I1 + W["w4"] * I2 + B1
    v["h1.out"], v["h2.out"] = sigmoid(v["h1.net"]), sigmoid(v["h2.net"])
    v["o1.net"] = W["w5"] * v["h1.out"] + W["w6"] * v["h2.out"] + B2
    v["o2.net"] = W["w7"] * v["h1.out"] + W["w8"] * v["h2.out"] + B2
    v["o1.out"], v["o2.out"] = sigmoid(v["o1.net"]), sigmoid(v["o2.net"])
    for o, t in (("o1", T1), ("o2", T2)):
        y = v[f"{o}.out"]
        v[f"{o}.dnet"] = (y - t) * y * (1 - y)
    h1 = v["h1.out"]
    v["grad.w5"] = v["o1.dnet"] * h1
    v["grad.w7"] = v["o2.dnet"] * h1
    v["h1.dout"] = v["o1.dnet"] * W["w5"] + v["o2.dnet"] * W["w7"]
    return v


@pytest.fixture(scope="module")
def example():
    net = graphengine.load("specs/doc_example.yaml")
    return net, net.trace()


def verdict_of(example, written: dict[str, str]):
    net, trace = example
    return {v.quantity: v for v in judge(net, trace, written, asked=ASKED_DIGITS)}


def test_a_missing_bias_with_a_neighbours_weight_is_named_as_the_pair(example):
    wrong = W["w3"] * I1 + W["w2"] * I2  # w3 for w1, and the bias b1 left out
    got = verdict_of(example, {"h1.net": f"{wrong:.4f}"})["h1.net"]
    assert got.reason == "missing-term+wrong-weight", got.note
    assert "w3" in got.note and "b1" in got.note


def test_a_path_left_out_of_an_updated_weights_sum_is_named_as_the_pair(example):
    v = forward()
    updated_w5 = W["w5"] - ETA * v["grad.w5"]  # the learner's update, from their own gradient
    wrong = v["o1.dnet"] * updated_w5  # the path through o2 left out, and w5 already updated
    written = {q: f"{v[q]:.6f}" for q in ("o1.dnet", "o2.dnet", "grad.w5", "grad.w7")}
    got = verdict_of(example, written | {"h1.dout": f"{wrong:.6f}"})["h1.dout"]
    assert v["h1.dout"] != pytest.approx(wrong, rel=1e-2)
    assert got.reason == "missing-term+updated-weights", got.note


def test_the_sign_over_a_forgotten_factor_is_named_as_the_pair(example):
    v = forward()
    wrong = -v["o1.dnet"]  # ∂E/∂w5 without the factor out_h1, and the sign flipped
    got = verdict_of(example, {"o1.dnet": f"{v['o1.dnet']:.6f}", "grad.w5": f"{wrong:.6f}"})["grad.w5"]
    assert got.reason in ("sign+missing-factor", "missing-factor+sign"), got.note


def test_a_later_blank_computed_from_this_one_is_not_where_it_belongs():
    net = graphengine.load("specs/doc_example.yaml")
    dependencies = Dependencies(Quantities(net, net.trace()))
    assert dependencies.depends_on("o1.out", "h1.net")  # o1.out ← o1.net ← h1.out ← h1.net
    assert dependencies.depends_on("grad.w5", "o1.out")
    assert not dependencies.depends_on("h1.net", "o1.out")
    assert not dependencies.depends_on("h1.net", "h2.net")


RELU = """
name: relu_carry
inputs: [i1, i2]
outputs: [o1]
nodes:
  h1: {activation: relu, bias: b1}
  o1: {activation: sigmoid, bias: b2}
edges:
  - {from: i1, to: h1, weight: w1}
  - {from: i2, to: h1, weight: w2}
  - {from: h1, to: o1, weight: w3}
parameters: {w1: 0.5, w2: -0.4, w3: 0.8, b1: 0.3, b2: 0.1}
loss: half_squared_error
data:
  - inputs: {i1: 0.2, i2: 0.9}
    targets: {o1: 0.6}
training: {learning_rate: 0.1}
"""


def test_a_zero_through_a_relu_below_zero_is_carried_from_the_wrong_net():
    net = graphengine.Network.from_yaml(RELU)
    h1_net = 0.5 * 0.2 - 0.4 * 0.9 + 0.3  # 0.04: h1 is on
    wrong_net = 0.5 * 0.2 - 0.4 * 0.9  # the bias left out: -0.26, so the learner's relu gives 0
    got = {v.quantity: v for v in judge(net, net.trace(), {"h1.net": f"{wrong_net:.2f}", "h1.out": "0"})}
    assert got["h1.net"].reason == "missing-term"
    assert got["h1.out"].exact == pytest.approx(h1_net)
    assert got["h1.out"].reason == "carried" and got["h1.out"].because_of == ["h1.net"]
    # a 0 nothing explains is a blank filled, not worked out
    alone = {v.quantity: v for v in judge(net, net.trace(), {"h1.out": "0"}, asked=ASKED_DIGITS)}
    assert alone["h1.out"].reason == "placeholder"


def test_a_zero_after_an_earlier_slip_that_does_not_give_zero_is_a_placeholder(example):
    net, trace = example
    no_bias = W["w1"] * I1 + W["w2"] * I2  # 0.0275: the bias left out of net_h1
    assert sigmoid(no_bias) > 0.5  # the learner's own h1.out, from that net, is no 0
    got = verdict_of(example, {"h1.net": f"{no_bias:.4f}", "h1.out": "0", "o1.net": "0"})
    assert got["h1.net"].reason == "missing-term"
    # the slip does not explain the zeros: blanks filled, not worked out (not `arithmetic`)
    assert got["h1.out"].reason == "placeholder" and got["o1.net"].reason == "placeholder"
