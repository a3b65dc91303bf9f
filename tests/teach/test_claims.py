"""What a written number claims (teach/claims.py), and the examiner's marks built on it (issue 22)."""

from __future__ import annotations

import pytest

import graphengine
from graphengine.teach.check import judge
from graphengine.teach.claims import ASKED_DIGITS, asked_unit, matches, written_unit
from graphengine.teach.exercise.grade import Mark, Sheet
from graphengine.teach.hand import read_hand_text, tidy
from graphengine.teach.misspelt import one_meaning


@pytest.mark.parametrize(
    "text, unit",
    [("0.593", 0.001), ("0.5930", 0.0001), ("-2.5", 0.1), ("0", 0.0), ("1", 0.0), ("-3", 0.0), ("1e-3", 0.001)],
)
def test_a_numbers_unit_is_its_last_written_digit_and_none_without_a_decimal_part(text, unit):
    assert written_unit(text) == pytest.approx(unit)


def test_a_bare_zero_or_one_is_no_licence():
    # 0 claims exactly 0: wrong for 0.3, 0.00003, right for 0 itself
    for exact in (0.3, -0.7, 0.00003):
        assert not matches(0.0, written_unit("0"), exact, asked=ASKED_DIGITS)
        assert not matches(1.0, written_unit("1"), exact, asked=ASKED_DIGITS)
    assert matches(0.0, written_unit("0"), 0.0, asked=ASKED_DIGITS)
    assert matches(1.0, written_unit("1"), 1.0)


def test_the_asked_precision_is_four_significant_digits_of_the_exact_value():
    assert asked_unit(0.59304) == pytest.approx(1e-4) and asked_unit(-123.4) == pytest.approx(0.1)
    # 0.59301 carries 5 digits and is off in the 5th: right on a sheet that asks for 4, not in a free check
    assert matches(0.59301, written_unit("0.59301"), 0.59304, asked=4)
    assert not matches(0.59301, written_unit("0.59301"), 0.59304)
    assert not matches(0.5925, written_unit("0.5925"), 0.59304, asked=4)


def test_zeros_and_ones_in_check_score_nothing_on_the_worked_example():
    net = graphengine.load("specs/doc_example.yaml")
    trace = net.trace()
    names = ["h1.net", "h1.out", "o1.out", "grad.w5", "grad.w1", "updated.w5"]
    for placeholder in ("0", "1"):
        for asked in (None, ASKED_DIGITS):
            verdicts = judge(net, trace, dict.fromkeys(names, placeholder), asked=asked)
            assert not any(v.right for v in verdicts), (placeholder, asked)


@pytest.mark.parametrize(
    "raw, value",
    [("≈-0.14", -0.14), ("~0.648", 0.648), ("= 0.0085", 0.0085), ("-0,873", -0.873), ("−0.5", -0.5), ("0.5 93", 0.593)],
)
def test_messy_numbers_are_read_with_what_was_done(raw, value):
    hand = read_hand_text(f"h1.out: {raw}\n", "h.yaml")
    w = hand.values["h1.out"]
    assert w.value == pytest.approx(value)
    assert (w.note != "") == (raw != "−0.5")  # a Unicode minus is simply a minus
    assert tidy("0.5")[1] == ""


def test_a_key_typo_means_the_one_name_a_swap_away():
    names = ["h2.out", "h2.net", "o2.dout", "grad.w5", "grad.w55x"]
    assert one_meaning("h2.uot", names) == "h2.out"
    assert one_meaning("o2.duot", names) == "o2.dout"
    assert one_meaning("grad.w55", names) is None  # not the same length: could be either
    assert one_meaning("zzz", names) is None


def _sheet(follow_through: bool) -> Sheet:
    marks = [
        Mark("h1.out", "0.593", 0.593, True),
        Mark("o1.dout", "-0.74", 0.74, False, "sign"),
        Mark("o1.dnet", "-0.138", 0.138, False, "carried", because_of=("o1.dout",)),
        Mark("o1.out", "0.7513", 0.75136, False, "rounding"),
        Mark("grad.w5", None, 0.08, False, "unanswered"),
    ]
    return Sheet("ann", "ann.yaml", "spec.yaml", marks, follow_through=follow_through)


def test_follow_through_gives_the_carried_step_its_mark_and_strict_marking_does_not():
    assert _sheet(True).earned == 3 and _sheet(True).score == pytest.approx(3 / 5)
    assert _sheet(False).earned == 2 and _sheet(False).score == pytest.approx(2 / 5)
    assert _sheet(True).to_dict()["marks"][2]["because_of"] == ["o1.dout"]


def test_two_slips_in_one_value_are_named_as_the_pair():
    net = graphengine.load("specs/doc_example.yaml")
    trace = net.trace()
    w5, g = trace.values["w5"], trace.gradients["w5"]
    # uphill with η = 1 (the learning rate forgotten): w5 + 1·g, where the sheet's η is 0.5
    (v,) = judge(net, trace, {"updated.w5": f"{w5 + 1.0 * g:.5f}"}, asked=ASKED_DIGITS)
    assert v.reason == "uphill+learning-rate" and v.mistake and "the step added" in v.note
    # a single slip stays single
    (v,) = judge(net, trace, {"updated.w5": f"{w5 + 0.5 * g:.5f}"}, asked=ASKED_DIGITS)
    assert v.reason == "uphill"


def test_a_value_written_in_the_neighbours_blank_is_named_and_what_follows_is_carried():
    net = graphengine.load("specs/doc_example.yaml")
    trace = net.trace()
    w1, g1, g5 = trace.values["w1"], trace.gradients["w1"], trace.gradients["w5"]
    sheet = {"grad.w5": f"{g5:.5f}", "grad.w1": f"{g5:.5f}", "updated.w1": f"{w1 - 0.5 * g5:.5f}"}
    assert abs(g1 - g5) > 1e-2  # the two blanks differ
    v = {x.quantity: x for x in judge(net, trace, sheet, asked=ASKED_DIGITS)}
    assert v["grad.w5"].right
    assert v["grad.w1"].reason == "misplaced" and "grad.w5's value" in v["grad.w1"].note
    assert v["updated.w1"].reason == "carried" and v["updated.w1"].because_of == ["grad.w1"]


def test_bare_zeros_are_placeholders_and_what_follows_a_zero_is_no_credit():
    net = graphengine.load("specs/doc_example.yaml")
    trace = net.trace()
    v = {x.quantity: x for x in judge(net, trace, {"o1.dact": "0", "o1.dnet": "0", "grad.w5": "0"}, asked=4)}
    assert all(x.reason == "placeholder" and x.mistake for x in v.values())


def test_an_empty_blank_is_unanswered_in_check_and_the_rest_is_checked(tmp_path, capsys):
    import json

    from graphengine.cli import main

    hand = tmp_path / "hand.yaml"
    hand.write_text("h1.out: 0.5933\nh2.out:\no1.out: 0.7514\n", encoding="utf-8")
    assert main(["check", "specs/doc_example.yaml", "--expect", str(hand), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in report["results"]] == ["h1.out", "o1.out"] and report["mistakes"] == 0
    assert report["unanswered"] == [{"name": "h2.out", "line": 2}]
    assert main(["check", "specs/doc_example.yaml", "--expect", str(hand)]) == 0
    assert "unanswered: h2.out (line 2)" in capsys.readouterr().out
