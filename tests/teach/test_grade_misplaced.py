"""A value that is another blank's (``misplaced``) against a slip that gives the same digits.

A copy of another blank's very digits explains them better than a slip that fits only loosely
or than two slips in one value, unless the slip needs no coincidence: a weight's gradient without
its input factor is the bias's gradient (the ``missing-factor`` slip computes what the bias's
blank asks for, so a learner who makes it writes the same digits there, copying nothing), or a
single slip's value rounds to the written digits. The networks have two samples (the second
worked out unwritten) or ReLUs; every value here is computed by hand formulas independently of
graphengine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

import graphengine
from graphengine.teach.check import judge
from graphengine.teach.claims import ASKED_DIGITS

SPEC = """
name: two_samples
inputs: [i1, i2]
outputs: [o1, o2]
nodes:
  h1: {activation: sigmoid, bias: b1}
  h2: {activation: sigmoid, bias: b2}
  o1: {activation: sigmoid, bias: b3}
  o2: {activation: sigmoid, bias: b4}
edges:
  - {from: i1, to: h1, weight: w1}
  - {from: i2, to: h1, weight: w2}
  - {from: i1, to: h2, weight: w3}
  - {from: i2, to: h2, weight: w4}
  - {from: h1, to: o1, weight: w5}
  - {from: h2, to: o1, weight: w6}
  - {from: h1, to: o2, weight: w7}
  - {from: h2, to: o2, weight: w8}
parameters: {w1: 0.05, w2: -0.1, w3: -0.5, w4: -0.85, w5: 0.2, w6: 0.95, w7: -0.35, w8: -0.75,
             b1: -0.9, b2: 0.6, b3: -0.6, b4: 0.55}
loss: half_squared_error
data:
  - inputs: {i1: -0.81, i2: -0.71}
    targets: {o1: 0.11, o2: 0.58}
  - inputs: {i1: 0.17, i2: -0.31}
    targets: {o1: 0.42, o2: 0.97}
training: {learning_rate: 0.5}
"""
W = {"w1": 0.05, "w2": -0.1, "w3": -0.5, "w4": -0.85, "w5": 0.2, "w6": 0.95, "w7": -0.35, "w8": -0.75}
B = {"h1": -0.9, "h2": 0.6, "o1": -0.6, "o2": 0.55}
SAMPLES = [((-0.81, -0.71), (0.11, 0.58)), ((0.17, -0.31), (0.42, 0.97))]


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def two_decimals(x: float) -> str:
    """A learner's 2 decimals, 2 significant digits for a value below 0.05 (nobody writes 0.00)."""
    places = 2 if abs(x) >= 0.05 else 1 - math.floor(math.log10(abs(x)))
    return str(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN))


def rounded(x: float) -> float:
    return float(two_decimals(x))


def deltas(sample: int, keep: Callable[[float], float] = lambda x: x) -> tuple[float, float]:
    """δ of h1 and h2 in one sample (∂E/∂net, E the mean of the samples' losses) by hand, each
    step's value passed through ``keep`` (a learner's rounding) before the next step uses it."""
    (i1, i2), (t1, t2) = SAMPLES[sample]
    h1 = keep(sigmoid(keep(W["w1"] * i1 + W["w2"] * i2 + B["h1"])))
    h2 = keep(sigmoid(keep(W["w3"] * i1 + W["w4"] * i2 + B["h2"])))
    o1 = keep(sigmoid(keep(W["w5"] * h1 + W["w6"] * h2 + B["o1"])))
    o2 = keep(sigmoid(keep(W["w7"] * h1 + W["w8"] * h2 + B["o2"])))
    d1 = keep(keep((o1 - t1) / 2) * keep(o1 * (1 - o1)))
    d2 = keep(keep((o2 - t2) / 2) * keep(o2 * (1 - o2)))
    h1_delta = keep(keep(d1 * W["w5"] + d2 * W["w7"]) * keep(h1 * (1 - h1)))
    h2_delta = keep(keep(d1 * W["w6"] + d2 * W["w8"]) * keep(h2 * (1 - h2)))
    return h1_delta, h2_delta


def deltas_of_o1(sample: int) -> float:
    """δ of o1 in one sample, by hand (∂E/∂b3 is the sum over the samples)."""
    (i1, i2), (t1, _) = SAMPLES[sample]
    h1 = sigmoid(W["w1"] * i1 + W["w2"] * i2 + B["h1"])
    h2 = sigmoid(W["w3"] * i1 + W["w4"] * i2 + B["h2"])
    o1 = sigmoid(W["w5"] * h1 + W["w6"] * h2 + B["o1"])
    return (o1 - t1) / 2 * o1 * (1 - o1)


@pytest.fixture(scope="module")
def network():
    net = graphengine.Network.from_yaml(SPEC)
    return net, net.trace()


def test_a_gradient_without_its_input_is_the_bias_gradients_digits_and_named_as_the_slip(network):
    net, trace = network
    mine = [deltas(s, rounded)[1] for s in (0, 1)]  # the learner's δ of h2; sample 1's worked out unwritten
    bias = two_decimals(sum(mine))  # ∂E/∂b2: the sum of the samples' δ
    forgot = two_decimals(sum(mine))  # ∂E/∂w4 without the factor i2: the same computation
    exact = [deltas(s)[1] for s in (0, 1)]
    exact_w4 = sum(d * x[1] for d, (x, _) in zip(exact, SAMPLES))
    assert bias == forgot == "0.023" and abs(exact_w4 - 0.023) > 0.03
    assert two_decimals(sum(exact)) == "0.022"  # the exact ∂E/∂b2 has other digits
    sheet = {"h2.dnet": two_decimals(mine[0]), "grad.w4": forgot, "grad.b2": bias}
    got = {v.quantity: v for v in judge(net, trace, sheet, asked=ASKED_DIGITS)}
    assert got["grad.w4"].exact == pytest.approx(exact_w4)
    assert got["grad.w4"].reason == "missing-factor", got["grad.w4"].note
    assert "grad.b2's value" in got["grad.w4"].note  # the teacher sees both readings
    assert got["grad.b2"].reason == "rounding" and not got["grad.b2"].mistake


def test_digits_copied_rather_than_a_loose_slip_are_misplaced(network):
    net, trace = network
    mine = [deltas(s, rounded)[1] for s in (0, 1)]
    bias = two_decimals(sum(mine))
    exact_b3 = sum(deltas_of_o1(s) for s in (0, 1))
    assert abs(exact_b3 - float(bias)) > 0.04
    # grad.b2's digits in grad.b3's blank: alone, two slips together fit
    # them loosely (0.028 against 0.023, within this learner's wide rounding) …
    alone = {v.quantity: v for v in judge(net, trace, {"h2.dnet": two_decimals(mine[0]), "grad.b3": bias}, asked=4)}
    assert alone["grad.b3"].exact == pytest.approx(exact_b3) and alone["grad.b3"].reason != "misplaced"
    # … but with grad.b2 written in the very same digits, the copy explains them better
    sheet = {"h2.dnet": two_decimals(mine[0]), "grad.b2": bias, "grad.b3": bias}
    got = {v.quantity: v for v in judge(net, trace, sheet, asked=ASKED_DIGITS)}
    assert got["grad.b3"].reason == "misplaced" and "grad.b2's value" in got["grad.b3"].note


RELU = """
name: relu_2_3_2
inputs: [i1, i2]
outputs: [o1, o2]
nodes:
  h1: {activation: relu, bias: b1}
  h2: {activation: relu, bias: b2}
  h3: {activation: relu, bias: b3}
  o1: {activation: relu, bias: b4}
  o2: {activation: relu, bias: b5}
edges:
  - {from: i1, to: h1, weight: w1}
  - {from: i2, to: h1, weight: w2}
  - {from: i1, to: h2, weight: w3}
  - {from: i2, to: h2, weight: w4}
  - {from: i1, to: h3, weight: w5}
  - {from: i2, to: h3, weight: w6}
  - {from: h1, to: o1, weight: w7}
  - {from: h2, to: o1, weight: w8}
  - {from: h3, to: o1, weight: w9}
  - {from: h1, to: o2, weight: w10}
  - {from: h2, to: o2, weight: w11}
  - {from: h3, to: o2, weight: w12}
parameters: {w1: -0.8, w2: 0.9, w3: 0.85, w4: 0.65, w5: 0.4, w6: 0.95, w7: -0.1, w8: 0.1, w9: -0.6,
             w10: -0.9, w11: 0.25, w12: -0.3, b1: 0.35, b2: 0.75, b3: -0.15, b4: 0.45, b5: 0.5}
loss: mse
data:
  - inputs: {i1: 0.46, i2: 0.64}
    targets: {o1: 0.43, o2: 0.78}
training: {learning_rate: 0.5}
"""


def relu_gradients() -> dict[str, float]:
    """∂E/∂b5 and ∂E/∂w6 of RELU by hand (E the mean of the outputs' squared errors)."""
    i1, i2, t1, t2 = 0.46, 0.64, 0.43, 0.78
    relu = lambda x: max(x, 0.0)  # noqa: E731
    step = lambda x: 1.0 if x > 0 else 0.0  # noqa: E731
    nets = {"h1": -0.8 * i1 + 0.9 * i2 + 0.35, "h2": 0.85 * i1 + 0.65 * i2 + 0.75, "h3": 0.4 * i1 + 0.95 * i2 - 0.15}
    h1, h2, h3 = (relu(nets[h]) for h in ("h1", "h2", "h3"))
    o1_net, o2_net = -0.1 * h1 + 0.1 * h2 - 0.6 * h3 + 0.45, -0.9 * h1 + 0.25 * h2 - 0.3 * h3 + 0.5
    d1 = (relu(o1_net) - t1) * step(o1_net)  # 2/2 · (y − t): the mean over 2 outputs
    d2 = (relu(o2_net) - t2) * step(o2_net)
    h3_delta = (d1 * -0.6 + d2 * -0.3) * step(nets["h3"])
    return {"grad.b5": d2, "grad.w6": h3_delta * i2}


def test_a_slip_that_gives_the_written_digits_is_named_though_another_blank_holds_them():
    net = graphengine.Network.from_yaml(RELU)
    exact = relu_gradients()
    assert (f"{exact['grad.b5']:.2f}", f"{exact['grad.w6']:.2f}") == ("-0.59", "0.21")
    uphill = 0.5 + 0.5 * -0.59  # b5 + η·∂E/∂b5 from the learner's written gradient: the step uphill
    assert f"{uphill:.2f}" == "0.21" and abs((0.5 - 0.5 * exact["grad.b5"]) - 0.21) > 0.5
    sheet = {"grad.b5": "-0.59", "grad.w6": "0.21", "updated.b5": "0.21"}  # right, right, and the slip
    got = {v.quantity: v for v in judge(net, net.trace(), sheet, asked=ASKED_DIGITS)}
    assert got["grad.w6"].right and got["grad.w6"].exact == pytest.approx(exact["grad.w6"])
    # 0.205, rounded as written, is 0.21: the learner's own chain to the digit, no coincidence
    # needed, where a copy of grad.w6 would need the slip to land on its digits by chance
    assert got["updated.b5"].reason == "uphill", got["updated.b5"].note
    assert "same digits as your grad.w6" in got["updated.b5"].note


PAIRED = SPEC.replace(
    "parameters: {w1: 0.05, w2: -0.1, w3: -0.5, w4: -0.85, w5: 0.2, w6: 0.95, w7: -0.35, w8: -0.75,\n"
    "             b1: -0.9, b2: 0.6, b3: -0.6, b4: 0.55}",
    "parameters: {w1: 0.15, w2: 0.05, w3: -0.65, w4: -0.3, w5: -0.95, w6: 0.1, w7: 0.8, w8: 0.65,\n"
    "             b1: -0.7, b2: -0.9, b3: 0.9, b4: -0.05}",
).replace(
    """  - inputs: {i1: -0.81, i2: -0.71}
    targets: {o1: 0.11, o2: 0.58}
  - inputs: {i1: 0.17, i2: -0.31}
    targets: {o1: 0.42, o2: 0.97}""",
    """  - inputs: {i1: 0.07, i2: 0.28}
    targets: {o1: 0.36, o2: 0.42}
  - inputs: {i1: -0.6, i2: -0.84}
    targets: {o1: 0.39, o2: 0.07}""",
)


def test_digits_copied_rather_than_two_slips_in_one_value_are_misplaced():
    net = graphengine.Network.from_yaml(PAIRED)
    assert net.spec.parameters["w5"].value == -0.95 and net.trace().n_samples == 2  # the spec was rewritten
    h1_net, h2_net = 0.15 * 0.07 + 0.05 * 0.28 - 0.7, -0.65 * 0.07 - 0.3 * 0.28 - 0.9  # sample 0
    o1_net = -0.95 * sigmoid(h1_net) + 0.1 * sigmoid(h2_net) + 0.9
    mine = {"h1.net": two_decimals(h1_net), "h1.out": two_decimals(sigmoid(h1_net))}
    mine |= {"h2.net": two_decimals(h2_net), "h2.out": two_decimals(sigmoid(h2_net))}
    assert list(mine.values()) == ["-0.68", "0.34", "-1.03", "0.26"] and abs(o1_net - 0.26) > 0.3
    # o1.net written as 0.26: two slips in one value come near it (0.259) …
    other = {v.quantity: v for v in judge(net, net.trace(), mine | {"h2.out": "0.263", "o1.net": "0.26"}, asked=4)}
    assert "+" in other["o1.net"].reason and other["o1.net"].exact == pytest.approx(o1_net)
    # … but they are two mistakes, and 0.26 is, digit for digit, the h2.out just above: one copy
    got = {v.quantity: v for v in judge(net, net.trace(), mine | {"o1.net": "0.26"}, asked=ASKED_DIGITS)}
    assert got["o1.net"].reason == "misplaced" and "h2.out's value" in got["o1.net"].note
