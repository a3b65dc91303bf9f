"""Where the files of an exercise go, and where ``grade`` finds them again.

What a student may see is kept apart from the answers, so the teacher can hand out a folder as
it is. One exercise (``exercise -o DIR``)::

    DIR/                 worksheet.md, worksheet.tex, worksheet.pdf, network.svg, network.pdf, blank.yaml
    DIR/key/             spec.yaml, answers.md, answers.yaml

and a class (``exercise --students``), one folder per student::

    DIR/students/NAME/   worksheet.md, worksheet.tex, worksheet.pdf, network.svg, network.pdf, blank.yaml
                         (and network-part1.pdf, … when the drawing is printed over pages)
    DIR/key/NAME/        spec.yaml, answers.md, answers.yaml
    DIR/key/key.csv      the class key: every student's answers

(a spec is no answer, but ``graphengine run`` turns it into all of them; a name pdflatex cannot
print adds ``name.pdf``, its drawing in the worksheet's title). :func:`find_sheets` pairs each
filled sheet with its spec in both layouts, and in the older ones: one exercise in one flat folder
(``DIR/spec.yaml`` beside ``DIR/blank.yaml``), a class of such folders (``DIR/NAME/``,
``DIR/key.csv``).

>>> sorted(STUDENT_FILES)[:3]
['blank.yaml', 'name.pdf', 'network.pdf']
"""

from __future__ import annotations

import re
from pathlib import Path

from ...errors import GraphEngineError

SPEC_FILE = "spec.yaml"
SHEET_FILE = "blank.yaml"  # the template a student fills in and hands back
ANSWERS_FILE = "answers.yaml"
KEY_FILE = "key.csv"
NAME_FIGURE = "name.pdf"  # a name pdflatex cannot print, drawn for the worksheet's title (drawn_name.py)
STUDENTS_DIR = "students"  # DIR/students/NAME/: what a student may see
KEY_DIR = "key"  # DIR/key/NAME/ and DIR/key/key.csv: the teacher's
#: The files of a student's folder; every other file of an exercise goes to the key.
STUDENT_FILES = frozenset(
    {"worksheet.md", "worksheet.tex", "worksheet.pdf", "network.svg", "network.pdf", NAME_FIGURE, SHEET_FILE}
)
#: A page of a drawing printed over several (``network-part1.pdf``, …): a student's file too.
DRAWING_PAGE = re.compile(r"network-part\d+\.pdf")


def for_student(name: str) -> bool:
    """Whether an exercise's file ``name`` is one a student may see (else it is the key's).

    >>> for_student("network-part2.pdf"), for_student("answers.md")
    (True, False)
    """
    return name in STUDENT_FILES or DRAWING_PAGE.fullmatch(name) is not None


#: The answer key an exercise without ``--students`` wrote beside the worksheet before it had a
#: ``key/`` folder: moved there when ``exercise`` writes the folder again.
FLAT_KEY_FILES = (SPEC_FILE, "answers.md", ANSWERS_FILE)


def exercise_layout(files: dict[str, bytes]) -> dict[str, bytes]:
    """One exercise's files, relative name → content: the student's at the top, the rest in ``key/``.

    >>> sorted(exercise_layout({"blank.yaml": b"", "spec.yaml": b"", "answers.yaml": b""}))
    ['blank.yaml', 'key/answers.yaml', 'key/spec.yaml']
    """
    return {(name if for_student(name) else f"{KEY_DIR}/{name}"): data for name, data in files.items()}


def class_files(exercises: list[tuple[str, dict[str, bytes]]], key: bytes) -> dict[str, bytes]:
    """A class folder's files, relative name → content, from each student's (folder name, exercise
    files) and the class key.

    >>> sorted(class_files([("ana", {"blank.yaml": b"", "spec.yaml": b""})], b"k"))
    ['key/ana/spec.yaml', 'key/key.csv', 'students/ana/blank.yaml']
    """
    files = {}
    for folder, own in exercises:
        for name, data in own.items():
            files[f"{STUDENTS_DIR if for_student(name) else KEY_DIR}/{folder}/{name}"] = data
    files[f"{KEY_DIR}/{KEY_FILE}"] = key
    return files


def _class_root(path: Path) -> Path | None:
    """The class folder a path is (``DIR``), or is the ``students`` folder of; None otherwise."""
    for root in (path, path.parent):
        if (root / KEY_DIR).is_dir() and (root / STUDENTS_DIR).is_dir() and path in (root, root / STUDENTS_DIR):
            return root
    return None


def _own_key(folder: Path) -> Path | None:
    """``DIR/key/spec.yaml`` for one exercise's folder ``DIR``, when it is there."""
    spec = folder / KEY_DIR / SPEC_FILE
    return spec if spec.is_file() else None


def _key_of(student_folder: Path) -> Path | None:
    """``DIR/key/NAME/spec.yaml`` for a student's folder ``DIR/students/NAME``, when it is there."""
    if student_folder.parent.name != STUDENTS_DIR:
        return None
    spec = student_folder.parent.parent / KEY_DIR / student_folder.name / SPEC_FILE
    return spec if spec.is_file() else None


def find_sheets(paths: list[str]) -> list[tuple[Path, Path]]:
    """(sheet, spec) pairs for files and folders: a sheet file, an exercise folder (one exercise's,
    a student's, or an older flat one), a class folder (or its ``students`` folder); class folders
    sorted."""
    found: list[tuple[Path, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            beside = path.parent / SPEC_FILE
            spec = _own_key(path.parent) or (beside if beside.is_file() else _key_of(path.parent))
            if spec is None:
                raise GraphEngineError(
                    f"no {SPEC_FILE} for this sheet: not in the {KEY_DIR}/ folder beside it, nor next to it, "
                    f"nor in the class's {KEY_DIR}/ folder (grade needs the exercise's spec)",
                    file=raw,
                )
            found.append((path, spec))
        elif path.is_dir() and (spec := _own_key(path)) is not None:
            found.append((path / SHEET_FILE, spec))
        elif (path / SPEC_FILE).is_file():
            found.append((path / SHEET_FILE, path / SPEC_FILE))
        elif path.is_dir() and (spec := _key_of(path)) is not None:
            found.append((path / SHEET_FILE, spec))
        elif path.is_dir() and (root := _class_root(path)) is not None:
            keys = sorted(p for p in (root / KEY_DIR).iterdir() if (p / SPEC_FILE).is_file())
            if not keys:
                raise GraphEngineError(f"no exercise here: no {KEY_DIR}/NAME/{SPEC_FILE}", file=raw)
            found += [(root / STUDENTS_DIR / key.name / SHEET_FILE, key / SPEC_FILE) for key in keys]
        elif path.is_dir():
            folders = sorted(p for p in path.iterdir() if (p / SPEC_FILE).is_file())
            if not folders:
                raise GraphEngineError(
                    f"no exercise here: neither {KEY_DIR}/{SPEC_FILE} nor {SPEC_FILE}, nor {STUDENTS_DIR}/ and "
                    f"{KEY_DIR}/ folders, nor student folders with a {SPEC_FILE}",
                    file=raw,
                )
            found += [(folder / SHEET_FILE, folder / SPEC_FILE) for folder in folders]
        else:
            raise GraphEngineError("no such file or folder", file=raw)
    return found
