"""Names pdflatex has no font for (Greek, Cyrillic, CJK) in the worksheet's title: drawn with the
machine's fonts (teach/exercise/drawn_name.py) instead of printed as ``?``.

Checked independently of the code's own reading of the drawing: the PDF's text (poppler's
pdftotext), the fonts the drawing uses (pdffonts, fontconfig's fc-list) and, with fontTools, that
those fonts hold every letter of the name, so none is drawn as a box.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from graphengine.cli import main
from graphengine.teach.exercise.generate import folder_names

TOOLS = ("pdflatex", "pdftotext", "pdffonts", "fc-list", "dot")
pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in TOOLS), reason=f"needs {', '.join(TOOLS)} (TeX, poppler-utils, fontconfig)"
)
SCRIPTS = ["Γιώργος Παπαδόπουλος", "Дмитрий Иванов", "Ольга Ковалёва"]  # Greek, Cyrillic (ё)
CJK = "王小明"


def _class(tmp_path: Path, names: list[str]) -> Path:
    roster = tmp_path / "names.txt"
    roster.write_text("\n".join(names) + "\n", encoding="utf-8")
    out = tmp_path / "class"
    command = ["exercise", "--students", str(roster), "--seed", "3", "--shape", "2-1", "--ask", "forward"]
    assert main([*command, "-o", str(out)]) == 0
    return out


def _run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _title(pdf: Path) -> str:
    return " ".join(unicodedata.normalize("NFC", _run("pdftotext", "-l", "1", str(pdf), "-")).split())


def _font_letters(pdf: Path) -> set[str]:
    """Every character the fonts a PDF uses hold: each font (pdffonts) found by its PostScript
    name among the machine's (fc-list) and read with fontTools."""
    letters: set[str] = set()
    for line in _run("pdffonts", str(pdf)).splitlines()[2:]:
        postscript = line.split()[0].split("+")[-1]
        for path in _run("fc-list", f":postscriptname={postscript}", "file").splitlines():
            font = TTFont(path.rstrip(": "), fontNumber=0)
            letters |= {chr(code) for code in font.getBestCmap()}
    return letters


def _has_font_for(text: str) -> bool:
    charset = " ".join(f"{ord(c):x}" for c in set(text))
    return bool(_run("fc-list", f":charset={charset}", "file").strip())


def test_greek_and_cyrillic_names_are_drawn_in_the_title(tmp_path):
    out = _class(tmp_path, SCRIPTS)
    for name, folder in zip(SCRIPTS, folder_names(SCRIPTS)):
        seen = out / "students" / folder
        assert f"Backpropagation exercise for {name}" in _title(seen / "worksheet.pdf")
        tex = (seen / "worksheet.tex").read_text(encoding="utf-8")
        title = re.search(r"\\title\{(.*)\}", tex)
        assert title is not None and re.search(r"\\includegraphics(\[[^]]*\])?\{name.pdf\}", title[1])
        assert "?" not in tex.split(r"\begin{document}")[0]  # no letter declared as `?`
        # the drawing's fonts hold every letter of the name: none drawn as a box
        assert set(name) - {" "} <= _font_letters(seen / "name.pdf"), name
        assert _title(seen / "name.pdf") == name


def test_a_name_no_installed_font_has_keeps_its_text_and_prints_what_it_can(tmp_path):
    out = _class(tmp_path, [f"Ana {CJK}"])
    seen = out / "students" / folder_names([f"Ana {CJK}"])[0]
    assert f"Backpropagation exercise for Ana {CJK}" in _title(seen / "worksheet.pdf")
    if _has_font_for(CJK):  # drawn with that font
        assert set(CJK) <= _font_letters(seen / "name.pdf")
    else:  # no font here draws it: pdflatex's `?` (and the name in the PDF's text), no box of codes
        assert not (seen / "name.pdf").exists()
        assert r"\DeclareUnicodeCharacter{738B}{\geletter{738B}{?}}" in (seen / "worksheet.tex").read_text("utf-8")


def test_a_name_pdflatex_prints_is_not_drawn(tmp_path):
    out = _class(tmp_path, ["Łukasz Nguyễn"])
    seen = out / "students" / "łukasz-nguyễn"
    assert not (seen / "name.pdf").exists()
    assert "Backpropagation exercise for Łukasz Nguyễn" in _title(seen / "worksheet.pdf")


def test_a_long_drawn_name_is_shrunk_to_the_line(tmp_path):
    long = "Γιώργος Παπαδόπουλος Αλεξανδρόπουλος Κωνσταντινόπουλος Χατζηγεωργίου Οικονόμου"
    out = _class(tmp_path, [long])
    pdf = out / "students" / folder_names([long])[0] / "worksheet.pdf"
    assert long in _title(pdf)
    page = _run("pdftotext", "-bbox", "-l", "1", str(pdf), "-")
    width = float(re.search(r'<page width="([\d.]+)"', page)[1])
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', page))
    assert right <= width - 2 * 72 / 2.54 + 1  # within the 2 cm margin: nothing runs off the page
