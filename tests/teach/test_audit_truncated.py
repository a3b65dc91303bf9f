"""`truncated`: a number cut at its last digit instead of rounded (claims.truncated), noted by
`audit` only — never for a number that is the exact value rounded or that the page's own
earlier numbers give. Exact values by hand: out_h1 = σ(0.3775) = 0.5932699921…, net_o1 =
0.4 · 0.59327 + 0.45 · 0.59688 + 0.6 = 1.1059059…"""

from __future__ import annotations

import math

import pytest

import graphengine
from graphengine.teach.audit.audit import audit, verdict_word
from graphengine.teach.audit.scan import read_chains
from graphengine.teach.check import judge
from graphengine.teach.claims import truncated

SIGMA = 1 / (1 + math.exp(-0.3775))  # 0.59326999…


def verdicts(text: str) -> dict[str, str]:
    net = graphengine.load("specs/doc_example.yaml")
    result = audit(net, net.trace(), read_chains(text, "page.md"))
    return {f"{r.line} {r.number.text}": verdict_word(r.verdict) for r in result.rows}


def test_a_value_cut_at_its_last_digit_is_truncated_and_no_mistake():
    assert round(SIGMA, 4) == 0.5933 and math.floor(SIGMA * 1e4) / 1e4 == 0.5932
    net = graphengine.load("specs/doc_example.yaml")
    result = audit(net, net.trace(), read_chains("$$out_{h1} = 0.5932$$", "page.md"))
    (row,) = result.rows
    assert verdict_word(row.verdict) == "truncated" and not row.verdict.mistake
    assert "0.5933" in row.verdict.note
    assert result.mistakes == []


def test_the_value_rounded_is_right():
    assert verdicts("$$out_{h1} = 0.5933$$") == {"1 0.5933": "right"}


def test_a_value_the_pages_own_numbers_give_is_never_truncated():
    # the page rounded out_h1 to 0.59 and out_h2 to 0.597: 0.4·0.59 + 0.45·0.597 + 0.6 = 1.10465,
    # which rounds to 1.105 although the exact 1.10591 rounds to 1.106
    assert round(0.4 * 0.59 + 0.45 * 0.597 + 0.6, 3) == 1.105
    page = "$$out_{h1} = 0.59$$\n\n$$out_{h2} = 0.597$$\n\n$$net_{o1} = 1.105$$\n"
    assert verdicts(page)["5 1.105"] in ("right", "rounding")


def test_a_step_cut_at_its_last_digit_is_truncated():
    # e^{-0.3775} = 0.68557: cut, 0.6855; rounded, 0.6856
    assert round(math.exp(-0.3775), 4) == 0.6856
    assert verdicts("$$e^{-0.3775} = 0.6855$$") == {"1 0.6855": "truncated"}
    assert verdicts("$$e^{-0.3775} = 0.6856$$") == {"1 0.6856": "right"}


@pytest.mark.parametrize(
    ("value", "unit", "values", "cut"),
    [
        (0.149, 0.001, (0.14957,), True),
        (0.150, 0.001, (0.14957,), False),  # rounded
        (0.1494, 0.0001, (0.14957,), False),  # more than a unit off: not this value cut
        (0.1495, 0.0001, (0.14957,), True),  # cut to four decimals
        (0.149, 0.001, (0.14957, 0.1493), False),  # the page's own 0.1493 rounds to it
        (0.149, 0.001, (0.14957, 0.1497), True),  # the page's own does not
        (0.0, 0.0, (0.4,), False),  # an integer claims no digits
        (-0.17, 0.01, (-0.1787,), True),
        (0.17, 0.01, (-0.1787,), False),  # a sign, not a cut
    ],
)
def test_the_rule(value, unit, values, cut):
    assert truncated(value, unit, *values) is cut


def test_check_keeps_its_one_unit_rule():
    """`check` (and `grade`, which uses it) says right for a value within one unit: unchanged."""
    net = graphengine.load("specs/doc_example.yaml")
    (v,) = judge(net, net.trace(), {"h1.out": "0.5932"})
    assert v.right
