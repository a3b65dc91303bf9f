"""The specs users try first: specs/xor.yaml trains to near-zero loss, and
specs/skip_shared.yaml's shared weight gets the sum of its uses' gradients."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import pytest
from conftest import Ran

import graphengine

SKIP = "specs/skip_shared.yaml"
XOR = "specs/xor.yaml"

SAMPLES = [((1.0, -0.5), 0.8), ((-0.3, 2.0), -0.2)]


def skip_shared_loss(w: float, b: float = -0.1, hb: float = 0.1, yb: float = 0.2, v: float = 0.3) -> float:
    """specs/skip_shared.yaml written out by hand: mean over samples of ½(t − y)²."""
    total = 0.0
    for (x1, x2), t in SAMPLES:
        h1 = 1.0 / (1.0 + math.exp(-(w * x1 + hb)))
        h2 = math.tanh(w * x2 + v * x1 + b)
        y = 0.7 * h1 - 0.6 * h2 + 0.25 * x2 + yb
        total += 0.5 * (t - y) ** 2
    return total / len(SAMPLES)


def test_skip_shared_forward_and_loss_by_hand() -> None:
    trace = graphengine.load(SKIP).trace()
    assert trace.loss == pytest.approx(skip_shared_loss(0.5), rel=1e-14)
    # The skip connection: y's net includes 0.25·x2 directly.
    h1, h2 = trace.out("h1", 1), trace.out("h2", 1)
    assert trace.net("y", 1) == pytest.approx(0.7 * h1 - 0.6 * h2 + 0.25 * 2.0 + 0.2, rel=1e-15)


def test_shared_weight_gradient_is_sum_over_uses_and_matches_finite_differences() -> None:
    trace = graphengine.load(SKIP).trace()
    by_use = sum(trace.dnet("h1", s) * x1 + trace.dnet("h2", s) * x2 for s, ((x1, x2), _) in enumerate(SAMPLES))
    assert trace.gradient("w") == pytest.approx(by_use, rel=1e-14)
    # Neither use alone is the gradient.
    through_h1 = sum(trace.dnet("h1", s) * x1 for s, ((x1, _), _) in enumerate(SAMPLES))
    assert abs(trace.gradient("w") - through_h1) > 0.1
    h = 1e-6
    fd = (skip_shared_loss(0.5 + h) - skip_shared_loss(0.5 - h)) / (2 * h)
    assert trace.gradient("w") == pytest.approx(fd, rel=1e-8)
    # The frozen bias b reports its gradient but keeps its value; the skip weight learns.
    fd_b = (skip_shared_loss(0.5, b=-0.1 + h) - skip_shared_loss(0.5, b=-0.1 - h)) / (2 * h)
    assert trace.gradient("b") == pytest.approx(fd_b, rel=1e-8)
    assert trace.updated["b"] == -0.1
    assert trace.updated["w"] == pytest.approx(0.5 - 0.1 * fd, rel=1e-8)


def test_skip_shared_trains(cli: Callable[..., Ran]) -> None:
    ran = cli("train", SKIP, "--json")
    assert ran.code == 0
    data = json.loads(ran.out)
    assert len(data["losses"]) == 500  # training.epochs
    assert data["final_loss"] < 0.01 < skip_shared_loss(0.5)
    assert data["parameters"]["b"] == -0.1


def test_xor_trains_to_near_zero_loss(cli: Callable[..., Ran]) -> None:
    ran = cli("train", XOR, "--json")
    assert ran.code == 0
    data = json.loads(ran.out)
    assert len(data["losses"]) == 2000
    assert data["final_loss"] < 0.01
    assert data["losses"][0] > 0.5  # it really had to learn

    net = graphengine.load(XOR)
    net.train(2000)
    predictions = net.predict(net.X)[:, 0]
    assert [round(p) for p in predictions] == [0, 1, 1, 0]
    assert net.loss() == pytest.approx(data["final_loss"], rel=1e-12)
