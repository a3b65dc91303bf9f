"""Finding and reading what grade marks: the sheets a path names, the class key's student names,
a sheet's blank and answered lines, the worksheet letters, and the exercise's exact answers.

Where the files are (``students/NAME/blank.yaml`` beside ``key/NAME/spec.yaml``, or the flat
layout) is :mod:`.handout`'s; :func:`find_sheets` is re-exported from there::

    graphengine grade class/               # every student of the class
    graphengine grade class/students/ana/  # one student: the sheet, and its spec in class/key/ana/
    graphengine grade returned/bob.yaml    # one sheet; spec.yaml sits next to it
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import yaml

from ...errors import GraphEngineError, SpecError
from .handout import ANSWERS_FILE, KEY_FILE, SHEET_FILE, SPEC_FILE, find_sheets

__all__ = [
    "ANSWERS_FILE",
    "KEY_FILE",
    "SHEET_FILE",
    "SPEC_FILE",
    "class_key_names",
    "find_sheets",
    "read_answers",
    "read_answers_text",
    "read_letters",
    "read_sheet",
]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # a flat sheet: the C reader (hand.py reads it again)


def class_key_names(folder: Path) -> dict[str, str]:
    """Folder name → student name, from the class key next to the student folders."""
    from ..._util.reading import read_text

    key = folder / KEY_FILE
    if not key.exists() and not key.is_symlink():
        return {}
    text = read_text(key, error=GraphEngineError, what="the class key", bom=True)
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows, [])
        names = {}
        for row in rows:
            cells = dict(zip(header, row))
            if cells.get("folder") and cells.get("student"):
                names[cells["folder"]] = cells["student"]
    except csv.Error as e:  # a cell past csv's field limit (128 KiB), a NUL byte
        raise GraphEngineError(f"not a class key: {e}", file=str(key), line=rows.line_num) from None
    return names


LETTER = re.compile(r"#\s*\(([a-z]+)\)")


def read_sheet(path: Path) -> tuple[str, list[tuple[str, int]], int]:
    """The sheet's text, its (quantity, line) entries left blank, and how many it answers."""
    from ..._util.reading import read_text

    text = read_text(path, error=SpecError, what="the filled-in sheet")
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except (yaml.YAMLError, RecursionError):
        return text, [], 1  # check's reader names the problem and its line
    if not isinstance(root, yaml.MappingNode):
        return text, [], 1
    blank, answered = [], 0
    for key, value in root.value:
        empty = isinstance(value, yaml.ScalarNode) and value.value == "" and value.tag.endswith(":null")
        if isinstance(key, yaml.ScalarNode) and empty and key.start_mark.line == value.end_mark.line:
            blank.append((str(key.value), key.start_mark.line))
        elif getattr(key, "value", None) != "sample":
            answered += 1
    return text, blank, answered


def read_letters(text: str) -> dict[str, str]:
    """Quantity → the letter its line's comment gives (``h1.net:   # (a)``), in file order."""
    found = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        letter = LETTER.search(rest)
        if letter and key.strip() and not key.lstrip().startswith("#"):
            found[key.strip()] = letter[1]
    return found


def read_answers(folder: Path) -> dict[str, float]:
    """The exercise's exact answers (answers.yaml), in worksheet order; {} when it is not there."""
    from ..._util.reading import read_text

    path = folder / ANSWERS_FILE
    if not path.exists() and not path.is_symlink():
        return {}
    text = read_text(path, error=GraphEngineError, what="the exercise's answers")
    try:
        data = yaml.load(text, Loader=_LOADER)
        return {str(k): float(v) for k, v in data.items() if k != "sample"}
    except (yaml.YAMLError, RecursionError, AttributeError, TypeError, ValueError):
        raise GraphEngineError(
            "not the exercise's answer file (one `quantity: number` per line, as `exercise` writes it)", file=str(path)
        ) from None


def read_answers_text(folder: Path) -> str:
    from ..._util.reading import read_text

    return read_text(folder / ANSWERS_FILE, error=GraphEngineError, what="the exercise's answers")
