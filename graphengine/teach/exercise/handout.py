"""Where the files of an exercise go, and where ``grade`` finds them again.

A class made with ``exercise --students`` keeps what a student may see apart from the answers,
so the teacher can hand out a folder as it is::

    DIR/students/NAME/   worksheet.md, worksheet.tex, worksheet.pdf, network.svg, network.pdf, blank.yaml
                         (and network-part1.pdf, … when the drawing is printed over pages)
    DIR/key/NAME/        spec.yaml, answers.md, answers.yaml
    DIR/key/key.csv      the class key: every student's answers

(a spec is no answer, but ``graphengine run`` turns it into all of them). One exercise without
``--students`` is one flat folder, the teacher's own. :func:`find_sheets` pairs each filled
sheet with its spec in both layouts, and in the older class layout (``DIR/NAME/`` holding
everything, ``DIR/key.csv``).

>>> sorted(STUDENT_FILES)[:2]
['blank.yaml', 'network.pdf']
"""

from __future__ import annotations

import re
from pathlib import Path

from ...errors import GraphEngineError

SPEC_FILE = "spec.yaml"
SHEET_FILE = "blank.yaml"  # the template a student fills in and hands back
ANSWERS_FILE = "answers.yaml"
KEY_FILE = "key.csv"
STUDENTS_DIR = "students"  # DIR/students/NAME/: what a student may see
KEY_DIR = "key"  # DIR/key/NAME/ and DIR/key/key.csv: the teacher's
#: The files of a student's folder; every other file of an exercise goes to the key.
STUDENT_FILES = frozenset({"worksheet.md", "worksheet.tex", "worksheet.pdf", "network.svg", "network.pdf", SHEET_FILE})
#: A page of a drawing printed over several (``network-part1.pdf``, …): a student's file too.
DRAWING_PAGE = re.compile(r"network-part\d+\.pdf")


def class_files(exercises: list[tuple[str, dict[str, bytes]]], key: bytes) -> dict[str, bytes]:
    """A class folder's files, relative name → content, from each student's (folder name, exercise
    files) and the class key.

    >>> sorted(class_files([("ana", {"blank.yaml": b"", "spec.yaml": b""})], b"k"))
    ['key/ana/spec.yaml', 'key/key.csv', 'students/ana/blank.yaml']
    """
    files = {}
    for folder, own in exercises:
        for name, data in own.items():
            seen = name in STUDENT_FILES or DRAWING_PAGE.fullmatch(name)
            files[f"{STUDENTS_DIR if seen else KEY_DIR}/{folder}/{name}"] = data
    files[f"{KEY_DIR}/{KEY_FILE}"] = key
    return files


def _class_root(path: Path) -> Path | None:
    """The class folder a path is (``DIR``), or is the ``students`` folder of; None otherwise."""
    for root in (path, path.parent):
        if (root / KEY_DIR).is_dir() and (root / STUDENTS_DIR).is_dir() and path in (root, root / STUDENTS_DIR):
            return root
    return None


def _key_of(student_folder: Path) -> Path | None:
    """``DIR/key/NAME/spec.yaml`` for a student's folder ``DIR/students/NAME``, when it is there."""
    if student_folder.parent.name != STUDENTS_DIR:
        return None
    spec = student_folder.parent.parent / KEY_DIR / student_folder.name / SPEC_FILE
    return spec if spec.is_file() else None


def find_sheets(paths: list[str]) -> list[tuple[Path, Path]]:
    """(sheet, spec) pairs for files and folders: a sheet file, an exercise folder (a student's
    folder or a flat one), a class folder (or its ``students`` folder); class folders sorted."""
    found: list[tuple[Path, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            beside = path.parent / SPEC_FILE
            spec = beside if beside.is_file() else _key_of(path.parent)
            if spec is None:
                raise GraphEngineError(
                    f"no {SPEC_FILE} for this sheet: neither next to it nor in the class's "
                    f"{KEY_DIR}/ folder (grade needs the exercise's spec)",
                    file=raw,
                )
            found.append((path, spec))
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
                    f"no exercise here: neither {SPEC_FILE}, nor {STUDENTS_DIR}/ and {KEY_DIR}/ folders, "
                    f"nor student folders with a {SPEC_FILE}",
                    file=raw,
                )
            found += [(folder / SHEET_FILE, folder / SPEC_FILE) for folder in folders]
        else:
            raise GraphEngineError("no such file or folder", file=raw)
    return found
