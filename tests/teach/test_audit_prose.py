"""Results stated in prose (teach/audit/prose.py): `w5 becomes 0.3589` is updated.w5, judged;
a loss `now` after the update (the next pass) and other prose numbers are never read."""

from __future__ import annotations

from pathlib import Path

import graphengine
from graphengine.teach.audit.audit import audit, verdict_word
from graphengine.teach.audit.scan import read_chains

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
PROSE = (
    "\nAfter the update w5 becomes 0.35891648 and w_6 is updated to 0.40866619, while w7 becomes 0.9."
    " The total error is now down to 0.291027924.\nIn 2014 the course changed; version 1.2 costs 5.50.\n"
)


def test_updated_weights_stated_in_prose_are_judged():
    net = graphengine.load(str(PAGES / "vortune-mazur.spec.yaml"))
    text = (PAGES / "vortune-mazur.md").read_text(encoding="utf-8") + PROSE
    result = audit(net, net.trace(), read_chains(text, "page.md"))
    last = text.count("\n") - 1
    rows = {r.number.text: r for r in result.rows if r.line == last}
    assert set(rows) == {"0.35891648", "0.40866619", "0.9"}
    assert {r.quantity for r in rows.values()} == {"updated.w5", "updated.w6", "updated.w7"}
    # Mazur's updated w5 and w6 by hand: 0.4 - 0.5 * 0.082167041, 0.45 - 0.5 * 0.082667628
    assert abs(rows["0.35891648"].to_dict()["exact"] - (0.4 - 0.5 * 0.082167041)) < 1e-8
    assert abs(rows["0.40866619"].to_dict()["exact"] - (0.45 - 0.5 * 0.082667628)) < 1e-8
    assert verdict_word(rows["0.35891648"].verdict) in ("right", "rounding")
    assert verdict_word(rows["0.40866619"].verdict) in ("right", "rounding")
    assert verdict_word(rows["0.9"].verdict) not in ("right", "rounding")
    assert not any(r.number.text in ("0.291027924", "2014", "1.2", "5.50") for r in result.rows)


def _prose_rows(text: str) -> dict[str, tuple[str, str]]:
    net = graphengine.load("specs/doc_example.yaml")
    result = audit(net, net.trace(), read_chains(text, "page.md"))
    return {r.number.text: (r.quantity, verdict_word(r.verdict)) for r in result.rows if r.line == 1}


def test_a_prose_number_the_page_then_multiplies_by_eta_is_that_gradient():
    # doc_example's ∂E/∂w5 by hand (Mazur): 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041
    assert round(0.74136507 * 0.186815602 * 0.593269992, 5) == 0.08217
    step = "\n\n$$0.5 \\times 0.08217 = 0.04108$$\n"
    assert _prose_rows("The product of the three: 0.08217" + step) == {"0.08217": ("grad.w5", "right")}
    assert _prose_rows("The product of the three, negated: -0.08217" + step) == {"-0.08217": ("grad.w5", "sign")}


def test_other_prose_numbers_are_not_read():
    # not used as η × N afterwards; used so but no gradient's size; used before it is stated
    assert _prose_rows("The book costs 0.08217 dollars.\n\n$$0.3 \\times 0.08217 = 0.02465$$\n") == {}
    assert _prose_rows("The product of the three: 0.12345\n\n$$0.5 \\times 0.12345 = 0.06173$$\n") == {}
    net = graphengine.load("specs/doc_example.yaml")
    text = "$$0.5 \\times 0.08217 = 0.04108$$\n\nThe product was 0.08217.\n"
    result = audit(net, net.trace(), read_chains(text, "page.md"))
    assert [r for r in result.rows if r.line == 3] == []
