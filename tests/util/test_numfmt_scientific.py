"""Very small numbers in derivations read in scientific notation (text, Markdown, LaTeX);
the worked example's numbers are unchanged."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import graphengine
from graphengine._util.numfmt import SCIENTIFIC_BELOW, derivation_number
from graphengine.views.derivation.explain import explain
from graphengine.views.derivation.mathfmt import m_number


@given(st.floats(min_value=1e-300, max_value=1e7, exclude_max=True), st.integers(2, 12), st.booleans())
def test_a_number_reads_back_within_its_rounding(x: float, digits: int, negative: bool) -> None:
    x = -x if negative else x
    text = derivation_number(x, digits)
    if abs(x) < SCIENTIFIC_BELOW:
        assert re.fullmatch(r"-?\d(\.\d+)?e-\d+", text), text
        assert float(text) == pytest.approx(x, rel=10.0 ** -(digits - 1))
    else:
        assert "e" not in text and not re.match(r"-?0\.0000", text), text  # never four zeros after the point
        assert float(text) == pytest.approx(x, rel=10.0 ** -(digits - 2), abs=10.0**-digits)


def test_tex_writes_a_power_of_ten() -> None:
    assert m_number(1.37e-8, 4).tex == r"1.37 \times 10^{-8}"
    assert m_number(-4.38e-5, 4, wrap_negative=True).text == "(-4.38e-5)"


def test_the_worked_example_keeps_its_numbers() -> None:
    net = graphengine.load("specs/doc_example.yaml")
    text = explain(net, net.trace(), params=["w1", "w5"]).render("text")
    # The page's numbers, four decimals (three significant digits for small ones).
    for shown in ("∂E/∂w5 = 0.7414 × 0.1868 × 0.5933 = 0.0822", "0.000439", "w5' = w5 − η·∂E/∂w5"):
        assert shown in text
    assert "e-" not in text


def test_a_trained_network_tiny_gradient_is_scientific(tmp_path) -> None:
    # A network whose output saturates: the gradients reaching its first layer are ~1e-8.
    spec = tmp_path / "flat.yaml"
    spec.write_text(
        "inputs: [x]\noutputs: [y]\nnodes:\n  h: {activation: sigmoid}\n  y: {activation: sigmoid}\n"
        "edges:\n  - {from: x, to: h, weight: 0.5}\n  - {from: h, to: y, weight: 40.0}\n"
        "loss: half_squared_error\ndata:\n  - inputs: {x: 1.0}\n    targets: {y: 1.0}\n"
    )
    net = graphengine.load(spec)
    grad = net.trace().gradient("x->h")
    assert 0 < abs(grad) < SCIENTIFIC_BELOW
    doc = explain(net, net.trace(), params=["w(x→h)"])
    expected = derivation_number(grad, 4)
    assert "e-" in expected
    assert f"= {expected}\n" in doc.render("text")
    assert f"= {expected}" in doc.render("markdown") or m_number(grad, 4).tex in doc.render("markdown")
    assert m_number(grad, 4).tex in doc.render("latex")
