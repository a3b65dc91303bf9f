"""Marking filled-in exercise sheets in bulk: per student right, wrong, unanswered and why.

:func:`judge` is the one place that talks to :mod:`graphengine.teach.check`; everything else
works on its :class:`~graphengine.teach.exercise.marks.Mark` records, so a richer checker needs
only that function re-pointed. Finding and reading the sheets is
:mod:`graphengine.teach.exercise.sheets`; the JSON and CSV outputs
:mod:`graphengine.teach.exercise.grade_output`; the table a teacher reads is printed by the CLI.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import GraphEngineError
from .marks import UNANSWERED, UNREADABLE, Mark, Sheet
from .sheets import (
    ANSWERS_FILE,
    KEY_FILE,
    SHEET_FILE,
    SPEC_FILE,
    class_key_names,
    find_sheets,
    read_answers,
    read_answers_text,
    read_letters,
    read_sheet,
)

if TYPE_CHECKING:
    from ...engine.network import Network
    from ...engine.trace import Trace
    from ...plugins.registry import Registry

__all__ = ["ANSWERS_FILE", "KEY_FILE", "SHEET_FILE", "SPEC_FILE", "Mark", "Sheet", "grade", "grade_sheet", "judge"]


def judge(net: Network, trace: Trace, hand_path: str | Path, text: str | None = None) -> list[Mark]:
    """Every value of the hand file at ``hand_path`` (or its ``text``) judged against ``trace``:
    the adapter to :func:`graphengine.teach.check.check`, with the quantities' canonical names."""
    from ..check import check, read_hand
    from ..claims import ASKED_DIGITS
    from ..hand import read_hand_text

    marks = []
    hand = read_hand(hand_path) if text is None else read_hand_text(text, str(hand_path))
    verdicts = check(net, trace, hand, ASKED_DIGITS)
    for verdict in verdicts:
        reason = "" if verdict.right else verdict.reason
        own = verdict.recomputed
        roots = tuple(verdict.because_of) if verdict.reason == "carried" else ()
        marks.append(
            Mark(verdict.quantity, verdict.written.text, verdict.exact, verdict.right, reason, verdict.note, own)
        )
        if roots:  # as written → canonical (a sheet's keys are canonical unless misspelt)
            named = {v.name: v.quantity for v in verdicts}
            marks[-1] = replace(marks[-1], because_of=tuple(named.get(r, r) for r in roots))
    return marks


def grade_sheet(
    sheet: Path, spec: Path, registry: Registry | None = None, student: str | None = None, follow_through: bool = True
) -> Sheet:
    """Judge one filled-in sheet against its spec. An entry left blank is `unanswered`, and so is
    a quantity of the exercise's answers.yaml that the sheet leaves out."""
    from ...engine.network import load

    name = student or (sheet.parent.name if sheet.name == SHEET_FILE else sheet.stem)
    result = Sheet(name, str(sheet), str(spec), follow_through=follow_through)
    try:
        net = load(spec, registry)
        trace = net.trace()
        text, blank, answered = read_sheet(sheet)
        letter = read_letters(text)
        answers = read_answers(spec.parent)
        marks: dict[str, Mark] = {}
        for q, _ in blank:
            marks[q] = Mark(q, None, answers.get(q), False, UNANSWERED, "left blank")
        if answered:
            lines = text.splitlines()
            for _, line in blank:
                lines[line] = "# " + lines[line]  # commented out: line numbers in messages stay right
            judged, problems = _judge_readable(net, trace, sheet, lines)
            for q, unreadable, message in problems:
                marks[q] = Mark(q, unreadable, answers.get(q), False, UNREADABLE, message)
            result.problems = [message for _, _, message in problems]
            marks |= {m.quantity: m for m in judged}
        for q, exact in answers.items():
            marks.setdefault(q, Mark(q, None, exact, False, UNANSWERED, "not on the sheet"))
        rank = {q: i for i, q in enumerate(answers)}
        ordered = sorted(marks.values(), key=lambda m: rank.get(m.quantity, len(rank)))
        answer_letters = read_letters(read_answers_text(spec.parent)) if answers else {}
        result.marks = [
            replace(m, letter=letter.get(m.quantity) or answer_letters.get(m.quantity, "")) for m in ordered
        ]
    except GraphEngineError as e:
        result.error = str(e)
    return result


def _judge_readable(
    net: Network, trace: Trace, sheet: Path, lines: list[str]
) -> tuple[list[Mark], list[tuple[str, str | None, str]]]:
    """Judge the sheet's lines; a line that cannot be read is set aside with its problem and
    the rest judged again, so every problem of a sheet is named and the rest graded."""
    problems: list[tuple[str, str | None, str]] = []
    lines = list(lines)
    for _ in range(len(lines) + 1):
        if problems and not any(line.strip() and not line.lstrip().startswith("#") for line in lines):
            return [], problems  # every answer was set aside: the sheet is not empty, its lines are unreadable
        try:
            return judge(net, trace, sheet, "\n".join(lines) + "\n"), problems
        except GraphEngineError as e:
            e.file = str(sheet)
            at = (e.line or 0) - 1
            if not 0 <= at < len(lines) or lines[at].lstrip().startswith("#"):
                raise
            key, _, text = lines[at].partition(":")
            quantity = str(e.path[0]) if e.path else key.strip()
            problems.append((quantity, text.split("#")[0].strip() or None, str(e)))
            lines[at] = "# " + lines[at]
    raise GraphEngineError("too many unreadable lines", file=str(sheet))  # pragma: no cover


def grade(paths: list[str], registry: Registry | None = None, follow_through: bool = True) -> list[Sheet]:
    """Every sheet the paths name, graded, in the order given (class folders sorted)."""
    sheets = []
    names: dict[Path, dict[str, str]] = {}
    for sheet, spec in find_sheets(paths):
        folder = spec.parent
        if folder.parent not in names:
            names[folder.parent] = class_key_names(folder.parent)
        student = names[folder.parent].get(folder.name) if sheet.name == SHEET_FILE else None
        sheets.append(grade_sheet(sheet, spec, registry, student, follow_through))
    return sheets
