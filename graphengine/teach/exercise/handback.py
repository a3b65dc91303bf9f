"""What grade hands back: the class's real slips with the step to revisit, one Markdown feedback
file per student, and a gradebook CSV for Moodle or Canvas.

* :func:`real_slips` ranks the slips a class made by the number of students (``rounding``,
  ``carried``, ``unanswered`` and ``unreadable`` are not slips), each with one example and the
  step of the derivation to revisit (:data:`STEPS`).
* :func:`feedback` is one student's Markdown: the wrong lines, why, and the exact value.
* :func:`gradebook_csv` writes the marks earned for an LMS's CSV grade import. ``moodle``:
  Moodle's "Import grades from CSV" maps columns by hand, so the header is ``ID number``,
  ``Full name``, the grade item and ``Feedback`` (map ``ID number`` to the user's ID number and
  the item to a grade item). ``canvas``: the columns of a Canvas gradebook export, which its
  import reads back — ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, then
  one column per assignment; a ``Points Possible`` row follows the header. The student's
  folder name goes in ``SIS Login ID`` (Canvas matches on ``ID`` or the SIS columns; fill
  ``ID`` from an export of the course when the logins differ).

Both checked against the LMSs' documentation (Moodle Docs "Grade import": columns mapped by
hand, a feedback column imported with its grade column; the Canvas guides "How do I import
grades in the Gradebook?": a student identifier column, ``SIS Login ID``, ``Section`` and one
column per assignment, the ``Points Possible`` row read-only).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

from .marks import Mark, Sheet

NOT_SLIPS = frozenset({"", "rounding", "carried", "unanswered", "unreadable"})
STEPS = {  # the step of the derivation a quantity's kind belongs to
    "net": "the weighted sum net = Σ w·out + b",
    "out": "the activation out = f(net)",
    "dact": "the activation's derivative f′(net)",
    "dout": "∂E/∂out: the loss derivative, or the sum over the paths to the next layer",
    "dnet": "∂E/∂net = ∂E/∂out · f′(net)",
    "grad": "∂E/∂w = ∂E/∂net · out (averaged over the batch)",
    "updated": "the update w′ = w − η·∂E/∂w",
    "loss": "the loss E",
}


def step_of(quantity: str) -> str:
    head, _, tail = quantity.partition(".")
    if head in ("grad", "updated", "loss"):
        return STEPS[head]
    return STEPS.get(tail, quantity)


def real_slips(sheets: list[Sheet]) -> list[dict[str, Any]]:
    """The class's slips, most students first: code, students, answers, one example, the step to revisit."""
    students: Counter[str] = Counter()
    answers: Counter[str] = Counter()
    example: dict[str, tuple[str, Mark]] = {}
    for s in sheets:
        seen = set()
        for m in s.marks:
            if m.right or m.reason in NOT_SLIPS:
                continue
            answers[m.reason] += 1
            seen.add(m.reason)
            example.setdefault(m.reason, (s.student, m))
        students.update(seen)
    ranked = sorted(answers, key=lambda k: (-students[k], -answers[k], k))
    rows = []
    for code in ranked:
        who, m = example[code]
        rows.append(
            {
                "slip": code,
                "students": students[code],
                "answers": answers[code],
                "example": {"student": who, "quantity": m.quantity, "written": m.written, "note": m.note},
                "revisit": step_of(m.quantity),
            }
        )
    return rows


def feedback(sheet: Sheet) -> str:
    """One student's feedback in Markdown: their wrong lines, why, and the exact value."""
    lines = [f"# {sheet.student}", ""]
    if sheet.error:
        return "\n".join([*lines, f"Your sheet could not be read: {sheet.error}", ""])
    lines.append(f"Marks: {sheet.earned} of {len(sheet.marks)} ({sheet.score:.0%}).")
    lines.append("")
    wrong = [m for m in sheet.marks if not m.right]
    if not wrong:
        return "\n".join([*lines, "Every value is right.", ""])
    lines += ["| blank | you wrote | verdict | why | exact |", "|---|---|---|---|---|"]
    for m in wrong:
        exact = "" if m.exact is None else f"{m.exact:.6g}"
        why = (m.note or "").replace("|", "\\|")
        lines.append(f"| {m.letter or ''} {m.quantity} | {m.written or ''} | {m.reason} | {why} | {exact} |")
    return "\n".join([*lines, ""])


def login(sheet: Sheet) -> str:
    """The student's folder name (``blank.yaml``'s folder), else the sheet file's stem."""
    path = Path(sheet.path)
    return path.parent.name if path.name == "blank.yaml" else path.stem


def gradebook_csv(sheets: list[Sheet], lms: str, assignment: str) -> str:
    """The marks earned, in the CSV an LMS's grade import reads (``moodle`` or ``canvas``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if lms == "moodle":
        writer.writerow(["ID number", "Full name", assignment, "Feedback"])
        for s in sheets:
            mark = "" if s.error else s.earned
            summary = s.error or f"{s.earned} of {len(s.marks)}"
            writer.writerow([login(s), s.student, mark, summary])
    elif lms == "canvas":
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment])
        possible = max((len(s.marks) for s in sheets if not s.error), default=0)
        writer.writerow(["Points Possible", "", "", "", "", possible])
        for s in sheets:
            writer.writerow([s.student, "", "", login(s), "", "" if s.error else s.earned])
    else:
        raise ValueError(f"unknown LMS {lms!r} (moodle or canvas)")
    return out.getvalue()
