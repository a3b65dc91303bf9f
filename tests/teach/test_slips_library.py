"""The one slip library: ``check`` and the exercise safety check ask the same registered slips,
with one list of codes (teach/slips/registry.CODES)."""

from __future__ import annotations

import importlib
import math

import pytest

from graphengine.engine.network import Network
from graphengine.teach.exercise.blanks import asked_quantities
from graphengine.teach.quantities import Quantities
from graphengine.teach.slips import accidents as safety
from graphengine.teach.slips.library import accidents, candidates
from graphengine.teach.slips.registry import CODES, DETECTORS

generate = importlib.import_module("graphengine.teach.exercise.generate")

# The draw `graphengine exercise --shape 2-3-2 --activation tanh --seed 5` gave before the safety
# check asked the one library: a net written with net_h for out_h lands near the right o2.net.
SPEC = """\
name: exercise-5
inputs: [i1, i2]
outputs: [o1, o2]
nodes:
  h1: {activation: tanh, bias: b1}
  h2: {activation: tanh, bias: b2}
  h3: {activation: tanh, bias: b3}
  o1: {activation: tanh, bias: b4}
  o2: {activation: tanh, bias: b5}
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
parameters: {w1: -0.3, w2: 0.95, w3: -0.55, w4: 0.05, w5: -0.35, w6: -0.05, w7: -0.1, w8: 0.7, w9: 0.1,
  w10: 0.65, w11: 0.8, w12: -0.9, b1: 0.55, b2: 0.9, b3: -0.75, b4: -0.95, b5: -0.25}
loss: half_squared_error
data:
  - inputs: {i1: 0.28, i2: -0.24}
    targets: {o1: 0.4, o2: 0.21}
training: {learning_rate: 0.2}
"""
# By hand: the hidden nets, and o2's weights and bias.
H_NET = {
    "h1": -0.3 * 0.28 + 0.95 * -0.24 + 0.55,
    "h2": -0.55 * 0.28 + 0.05 * -0.24 + 0.9,
    "h3": -0.35 * 0.28 - 0.05 * -0.24 - 0.75,
}
O2_WEIGHTS = {"h1": 0.65, "h2": 0.8, "h3": -0.9}
O2_BIAS = -0.25


def unit4(x: float) -> float:
    """One unit of the 4th significant digit."""
    return 10.0 ** (math.floor(math.log10(abs(x))) - 3)


def test_a_slip_check_names_that_lands_within_three_units_makes_the_draw_unsafe() -> None:
    net = Network.from_yaml(SPEC)
    trace = net.trace()
    exact = sum(w * math.tanh(H_NET[h]) for h, w in O2_WEIGHTS.items()) + O2_BIAS
    assert trace.net("o2") == pytest.approx(exact, abs=1e-12)
    # net_h written where out_h belongs, one source at a time, by hand: net_h1 lands within 3 units
    # of the 4th digit of the answer (accidents.SLIP_UNITS), so that draw is not a fair exercise.
    slipped = {h: exact + O2_WEIGHTS[h] * (H_NET[h] - math.tanh(H_NET[h])) for h in O2_WEIGHTS}
    near = [h for h, value in slipped.items() if abs(value - exact) <= 3 * unit4(exact)]
    assert near == ["h1"]
    asked = asked_quantities(net, "all")
    given = list(trace.values.values()) + [0.28, -0.24, 0.4, 0.21, 0.2]
    assert safety.unsafe(net, trace, asked, given) == "the slip `net-for-out` gives o2.net by accident"


def test_every_slip_the_safety_check_asks_has_a_code_in_the_one_list() -> None:
    assert "not-updated" not in CODES
    assert {registered.code for registered in DETECTORS} <= set(CODES)
    for seed in range(3):
        exercise = generate.generate(generate.Options(shape=(2, 2, 2), samples=2, ask="update", seed=seed))
        quantities = Quantities(exercise.net, exercise.trace)
        for q in exercise.asked:
            assert {slip.code for slip in accidents(quantities, q)} <= set(CODES)


def test_slips_for_the_safety_check_only_are_not_named_by_check() -> None:
    net = Network.from_yaml(SPEC)
    quantities = Quantities(net, net.trace())
    # out written as net: the safety check asks it, check (which calls it arithmetic) does not.
    assert "net-for-out" not in {c.code for c in candidates(quantities, "h1.out")}
    given = [slip.value for slip in accidents(quantities, "h1.out") if slip.code == "net-for-out"]
    assert given == [pytest.approx(H_NET["h1"], abs=1e-12)]
    # the step left out: the parameter as it was (learning-rate with η = 0)
    left_out = [slip.value for slip in accidents(quantities, "updated.w7") if slip.code == "learning-rate"]
    assert -0.1 in left_out
    assert -0.1 not in [c.compute(quantities.exact) for c in candidates(quantities, "updated.w7")]
