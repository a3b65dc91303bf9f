"""A bare integer claims no digits (teach/claims.py): `check --help` says so in one line, and
`check` judges it so. The worked example's ∂E/∂w1 is 0.000438568 (Matt Mazur's page, by hand)."""

from __future__ import annotations

import json

SPEC = "specs/doc_example.yaml"
GRAD_W1 = 0.000438568  # the worked example's ∂E/∂w1, as the page computes it


def judged(tmp_path, cli, text: str) -> dict:
    hand = tmp_path / "hand.yaml"
    hand.write_text(text, encoding="utf-8")
    ran = cli("check", SPEC, "--expect", hand, "--json")
    return {r["name"]: r for r in json.loads(ran.out)["results"]}


def test_check_help_says_in_one_line_how_a_bare_integer_is_judged(cli):
    lines = [line.strip() for line in cli("check", "--help").out.splitlines()]
    said = [line for line in lines if "bare integer" in line]
    assert said == ["A bare integer (0, 1) is right only when exact; 0.00 claims ±0.01."]


def test_a_bare_zero_is_wrong_for_a_small_value_and_zero_with_decimals_claims_them(tmp_path, cli):
    assert 0 < GRAD_W1 < 0.001
    bare = judged(tmp_path, cli, "grad.w1: 0\n")["grad.w1"]
    assert not bare["right"] and abs(bare["exact"] - GRAD_W1) < 1e-9
    assert judged(tmp_path, cli, "grad.w1: 0.00\n")["grad.w1"]["right"]  # ±0.01 covers 0.00044
    assert not judged(tmp_path, cli, "grad.w1: 0.0000\n")["grad.w1"]["right"]  # ±0.0001 does not
