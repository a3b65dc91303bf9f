"""One exercise (``exercise -o DIR`` without ``--students``): what a student may see in ``DIR``,
the answers apart in ``DIR/key/``; ``grade`` and ``check`` find the key; writing again is safe."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from graphengine.cli import main
from graphengine.teach.exercise.folder import exercise_files, write_files
from graphengine.teach.exercise.generate import Options, generate

STUDENT_SIDE = ["blank.yaml", "network.pdf", "network.svg", "worksheet.md", "worksheet.tex"]
KEY_SIDE = ["answers.md", "answers.yaml", "spec.yaml"]
SHAPE = ["--shape", "2-1", "--no-pdf", "--seed", "5"]


def _exercise(folder: Path, *args: str) -> int:
    return main(["exercise", *SHAPE, *args, "-o", str(folder)])


def _answers(folder: Path) -> dict[str, float]:
    data = yaml.safe_load((folder / "key" / "answers.yaml").read_text(encoding="utf-8"))
    return {k: float(v) for k, v in data.items() if k != "sample"}


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def test_the_folder_gives_no_answer_away_and_the_key_is_apart(tmp_path, capsys):
    out = tmp_path / "ex"
    assert _exercise(out) == 0
    said = capsys.readouterr().out
    assert "(to hand out)" in said and f"{out / 'key'}/" in said
    assert _files(out) == STUDENT_SIDE and _files(out / "key") == KEY_SIDE
    seen = "\n".join((out / name).read_text(encoding="utf-8") for name in STUDENT_SIDE if not name.endswith(".pdf"))
    for q, value in _answers(out).items():
        for digits in (4, 5, 6):
            shown = f"{value:.{digits}g}"
            if len(shown.strip("-0.")) >= 3:  # a short number may be a given one
                assert shown not in seen, f"{q} = {shown} is in what the student gets"


def test_grade_and_check_find_the_key(tmp_path, capsys):
    out = tmp_path / "ex"
    assert _exercise(out) == 0
    answers = _answers(out)
    sheet = (out / "blank.yaml").read_text(encoding="utf-8")
    filled = "".join(
        f"{line.split(':')[0]}: {answers[line.split(':')[0]]!r}\n" if line.split(":")[0] in answers else line + "\n"
        for line in sheet.splitlines()
    )
    (out / "blank.yaml").write_text(filled, encoding="utf-8")
    (out / "ana.yaml").write_text(filled, encoding="utf-8")  # a returned sheet kept beside it
    capsys.readouterr()
    for paths in ([str(out)], [str(out / "blank.yaml")], [str(out / "ana.yaml")]):
        assert main(["grade", "--json", *paths]) == 0
        graded = json.loads(capsys.readouterr().out)["sheets"]
        assert len(graded) == 1 and graded[0]["spec"] == str(out / "key" / "spec.yaml")
        assert graded[0]["score"] == 1.0 and len(graded[0]["marks"]) == len(answers)
    assert main(["check", str(out / "key" / "spec.yaml"), "--expect", str(out / "blank.yaml")]) == 0


def test_writing_again_keeps_a_filled_sheet(tmp_path, capsys):
    out = tmp_path / "ex"
    assert _exercise(out) == 0
    (out / "blank.yaml").write_text("h1.out: 0.5\n", encoding="utf-8")
    assert _exercise(out, "--seed", "6") == 2
    assert "blank.yaml" in capsys.readouterr().err
    assert (out / "blank.yaml").read_text(encoding="utf-8") == "h1.out: 0.5\n"
    assert _exercise(out) == 2  # the same seed too: the sheet is not as it was written
    assert (out / "blank.yaml").read_text(encoding="utf-8") == "h1.out: 0.5\n"
    assert _exercise(out, "--force") == 0
    assert (out / "blank.yaml").read_text(encoding="utf-8").startswith("# exercise-5")


def test_an_earlier_flat_folder_gets_its_key_moved_and_a_changed_one_named(tmp_path, capsys):
    out = tmp_path / "ex"
    ex = generate(Options(shape=(2, 1), seed=5))
    write_files(out, exercise_files(ex, pdf=False))  # the layout `exercise` wrote before key/
    assert {"spec.yaml", "answers.yaml", "answers.md"} <= set(_files(out))
    (out / "answers.md").write_text("my notes\n", encoding="utf-8")  # changed since: not ours to remove
    assert _exercise(out) == 0
    captured = capsys.readouterr()
    assert "spec.yaml, answers.yaml beside the worksheet removed" in captured.out
    assert "answers.md lies beside the worksheet" in captured.err
    assert _files(out) == sorted([*STUDENT_SIDE, "answers.md"]) and _files(out / "key") == KEY_SIDE
    assert (out / "answers.md").read_text(encoding="utf-8") == "my notes\n"
    # the folder grades with its key/ spec
    assert main(["grade", "--json", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["sheets"][0]["spec"] == str(out / "key" / "spec.yaml")


def test_an_older_flat_folder_is_still_graded(tmp_path, capsys):
    out = tmp_path / "old"
    write_files(out, exercise_files(generate(Options(shape=(2, 1), seed=5)), pdf=False))
    assert main(["grade", "--json", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["sheets"][0]["spec"] == str(out / "spec.yaml")
