"""`check` reads a negative weight or bias in a learner's written arithmetic as the network's own.

Networks are generated with negative weights and biases. The learner's sheet writes every
net as its arithmetic — a negative factor as ``(−0.62 × 0.5931)`` (U+2212), ``(-0.62)(0.5931)``
or a subtracted term ``− 0.62 × 0.5931`` — with the result and every out to 4 decimals,
computed here with math from the written values (not by the engine). A slip planted in one
net (its inputs swapped, another edge's weight) must be named by its code, as it is when the
learner writes the number alone; a right sheet has no mistake.
"""

from __future__ import annotations

import math
import random
import re

import pytest

from graphengine import Network
from graphengine.teach.arithmetic import parse
from graphengine.teach.check import judge

SEEDS = range(12)


class Case:
    """A random 2–3 → 2–3 → 1–2 sigmoid network, every node with a negative weight and bias."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        # distinct two-decimal sizes, so a written number is one of the network's numbers only
        sizes = iter(rng.sample(range(10, 95), 40))
        self.inputs = [f"i{k + 1}" for k in range(rng.choice((2, 3)))]
        self.hidden = [f"h{k + 1}" for k in range(rng.choice((2, 3)))]
        self.outputs = [f"o{k + 1}" for k in range(rng.choice((1, 2)))]
        self.x = {i: next(sizes) / 100 for i in self.inputs}
        self.edges: dict[str, list[tuple[str, str]]] = {}  # node -> [(weight, source)]
        self.values: dict[str, float] = {}
        for layer, sources in ((self.hidden, self.inputs), (self.outputs, self.hidden)):
            for v in layer:
                self.edges[v] = []
                negative = rng.randrange(len(sources))  # at least one negative weight into each node
                for k, u in enumerate(sources):
                    p = f"w{len(self.values) + 1}"
                    sign = -1 if k == negative or rng.random() < 0.4 else 1
                    self.values[p] = sign * next(sizes) / 100
                    self.edges[v].append((p, u))
        for v in self.hidden + self.outputs:
            self.values[f"b_{v}"] = -next(sizes) / 100
        self.targets = {o: round(rng.uniform(0.05, 0.95), 2) for o in self.outputs}
        self.rng = rng

    def network(self) -> Network:
        lines = [f"inputs: [{', '.join(self.inputs)}]", f"outputs: [{', '.join(self.outputs)}]", "nodes:"]
        lines += [f"  {v}: {{activation: sigmoid, bias: b_{v}}}" for v in self.hidden + self.outputs]
        lines += ["edges:"] + [f"  - {{from: {u}, to: {v}, weight: {p}}}" for v, e in self.edges.items() for p, u in e]
        lines += ["parameters:"] + [f"  {p}: {x}" for p, x in self.values.items()]
        lines += [
            "loss: half_squared_error",
            "data:",
            f"  - inputs: {{{', '.join(f'{i}: {x}' for i, x in self.x.items())}}}",
        ]
        lines += [f"    targets: {{{', '.join(f'{o}: {t}' for o, t in self.targets.items())}}}"]
        return Network.from_yaml("\n".join(lines) + "\n")

    def sheet(self, slip: str | None = None, at: str | None = None) -> dict[str, object]:
        """The learner's forward pass, each net as written arithmetic; ``slip`` planted in ``at``'s net."""
        written = {f"{i}.out": x for i, x in self.x.items()}
        values: dict[str, object] = {}
        for v in self.hidden + self.outputs:
            pairs = [(self.values[p], written[f"{u}.out"]) for p, u in self.edges[v]]
            if v == at and slip == "swapped":
                pairs[0], pairs[1] = (pairs[0][0], pairs[1][1]), (pairs[1][0], pairs[0][1])
            if v == at and slip == "wrong-weight":
                pairs[0] = (self.values[self.edges[v][1][0]], pairs[0][1])
            net = sum(w * x for w, x in pairs) + self.values[f"b_{v}"]
            text = " + ".join(self._term(w, x, first=k == 0) for k, (w, x) in enumerate(pairs))
            text = text.replace("+ − ", "− ") + self._bias(self.values[f"b_{v}"])
            values[f"net_{v}"] = parse(f"{text} = {net:.4f}")
            written[f"{v}.out"] = float(f"{1 / (1 + math.exp(-float(f'{net:.4f}'))):.4f}")
            values[f"out_{v}"] = f"{written[f'{v}.out']:.4f}"
        return values

    def _term(self, w: float, x: float, first: bool) -> str:
        if w > 0:
            return f"({w:g} × {x:g})"
        style = self.rng.choice(("unicode", "ascii", "subtracted"))
        if style == "unicode":
            return f"(−{-w:g} × {x:g})"
        if style == "ascii":
            return f"(-{-w:g})({x:g})"
        return f"−{-w:g} × {x:g}" if first else f"− {-w:g} × {x:g}"  # the term's minus is the weight's

    def _bias(self, b: float) -> str:
        return self.rng.choice((f" + (−{-b:g})", f" − {-b:g}", f" + (-{-b:g})"))


def verdicts(case: Case, sheet: dict[str, object]) -> dict[str, object]:
    net = case.network()
    return {v.quantity: v for v in judge(net, net.trace(), sheet)}


@pytest.mark.parametrize("seed", SEEDS)
def test_a_right_sheet_with_negative_factors_has_no_mistake(seed):
    case = Case(seed)
    found = verdicts(case, case.sheet())
    assert len(found) == 2 * len(case.hidden + case.outputs)
    assert [q for q, v in found.items() if v.mistake] == []
    # the hidden nets use only the network's own numbers: exactly right, not rounding
    assert all(found[f"{v}.net"].right for v in case.hidden)


@pytest.mark.parametrize("slip", ["swapped", "wrong-weight"])
@pytest.mark.parametrize("seed", SEEDS)
def test_a_slip_with_negative_factors_is_named_and_what_follows_carried(seed, slip):
    case = Case(seed)
    at = case.rng.choice(case.hidden + case.outputs)
    (w0, u0), (w1, u1) = case.edges[at][:2]
    if slip == "wrong-weight":
        assert case.values[w0] != case.values[w1]  # distinct sizes: the slip changes the value
    found = verdicts(case, case.sheet(slip, at))
    planted = found[f"{at}.net"]
    assert not planted.right
    assert planted.reason == slip, planted.note
    if slip == "swapped":  # the note names the written factors, the weight with its sign
        shown = re.search(rf"{w0} = ([−-]?[\d.]+) belongs to the edge {u0} → {at}, but", planted.note)
        assert shown and float(shown[1].replace("−", "-")) == case.values[w0], planted.note
    else:
        assert f"uses {w1} = {case.values[w1]:g} instead of its weight {w0}" in planted.note
    later = case.outputs if at in case.hidden else []
    for v in later:  # computed right from the wrong values: carried, not another slip
        assert found[f"{v}.net"].reason in ("carried", None), found[f"{v}.net"].note
    assert found[f"{at}.out"].reason == "carried"


def test_the_same_slip_is_named_with_the_number_alone_and_with_negative_arithmetic():
    # The example: with the written number alone the slip was named, with arithmetic not.
    for seed in SEEDS:
        case = Case(seed)
        at = case.outputs[0]
        arithmetic = case.sheet("swapped", at)
        alone = dict(arithmetic)
        for q, x in arithmetic.items():
            if q.startswith("net_"):
                alone[q] = ("-" if x.result_sign < 0 else "") + x.result.text  # type: ignore[union-attr]
        assert verdicts(case, arithmetic)[f"{at}.net"].reason == verdicts(case, alone)[f"{at}.net"].reason == "swapped"


# ---------------------------------------------------------------------- the parser keeps the sign


@pytest.mark.parametrize(
    "text, signed",
    [
        ("(−0.62 × 0.5) + 0.1", ["−0.62", "0.5", "0.1"]),
        ("(-0.62)(0.5) + (−0.1)", ["-0.62", "0.5", "−0.1"]),
        ("0.1 − 0.62 × 0.5", ["0.1", "0.62", "0.5"]),  # a subtraction: the term's sign, not the number's
        ("0.5 × −0.3", ["0.5", "−0.3"]),
    ],
)
def test_a_minus_before_a_number_is_the_numbers_sign(text, signed):
    x = parse(text)
    assert [n.text for n in x.numbers] == signed
    assert [n.value for n in x.numbers] == [float(s.replace("−", "-")) for s in signed]


def test_a_negated_number_keeps_its_precedence_and_digits():
    assert parse("−2²").computed == -4.0  # −(2²), not (−2)²
    assert parse("−2^2").computed == -4.0
    assert parse("2^−1").computed == 0.5 and parse("2^−1").numbers[1].is_integer
    assert parse("−−0.5").computed == 0.5
    assert parse("(−0.62 × 0.5)").uncertainty() == pytest.approx(parse("(0.62 × 0.5)").uncertainty(), rel=1e-12)
    assert parse("−3 × 0.5").numbers[0].is_integer
    assert parse("0.1 − 0.62 × 0.5 + (−0.3)").term_signs() == {0: 1, 1: -1, 2: -1, 3: 1}
