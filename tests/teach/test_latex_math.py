"""LaTeX maths → expression (graphengine.teach.latex_math), page scanning and left-hand-side names.

Values are checked against Python's own float arithmetic written out by hand; the
converter is fuzzed: any text gives a tree or one DocumentError, never anything else.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphengine
from graphengine.errors import DocumentError, SpecError
from graphengine.teach.arithmetic import parse as parse_arithmetic
from graphengine.teach.audit.names import Names, lhs_text
from graphengine.teach.audit.scan import read_chains
from graphengine.teach.latex_math import check_form, evaluate, parse, symbols
from graphengine.teach.latex_tokens import tokenize


def value(latex: str) -> float | None:
    return evaluate(parse(tokenize(latex)))


@pytest.mark.parametrize(
    "latex,expected",
    [
        (r"(0.15 \times 0.05) + (0.20 \times 0.1) + (0.35 \times 1)", 0.15 * 0.05 + 0.20 * 0.1 + 0.35),
        (r"\frac{1}{1 + e^{-0.3775}}", 1 / (1 + math.exp(-0.3775))),
        (r"\frac{1}{2} (0.01 - 0.751)^2", 0.5 * (0.01 - 0.751) ** 2),
        (r"\tfrac12(0.99-0.7729)^{2}", 0.5 * (0.99 - 0.7729) ** 2),
        (r"\dfrac 1 2 \cdot 3", 1.5),
        (r"(0.751) (1 - 0.751)", 0.751 * (1 - 0.751)),
        (r"- (0.01 - 0.751)", 0.741),
        (r"(0.01 - 0.751) \times -1", 0.741),
        (r"0.4 - 0.5 \times 0.0821", 0.4 - 0.5 * 0.0821),
        (r"\left( 0.2 + 0.3 \right) \div 2", 0.25),
        (r"1.2 \times 10^{-3}", 1.2e-3),
        (r"\exp(-1) + \mathrm{e}^{1}", math.exp(-1) + math.e),
        (r"\tanh(0.5)", math.tanh(0.5)),
        (r"\max(0, -0.3) + \ln(1 + e^{0.5})", math.log(1 + math.exp(0.5))),
        (r"\sqrt{0.25}", 0.5),
        ("½(0.01 − 0.751)²", 0.5 * (0.01 - 0.751) ** 2),
        ("1/(1 + e^(-0.3775))", 1 / (1 + math.exp(-0.3775))),
        ("0.15*0.05 + 0.2·0.1", 0.15 * 0.05 + 0.2 * 0.1),
        (r"2^{2^{3}}", 256.0),
    ],
)
def test_arithmetic_values(latex, expected):
    assert value(latex) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "latex",
    [r"\text{net}_{h1}", r"w_5^{+}", r"1/(1 + e^{-z})", r"\sigma(1 - \sigma)", r"\frac{\partial E}{\partial w_5}"],
)
def test_symbols_stay_symbolic(latex):
    tree = parse(tokenize(latex))
    assert symbols(tree) and evaluate(tree) is None and check_form(tree) is None


@pytest.mark.parametrize(
    "latex,text",
    [
        (r"(0.25 \times 0.10) + (0.30 \times 0.05) + 0.35", "0.25 × 0.10 + 0.30 × 0.05 + 0.35"),
        (r"\frac{1}{1 + e^{-0.3775}}", "1/(1 + e^(−0.3775))"),
        (r"\frac{1}{2} (0.01 - 0.751)^2", "1/2 × (0.01 − 0.751)^2"),
        (r"(-0.5)^2 - -0.5^2", "(−0.5)^2 − −0.5^2"),
    ],
)
def test_check_form_is_what_checks_parser_reads_with_the_same_value(latex, text):
    tree = parse(tokenize(latex))
    assert check_form(tree) == text
    assert parse_arithmetic(text).computed == pytest.approx(evaluate(tree), rel=1e-12)


@pytest.mark.parametrize(
    "latex,problem",
    [
        (r"\frac{1}{", "never closed"),
        ("\\frac{\\", "never closed"),  # a fuzz find: the offset stays inside the text
        (r"(0.5 + 1", "expected `)`"),
        (r"0.5 0.3", "two numbers side by side"),
        (r"\text", "without"),
        ("1 +", "ends too early"),
        (r"1 \pm 2", "two values"),
        ("(" * 200 + "1" + ")" * 200, "nested more than"),
        (r"\frac{" * 200 + "1" + "}{2}" * 200, "nested more than"),
    ],
)
def test_malformed_latex_is_one_document_error(latex, problem):
    with pytest.raises(DocumentError, match=re.escape(problem)) as raised:
        parse(tokenize(latex))
    assert raised.value.offset is not None and 0 <= raised.value.offset <= len(latex)


PIECES = [
    "0.5", "1", "12", ".3", "+", "-", "−", "×", r"\times", r"\cdot", "/", "^", "_", "{", "}", "(", ")", "[", "]",
    r"\frac", r"\tfrac", "e", r"\exp", r"\tanh", r"\max", r"\text{out }", r"\sqrt", "=", r"\approx", "&", r"\\",
    ",", "x", "h_1", r"\partial", r"\left(", r"\right)", "½", "²", "'", " ", r"\begin{aligned}", r"\end{aligned}",
    "%", "\\", "$", "$$", "\n", "10^{999}", "9^9^9", r"\hline",
]  # fmt: skip
latex_text = st.lists(st.sampled_from(PIECES), max_size=40).map("".join) | st.text(max_size=60)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(latex_text)
def test_fuzzed_latex_gives_a_tree_or_one_document_error(latex):
    try:
        tree = parse(tokenize(latex))
    except DocumentError as e:
        assert e.offset is None or 0 <= e.offset <= len(latex)
        return
    result = evaluate(tree)
    assert result is None or math.isfinite(result)
    text = check_form(tree)
    if text is not None:
        try:
            parse_arithmetic(text)
        except SpecError:
            pass  # beyond check's bounds (length, depth, huge exponents): check says so in one line


NETWORK = graphengine.load("specs/doc_example.yaml")
TRACE = NETWORK.trace()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from([*PIECES, r"\text{net}_{h1} = ", "$$= 0.39$$", r"\text{out}_{o1}", "0.3775"]), max_size=60)
)
def test_fuzzed_pages_are_audited_without_an_exception(pieces):
    from graphengine.teach.audit.audit import annotate, audit

    page = read_chains("".join(pieces), "fuzz.md")
    result = audit(NETWORK, TRACE, page)
    annotate(page, result)
    for line, _ in result.problems:
        assert 1 <= line <= page.text.count("\n") + 1


# ---------------------------------------------------------------------- pages and names


def test_chains_go_on_across_displays_rows_and_prose():
    page = read_chains(
        "$$h_1 = w_1 i_1 + b$$\n\nsome prose\n\n$$= 0.15 \\times 0.05 + 0.35$$\n$$= 0.3575$$\n"
        "$$\\begin{aligned} \\text{net}_{o1} &= 0.4 \\times 0.5 \\\\ &= 0.2 \\end{aligned}$$\n"
        "Inline $a = 1, b = 2$ and $\\eta = 0.5$, not $x$ or costs of $5 and $10.\n"
    )
    assert [(lhs_text(c.lhs), [s.number().text for s in c.sides if s.number()]) for c in page.chains] == [
        ("h_1", ["0.3575"]),
        ("net_o1", ["0.2"]),
        ("a", ["1"]),
        ("b", ["2"]),
        ("η", ["0.5"]),
    ]
    assert [page.line(c.final().start) for c in page.chains] == [6, 7, 8, 8, 8]


NAMES = Names(NETWORK.graph)


@pytest.mark.parametrize(
    "latex,quantity",
    [
        (r"\text{net}_{h1}", "h1.net"),
        ("net_{h1}", "h1.net"),
        ("net_h1", "h1.net"),
        ("z_{o2}", "o2.net"),
        (r"\text{out } H_1", "h1.out"),
        ("out_{o1}", "o1.out"),
        ("a_{o2}", "o2.out"),
        ("E_{o1}", "loss.o1"),
        (r"E_{\text{total}_1}", "loss.o1"),
        (r"E_{\text{total}}", "loss"),
        ("E_total", "loss"),
        (r"\text{Sum}", "loss"),
        (r"\frac{\partial E}{\partial w_5}", "grad.w5"),
        (r"\partial E/\partial w_5", "grad.w5"),
        ("dE/dw5", "grad.w5"),
        (r"\frac{\partial \text{total}}{\partial o_1^{\text{out}}}", "o1.dout"),
        (r"\frac{\partial E_{total}}{\partial \text{out}_{o1}}", "o1.dout"),
        ("dE/dout_o1", "o1.dout"),
        (r"\frac{\partial out_{o1}}{\partial net_{o1}}", "o1.dact"),
        ("dout_o1/dnet_o1", "o1.dact"),
        (r"\delta_{o1}", "o1.dnet"),
        ("dE/dnet_o1", "o1.dnet"),
        (r"\frac{\partial \text{net}_{o1}}{\partial w_5}", "h1.out"),
        (r"w_5^{+}", "updated.w5"),
        ("w_5'", "updated.w5"),
        (r"W5_{\text{new}}", "updated.w5"),
        ("w5_new", "updated.w5"),
    ],
)
def test_left_hand_sides_name_quantities(latex, quantity):
    named = NAMES.resolve(lhs_text(tokenize(latex)))
    assert (named.kind, named.name) == ("quantity", quantity)


@pytest.mark.parametrize(
    "latex,kind,name",
    [("h_1", "node", "h1"), ("w_5", "param", "w5"), ("i_1", "input", "i1"), ("t_{o1}", "target", "o1")],
)
def test_left_hand_sides_that_need_the_arithmetic_or_are_given(latex, kind, name):
    named = NAMES.resolve(lhs_text(tokenize(latex)))
    assert (named.kind, named.name) == (kind, name)


@pytest.mark.parametrize("latex", ["x", "k", r"\text{Exercise}", "E_{h1}", r"\frac{\partial a}{\partial b}"])
def test_left_hand_sides_that_name_nothing(latex):
    assert NAMES.resolve(lhs_text(tokenize(latex))).kind == "none"


@pytest.mark.parametrize("text,quantity", [("w5⁺", "updated.w5"), ("h1.net", "h1.net"), ("dout_o1/dnet_o1", "o1.dact")])
def test_checks_own_notation_is_read_first(text, quantity):
    from graphengine.teach.quantities import Quantities

    named = Names(NETWORK.graph, Quantities(NETWORK, TRACE).names).resolve(text)
    assert (named.kind, named.name) == ("quantity", quantity)


def test_the_docstring_examples_run():
    import doctest

    from graphengine.teach import latex_math, latex_tokens
    from graphengine.teach.audit import audit

    for module in (latex_tokens, latex_math, audit):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_latex_documents_maths_environments_comments_and_verbatim():
    tex = (
        "\\documentclass{article}\n"  # 1
        "\\begin{document}\n"  # 2
        "% $$\\text{net}_{h1} = 0.9$$ is a comment\n"  # 3
        "The cost is 5\\% and $\\text{net}_{h1} = 0.3775$ inline.\n"  # 4
        "\\[ \\text{out}_{h1} = 0.5933 \\]\n"  # 5
        "\\begin{equation}\n E_{o1} = 0.2748 % a comment inside\n\\end{equation}\n"  # 6-8
        "\\begin{verbatim}\n$$E_{o2} = 9$$\n\\end{verbatim}\n"  # 9-11
        "\\begin{align*}\n E_{total} &= 0.2748 + 0.0236 \\\\\n &= 0.2984\n\\end{align*}\n"  # 12-15
        "\\end{document}\n"
    )
    page = read_chains(tex, "page.tex", tex=True)
    found = [(lhs_text(c.lhs), c.final().text, page.line(c.final().start)) for c in page.chains]
    assert found == [("net_h1", "0.3775", 4), ("out_h1", "0.5933", 5), ("E_o1", "0.2748", 7), ("E_total", "0.2984", 14)]
    assert page.problems == []


def test_unclosed_maths_in_a_latex_document_is_a_problem_with_its_line():
    page = read_chains("line one\n$x = 1\n\n\\begin{align}\n a &= 1\n", "p.tex", tex=True)
    assert [page.line(offset) for offset, _ in page.problems] == [2, 4]
