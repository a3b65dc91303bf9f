"""The class simulator of tests/helpers/classroom.py, checked on its own (issue 22's test material).

Its maths are independent of graphengine's engine, so they are checked against it once here:
a student who makes no slip and keeps full calculator values writes exactly what
`graphengine run --json` computes, in every setting. A planted slip changes its own blank and
what follows from it (carried, naming it), and nothing else; the same seed gives the same class;
every filled sheet is YAML; every kind of event can be planted with the truth it claims.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from helpers.classroom import (
    CODES,
    FORMS,
    KINDS,
    PAIRS,
    SETTINGS,
    Event,
    Student,
    applicable,
    class_folders,
    is_right,
    kind_of,
    make_class,
    read_exercise,
    simulate,
    write_number,
)


@pytest.fixture(scope="module")
def classes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list]]:
    """Every setting, 4 students each."""
    root = tmp_path_factory.mktemp("classes")
    return {s: make_class(s, 4, seed=3, root=root) for s in SETTINGS}


def exercises(classes: dict) -> list:
    return [read_exercise(sheet, key) for folder, _ in classes.values() for _, _, sheet, key in class_folders(folder)]


def first(folder: Path):
    _, _, sheet, key = class_folders(folder)[0]
    return read_exercise(sheet, key)


def run_values(cli, spec: Path) -> dict[str, float]:
    """Every hand-file quantity of sample 0 (and the batch's) from `graphengine run --json`."""
    ran = cli("run", spec, "--json")
    assert ran.code == 0, ran.err
    data = json.loads(ran.out)
    values = {"loss": data["loss"]}
    sample = data["samples"][0]
    for v, node in sample["nodes"].items():
        values |= {f"{v}.{k}": x for k, x in node.items()}
    values |= {f"loss.{o}": x for o, x in sample["loss_terms"].items()}
    values |= {f"grad.{p}": x for p, x in data["gradients"].items()}
    values |= {f"updated.{p}": x for p, x in data["updated"].items()}
    return values


def test_no_slip_full_calculator_student_gives_the_engine_values(classes, cli):
    for ex in exercises(classes):
        engine = run_values(cli, ex.spec)
        texts, truths = simulate(ex, "full", [])
        student = Student(ex, "full")
        for q in ex.blanks:
            mine = student.get(q, None if q == "loss" or q.startswith(("grad.", "updated.")) else 0)
            assert mine == pytest.approx(engine[q], rel=1e-12, abs=1e-15), (ex.folder, q)
            assert float(texts[q]) == pytest.approx(engine[q], rel=1e-9, abs=1e-15), (ex.folder, q)
        assert {t.truth for t in truths} == {"right"}


def test_habits_write_as_students_do():
    assert write_number(0.593269992, "sig3") == "0.593"
    assert write_number(0.08216704, "sig4") == "0.08217"
    assert write_number(0.1000004, "sig5") == "0.10000"  # trailing zeros kept
    assert write_number(-0.87349, "dec2") == "-0.87"
    assert write_number(0.0123456, "dec2") == "0.012"  # nobody writes 0.00 for a gradient
    assert write_number(0.5932699921, "full") == "0.5932699921"
    assert write_number(0.0, "sig4") == "0"
    assert is_right("0.593", 0.59327) and not is_right("0.592", 0.59327)
    assert not is_right("0", 0.023)  # a bare 0 claims no slack


def test_a_planted_slip_changes_its_blank_and_carries(classes):
    ex = first(classes["sigmoid"][0])
    clean_texts, clean = simulate(ex, "sig5", [])
    done = simulate(ex, "sig5", [Event("slip", "h1.net", ("missing-term",))])
    assert done is not None
    texts, truths = done
    truth = {t.key: t for t in truths}
    # the slip by hand: the bias of h1 left out of w1·i1 + w2·i2
    p, x = ex.params, ex.x[0]
    (u1, w1), (u2, w2) = ex.in_edges["h1"]
    assert float(texts["h1.net"]) == pytest.approx(float(f"{p[w1] * x[u1] + p[w2] * x[u2]:.4e}"))
    assert truth["h1.net"].truth == "missing-term"
    # h1.out by hand from the slipped value
    assert float(texts["h1.out"]) == pytest.approx(1 / (1 + math.exp(-float(texts["h1.net"]))), rel=1e-4)
    assert truth["h1.out"].truth == "carried" and truth["h1.out"].because_of == ("h1.net",)
    for q in ex.blanks:
        if q.startswith("h2.") or q == "h1.net":
            continue
        changed = texts[q] != clean_texts[q]
        if not changed:
            continue
        # carried, or right / rounding where the slip's effect stayed within a written precision
        assert truth[q].truth in ("carried", "right", "rounding"), q
        if truth[q].truth == "carried":
            assert truth[q].because_of == ("h1.net",)
    # nothing of h2's forward pass depends on h1
    for q in ("h2.net", "h2.out"):
        assert texts[q] == clean_texts[q] and truth[q].truth in ("right", "rounding")
    carried = [q for q in ex.blanks if truth[q].truth == "carried"]
    assert "o1.net" in carried and "grad.w1" in carried


def test_uphill_with_learning_rate(classes):
    """Two slips in one value: w′ = w + ∂E/∂w, from the student's own written gradient."""
    ex = first(classes["tanh"][0])
    texts, truths = simulate(ex, "sig4", [Event("pair", "updated.w5", ("uphill", "learning-rate"))])
    truth = {t.key: t for t in truths}
    assert truth["updated.w5"].truth == ("uphill", "learning-rate")
    assert float(texts["updated.w5"]) == pytest.approx(ex.params["w5"] + float(texts["grad.w5"]), abs=1e-3)


def test_same_seed_same_class(tmp_path):
    a_folder, a = make_class("relu", 5, seed=11, root=tmp_path / "a")
    b_folder, b = make_class("relu", 5, seed=11, root=tmp_path / "b")
    assert [t.to_dict() for t in a] == [t.to_dict() for t in b]
    for (_, _, sheet_a, _), (_, _, sheet_b, _) in zip(class_folders(a_folder), class_folders(b_folder), strict=True):
        assert (sheet_a / "blank.yaml").read_bytes() == (sheet_b / "blank.yaml").read_bytes()
    _, c = make_class("relu", 5, seed=12, root=tmp_path / "c")
    assert [t.to_dict() for t in a] != [t.to_dict() for t in c]


def test_sheets_parse_as_yaml_with_a_truth_per_blank(classes):
    for folder, truths in classes.values():
        by_folder: dict[str, list] = {}
        for t in truths:
            by_folder.setdefault(t.folder, []).append(t)
        for sub, _, sheet, key in class_folders(folder):
            rows = by_folder[sub]
            data = yaml.safe_load((sheet / "blank.yaml").read_text(encoding="utf-8"))
            assert isinstance(data, dict)
            ex = read_exercise(sheet, key)
            assert [t.key for t in rows] == ex.blanks
            for t in rows:
                value = data[t.written_key]
                assert (value is None) == (t.written is None)
                if t.written is not None:
                    assert str(value) == t.written or float(value) == float(t.written)


def test_every_kind_can_be_planted_with_its_truth(classes):
    """Each of the event kinds lands on some blank of some setting, with the truth it claims."""
    found: dict[str, object] = {}
    exs = exercises(classes)
    for kind in KINDS:
        for ex in exs:
            if kind in found:
                break
            for q in ex.blanks[1:]:
                if kind in CODES:
                    if kind not in applicable(ex, q):
                        continue
                    event = Event("slip", q, (kind,))
                elif kind == "pair":
                    pairs = [p for p in PAIRS.get(kind_of(ex, q), ()) if set(p) <= set(applicable(ex, q))]
                    if not pairs:
                        continue
                    event = Event("pair", q, pairs[0])
                else:
                    event = Event(kind, q)
                done = simulate(ex, "sig4", [event])
                if done is None:
                    continue
                texts, truths = done
                truth = {t.key: t for t in truths}[q]
                if kind in CODES:
                    assert truth.truth == kind
                elif kind == "pair":
                    assert truth.truth == event.codes
                elif kind in ("misplaced", "placeholder", "unanswered"):
                    assert truth.truth == kind
                    if kind == "misplaced":
                        assert texts[q] == texts[truth.belongs_to]
                    if kind == "placeholder":
                        assert all(texts[b] == "0" for b in ex.blanks[ex.blanks.index(q) :])
                    if kind == "unanswered":
                        assert texts[q] is None
                else:
                    assert truth.form == kind and truth.truth in ("right", "rounding")
                found[kind] = truth
                break
    assert set(found) == set(KINDS), set(KINDS) - set(found)
    assert len(KINDS) >= 15 and len(CODES) == 13 and len(FORMS) == 6
    messy = {k: found[k].written for k in FORMS if k != "key-typo"}
    assert messy["decimal-comma"].count(",") == 1 and messy["approx"].startswith("≈")
    assert messy["tilde"].startswith("~") and messy["equals"].startswith("= ") and "−" in messy["unicode-minus"]
    assert found["key-typo"].written_key != found["key-typo"].key


def test_a_class_has_habits_and_events(tmp_path):
    sheets = []
    make_class("two-samples", 30, seed=5, root=tmp_path, on_sheet=sheets.append)
    assert len(sheets) == 30
    with_events = [s for s in sheets if s.events]
    assert 12 <= len(with_events) <= 27  # two thirds of the class, about
    assert {len(s.events) for s in sheets} == {0, 1, 2}
    assert len({s.habit for s in sheets}) >= 4
    # two samples: the student's own sample-1 values make the gradients differ from exact,
    # yet a sheet without events has nothing but right and rounding
    for s in sheets:
        if not s.events:
            assert {t.truth for t in s.truths} <= {"right", "rounding"}
