"""`graphengine grade`: filled-in exercise sheets marked in bulk, with the slips named.

Sheets are filled here from answers.yaml the way a student writes them (4 significant
digits), then slips are planted: a sign error, a step taken uphill, blanks left empty. The
slip codes asserted (`sign`, `uphill`) are those the checker's richer diagnoses keep.
"""

import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml

from graphengine.cli import main
from graphengine.teach.exercise.blanks import written
from graphengine.teach.exercise.folder import answers_yaml, blank_yaml
from graphengine.teach.exercise.generate import Options, generate
from graphengine.teach.exercise.grade import judge

CASES = [
    Options((2, 2, 2), "sigmoid", samples=1, shared_bias=True, ask="update", seed=1),
    Options((3, 2, 1), "tanh", samples=2, ask="update", seed=2),
    Options((2, 3, 2), "relu", samples=1, ask="all", seed=3),
    Options((2, 3, 2), "sigmoid", samples=2, shared_bias=True, ask="update", seed=4),
]


def case_id(o: Options) -> str:
    return f"{'-'.join(map(str, o.shape))}-{o.activation}-n{o.samples}-{o.ask}"


def write_exercise(folder: Path, options: Options, student: str | None = None):
    """The files grade reads: spec.yaml, answers.yaml and the blank template."""
    ex = generate(options, student=student)
    folder.mkdir(parents=True)
    (folder / "spec.yaml").write_text(ex.spec)
    (folder / "answers.yaml").write_text(answers_yaml(ex))
    (folder / "blank.yaml").write_text(blank_yaml(ex), encoding="utf-8")
    return ex


def fill(sheet: Path, values: dict[str, str]) -> None:
    """Write ``values`` into the template's blank lines, keeping every comment."""
    lines = []
    for line in sheet.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([\w.]+):(\s*)(#.*)$", line)
        if match and match[1] in values:
            line = f"{match[1]}: {values[match[1]]}  {match[3]}"
        lines.append(line)
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")


def as_written(folder: Path) -> dict[str, str]:
    """answers.yaml's exact values as a careful student writes them: 4 significant digits."""
    data = yaml.safe_load((folder / "answers.yaml").read_text())
    return {q: written(v) for q, v in data.items() if q != "sample"}


def grade_json(capsys, *paths: Path) -> tuple[int, dict]:
    status = main(["grade", *map(str, paths), "--json"])
    return status, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("exact", [True, False], ids=["exact", "4-digits"])
@pytest.mark.parametrize("options", CASES, ids=case_id)
def test_the_blank_filled_with_the_answers_grades_full_marks(tmp_path, capsys, options, exact):
    """answers.yaml's values copied as they stand, or written to 4 significant digits."""
    ex = write_exercise(tmp_path / "ex", options)
    answers = yaml.compose((tmp_path / "ex" / "answers.yaml").read_text(), Loader=yaml.SafeLoader)
    copied = {k.value: v.value for k, v in answers.value if k.value != "sample"}
    fill(tmp_path / "ex" / "blank.yaml", copied if exact else as_written(tmp_path / "ex"))
    status, report = grade_json(capsys, tmp_path / "ex")
    (sheet,) = report["sheets"]
    assert status == 0 and sheet["score"] == 1.0
    assert sheet["right"] == sheet["asked"] == len(ex.asked) and sheet["wrong"] == sheet["unanswered"] == 0
    assert [m["quantity"] for m in sheet["marks"]] == ex.asked
    assert [m["letter"] for m in sheet["marks"]] == list(ex.blanks.values())
    assert report["slips"] == [] and report["most_common"] is None


@pytest.mark.parametrize("options", CASES, ids=case_id)
def test_a_planted_sign_slip_is_graded_as_sign(tmp_path, capsys, options):
    write_exercise(tmp_path / "ex", options)
    values = as_written(tmp_path / "ex")
    slipped = "o1.dout"  # −(t − y) written as t − y: the classic sign slip
    values[slipped] = written(-float(values[slipped]))
    fill(tmp_path / "ex" / "blank.yaml", values)
    status, report = grade_json(capsys, tmp_path / "ex")
    (sheet,) = report["sheets"]
    wrong = [m for m in sheet["marks"] if not m["right"]]
    assert status == 0 and [(m["quantity"], m["reason"]) for m in wrong] == [(slipped, "sign")]
    assert sheet["slips"] == {"sign": 1} and report["most_common"] == "sign"


@pytest.mark.parametrize("options", [c for c in CASES if c.ask == "update"], ids=case_id)
def test_a_step_taken_uphill_is_graded_as_uphill(tmp_path, capsys, options):
    ex = write_exercise(tmp_path / "ex", options)
    values = as_written(tmp_path / "ex")
    p = "w1"
    values[f"updated.{p}"] = written(ex.trace.values[p] + ex.trace.learning_rate * ex.trace.gradients[p])
    fill(tmp_path / "ex" / "blank.yaml", values)
    _, report = grade_json(capsys, tmp_path / "ex")
    wrong = [m for m in report["sheets"][0]["marks"] if not m["right"]]
    assert [(m["quantity"], m["reason"]) for m in wrong] == [(f"updated.{p}", "uphill")]


def test_blanks_left_empty_or_removed_are_unanswered(tmp_path, capsys):
    options = CASES[0]
    ex = write_exercise(tmp_path / "ex", options)
    values = as_written(tmp_path / "ex")
    del values["h1.net"], values["loss"]
    fill(tmp_path / "ex" / "blank.yaml", values)
    sheet_path = tmp_path / "ex" / "blank.yaml"
    sheet_path.write_text(sheet_path.read_text().replace("grad.w1:", "# grad.w1:"))  # a line taken out
    _, report = grade_json(capsys, tmp_path / "ex")
    (sheet,) = report["sheets"]
    unanswered = {m["quantity"]: m["note"] for m in sheet["marks"] if m["reason"] == "unanswered"}
    assert unanswered == {"h1.net": "left blank", "loss": "left blank", "grad.w1": "not on the sheet"}
    assert sheet["right"] == len(ex.asked) - 3 and sheet["wrong"] == 0 and sheet["unanswered"] == 3
    marks = {m["quantity"]: m for m in sheet["marks"]}
    assert marks["loss"]["exact"] == ex.answer("loss") and marks["loss"]["written"] is None


def test_a_class_is_graded_with_the_slip_it_makes_most(tmp_path, capsys):
    """Three students: full marks, a sign slip, two sign slips and a blank; CLI table, JSON, CSV."""
    root = tmp_path / "class"
    names = {"alice": "Alice", "bob": "Bob", "cleo": "Cléo"}
    for folder, name in names.items():
        write_exercise(root / folder, Options((2, 2, 2), ask="output", seed=7), student=name)
    (root / "key.csv").write_text(
        "student,folder,letter,quantity,exact\n" + "".join(f"{n},{f},a,h1.net,0\n" for f, n in names.items())
    )
    for folder, flips in (("alice", ()), ("bob", ("o2.dnet",)), ("cleo", ("o1.dout", "grad.w5"))):
        values = as_written(root / folder)
        for q in flips:
            values[q] = written(-float(values[q]))
        if folder == "cleo":
            del values["o1.net"]
        fill(root / folder / "blank.yaml", values)
    status, report = grade_json(capsys, root)
    assert status == 0
    rows = {s["student"]: (s["right"], s["wrong"], s["unanswered"], s["slips"]) for s in report["sheets"]}
    n = len(report["sheets"][0]["marks"])
    assert rows == {"Alice": (n, 0, 0, {}), "Bob": (n - 1, 1, 0, {"sign": 1}), "Cléo": (n - 3, 2, 1, {"sign": 2})}
    assert report["slips"] == [{"slip": "sign", "answers": 3, "students": 2}] and report["most_common"] == "sign"
    assert main(["grade", str(root)]) == 0
    table = capsys.readouterr().out
    assert re.search(r"Cléo\s+│\s+\d+\s+│\s+2\s+│\s+1\s+│\s+\d+%\s+│ sign ×2 \(", table)
    assert "slips, most frequent first: sign (2 of 3 students, 3 answers)" in table
    assert main(["grade", str(root / "bob"), str(root / "alice" / "blank.yaml"), "--csv"]) == 0
    rows_csv = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    header = ["student", "sheet", "letter", "quantity", "written", "exact", "right", "reason", "because_of", "note"]
    assert rows_csv[0] == header
    signs = [r for r in rows_csv[1:] if r[6:8] == ["0", "sign"]]
    assert len(rows_csv) == 1 + 2 * n and len(signs) == 1 and signs[0][9]  # the slip's note is in the CSV


def test_an_unreadable_line_is_named_and_the_rest_still_graded(tmp_path, capsys):
    root = tmp_path / "class"
    for folder in ("ann", "ben"):
        write_exercise(root / folder, Options(ask="forward", seed=11), student=folder)
        fill(root / folder / "blank.yaml", as_written(root / folder))
    sheet = root / "ben" / "blank.yaml"
    sheet.write_text(sheet.read_text().replace("h1.out: ", "h1.out: ask "))
    line = next(k for k, text in enumerate(sheet.read_text().splitlines(), 1) if text.startswith("h1.out:"))
    status = main(["grade", str(root), "--json"])
    out, err = capsys.readouterr()
    assert status == 2
    assert err.startswith(f"error: {sheet}:{line}: h1.out: expected a number") and err.count("\n") == 1
    ann, ben = json.loads(out)["sheets"]
    assert ann["score"] == 1.0 and "error" not in ben and ben["problems"][0].startswith(f"{sheet}:{line}:")
    marks = {m["quantity"]: m for m in ben["marks"]}
    assert marks["h1.out"]["reason"] == "unreadable" and not marks["h1.out"]["right"]
    assert all(m["right"] for q, m in marks.items() if q != "h1.out")  # the rest of the sheet is graded


@pytest.mark.parametrize(
    "messy, note",
    [
        ("≈{}", "`≈` dropped"),
        ("~{}", "`~` dropped"),
        ("= {}", "`=` dropped"),
        ("{comma}", "decimal comma"),
    ],
)
def test_messy_values_are_read_with_a_note(tmp_path, capsys, messy, note):
    write_exercise(tmp_path / "ann", Options(ask="forward", seed=11), student="ann")
    fill(tmp_path / "ann" / "blank.yaml", as_written(tmp_path / "ann"))
    sheet = tmp_path / "ann" / "blank.yaml"
    lines = sheet.read_text().splitlines()
    at = next(k for k, text in enumerate(lines) if text.startswith("h1.out:"))
    key, _, value = lines[at].partition(":")
    number = value.split("#")[0].strip()
    lines[at] = f"{key}: " + messy.format(number, comma=number.replace(".", ","))
    sheet.write_text("\n".join(lines) + "\n")
    assert main(["grade", str(tmp_path / "ann"), "--json"]) == 0
    marks = {m["quantity"]: m for m in json.loads(capsys.readouterr().out)["sheets"][0]["marks"]}
    assert marks["h1.out"]["right"] and note in marks["h1.out"]["note"]
    assert all(m["right"] for q, m in marks.items() if q != "h1.out")


def test_a_key_typo_with_one_meaning_is_graded_under_it(tmp_path, capsys):
    write_exercise(tmp_path / "ann", Options(ask="forward", seed=11), student="ann")
    fill(tmp_path / "ann" / "blank.yaml", as_written(tmp_path / "ann"))
    sheet = tmp_path / "ann" / "blank.yaml"
    sheet.write_text(sheet.read_text().replace("h1.out:", "h1.uot:"))
    assert main(["grade", str(tmp_path / "ann"), "--json"]) == 0
    marks = {m["quantity"]: m for m in json.loads(capsys.readouterr().out)["sheets"][0]["marks"]}
    assert marks["h1.out"]["right"] and "key `h1.uot` read as `h1.out`" in marks["h1.out"]["note"]


@pytest.mark.parametrize(
    "paths, message",
    [(["nowhere"], "nowhere: no such file or folder"), (["EMPTY"], "no exercise here")],
)
def test_grade_refuses_paths_without_an_exercise(tmp_path, capsys, paths, message):
    (tmp_path / "EMPTY").mkdir()
    assert main(["grade", *(str(tmp_path / p) for p in paths)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_judge_is_check_seen_through_slip_codes():
    """The adapter on the worked example's own page: its net_o2 = 1.2243 (exact 1.22492) is within the
    4 significant digits a sheet asks for (claims.ASKED_DIGITS), so right in grade; the swap is named."""
    import graphengine

    net = graphengine.load("specs/doc_example.yaml")
    marks = judge(net, net.trace(), "specs/doc_example_hand.yaml")
    assert [(m.quantity, m.reason) for m in marks if not m.right] == [("h2.net", "swapped")]
    assert all(m.exact is not None and m.written for m in marks)
