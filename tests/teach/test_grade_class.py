"""Issue 22's acceptance: `graphengine grade` marks a realistic simulated class as an examiner does.

The classes come from tests/helpers/classroom.py (7 exercise settings × 22 students: rounding
habits, one or two slips for two thirds of them, messy sheets, a ground truth per blank); the
figures are those `benchmarks/grade_class.py` prints: the first test checks the material itself,
the others issue 22's acceptance figures. The speed figure (1 000 sheets under 10 s) is measured
by the benchmark, not here: `benchmarks/grade_class.py --timing 1000`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.classroom import CODES, FORMS, SETTINGS
from helpers.measure_class import Figures, grade_folder, measure, simulate_classes

pytestmark = pytest.mark.slow
STUDENTS = 22  # per setting: 154 sheets


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Figures, list[Path]]:
    classes = simulate_classes(tmp_path_factory.mktemp("classes"), STUDENTS, seed=1)
    return measure([(grade_folder(folder), truths) for folder, truths in classes]), [f for f, _ in classes]


def test_the_simulated_classes_are_the_material_the_issue_asks_for(graded):
    figures, folders = graded
    assert figures.sheets >= 150 and len(folders) == len(SETTINGS) >= 6
    truths = [r.truth for r in figures.rows]
    kinds = {t.truth for t in truths if t.truth in CODES or isinstance(t.truth, tuple)}
    kinds |= {t.truth for t in truths if t.truth in ("misplaced", "placeholder", "unanswered")}
    kinds |= {t.form for t in truths if t.form}
    assert len(kinds) >= 15 and set(FORMS) <= kinds
    assert any(isinstance(t.truth, tuple) for t in truths)
    assert {t.habit for t in truths} == {"sig3", "sig4", "sig5", "dec2", "full"}
    # the simulator's exact values are graphengine's, blank by blank
    assert figures.summary()["exact_disagreements"] == 0


def test_at_least_99_percent_of_blanks_get_their_truth(graded):
    assert graded[0].summary()["matched_share"] >= 0.99


def test_no_false_alarms(graded):
    assert graded[0].summary()["false_alarms"] == 0


def test_every_single_slip_is_named_with_its_code(graded):
    named, of = graded[0].summary()["single_slips_named"]
    assert named == of > 0


def test_two_slips_in_one_value_are_named_as_the_pair(graded):
    named, of = graded[0].summary()["pairs_named"]
    assert of > 0 and named >= 0.9 * of


def test_placeholder_zeros_are_never_right(graded):
    right, of = graded[0].summary()["placeholders_marked_right"]
    assert of > 0 and right == 0


def test_every_sheet_is_graded(graded):
    assert graded[0].not_graded == []
