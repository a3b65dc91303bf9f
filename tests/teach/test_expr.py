"""The written-arithmetic parser: values against an independent exact evaluator, bounds, and
malformed text as one `error:` line (hypothesis-fuzzed through `graphengine check`)."""

from __future__ import annotations

import json
import math
import time
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphengine.cli import main
from graphengine.errors import SpecError
from graphengine.teach.arithmetic import MAX_DEPTH, MAX_LENGTH, parse

SPEC = "specs/doc_example.yaml"


@pytest.mark.parametrize(
    "text, value",
    [
        ("(0.25 × 0.10) + (0.30 × 0.05) + 0.35", 0.39),
        ("(0.751)(1 − 0.751)", 0.751 * (1 - 0.751)),
        ("½(0.01 − 0.751)²", 0.5 * (0.01 - 0.751) ** 2),
        ("−(0.01 - 0.751)", 0.741),
        ("0.741 * 0.186 · 0.593", 0.741 * 0.186 * 0.593),
        ("1 / 4 ÷ 2", 0.125),
        ("2^3^2", 512.0),
        ("2^-1", 0.5),
        ("-2²", -4.0),
        ("2(3 + 1)", 8.0),
        ("(1)(2)(3)", 6.0),
        ("1.5e-3 × 2", 0.003),
        ("1/(1 + e^-0.3775)", 0.5932699921071872),
        ("3³", 27.0),
    ],
)
def test_values(text, value):
    assert parse(text).computed == pytest.approx(value, rel=1e-12)


def test_written_result_digits_and_terms():
    x = parse("(0.25 × 0.10) + (0.30 × 0.05) + 0.35 = 0.39")
    assert (x.value, x.result.text, x.result.unit) == (0.39, "0.39", 0.01)
    assert [n.text for n in x.numbers] == ["0.25", "0.10", "0.30", "0.05", "0.35"]
    assert [n.unit for n in x.numbers][:2] == [0.01, 0.01]
    assert [(t.sign, [n.text for n in t.numbers]) for t in x.terms()] == [
        (1, ["0.25", "0.10"]),
        (1, ["0.30", "0.05"]),
        (1, ["0.35"]),
    ]
    assert [t.sign for t in parse("0.4 − 0.5 × 0.0821").terms()] == [1, -1]
    assert parse("1 - 2 = -1").value == -1.0


def test_uncertainty_of_the_written_numbers():
    # ± one unit of each number's last digit, integers exact: 0.741·0.186·0.593 moves by
    # 0.186·0.593·0.001 + 0.741·0.593·0.001 + 0.741·0.186·0.001.
    expected = (0.186 * 0.593 + 0.741 * 0.593 + 0.741 * 0.186) * 0.001
    assert parse("0.741 × 0.186 × 0.593").uncertainty() == pytest.approx(expected, rel=1e-6)
    assert parse("(0.35 × 1)").uncertainty() == pytest.approx(0.01, rel=1e-9)
    assert parse("2 × 3").uncertainty() == 0.0


@pytest.mark.parametrize(
    "text, problem",
    [
        ("", "empty expression"),
        ("1 +", "ends too early"),
        ("(1", "ends too early"),
        ("1)", "unexpected `)`"),
        ("1 2", "unexpected `2`"),
        ("abc", "unexpected `a` at column 1"),
        ("1 = x", "unexpected `x`"),
        ("1 = 2 = 3", "unexpected `=`"),
        ("1 / 0", "no finite value"),
        ("9^9^9", "no finite value"),
        ("0e1000000", "out of range"),
        ("1e400", "out of range"),
        ("(-1)^0.5", "no finite value"),
        ("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1), "nested more than"),
        ("-" * (MAX_DEPTH + 1) + "1", "nested more than"),
        ("1+" * 300 + "1", f"at most {MAX_LENGTH}"),
    ],
)
def test_malformed_or_unbounded_text_is_a_spec_error_quickly(text, problem):
    start = time.perf_counter()
    with pytest.raises(SpecError) as info:
        parse(text, file="hand.yaml", line=3, key="h1.net")
    assert time.perf_counter() - start < 0.5
    assert problem in str(info.value) and str(info.value).startswith("hand.yaml:3: h1.net: ")


# ------------------------------------------------------------------ generated expressions

DECIMALS = st.decimals(min_value=-50, max_value=50, places=3, allow_nan=False, allow_infinity=False)


@st.composite
def expressions(draw, depth: int = 0) -> tuple[str, Fraction]:
    """(text, exact value) of a random expression; the value computed with Fractions."""
    if depth > 3 or draw(st.booleans()):
        d = draw(DECIMALS)
        text = str(abs(d))
        value = Fraction(abs(d))
        if d < 0:
            return f"(−{text})", -value
        return text, value
    (a, x), (b, y) = draw(expressions(depth + 1)), draw(expressions(depth + 1))
    op = draw(st.sampled_from(["+", "−", "-", "×", "*", "·", "/", "juxtaposed", "²"]))
    if op in ("+",):
        return f"{a} + {b}", x + y
    if op in ("−", "-"):
        return f"{a} {op} ({b})", x - y
    if op == "/":
        if y == 0:
            return f"({a}) × ({b})", x * y
        return f"({a}) / ({b})", x / y
    if op == "juxtaposed":
        return f"({a})({b})", x * y
    if op == "²":
        return f"({a})²", x * x
    return f"({a}) {op} ({b})", x * y


@settings(max_examples=300, deadline=None)
@given(expressions())
def test_generated_expressions_evaluate_as_exact_arithmetic(case):
    text, value = case
    assert parse(text).computed == pytest.approx(float(value), rel=1e-9, abs=1e-9)


ALPHABET = st.sampled_from(list("0123456789.+-−×*·/÷^²³½()= e") + ["1e5", "0.25", "  ", "x", "√", "\t", "∂", "#"])


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ALPHABET, min_size=1, max_size=40).map("".join))
def test_fuzzed_hand_values_give_a_verdict_or_one_error_line(tmp_path, capsys, text):
    hand = tmp_path / "hand.yaml"
    hand.write_text("# a hand file\nh1.net: " + json.dumps(text, ensure_ascii=False) + "\n", encoding="utf-8")
    status = main(["check", SPEC, "--expect", str(hand), "--json"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if status == 2:
        assert captured.out == ""
        assert captured.err.startswith(f"error: {hand}:2: h1.net: ") and captured.err.count("\n") == 1
    else:
        assert status in (0, 1) and json.loads(captured.out)["checked"] == 1


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60) | st.lists(ALPHABET, max_size=60).map("".join))
def test_any_text_parses_to_a_finite_value_or_raises_a_spec_error(text):
    try:
        x = parse(text, file="f.yaml", line=1, key="k")
    except SpecError as e:
        assert str(e).startswith("f.yaml:1: k: ") and "\n" not in str(e)
    else:
        assert math.isfinite(x.computed) and math.isfinite(x.value)


def test_module_examples_run():
    import doctest

    import graphengine.teach.arithmetic

    assert doctest.testmod(graphengine.teach.arithmetic).failed == 0
