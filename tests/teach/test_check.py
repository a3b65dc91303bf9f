"""`graphengine check`: hand-computed values marked right or wrong, with the reason.

Exact values used to build the cases are computed here from the hand formulas
(sigmoid, the half squared error, the chain rule) in float64.
"""

import json
import math

import pytest

SPEC = "specs/doc_example.yaml"
HAND = "specs/doc_example_hand.yaml"


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


H1 = sigmoid(0.15 * 0.05 + 0.20 * 0.10 + 0.35)  # 0.5932699921
H2 = sigmoid(0.25 * 0.05 + 0.30 * 0.10 + 0.35)  # 0.5968843783
O1 = sigmoid(0.40 * H1 + 0.45 * H2 + 0.60)  # 0.7513650696
GRAD_W5 = (O1 - 0.01) * O1 * (1 - O1) * H1  # 0.0821670406


def run_check(tmp_path, cli, text: str, *extra: str, spec: str = SPEC) -> tuple[int, dict]:
    hand = tmp_path / "hand.yaml"
    hand.write_text(text)
    ran = cli("check", spec, "--expect", hand, "--json", *extra)
    return ran.code, (json.loads(ran.out) if ran.out else {})


def wrong_names(report: dict) -> list[str]:
    return [w["name"] for w in report["wrong"]]


def test_the_worked_examples_own_values(cli):
    # The page as written (its notation and arithmetic): its swapped net_h2 is found from the
    # written factors, its net_o2 built from the 3-digit outs is rounding, nothing else is wrong.
    ran = cli("check", SPEC, "--expect", HAND, "--json")
    assert ran.code == 1
    report = json.loads(ran.out)
    assert report["checked"] == 15 and report["mistakes"] == 1
    assert wrong_names(report) == ["net_h2", "net_o2"]
    h2, o2 = report["wrong"]
    assert (h2["quantity"], h2["reason"], h2["right"]) == ("h2.net", "swapped", False)
    assert h2["exact"] == pytest.approx(0.25 * 0.05 + 0.30 * 0.10 + 0.35, rel=1e-14)
    assert "w3 = 0.25 belongs to the edge i1 → h2, but 0.10 is i2" in h2["note"]
    assert o2["written"] == 1.2243 and o2["exact"] == pytest.approx(0.5 * H1 + 0.55 * H2 + 0.6, rel=1e-14)
    assert (o2["quantity"], o2["reason"]) == ("o2.net", "rounding") and "because_of" not in o2
    assert o2["from_your_values"]["inputs"] == ["out_h1", "out_h2"]
    assert o2["from_your_values"]["value"] == pytest.approx(0.5 * 0.593 + 0.55 * 0.596 + 0.6, rel=1e-14)
    results = {r["name"]: r for r in report["results"]}
    # "0.741 × 0.186 × 0.593 = 0.08216": the result is right, its written pieces give 0.08173.
    assert results["dE/dw5"]["right"] and results["dE/dw5"]["quantity"] == "grad.w5"
    assert results["dE/dw5"]["from_your_values"]["value"] == pytest.approx(0.741 * 0.186 * 0.593, rel=1e-14)
    assert "0.0817308" in results["dE/dw5"]["note"]
    assert [r["quantity"] for r in report["results"]][-4:] == ["o1.dout", "o1.dact", "grad.w5", "updated.w5"]


def test_human_table(cli):
    ran = cli("check", SPEC, "--expect", HAND)
    assert ran.code == 1
    out = ran.out
    assert "≈ │ net_o2          │  1.2243 │  1.2249214 │ follows from your written out_h1, out_h2 (rounding)" in out
    assert "✗ │ net_h2          │    0.39 │   0.392500 │ swapped: 0.25 × 0.10: w3 = 0.25 belongs" in out
    assert "✓ │ out_h1          │   0.593 │   0.593270 │" in out
    assert out.rstrip().endswith(
        "15 checked: 13 right (2 of them not what your own written values give: see the notes), "
        "1 rounding (carry more digits), 1 mistake"
    )


@pytest.mark.parametrize("written", ["0.593", "0.5932", "0.5933", "0.59327", "0.593270", "0.59"])
def test_rounded_and_truncated_values_are_right(tmp_path, cli, written):
    status, report = run_check(tmp_path, cli, f"h1.out: {written}\n")
    assert (status, report["checked"], report["wrong"]) == (0, 1, [])


@pytest.mark.parametrize("written", ["0.595", "0.5930", "0.59320", "0.5935"])
def test_values_off_by_more_than_one_unit_of_their_last_digit_are_wrong(tmp_path, cli, written):
    # The written digits count, trailing zeros included: 0.5930 claims 4 decimals.
    status, report = run_check(tmp_path, cli, f"h1.out: {written}\n")
    assert status == 1
    (entry,) = report["wrong"]
    assert entry["name"] == "h1.out" and entry["written_text"] == written
    assert entry["exact"] == pytest.approx(H1, rel=1e-15)
    assert entry["reason"] == "arithmetic" and entry["quantity"] == "h1.out"


def test_rounding_drift_from_rounded_pieces(tmp_path, cli):
    drift = 0.74 * 0.19 * 0.59  # 0.082954: more than 0.00001 from the exact 0.0821670
    text = f"o1.dout: 0.74\no1.dact: 0.19\nh1.out: 0.59\ngrad.w5: {drift:.5f}\nupdated.w5: 0.35853\n"
    status, report = run_check(tmp_path, cli, text)
    assert status == 0  # only rounding: carry more digits, but no mistake
    by_name = {w["name"]: w for w in report["wrong"]}
    assert set(by_name) == {"grad.w5", "updated.w5"}
    assert by_name["grad.w5"]["reason"] == "rounding"
    assert by_name["grad.w5"]["from_your_values"]["inputs"] == ["o1.dout", "o1.dact", "h1.out"]
    assert (
        "follows from your written o1.dout, o1.dact, h1.out (rounding): carry more digits" in by_name["grad.w5"]["note"]
    )
    # the update follows from the learner's gradient: 0.4 − 0.5 × 0.08295 = 0.358525
    assert by_name["updated.w5"]["reason"] == "rounding"
    assert by_name["updated.w5"]["exact"] == pytest.approx(0.4 - 0.5 * GRAD_W5, rel=1e-14)


def test_a_real_mistake_and_a_sign_error(tmp_path, cli):
    text = "grad.w5: 0.0925\no2.dout: 0.2171\n"
    status, report = run_check(tmp_path, cli, text)
    assert status == 1
    reasons = {w["name"]: w["reason"] for w in report["wrong"]}
    assert reasons == {"grad.w5": "arithmetic", "o2.dout": "sign"}


def test_a_wrong_value_despite_right_inputs_is_a_mistake_not_drift(tmp_path, cli):
    # Exact-enough inputs, wrong product: the learner's inputs give 0.08217, not 0.0700.
    status, report = run_check(
        tmp_path, cli, "o1.dout: 0.741365\no1.dact: 0.186816\nh1.out: 0.59327\ngrad.w5: 0.0700\n"
    )
    (entry,) = report["wrong"]
    assert entry["reason"] == "arithmetic" and "0.0821" in entry["note"]


def test_all_right_exits_0_and_every_quantity_kind_works(tmp_path, cli):
    e1 = 0.5 * (0.01 - O1) ** 2
    text = f"""
sample: 0
i1.out: 0.05
h1.net: 0.3775
h1.dact: {H1 * (1 - H1):.6f}
o1.out: {O1:.5f}
o1.dout: {O1 - 0.01:.5f}
o1.dnet: {(O1 - 0.01) * O1 * (1 - O1):.6f}
loss.o1: {e1:.6f}
loss: 0.298371
grad.w5: {GRAD_W5:.7f}
updated.w5: {0.4 - 0.5 * GRAD_W5:.8f}
grad.b2: 0.1004
updated.b2: 0.6
"""
    status, report = run_check(tmp_path, cli, text)
    assert (status, report["checked"], report["wrong"]) == (0, 12, [])


def test_json_shape(tmp_path, cli):
    status, report = run_check(tmp_path, cli, "h1.out: 0.7\nloss: 0.2984\n")
    assert status == 1
    assert set(report) >= {"checked", "wrong"} and report["checked"] == 2
    (entry,) = report["wrong"]
    assert {"name", "written", "exact"} <= set(entry)
    assert entry["name"] == "h1.out" and entry["written"] == 0.7 and isinstance(entry["exact"], float)


def test_sample_selects_the_samples_node_values(tmp_path, cli):
    # skip_shared: sample 1 has x1 = -0.3, x2 = 2.0; h1 = sigmoid(0.5·x1 + 0.1).
    h1 = sigmoid(0.5 * -0.3 + 0.1)
    status, report = run_check(
        tmp_path, cli, f"sample: 1\nh1.net: -0.05\nh1.out: {h1:.4f}\n", spec="specs/skip_shared.yaml"
    )
    assert (status, report["wrong"], report["sample"]) == (0, [], 1)


@pytest.mark.parametrize(
    "text, message",
    [
        ("h1.outt: 0.593\n", "hand.yaml:1: h1.outt: unknown quantity `h1.outt`; did you mean `h1.out`?"),
        (
            "h1.out: 0.593\ngrad.w55: 0.1\n",
            "hand.yaml:2: grad.w55: unknown quantity `grad.w55`; did you mean `grad.w5`?",
        ),
        ("h1.out: abc\n", "hand.yaml:1: h1.out: expected a number, got `abc`"),
        ("h1.out: 0.5\nh1.out: 0.6\n", "hand.yaml:2: h1.out: duplicate quantity `h1.out` (first on line 1)"),
        ("sample: 3\nh1.out: 0.5\n", "hand.yaml:1: sample: `sample` is 3 but the spec has 1 sample(s) (valid: 0)"),
        ("- h1.out\n", "hand.yaml:1: expected a mapping of `quantity: value` lines"),
        ("h1.out: [0.5\n", "hand.yaml:2: YAML:"),
    ],
)
def test_invalid_hand_files_exit_2_with_one_line(tmp_path, cli, text, message):
    hand = tmp_path / "hand.yaml"
    hand.write_text(text)
    ran = cli("check", SPEC, "--expect", hand)
    assert ran.code == 2
    assert ran.out == ""
    assert ran.err.startswith(f"error: {tmp_path}/{message}".replace(f"{tmp_path}/hand.yaml", str(hand)))
    assert ran.err.count("\n") == 1


def test_missing_hand_file_and_missing_option(tmp_path, cli):
    ran = cli("check", SPEC, "--expect", tmp_path / "nope.yaml")
    assert ran.code == 2
    assert "nope.yaml: no such file" in ran.err
    ran = cli("check", SPEC)
    assert ran.code == 2
    assert "--expect" in ran.err


# ---------------------------------------------------------------------------- usual slips, named
# skip_shared: two samples, mean loss, `w` shared by x1→h1 and x2→h2. Exact values by hand formulas.
SKIP = "specs/skip_shared.yaml"
SKIP_X = ((1.0, -0.5), (-0.3, 2.0))
SKIP_T = (0.8, -0.2)


def skip_forward(x1: float, x2: float) -> tuple[float, float, float]:
    h1 = sigmoid(0.5 * x1 + 0.1)
    h2 = math.tanh(0.5 * x2 + 0.3 * x1 - 0.1)
    return h1, h2, 0.7 * h1 - 0.6 * h2 + 0.25 * x2 + 0.2


def skip_dnets(s: int) -> tuple[float, float, float]:
    """∂L/∂net of h1, h2, y for sample s of the batch loss L = mean of ½(y − t)²."""
    (x1, x2), t = SKIP_X[s], SKIP_T[s]
    h1, h2, y = skip_forward(x1, x2)
    dy = (y - t) / 2
    return dy * 0.7 * h1 * (1 - h1), dy * -0.6 * (1 - h2 * h2), dy


def test_usual_slips_get_a_note_saying_what_was_computed(tmp_path, cli):
    through_x1_h1 = sum(skip_dnets(s)[0] * SKIP_X[s][0] for s in (0, 1))  # one use of w only
    sample0_x2_y = skip_dnets(0)[2] * SKIP_X[0][1]  # sample 0's part of ∂L/∂w(x2→y)
    grad_h1_y = sum(skip_dnets(s)[2] * skip_forward(*SKIP_X[s])[0] for s in (0, 1))
    losses = [0.5 * (skip_forward(*SKIP_X[s])[2] - SKIP_T[s]) ** 2 for s in (0, 1)]
    grad_w = through_x1_h1 + sum(skip_dnets(s)[1] * SKIP_X[s][1] for s in (0, 1))
    text = (
        f"grad.w: {through_x1_h1:.4f}\n"
        f"grad.x2->y: {sample0_x2_y:.4f}\n"
        f"grad.h1->y: {2 * grad_h1_y:.4f}\n"  # the mean's 1/2 forgotten
        f"loss: {losses[0]:.4f}\n"  # sample 0's loss for the batch loss
        f"updated.w: {0.5 + 0.1 * grad_w:.4f}\n"  # stepped uphill
        "y.dact: 0.5\n"  # a plain mistake: no note to guess
    )
    status, report = run_check(tmp_path, cli, text, spec=SKIP)
    assert status == 1
    notes = {w["name"]: w["note"] for w in report["wrong"]}
    assert set(notes) == {"grad.w", "grad.x2->y", "grad.h1->y", "loss", "updated.w", "y.dact"}
    assert "through x1→h1 only; w is shared by 2 uses" in notes["grad.w"]
    assert "sample 0's part only" in notes["grad.x2->y"] and "--param 'x2->y'" in notes["grad.x2->y"]
    assert notes["grad.h1->y"].startswith("2× the gradient") and "factor 1/2" in notes["grad.h1->y"]
    assert notes["loss"].startswith("that is sample 0's loss") and "mean over 2 samples" in notes["loss"]
    assert notes["updated.w"].startswith("the step added the gradient")
    assert notes["y.dact"] == "arithmetic or formula mistake"
    reasons = {w["name"]: w["reason"] for w in report["wrong"]}
    assert reasons == {
        "grad.w": "shared",
        "grad.x2->y": "batch",
        "grad.h1->y": "batch",
        "loss": "batch",
        "updated.w": "uphill",
        "y.dact": "arithmetic",
    }


def test_sample_out_of_range_names_its_line_and_the_valid_range(tmp_path, cli):
    hand = tmp_path / "hand.yaml"
    hand.write_text("y.out: 0.5569\nsample: 2\n")
    ran = cli("check", SKIP, "--expect", hand)
    assert ran.code == 2
    assert ran.err == (f"error: {hand}:2: sample: `sample` is 2 but the spec has 2 sample(s) (valid: 0 to 1)\n")
