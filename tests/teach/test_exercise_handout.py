"""Exercise folders safe to hand out: what a student may see apart from the answers, names with
their letters (folders and the printed worksheet), and a drawing readable on paper.

The PDF checks compile the worksheet with pdflatex and read it back with poppler's pdftotext
(the text, and the size of a word on the page): they are skipped where either is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
import yaml

from graphengine.cli import main
from graphengine.teach.exercise.folder import exercise_files
from graphengine.teach.exercise.generate import Options, folder_names, generate, parse_shape, read_students
from graphengine.teach.exercise.grade import grade
from graphengine.teach.exercise.worksheet import tex_name

NAMES = ["Łukasz Nowak", "Søren Kjær", "Yıldız Özdemir", "Jürgen Groß", "Élodie Dupré", "Nguyễn Văn An"]
PDF_TOOLS = pytest.mark.skipif(
    not (shutil.which("pdflatex") and shutil.which("pdftotext")), reason="needs pdflatex and pdftotext (poppler-utils)"
)


def _class(tmp_path: Path, names: list[str], *args: str) -> Path:
    roster = tmp_path / "names.txt"
    roster.write_text("\n".join(names) + "\n", encoding="utf-8")
    out = tmp_path / "class"
    assert main(["exercise", "--students", str(roster), "--seed", "3", *args, "-o", str(out)]) == 0
    return out


def _hand_values(path: Path) -> dict[str, float]:
    return {k: float(v) for k, v in yaml.safe_load(path.read_text(encoding="utf-8")).items() if k != "sample"}


# ---------------------------------------------------------------------- the layout


def test_a_students_folder_gives_no_answer_away(tmp_path, capsys):
    out = _class(tmp_path, ["Ana", "Bo"], "--shape", "2-2-1", "--ask", "update", "--no-pdf")
    assert sorted(p.name for p in out.iterdir()) == [".graphengine-written.json", "key", "students"]
    for folder in ("ana", "bo"):
        seen = out / "students" / folder
        exact = _hand_values(out / "key" / folder / "answers.yaml")
        text = "\n".join(p.read_text(encoding="utf-8") for p in seen.iterdir() if p.suffix != ".pdf")
        # No answer, at the 4 digits asked or more, anywhere in what the student gets.
        for q, value in exact.items():
            for digits in (4, 5, 6):
                shown = f"{value:.{digits}g}"
                if len(shown.strip("-0.")) >= 3:  # a short number may be a given one
                    assert shown not in text, f"{folder}: {q} = {shown} is in the student's folder"
        assert not (seen / "spec.yaml").exists() and not (seen / "answers.yaml").exists()
        assert {p.name for p in (out / "key" / folder).iterdir()} == {"spec.yaml", "answers.md", "answers.yaml"}


def test_a_drawing_printed_over_pages_is_in_the_students_folder(tmp_path, capsys):
    """A 4-4-4-4-4 drawing does not fit a page at 9 pt: its pages' parts go with the worksheet that
    includes them, and no other copy of them to the key."""
    out = _class(tmp_path, ["Ana"], "--shape", "4-4-4-4-4", "--ask", "forward", "--no-pdf")
    seen = sorted(p.name for p in (out / "students" / "ana").iterdir())
    assert seen == sorted(["blank.yaml", "network.pdf", "network.svg", "worksheet.md", "worksheet.tex"] + PARTS)
    assert not any(p.name.startswith("network") for p in (out / "key" / "ana").iterdir())
    tex = (out / "students" / "ana" / "worksheet.tex").read_text(encoding="utf-8")
    assert [line.rsplit("{", 1)[1] for line in tex.splitlines() if "includegraphics" in line] == [
        f"{part}}}" for part in PARTS
    ]


PARTS = ["network-part1.pdf", "network-part2.pdf"]


def test_grade_finds_sheets_and_keys_in_the_new_layout(tmp_path, capsys):
    out = _class(tmp_path, ["Ana", "Bo"], "--shape", "2-1", "--no-pdf")
    (out / "students" / "ana" / "blank.yaml").write_text(
        (out / "key" / "ana" / "answers.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    for path in (out, out / "students"):
        sheets = grade([str(path)])
        assert [(s.student, s.score, s.error) for s in sheets] == [("Ana", 1.0, ""), ("Bo", 0.0, "")]
        assert sheets[1].unanswered == len(sheets[1].marks) > 0
        assert Path(sheets[0].spec) == out / "key" / "ana" / "spec.yaml"
    for path in (out / "students" / "ana", out / "students" / "ana" / "blank.yaml"):
        (sheet,) = grade([str(path)])
        assert sheet.score == 1.0 and Path(sheet.spec) == out / "key" / "ana" / "spec.yaml"


def test_grade_still_reads_a_class_folder_of_the_older_layout(tmp_path, capsys):
    out = _class(tmp_path, ["Ana", "Bo"], "--shape", "2-1", "--no-pdf")
    old = tmp_path / "old"
    old.mkdir()
    for folder in ("ana", "bo"):
        shutil.copytree(out / "students" / folder, old / folder)
        for name in ("spec.yaml", "answers.yaml", "answers.md"):
            shutil.copy(out / "key" / folder / name, old / folder / name)
    shutil.copy(out / "key" / "key.csv", old / "key.csv")
    shutil.copy(old / "bo" / "answers.yaml", old / "bo" / "blank.yaml")
    assert [(s.student, s.score) for s in grade([str(old)])] == [("Ana", 0.0), ("Bo", 1.0)]


def test_a_sheet_without_its_spec_is_one_clear_error(tmp_path, capsys):
    sheet = tmp_path / "returned.yaml"
    sheet.write_text("h1.net: 0.5\n", encoding="utf-8")
    assert main(["grade", str(sheet)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "key/" in err[0] and "spec.yaml" in err[0]


def test_a_filled_sheet_is_not_replaced_without_force(tmp_path, capsys):
    out = _class(tmp_path, ["Ana"], "--shape", "2-1", "--no-pdf")
    sheet = out / "students" / "ana" / "blank.yaml"
    sheet.write_text("h1.net: 0.5\n", encoding="utf-8")
    roster = str(tmp_path / "names.txt")
    again = ["exercise", "--students", roster, "--seed", "3", "--shape", "2-1", "--no-pdf", "-o", str(out)]
    assert main(again) == 2
    assert "students/ana/blank.yaml" in capsys.readouterr().err
    assert sheet.read_text(encoding="utf-8") == "h1.net: 0.5\n"
    assert main([*again, "--force"]) == 0
    assert sheet.read_text(encoding="utf-8").startswith("# exercise-3 for Ana")


# ---------------------------------------------------------------------- names with their letters


def test_folder_names_keep_their_letters(tmp_path):
    folders = folder_names(NAMES)
    assert folders == ["łukasz-nowak", "søren-kjær", "yıldız-özdemir", "jürgen-groß", "élodie-dupré", "nguyễn-văn-an"]
    assert all(unicodedata.is_normalized("NFC", f) for f in folders)
    for folder in folders:  # each one a folder this file system makes and finds again
        (tmp_path / folder).mkdir()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(folders)


def test_folder_names_strip_only_what_a_path_cannot_hold():
    names = ["../../etc", "a/b\\c:d", "CON", "Ana\u200dMaria", " ", "x" * 90, "e\u0301lodie"]
    folders = folder_names(names)
    assert folders[:4] == ["etc", "a-b-c-d", "con-student", "anamaria"]
    assert folders[4] == "student" and folders[5] == "x" * 40 and folders[6] == "élodie"
    for folder in folders:
        assert folder not in (".", "..") and not set(folder) & set('/\\:*?"<>|\0')


def test_names_that_meet_in_one_folder_get_their_own():
    folders = folder_names(["Bo Li", "bo li!", "BO-LI", "Jürgen Groß", "Jürgen Gross", "Élodie", "e\u0301lodie"])
    assert folders[:3] == ["bo-li", "bo-li-2", "bo-li-3"]
    assert folders[3:5] == ["jürgen-groß", "jürgen-gross-2"]  # one folder where case is folded (ß = ss)
    assert len({f.casefold() for f in folders}) == len(folders)


def test_a_name_typed_decomposed_is_the_same_student(tmp_path):
    roster = tmp_path / "names.txt"
    roster.write_text("E\u0301lodie Dupre\u0301\n", encoding="utf-8")
    assert read_students(roster) == ["Élodie Dupré"]


def test_the_latex_name_escapes_tex_and_keeps_letters():
    text, declared = tex_name("Ana & Bo_Li {50%} Łukasz")
    assert text == r"Ana \& Bo\_Li \{50\%\} Łukasz" and declared == []
    text, declared = tex_name("Nguyễn Дмитрий")
    assert text == "Nguyễn Дмитрий"
    assert declared[0] == r"\DeclareUnicodeCharacter{1EC5}{\geletter{1EC5}{\~{\^{e}}}}"
    assert r"\DeclareUnicodeCharacter{0414}{\geletter{0414}{?}}" in declared  # no font: ?, the letter in the text


def _pdftotext(pdf: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(pdf), "-"], check=True, capture_output=True, text=True).stdout


@PDF_TOOLS
def test_the_worksheet_prints_every_name_as_written(tmp_path, capsys):
    out = _class(tmp_path, NAMES, "--shape", "2-1", "--ask", "forward")
    for name, folder in zip(NAMES, folder_names(NAMES)):
        pdf = out / "students" / folder / "worksheet.pdf"
        first_page = unicodedata.normalize("NFC", _pdftotext(pdf, "-l", "1"))
        assert f"Backpropagation exercise for {name}" in " ".join(first_page.split()), (name, first_page[:200])
        assert "?" not in first_page.split("\n\n")[0]


# (shape, --ask, pages the drawing takes, drawn with boxes): every edge label prints at 9 pt or more. Up to
# 3-3-2 and 2-4-1 the drawing with a box per blank fits a page at 9 pt; larger networks are drawn with
# names and given numbers only, and the deepest over two pages (docs/how-to/make-a-worksheet.md).
PRINTED_SIZES = [
    ("2-2-2", "all", 1, True),
    ("3-2-2", "all", 1, True),
    ("2-3-1", "all", 1, True),
    ("3-3-2", "all", 1, True),
    ("2-4-1", "all", 1, True),
    ("4-4", "all", 1, False),
    ("4-4-1", "all", 1, False),
    ("3-3-3-2", "all", 1, False),
    ("4-4-4-4", "forward", 1, False),
    ("4-4-4-4-4", "forward", 2, False),  # the largest shape `exercise` allows
]
LEAST_POINTS = 9.0


@PDF_TOOLS
@pytest.mark.parametrize(("shape", "ask", "pages", "boxes"), PRINTED_SIZES)
def test_the_drawing_prints_its_labels_at_9_points_or_more(tmp_path, shape, ask, pages, boxes):
    """The size a label is printed at: the height of its word on the worksheet's drawing pages over its
    height in the drawing (Graphviz draws it at 12 pt), read from both PDFs with pdftotext -bbox."""
    ex = generate(Options(shape=parse_shape(shape), seed=2, ask=ask), student="Maximilian Alexander von Württemberg")
    files = exercise_files(ex, pdf=True)
    drawing, worksheet = tmp_path / "network.pdf", tmp_path / "worksheet.pdf"
    drawing.write_bytes(files["network.pdf"])
    worksheet.write_bytes(files["worksheet.pdf"])
    all_pages = _pdftotext(worksheet, "-bbox").split("<page ")[1:]
    # The drawing's pages: its caption (…the values to compute), or a line saying where it goes on.
    drawn = [page for page in all_pages if re.search(r">(compute|continued|continues)</word>", page)]
    assert len(drawn) == pages
    here = _word_heights(_pdftotext(drawing, "-bbox"))
    printed = [_word_heights(page) for page in drawn]
    weights = sorted(here, key=lambda w: int(w[1:]))
    assert len(weights) == len(ex.net.graph.edges)
    assert sorted(w for page in printed for w in page) == sorted(weights), "every label once, on one page"
    points = [12 * page[w] / here[w] for page in printed for w in page]
    assert min(points) >= LEAST_POINTS, f"{shape}: printed at {min(points):.1f} pt"
    assert max(points) - min(points) < 0.2, "one scale for the whole drawing"
    assert (f"({list(ex.blanks.values())[-1]})" in _pdftotext(drawing)) == boxes  # the last blank's box
    if pages > 1:  # a layer at a cut is drawn at the foot of one page and again at the top of the next
        texts = [" ".join(re.findall(r">([^<]+)</word>", page)) for page in drawn]
        at_cut = re.search(r"continues on the next page, from ((?:\w+, )*\w+)\.", texts[0])
        assert at_cut is not None and f"continued from the previous page: {at_cut[1]} again." in texts[1]
        for name in at_cut[1].split(", "):
            assert all(f" {name} " in f" {text} " for text in texts), name


def _word_heights(bbox_html: str) -> dict[str, float]:
    """The height of every weight's label (``w1``, ``w2``, …): the first word of each name."""
    heights: dict[str, float] = {}
    for low, high, word in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(w\d+)</word>', bbox_html):
        heights.setdefault(word, float(high) - float(low))
    return heights


def test_the_examples_in_the_docstrings_hold():
    import doctest

    from graphengine.teach.exercise import drawing, handout, worksheet

    for module in (drawing, handout, worksheet):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted >= 1, module.__name__
