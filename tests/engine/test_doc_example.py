"""The worked example of ../shared/seed/backprop-worked-example.md, computed exactly.

Expected values were checked by hand-evaluating the formulas in float64 (see the
comments); they differ from the seed page's rounded arithmetic on purpose.
"""

import json
import math

import pytest

import graphengine

SPEC = "specs/doc_example.yaml"


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@pytest.fixture
def trace():
    return graphengine.load(SPEC).trace()


def test_forward_values_match_hand_formulas(trace):
    net_h1 = 0.15 * 0.05 + 0.20 * 0.10 + 0.35
    net_h2 = 0.25 * 0.05 + 0.30 * 0.10 + 0.35
    h1, h2 = sigmoid(net_h1), sigmoid(net_h2)
    net_o1 = 0.40 * h1 + 0.45 * h2 + 0.60
    net_o2 = 0.50 * h1 + 0.55 * h2 + 0.60
    assert trace.net("h1") == pytest.approx(0.3775, abs=1e-15)
    assert trace.out("h1") == pytest.approx(h1, rel=1e-14)
    assert trace.out("h2") == pytest.approx(h2, rel=1e-14)
    assert trace.net("o1") == pytest.approx(net_o1, rel=1e-14)
    assert trace.out("o2") == pytest.approx(sigmoid(net_o2), rel=1e-14)
    assert round(trace.out("h1"), 9) == 0.593269992
    assert round(trace.out("o1"), 9) == 0.751365070


def test_loss_gradients_and_updates(trace):
    assert round(trace.loss, 9) == 0.298371109
    assert round(trace.gradient("w5"), 9) == 0.082167041
    assert round(trace.updated["w5"], 8) == 0.35891648
    assert round(trace.updated["w1"], 9) == 0.149780716
    # The chain rule of the worked example, piece by piece.
    o1, h1 = trace.out("o1"), trace.out("h1")
    assert trace.gradient("w5") == pytest.approx((o1 - 0.01) * o1 * (1 - o1) * h1, rel=1e-14)


def test_frozen_shared_biases_keep_their_value_but_report_summed_gradient(trace):
    assert trace.updated["b1"] == 0.35 and trace.updated["b2"] == 0.60
    # b2 is shared by o1 and o2: its gradient is the sum of both δ's.
    assert trace.gradient("b2") == pytest.approx(trace.dnet("o1") + trace.dnet("o2"), rel=1e-14)
    assert trace.gradient("b1") == pytest.approx(trace.dnet("h1") + trace.dnet("h2"), rel=1e-14)


def test_run_json(cli):
    ran = cli("run", SPEC, "--json")
    assert ran.code == 0
    data = json.loads(ran.out)
    assert round(data["loss"], 9) == 0.298371109
    assert round(data["gradients"]["w5"], 9) == 0.082167041
    assert round(data["updated"]["w5"], 8) == 0.35891648
    assert set(data["samples"][0]["nodes"]) == {"i1", "i2", "h1", "h2", "o1", "o2"}
    assert data["samples"][0]["nodes"]["i1"]["out"] == 0.05
    assert set(data["samples"][0]["nodes"]["i1"]) == {"out", "dout", "dnet"}  # an input has no net or dact
    assert set(data["updated"]) == set(data["gradients"]) == {f"w{i}" for i in range(1, 9)} | {"b1", "b2"}


def test_run_table(cli):
    ran = cli("run", SPEC)
    assert ran.code == 0
    out = ran.out
    for text in ("0.298371109", "0.082167041", "0.358916480", "0.149780716", "0.593269992"):
        assert text in out


def test_train_10000_epochs(cli):
    ran = cli("train", SPEC, "--epochs", "10000", "--json")
    assert ran.code == 0
    data = json.loads(ran.out)
    assert len(data["losses"]) == 10000
    assert data["losses"][-1] == data["final_loss"]
    assert data["final_loss"] == pytest.approx(3.5102e-05, rel=1e-3)
    assert data["losses"][0] < 0.298371109  # the loss after the first step went down
