"""grade's machine-readable outputs: the ``--json`` document and the ``--csv`` rows.

``to_json`` keeps every mark's ``because_of``, ``note`` and the marks earned; ``to_csv`` is one row
per student and quantity with the notes. The gradebook CSV for an LMS is
:func:`graphengine.teach.exercise.handback.gradebook_csv`.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

from .marks import Sheet


def class_slips(sheets: list[Sheet]) -> list[tuple[str, int, int]]:
    """(slip, answers, students) for every slip the class made, most frequent first."""
    answers: Counter[str] = Counter()
    students: Counter[str] = Counter()
    for s in sheets:
        slips = s.slips()
        answers.update(slips)
        students.update(slips.keys())
    return sorted(((k, answers[k], students[k]) for k in answers), key=lambda r: (-r[2], -r[1], r[0]))


def to_json(sheets: list[Sheet]) -> dict[str, Any]:
    """The shape of ``graphengine grade --json`` (``class_slips``: the real slips, most students
    first, one example each and the step to revisit)."""
    from .handback import real_slips

    slips = class_slips(sheets)
    return {
        "sheets": [s.to_dict() for s in sheets],
        "slips": [{"slip": k, "answers": a, "students": n} for k, a, n in slips],
        "most_common": slips[0][0] if slips else None,
        "class_slips": real_slips(sheets),
    }


def to_csv(sheets: list[Sheet]) -> str:
    """One row per student and quantity: student, sheet, letter, quantity, written, exact, right, reason,
    because_of (space-separated root mistakes of a `carried` value), note."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["student", "sheet", "letter", "quantity", "written", "exact", "right", "reason", "because_of", "note"]
    writer.writerow(header)
    for s in sheets:
        if s.error:
            writer.writerow([s.student, s.path, "", "", "", "", "", f"error: {s.error}", "", ""])
        for m in s.marks:
            exact = "" if m.exact is None else repr(m.exact)
            row = [s.student, s.path, m.letter, m.quantity, m.written or "", exact, int(m.right), m.reason]
            writer.writerow([*row, " ".join(m.because_of), m.note])
    return out.getvalue()
