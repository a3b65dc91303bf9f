"""What grade hands back (issue 22): the class's real slips ranked by students with the step to
revisit, a Markdown feedback file per student, and gradebook CSVs for Moodle and Canvas."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import yaml

from graphengine.cli import main
from graphengine.teach.exercise.blanks import written
from graphengine.teach.exercise.folder import answers_yaml, blank_yaml
from graphengine.teach.exercise.generate import Options, generate
from graphengine.teach.exercise.grade import Mark, Sheet
from graphengine.teach.exercise.handback import feedback, gradebook_csv, real_slips


def write_exercise(folder: Path, options: Options, student: str) -> None:
    ex = generate(options, student=student)
    folder.mkdir(parents=True)
    (folder / "spec.yaml").write_text(ex.spec)
    (folder / "answers.yaml").write_text(answers_yaml(ex))
    (folder / "blank.yaml").write_text(blank_yaml(ex), encoding="utf-8")


def as_written(folder: Path) -> dict[str, str]:
    """answers.yaml's exact values to 4 significant digits."""
    data = yaml.safe_load((folder / "answers.yaml").read_text())
    return {q: written(v) for q, v in data.items() if q != "sample"}


def fill(sheet: Path, values: dict[str, str]) -> None:
    lines = []
    for line in sheet.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([\w.]+):(\s*)(#.*)$", line)
        if match and match[1] in values:
            line = f"{match[1]}: {values[match[1]]}  {match[3]}"
        lines.append(line)
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _class(tmp_path):
    root = tmp_path / "class"
    for folder, flips in (("alice", ()), ("bob", ("o2.dnet",)), ("cleo", ("o1.dout", "o2.dnet"))):
        write_exercise(root / folder, Options((2, 2, 2), ask="output", seed=7), student=folder)
        values = as_written(root / folder)
        for q in flips:
            values[q] = written(-float(values[q]))
        fill(root / folder / "blank.yaml", values)
    return root


def test_the_class_summary_ranks_real_slips_by_students_with_an_example_and_the_step(tmp_path, capsys):
    root = _class(tmp_path)
    assert main(["grade", str(root), "--json"]) == 0
    slips = json.loads(capsys.readouterr().out)["class_slips"]
    assert [(r["slip"], r["students"], r["answers"]) for r in slips] == [("sign", 2, 3)]
    assert slips[0]["example"]["student"] in ("bob", "cleo") and slips[0]["revisit"].startswith("∂E/∂")
    assert main(["grade", str(root)]) == 0
    assert "revisit ∂E/∂" in capsys.readouterr().out


def test_carried_and_rounding_are_not_listed_as_slips():
    marks = [Mark("o1.dout", "-0.7", 0.7, False, "sign"), Mark("o1.dnet", "-0.1", 0.1, False, "carried")]
    marks += [Mark("o1.out", "0.75", 0.751, False, "rounding")]
    rows = real_slips([Sheet("ann", "a/blank.yaml", "spec", marks)])
    assert [r["slip"] for r in rows] == ["sign"] and rows[0]["revisit"].startswith("∂E/∂out")


def test_one_feedback_file_per_student_with_the_wrong_lines_why_and_the_exact_value(tmp_path, capsys):
    root = _class(tmp_path)
    out = tmp_path / "feedback"
    assert main(["grade", str(root), "--feedback", str(out), "--json"]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["alice.md", "bob.md", "cleo.md"]
    assert "Every value is right." in (out / "alice.md").read_text()
    bob = (out / "bob.md").read_text()
    rows = [line for line in bob.splitlines() if line.startswith("| ") and "o2.dnet" in line]
    assert len(rows) == 1 and "| sign |" in rows[0]
    exact = float(rows[0].rstrip(" |").rsplit("|", 1)[1])
    assert exact != 0 and written(-exact) in rows[0]  # they wrote the negation of the exact value


def test_the_moodle_gradebook_has_an_identifier_the_grade_item_and_feedback(tmp_path, capsys):
    root = _class(tmp_path)
    assert main(["grade", str(root), "--gradebook", "moodle", "--assignment", "Backprop 1"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["ID number", "Full name", "Backprop 1", "Feedback"]
    marks = {r[0]: int(r[2]) for r in rows[1:]}
    n = marks["alice"]
    assert n > 0 and marks == {"alice": n, "bob": n - 1, "cleo": n - 2}
    assert rows[2][3] == f"{n - 1} of {n}"


def test_the_canvas_gradebook_has_canvas_columns_and_points_possible(tmp_path, capsys):
    root = _class(tmp_path)
    assert main(["grade", str(root), "--gradebook", "canvas"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Backpropagation exercise"]
    assert rows[1][0] == "Points Possible"
    n = int(rows[1][5])
    assert {r[3]: int(r[5]) for r in rows[2:]} == {"alice": n, "bob": n - 1, "cleo": n - 2}


def test_strict_marking_takes_no_follow_through_and_gradebook_rejects_an_unknown_lms():
    sheet = Sheet("ann", "x/ann.yaml", "spec", [Mark("a", "1", 1.0, True), Mark("b", "2", 3.0, False, "carried")])
    assert gradebook_csv([sheet], "moodle", "A").splitlines()[1] == "ann,ann,2,2 of 2"
    sheet.follow_through = False
    assert gradebook_csv([sheet], "moodle", "A").splitlines()[1] == "ann,ann,1,1 of 2"
    assert "| b | 2 | carried |" in feedback(sheet).replace("|  b", "| b")
    try:
        gradebook_csv([sheet], "blackboard", "A")
    except ValueError as e:
        assert "moodle or canvas" in str(e)
    else:
        raise AssertionError("an unknown LMS must be refused")
