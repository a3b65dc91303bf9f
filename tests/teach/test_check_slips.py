"""`check` names each classic slip, and calls what follows from it `carried`.

Sheets are generated (tests/helpers/sheets.py) over random networks — activations including a
plugin, four losses, several samples, shared parameters — by hand formulas written
independently of the judge: every value from the written values before it, rounded to 4
significant digits, with one slip planted (also computed from the written values).
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
import reference
from helpers import sheets

from graphengine.teach.check import judge
from graphengine.teach.slips.library import CODES

Plant = tuple[str, sheets.Plant] | None


def _nodes(case: sheets.Case, pick: Callable[[str], bool]) -> list[str]:
    return [v for v in case.G.nodes if v not in case.G.graph["inputs"] and pick(v)]


def _loss_part(case: sheets.Case, v: str, w: dict) -> float:
    outputs = case.G.graph["outputs"]
    y, t = [w[f"{o}.out"] for o in outputs], [case.targets[0][o] for o in outputs]
    return reference.sample_loss_gradient(case.loss, y, t)[outputs.index(v)]


def _paths(case: sheets.Case, v: str, w: dict, weight: Callable[[str], float]) -> float:
    return sum(w[f"{x}.dnet"] * weight(d["weight"]) for _, x, d in case.G.out_edges(v, data=True))


def _net(case: sheets.Case, v: str, w: dict, terms: Callable[[list], list]) -> float:
    edges = [(case.values[d["weight"]], w[f"{u}.out"]) for u, _, d in case.G.in_edges(v, data=True)]
    return sum(a * b for a, b in terms(edges)) + case.values[case.G.nodes[v]["bias"]]


def swapped(case: sheets.Case, rng: random.Random) -> Plant:
    v = rng.choice(_nodes(case, lambda v: case.G.in_degree(v) >= 2))

    def slip(case, q, w, right):
        return _net(case, v, w, lambda e: [(e[0][0], e[1][1]), (e[1][0], e[0][1]), *e[2:]])

    return f"{v}.net", slip


def wrong_weight(case: sheets.Case, rng: random.Random) -> Plant:
    v = rng.choice(_nodes(case, lambda v: case.G.in_degree(v) >= 2))
    return f"{v}.net", lambda case, q, w, right: _net(case, v, w, lambda e: [(e[1][0], e[0][1]), *e[1:]])


def missing_term(case: sheets.Case, rng: random.Random) -> Plant:
    v = rng.choice(_nodes(case, lambda v: True))
    bias = case.values[case.G.nodes[v]["bias"]]
    return f"{v}.net", lambda case, q, w, right: right() - bias


def missing_factor(case: sheets.Case, rng: random.Random) -> Plant:
    hidden = _nodes(case, lambda v: case.G.out_degree(v) > 0)
    if rng.random() < 0.5:
        v = rng.choice(hidden)
        return f"{v}.dnet", lambda case, q, w, right: w[f"{v}.dout"]
    u, v, d = rng.choice([e for e in case.G.edges(data=True) if e[0] in hidden])
    p = d["weight"]
    return f"grad.{p}", lambda case, q, w, right: right() - w[f"{v}.dnet"] * w[f"{u}.out"] + w[f"{v}.dnet"]


def net_for_out(case: sheets.Case, rng: random.Random) -> Plant:
    v = rng.choice(_nodes(case, lambda v: v in case.G.graph["outputs"]))

    def slip(case, q, w, right):
        total = sum(case.values[d["weight"]] * w[f"{u}.net"] for u, _, d in case.G.in_edges(v, data=True))
        return total + case.values[case.G.nodes[v]["bias"]]

    return f"{v}.net", slip


DERIVATIVE_IN_OUT = {
    "sigmoid": lambda y: y * (1 - y),
    "tanh": lambda y: 1 - y * y,
    "scaled_tanh": lambda y: sheets.SCALED_B * (sheets.SCALED_A - y * y / sheets.SCALED_A),
}


def derivative_of_net(case: sheets.Case, rng: random.Random) -> Plant:
    choices = _nodes(case, lambda v: case.activations[v] in DERIVATIVE_IN_OUT)
    if not choices:
        return None
    v = rng.choice(choices)
    f = DERIVATIVE_IN_OUT[case.activations[v]]
    return f"{v}.dact", lambda case, q, w, right: f(w[f"{v}.net"])


def updated_weights(case: sheets.Case, rng: random.Random) -> Plant:
    v = rng.choice(_nodes(case, lambda v: case.G.out_degree(v) > 0))
    return f"{v}.dout", lambda case, q, w, right: _paths(case, v, w, lambda p: w[f"updated.{p}"])


def factor_2(case: sheets.Case, rng: random.Random) -> Plant:
    if case.loss not in sheets.SQUARED:
        return None
    o = rng.choice(case.G.graph["outputs"])
    return f"{o}.dout", lambda case, q, w, right: right() + _loss_part(case, o, w) / case.n


def sign(case: sheets.Case, rng: random.Random) -> Plant:
    o = rng.choice(case.G.graph["outputs"])
    return f"{o}.dout", lambda case, q, w, right: -right()


def _trainable(case: sheets.Case, rng: random.Random) -> str:
    return rng.choice(sorted(case.values))


def uphill(case: sheets.Case, rng: random.Random) -> Plant:
    p = _trainable(case, rng)
    return f"updated.{p}", lambda case, q, w, right: case.values[p] + case.eta * w[f"grad.{p}"]


def learning_rate(case: sheets.Case, rng: random.Random) -> Plant:
    p = _trainable(case, rng)
    return f"updated.{p}", lambda case, q, w, right: case.values[p] - w[f"grad.{p}"]


def batch(case: sheets.Case, rng: random.Random) -> Plant:
    if case.n < 2:
        return None
    o = rng.choice(case.G.graph["outputs"])
    return f"{o}.dout", lambda case, q, w, right: right() + _loss_part(case, o, w) * (1 - 1 / case.n)


def shared(case: sheets.Case, rng: random.Random) -> Plant:
    if case.shared is None:
        return None
    (u, v), _ = [(u, v) for u, v, d in case.G.edges(data=True) if d["weight"] == case.shared]
    exact = [sheets.exact_sample(case, j) for j in range(case.n)]

    def slip(case, q, w, right):
        return w[f"{v}.dnet"] * w[f"{u}.out"] + sum(exact[j].dnet[v] * exact[j].out[u] for j in range(1, case.n))

    return f"grad.{case.shared}", slip


def arithmetic(case: sheets.Case, rng: random.Random) -> Plant:
    v = rng.choice(_nodes(case, lambda v: True))
    return f"{v}.out", lambda case, q, w, right: right() * 1.13 + 0.05


PLANTS = {
    "swapped": (swapped, {}),
    "wrong-weight": (wrong_weight, {}),
    "missing-term": (missing_term, {}),
    "missing-factor": (missing_factor, {}),
    "net-for-out": (net_for_out, {}),
    "derivative-of-net": (derivative_of_net, {"activations": list(DERIVATIVE_IN_OUT)}),
    "updated-weights": (updated_weights, {}),
    "factor-2": (factor_2, {"loss": "half_squared_error"}),
    "sign": (sign, {}),
    "uphill": (uphill, {}),
    "learning-rate": (learning_rate, {}),
    "batch": (batch, {"samples": 3}),
    "shared": (shared, {"shared": True, "samples": 2}),
    "arithmetic": (arithmetic, {}),
}
NETWORKS = 12  # per code; each must land on at least 3 different kinds of network


def test_every_code_has_a_planted_test():
    assert set(PLANTS) == set(CODES)


def _judge(case: sheets.Case, sheet: dict[str, str]):
    return judge(case.net, case.net.trace(), sheet)


@pytest.mark.parametrize("code", sorted(PLANTS))
def test_a_planted_slip_is_named_and_what_follows_is_carried(code):
    plant_for, options = PLANTS[code]
    landed = []
    for seed in range(80):
        if len(landed) >= NETWORKS:
            break
        rng = random.Random(f"{code}-{seed}")
        case = sheets.random_network(rng, **{"samples": rng.choice([1, 2]), **options})
        plant = plant_for(case, rng)
        if plant is None:
            continue
        sheet, planted = sheets.write_sheet(case, plant)
        if planted is None:
            continue  # the slip gives the right value on this network
        verdicts = {v.quantity: v for v in _judge(case, sheet)}
        order = list(sheet)
        at = order.index(planted)
        mine = verdicts[planted]
        assert not mine.right and code in mine.reasons, (seed, case.text, planted, sheet[planted], mine.to_dict())
        for q in order[:at]:
            assert verdicts[q].right or verdicts[q].reason == "rounding", (q, verdicts[q].to_dict())
        for q in order[at + 1 :]:
            v = verdicts[q]
            if not v.right and v.reason != "rounding":
                assert v.reason == "carried" and v.because_of == [planted], (seed, code, q, v.to_dict(), case.text)
        landed.append((case.loss, tuple(sorted(set(case.activations.values()))), case.n))
    assert len(set(landed)) >= 3, landed


@pytest.mark.parametrize("seed", range(30))
def test_a_right_sheet_at_four_digits_is_right_or_rounding(seed):
    rng = random.Random(seed)
    case = sheets.random_network(rng, samples=rng.choice([1, 2, 3]), shared=rng.random() < 0.5)
    sheet, _ = sheets.write_sheet(case)
    verdicts = _judge(case, sheet)
    assert len(verdicts) == len(sheet)
    assert all(v.right or v.reason == "rounding" for v in verdicts), [v.to_dict() for v in verdicts if v.mistake]
    assert not any(v.mistake for v in verdicts)
