"""`audit` on the forms real pages use (issue 21): matrices element by element, quantities the
network does not store (softmax probabilities, errors t − y, weight steps), code blocks and
tables of values, arrows and comparisons, ``\\(maths\\): value``, exact numbers in steps, a
batch written as a matrix. Expected values are worked by hand (Mazur's classic example:
net_h1 = 0.3775, out_h1 = 0.593269992, out_o1 = 0.75136507, ∂E/∂w5 = 0.082167041).
"""

from __future__ import annotations

import math

import pytest

import graphengine
from graphengine.teach.audit.audit import audit, verdict_word
from graphengine.teach.audit.matrices import elementwise
from graphengine.teach.audit.scan import read_chains
from graphengine.teach.latex_math import parse, value
from graphengine.teach.latex_tokens import tokenize

PAGES = "tests/fixtures/pages"


def rows(page: str, spec: str = "specs/doc_example.yaml"):
    net = graphengine.load(spec)
    result = audit(net, net.trace(), read_chains(page, "page.md"))
    return {(r.line, r.number.text): (r.quantity, verdict_word(r.verdict), r.verdict.exact) for r in result.rows}


# ---------------------------------------------------------------------- matrices


def test_a_matrix_product_is_written_out_element_by_element():
    text = "[[1, 2], [3, 4]] \\cdot [[5], [6]] = [[17], [39]]"
    equations = elementwise(tokenize(text, 0, len(text)))
    assert equations is not None and len(equations) == 2
    for index, ((tokens, (row, column, rows_, columns)), hand) in enumerate(zip(equations, (17, 39))):
        cut = next(k for k, t in enumerate(tokens) if t.kind == "rel")
        assert value(parse(tokens[:cut])) == hand == value(parse(tokens[cut + 1 :]))
        assert (row, column, rows_, columns) == (index, 0, 2, 1)


def test_a_column_of_nets_is_judged_element_by_element():
    page = (
        "$$\\begin{bmatrix} 0.15 \\cdot 0.05 + 0.20 \\cdot 0.10 + 0.35 \\\\ "
        "0.25 \\cdot 0.05 + 0.30 \\cdot 0.10 + 0.35 \\end{bmatrix} = "
        "\\begin{bmatrix} 0.3775 \\\\ 0.3935 \\end{bmatrix}$$\n"
    )
    found = rows(page)
    assert found[(1, "0.3775")][:2] == ("h1.net", "right")
    assert found[(1, "0.3935")][:2] == ("h2.net", "arithmetic")  # 0.0125 + 0.030 + 0.35 = 0.3925


def test_a_batch_matrix_has_each_row_judged_with_its_own_sample():
    """tanh-batch-example: I·W1 over four samples (±0.9 inputs, bias column 1), by hand."""
    net = graphengine.load(f"{PAGES}/tanh-batch-example.spec.yaml")
    from graphengine.teach.audit.scan import read_page

    result = audit(net, net.trace(), read_page(f"{PAGES}/tanh-batch-example.md"))
    h1 = {r.line: r.verdict.exact for r in result.rows if r.quantity == "h1.net"}
    x = [(0.9, 0.9), (0.9, -0.9), (-0.9, 0.9), (-0.9, -0.9)]
    hand = [0.23 * a + 0.73 * b + 0.23 for a, b in x]
    assert [h1[line] for line in (43, 44, 45, 46)] == pytest.approx(hand)
    assert all(verdict_word(r.verdict) == "right" for r in result.rows if r.line in (43, 44, 45, 46))


# ---------------------------------------------------------------------- defined quantities


def test_softmax_probabilities_are_recognised_and_checked():
    """Logits −0.8, 1.1, 0.1 (mihirsai's spec): e^z = 0.449329, 3.004166, 1.105171; Σ = 4.558666."""
    exps = [math.exp(z) for z in (-0.8, 1.1, 0.1)]
    total = sum(exps)
    page = "$\\frac{0.4493}{4.5587} = 0.0986$\n\n$\\frac{3.0042}{4.5587} = 0.0659$\n"
    found = rows(page, f"{PAGES}/mihirsai-softmax.spec.yaml")
    quantity, word, exact = found[(1, "0.0986")]
    assert (quantity, word) == ("softmax.c1", "right") and exact == pytest.approx(exps[0] / total)
    quantity, word, exact = found[(3, "0.0659")]
    assert (quantity, word) == ("softmax.c2", "arithmetic") and exact == pytest.approx(exps[1] / total)


def test_an_error_t_minus_y_is_matched_up_to_its_sign_and_never_forced_onto_a_node():
    found = rows("$e_1 = 0.7414$\n\n$e_1 = 0.2748$\n\n$e_2 = 0.3214$\n")
    assert found[(1, "0.7414")][:2] == ("error.o1", "right")  # |0.01 − 0.75136507|
    assert found[(3, "0.2748")][:2] == ("loss.o1", "right")  # ½ (0.74136507)²
    assert (5, "0.3214") not in found  # neither o2's error (0.2171) nor its term: listed, not judged


def test_a_weight_step_written_alone_is_the_step():
    found = rows("$\\Delta w_5 = -0.0411$\n")
    quantity, word, exact = found[(1, "-0.0411")]
    assert (quantity, word) == ("change.w5", "right") and exact == pytest.approx(-0.5 * 0.082167041)


# ---------------------------------------------------------------------- forms of writing


def test_code_assignments_define_the_notation_of_a_table_of_values():
    page = (
        "```r\nz1 <- w1*i1 + w2*i2 + b1\nh1 <- sigmoid(z1)\n```\n\n"
        "| z1 | h1 |\n|---|---|\n| 0.3775 | 0.5933 |\n\n| z1 | h1 |\n|---|---|\n| 0.3775 | 0.6933 |\n"
    )
    found = rows(page)
    assert found[(8, "0.5933")][:2] == ("h1.out", "right")
    assert found[(12, "0.6933")][0] == "h1.out" and found[(12, "0.6933")][1] not in ("right", "rounding")


def test_an_arrow_starts_an_equation_and_a_comparison_ends_one():
    found = rows("$net_{h1} = 0.3775 > 0 \\Rightarrow out_{h1} = 0.5933$\n")
    assert found[(1, "0.3775")][:2] == ("h1.net", "right")
    assert found[(1, "0.5933")][:2] == ("h1.out", "right")


def test_maths_followed_by_a_colon_and_a_value_is_that_value():
    found = rows("- \\(1/(1 + e^{-0.3775})\\): 0.5933\n- \\(1/(1 + e^{-0.3925})\\): 0.6933\n")
    assert found[(1, "0.5933")][:2] == ("h1.out", "right")
    assert found[(2, "0.6933")][0] == "h2.out" and found[(2, "0.6933")][1] not in ("right", "rounding")


def test_a_number_that_is_exactly_a_network_value_carries_no_rounding_into_a_step():
    """e^{−0.3775} = 0.685606…: 0.68564 is off by 3.4 units; 0.3775 is h1.net exactly, so its last
    digit cannot excuse it (with ±0.0001 on 0.3775 the step would move by 6.9e-5)."""
    found = rows("$out_{h1} = 1/(1 + e^{-0.3775}) = 1/(1 + 0.68564) = 0.59327$\n")
    assert found[(1, "0.68564")][1] == "arithmetic"
    assert found[(1, "0.68564")][2] == pytest.approx(math.exp(-0.3775))
    assert found[(1, "0.59327")][:2] == ("h1.out", "right")


def test_an_integer_result_its_own_arithmetic_does_not_give_is_arithmetic():
    found = rows("$net_{h1} = 0.15 \\times 0.05 + 0.2 \\times 0.1 + 0.35 = 1$\n")
    assert found[(1, "1")][:2] == ("h1.net", "arithmetic")


def test_a_sibling_named_like_a_node_the_page_uses_for_an_out_is_an_out():
    page = "$z_1 = w_1 i_1 + w_2 i_2 + b_1$\n\n$h1 = \\sigma(z_1)$\n\n$h2 = 0.5969$\n"
    assert rows(page)[(5, "0.5969")][:2] == ("h2.out", "right")  # 0.596884378


def test_a_labelled_list_of_probabilities_is_the_outputs_softmax_by_position():
    """Scores 3.0, 1.0, 0.2 (afsana's spec): softmax 0.836019, 0.113143, 0.050838 by hand."""
    exps = [math.exp(z) for z in (3.0, 1.0, 0.2)]
    page = "Softmax: `[0.836, 0.113, 0.061]`\n"
    found = rows(page, f"{PAGES}/afsana-bn-softmax.spec.yaml")
    assert found[(1, "0.836")][:2] == ("softmax.c1", "right")
    assert found[(1, "0.113")][:2] == ("softmax.c2", "right")
    quantity, word, exact = found[(1, "0.061")]
    assert quantity == "softmax.c3" and word not in ("right", "rounding")
    assert exact == pytest.approx(exps[2] / sum(exps))
