"""Rounding that flows through the values a learner works out but never writes (teach/unwritten.py):
every other sample's pass behind a batch gradient. The bound is checked against learners who
actually round every unwritten value (2 or 3 significant digits, up or down), value by value."""

from __future__ import annotations

import math

import pytest

import graphengine
from graphengine.teach.quantities import Quantities
from graphengine.teach.unwritten import CHAIN_KINDS, other_samples_spread

SPEC = "specs/skip_shared.yaml"  # two samples, a mean loss, `w` shared by two edges


def rounded(x: float, digits: int, direction: int) -> float:
    """``x`` to ``digits`` significant digits, rounded the learner's way (nearest, then nudged)."""
    if not x:
        return 0.0
    unit = 10.0 ** (math.floor(math.log10(abs(x))) - digits + 1)
    return round(x / unit) * unit + direction * 0.49 * unit


def learner_parts(net, trace, sample: int, digits: int, direction: int) -> dict[str, float]:
    """grad.P → the learner's part of sample ``sample``, every value rounded as they write it."""
    quantities = Quantities(net, trace, sample)
    held: dict[str, float] = {}
    for q in quantities.order:
        kind, v = quantities.names[q]
        if kind not in CHAIN_KINDS:
            continue
        exact = quantities.formula(q, held.__getitem__) if v not in quantities.inputs else quantities.exact(q)
        held[q] = exact if v in quantities.inputs else rounded(exact, digits, direction)
    return {
        f"grad.{p}": sum(quantities.use_part(use, held.__getitem__) for use in uses)
        for p, uses in quantities.uses.items()
        if uses
    }


@pytest.mark.parametrize("digits", [2, 3])
@pytest.mark.parametrize("direction", [-1, 0, 1])
def test_a_learner_who_rounds_every_unwritten_value_stays_within_the_spread(digits, direction):
    net = graphengine.load(SPEC)
    trace = net.trace()

    def half_unit(x: float) -> float:  # the learner's habit: `digits` significant digits
        return 0.5 * 10.0 ** (math.floor(math.log10(abs(x))) - digits + 1) if x else 0.0

    spread = other_samples_spread(net, trace, 0, half_unit)
    exact = learner_parts(net, trace, 1, 17, 0)  # 17 digits: the exact parts
    mine = learner_parts(net, trace, 1, digits, direction)
    assert set(exact) <= set(spread)
    for q in exact:
        assert abs(mine[q] - exact[q]) <= spread[q], q
        # a bound, not a licence: about a few roundings of the part at the learner's digits
        assert spread[q] < 3 * 10.0 ** (1 - digits) * max(abs(exact[q]), 1e-3)


def test_a_single_sample_has_no_spread_and_no_habit_gives_none():
    net = graphengine.load("specs/doc_example.yaml")
    assert other_samples_spread(net, net.trace(), 0, lambda x: 0.01) == {}
    net = graphengine.load(SPEC)
    assert all(s == 0 for s in other_samples_spread(net, net.trace(), 0, lambda x: 0.0).values())
