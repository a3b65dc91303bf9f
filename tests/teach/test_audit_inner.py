"""An output's error written as a number inside its half squared error (audit.inner): judged
as that output's error t − y. Exact values by hand for specs/doc_example.yaml: out_o1 =
0.75136507, out_o2 = 0.77292847, targets 0.01 and 0.99, so the errors are
−0.74136507 and 0.21707153."""

from __future__ import annotations

import math

import pytest

import graphengine
from graphengine.teach.audit.audit import audit, verdict_word
from graphengine.teach.audit.scan import read_chains

SPEC = "specs/doc_example.yaml"


def rows(text: str) -> dict[str, tuple[str, str]]:
    net = graphengine.load(SPEC)
    result = audit(net, net.trace(), read_chains(text, "page.md"))
    return {r.number.text: (r.quantity, verdict_word(r.verdict)) for r in result.rows}


def sigma(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_the_errors_by_hand():
    h1, h2 = sigma(0.15 * 0.05 + 0.20 * 0.10 + 0.35), sigma(0.25 * 0.05 + 0.30 * 0.10 + 0.35)
    assert 0.01 - sigma(0.40 * h1 + 0.45 * h2 + 0.60) == pytest.approx(-0.74136507, abs=1e-8)
    assert 0.99 - sigma(0.50 * h1 + 0.55 * h2 + 0.60) == pytest.approx(0.21707153, abs=1e-8)


def test_right_errors_inside_half_squares_are_right():
    page = "Total error:\n\n= ½ × (−0.7414)² = ½ × 0.5497 = 0.2748\n\n= ½ × (0.2171)² = ½ × 0.0471 = 0.0236\n"
    got = rows(page)
    assert got["-0.7414"] == ("error.o1", "right") and got["0.2171"] == ("error.o2", "right")


def test_a_wrong_error_inside_a_half_square_is_found():
    page = "Total error:\n\n= ½ × (−0.747)² = ½ × 0.5580 = 0.279\n\n= ½ × (0.2171)² = ½ × 0.0471 = 0.0236\n"
    got = rows(page)
    assert got["-0.747"] == ("error.o1", "arithmetic")
    assert got["0.2171"] == ("error.o2", "right")


def test_one_term_of_two_outputs_that_is_no_error_is_not_guessed():
    got = rows("$$E = \\frac{1}{2}(0.5)^2 = 0.125$$")
    assert not any(q.startswith("error.") for q, _ in got.values())


def test_an_out_inside_sigma_prime_is_that_nodes_out():
    # out_o1 by hand: σ(0.40 h1 + 0.45 h2 + 0.60) = 0.75136507
    page = "$$\\frac{\\partial out_{o1}}{\\partial net_{o1}} = out_{o1}(1 - out_{o1}) = 0.7514(1 - 0.7514) = 0.1868$$"
    got = rows(page)
    assert got["0.7514"] == ("o1.out", "right")


def test_a_wrong_out_inside_sigma_prime_is_found():
    # ∂E/∂out_o1 = 0.7414 written in the place of out_o1 = 0.7514 (melfm-notes's slip)
    page = "$$out_{o1} = 0.7514$$\n\n$$\\frac{\\partial out_{o1}}{\\partial net_{o1}} = out_{o1}(1 - out_{o1}) = 0.7414(1 - 0.7414) = 0.1917$$"
    got = rows(page)
    assert got["0.7514"] == ("o1.out", "right")
    assert got["0.7414"][0] == "o1.out" and got["0.7414"][1] not in ("right", "rounding")


def test_a_symbol_that_names_no_node_says_nothing():
    got = rows("$$q(1 - q) = 0.7414(1 - 0.7414) = 0.1917$$")
    assert "0.7414" not in got
