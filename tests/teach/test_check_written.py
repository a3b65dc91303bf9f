"""`check` reads the worked example's notation and the arithmetic a learner writes."""

from __future__ import annotations

import json
import math

import pytest

from graphengine import load
from graphengine.cli import main
from graphengine.teach.arithmetic import parse
from graphengine.teach.check import judge
from graphengine.teach.notation import canonical

SPEC = "specs/doc_example.yaml"


def run(tmp_path, capsys, text: str) -> tuple[int, dict]:
    hand = tmp_path / "hand.yaml"
    hand.write_text(text, encoding="utf-8")
    status = main(["check", SPEC, "--expect", str(hand), "--json"])
    captured = capsys.readouterr()
    run.err = captured.err  # type: ignore[attr-defined]
    return status, json.loads(captured.out) if captured.out else {}


@pytest.mark.parametrize(
    "written, quantity",
    [
        ("net_h1", "h1.net"),
        ("out_o2", "o2.out"),
        ("E_o1", "loss.o1"),
        ("E_total", "loss"),
        ("E_total_2", "loss.o2"),  # the page's numbering: the second output's term
        ("E_1", "loss.o1"),
        ("dE/dw5", "grad.w5"),
        ("∂E/∂w5", "grad.w5"),
        ("∂E_total/∂w7", "grad.w7"),
        ("dE/dout_o1", "o1.dout"),
        ("∂E/∂out_h1", "h1.dout"),
        ("dout_o1/dnet_o1", "o1.dact"),
        ("dE/dnet_o1", "o1.dnet"),
        ("δ_o2", "o2.dnet"),
        ("w5_new", "updated.w5"),
        ("w5'", "updated.w5"),
        ("w5′", "updated.w5"),
        ("w5⁺", "updated.w5"),
        ("h1.out", "h1.out"),
    ],
)
def test_notation(written, quantity):
    names = {f"{v}.{q}" for v in ("h1", "h2", "o1", "o2") for q in ("net", "out", "dout", "dnet", "dact")}
    names |= {"loss", "loss.o1", "loss.o2"} | {f"{k}.w{i}" for k in ("grad", "updated") for i in range(1, 9)}
    assert canonical(written, names, ["o1", "o2"]) == quantity
    assert canonical("dout_o1/dnet_o2", names) is None  # two different nodes: not a derivative of one


def test_notation_and_canonical_names_mean_the_same_quantity(tmp_path, capsys):
    status, report = run(tmp_path, capsys, "out_h1: 0.593\nh1.out: 0.5933\n")
    assert status == 2 and report == {}
    assert (
        run.err
        == f"error: {tmp_path / 'hand.yaml'}:2: h1.out: `h1.out` is `h1.out` again (first as `out_h1` on line 1)\n"
    )


def test_json_rows_keep_the_written_name_and_add_the_quantity(tmp_path, capsys):
    status, report = run(tmp_path, capsys, "∂E/∂w5: 0.0822\nw5⁺: 0.3589\nE_total: 0.2984\n")
    assert status == 0
    rows = [(r["name"], r["quantity"], r["right"]) for r in report["results"]]
    assert rows == [("∂E/∂w5", "grad.w5", True), ("w5⁺", "updated.w5", True), ("E_total", "loss", True)]


def test_right_terms_added_up_wrong(tmp_path, capsys):
    status, report = run(tmp_path, capsys, "net_h1: (0.15 × 0.05) + (0.20 × 0.1) + 0.35 = 0.3875\n")
    assert status == 1
    (row,) = report["wrong"]
    assert row["reason"] == "arithmetic"
    assert row["note"] == "your terms are right; they add up to 0.377500, not 0.3875"


def test_a_wrong_factor_is_named_from_the_written_arithmetic(tmp_path, capsys):
    # w6 = 0.45 where w5 = 0.4 belongs: the written factors rule out every other explanation.
    status, report = run(tmp_path, capsys, "net_o1: (0.45 × 0.593) + (0.45 × 0.596) + 0.6 = 1.1351\n")
    (row,) = report["wrong"]
    assert (status, row["reason"]) == (1, "wrong-weight")
    assert "uses w6 = 0.45 instead of its weight w5 = 0.4" in row["note"]


def test_carried_names_the_root_mistake_and_only_rounding_exits_0(tmp_path, capsys):
    # net_h1 wrong (no bias), out_h1 from it is carried; o1 values rounded from right ones are rounding.
    text = "net_h1: 0.0275\nout_h1: 1/(1 + e^-0.0275) = 0.5069\nnet_o1: 0.4 × 0.5069 + 0.45 × 0.5969 + 0.6 = 1.0714\n"
    status, report = run(tmp_path, capsys, text)
    reasons = {r["name"]: (r["reason"], r.get("because_of")) for r in report["wrong"]}
    assert status == 1
    assert reasons == {
        "net_h1": ("missing-term", None),
        "out_h1": ("carried", ["net_h1"]),
        "net_o1": ("carried", ["net_h1"]),
    }
    assert "follows from your wrong net_h1 (written 0.0275, exact 0.377500): fix it first" in report["wrong"][1]["note"]
    status, report = run(tmp_path, capsys, "out_h1: 0.6\nout_h2: 0.6\nnet_o1: 0.4 × 0.6 + 0.45 × 0.6 + 0.6 = 1.1100\n")
    assert status == 0 and [r["reason"] for r in report["wrong"]] == ["rounding"]


def test_human_summary_says_carry_more_digits(tmp_path, capsys):
    hand = tmp_path / "hand.yaml"
    hand.write_text("out_h1: 0.6\nout_h2: 0.6\nnet_o1: 1.1100\n", encoding="utf-8")
    assert main(["check", SPEC, "--expect", str(hand)]) == 0
    out = capsys.readouterr().out
    assert "≈ │ net_o1" in out and out.rstrip().endswith("3 checked: 2 right, 1 rounding (carry more digits)")


def test_python_api_takes_numbers_texts_and_expressions():
    net = load(SPEC)
    verdicts = judge(
        net, net.trace(), {"net_h2": parse("0.25 × 0.10 + 0.30 × 0.05 + 0.35"), "w5_new": 0.3589, "out_h1": "0.5930"}
    )
    rows = [v.to_dict() for v in verdicts]
    assert [(r["name"], r["quantity"], r["right"], r.get("reason")) for r in rows] == [
        ("net_h2", "h2.net", False, "swapped"),
        ("w5_new", "updated.w5", True, None),
        ("out_h1", "h1.out", False, "arithmetic"),  # 0.5930 claims 4 decimals: 0.59327 is not that
    ]
    assert {"name", "quantity", "written", "exact", "right", "reason", "note"} <= set(rows[0])


# ------------------------------------------------------------------ the classic slips, on the worked example
def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


NET_H1, NET_H2 = 0.15 * 0.05 + 0.20 * 0.10 + 0.35, 0.25 * 0.05 + 0.30 * 0.10 + 0.35
H1, H2 = _sigmoid(NET_H1), _sigmoid(NET_H2)
O1, O2 = _sigmoid(0.40 * H1 + 0.45 * H2 + 0.60), _sigmoid(0.50 * H1 + 0.55 * H2 + 0.60)
D_O1, D_O2 = (O1 - 0.01) * O1 * (1 - O1), (O2 - 0.99) * O2 * (1 - O2)  # ∂E/∂net_o
W5_NEW, W7_NEW = 0.40 - 0.5 * D_O1 * H1, 0.50 - 0.5 * D_O2 * H1


@pytest.mark.parametrize(
    "sheet, code",
    [
        ("dE/dw5: 0.741 × 0.593 = 0.4394\n", "missing-factor"),  # ∂out/∂net forgotten
        (f"dE/dw5: {D_O1 * NET_H1:.5f}\n", "net-for-out"),  # net_h1 for out_h1
        ("net_o1: 1.105\ndout_o1/dnet_o1: 1.105 × (1 − 1.105) = −0.1160\n", "derivative-of-net"),
        ("out_o1: 0.751\nE_o1: (0.01 − 0.751)² = 0.5491\n", "factor-2"),
        ("dE/dout_o1: 0.01 − 0.751 = −0.741\n", "sign"),
        ("w5_new: 0.4 + 0.5 × 0.08217 = 0.4411\n", "uphill"),
        ("w5_new: 0.4 − 0.08217 = 0.3178\n", "learning-rate"),
        (f"dE/dout_h1: {D_O1 * 0.45 + D_O2 * 0.50:.5f}\n", "wrong-weight"),  # w6 for w5
        (f"dE/dout_h1: {D_O1 * 0.40:.5f}\n", "missing-term"),  # the path through o2 left out
        (f"dE/dout_h1: {D_O1 * W5_NEW + D_O2 * W7_NEW:.6f}\n", "updated-weights"),
        (f"grad.b2: {D_O1:.5f}\n", "shared"),  # b2 is o1's and o2's bias
        ("net_h1: (0.15 × 0.05) + (0.20 × 0.1) = 0.0275\n", "missing-term"),  # the bias
    ],
)
def test_classic_slips_on_the_worked_example(tmp_path, capsys, sheet, code):
    status, report = run(tmp_path, capsys, sheet)
    row = report["wrong"][-1]
    assert status == 1 and row["reason"] == code, row


def test_two_slips_giving_the_same_number_are_both_named(tmp_path, capsys):
    # skip_shared has 2 samples and a mean loss: 2× ∂E/∂out_y is both the forgotten ½ and the forgotten 1/N.
    hand = tmp_path / "hand.yaml"
    y = 0.7 * _sigmoid(0.5 * 1.0 + 0.1) - 0.6 * math.tanh(0.5 * -0.5 + 0.3 * 1.0 - 0.1) + 0.25 * -0.5 + 0.2
    hand.write_text(f"dE/dout_y: {y - 0.8:.5f}\n", encoding="utf-8")
    assert main(["check", "specs/skip_shared.yaml", "--expect", str(hand), "--json"]) == 1
    (row,) = json.loads(capsys.readouterr().out)["wrong"]
    assert set(row["reasons"]) == {"factor-2", "batch"} and "; or " in row["note"]


def test_module_examples_run():
    import doctest

    import graphengine.teach.hand
    import graphengine.teach.notation

    for module in (graphengine.teach.hand, graphengine.teach.notation):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0
