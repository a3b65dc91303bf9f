"""Marking filled-in exercise sheets in bulk: per student right, wrong, unanswered and why.

A sheet is a hand file (``blank.yaml`` filled in) next to its ``spec.yaml``. :func:`judge`
is the one place that talks to :mod:`graphengine.teach.check`; everything else here works on
its :class:`Mark` records, so a richer checker needs only that function re-pointed.

    graphengine grade class/               # every student folder in class/
    graphengine grade class/alice/         # one folder: its spec.yaml and filled blank.yaml
    graphengine grade returned/bob.yaml    # one sheet; spec.yaml sits next to it
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ...errors import GraphEngineError, SpecError
from .handout import ANSWERS_FILE, KEY_FILE, SHEET_FILE, find_sheets  # where the files are

UNANSWERED = "unanswered"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # a flat sheet: the C reader (hand.py reads it again)
UNREADABLE = "unreadable"  # a line grade could not read: named, the rest of the sheet graded


@dataclass(frozen=True)
class Mark:
    """One written value judged: right, or wrong with a slip code and a note."""

    quantity: str
    written: str | None  # as written; None when left blank
    exact: float | None
    right: bool
    reason: str = ""  # a slip code (`sign`, `rounding`, …), `unanswered`, or "" when right
    note: str = ""
    own: float | None = None  # what the learner's own written values give, when that differs from exact
    letter: str = ""
    because_of: tuple[str, ...] = ()  # for `carried`: the root mistakes (canonical quantities)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"quantity": self.quantity, "letter": self.letter, "written": self.written}
        data |= {"exact": self.exact, "right": self.right, "reason": self.reason, "note": self.note}
        if self.because_of:
            data["because_of"] = list(self.because_of)
        return data


def judge(net: Any, trace: Any, hand_path: str | Path, text: str | None = None) -> list[Mark]:
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


# ---------------------------------------------------------------------- sheets


@dataclass
class Sheet:
    """One graded sheet."""

    student: str
    path: str
    spec: str
    marks: list[Mark] = field(default_factory=list)
    error: str = ""  # the sheet could not be read (one line); it is then not graded
    problems: list[str] = field(default_factory=list)  # lines not read; the rest is graded
    follow_through: bool = True  # `carried` earns its mark (--no-follow-through: it does not)

    @property
    def right(self) -> int:
        return sum(m.right for m in self.marks)

    @property
    def unanswered(self) -> int:
        return sum(m.reason == UNANSWERED for m in self.marks)

    @property
    def wrong(self) -> int:
        return len(self.marks) - self.right - self.unanswered

    @property
    def earned(self) -> int:
        """Marks earned as an examiner gives them: a right value; a value that follows from the
        learner's own written ones by rounding; with follow-through (the default) a `carried` value,
        the step itself done right on an earlier mistake ("error carried forward")."""
        credited = {"rounding", "carried"} if self.follow_through else {"rounding"}
        return sum(m.right or m.reason in credited for m in self.marks)

    @property
    def score(self) -> float:
        return self.earned / len(self.marks) if self.marks else 0.0

    def slips(self) -> Counter[str]:
        return Counter(m.reason for m in self.marks if not m.right and m.reason != UNANSWERED)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"student": self.student, "sheet": self.path, "spec": self.spec}
        if self.error:
            return data | {"error": self.error}
        data |= {"asked": len(self.marks), "right": self.right, "wrong": self.wrong, "unanswered": self.unanswered}
        if self.problems:
            data["problems"] = self.problems
        return data | {
            "earned": self.earned,
            "score": self.score,
            "slips": dict(sorted(self.slips().items())),
            "marks": [m.to_dict() for m in self.marks],
        }


def _students(folder: Path) -> dict[str, str]:
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


_LETTER = re.compile(r"#\s*\(([a-z]+)\)")


def _read_sheet(path: Path) -> tuple[str, list[tuple[str, int]], int]:
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


def _letters(text: str) -> dict[str, str]:
    """Quantity → the letter its line's comment gives (``h1.net:   # (a)``), in file order."""
    found = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        letter = _LETTER.search(rest)
        if letter and key.strip() and not key.lstrip().startswith("#"):
            found[key.strip()] = letter[1]
    return found


def _answers(folder: Path) -> dict[str, float]:
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


def _answers_text(folder: Path) -> str:
    from ..._util.reading import read_text

    return read_text(folder / ANSWERS_FILE, error=GraphEngineError, what="the exercise's answers")


def grade_sheet(
    sheet: Path, spec: Path, registry: Any = None, student: str | None = None, follow_through: bool = True
) -> Sheet:
    """Judge one filled-in sheet against its spec. An entry left blank is `unanswered`, and so is
    a quantity of the exercise's answers.yaml that the sheet leaves out."""
    from ...engine.network import load

    name = student or (sheet.parent.name if sheet.name == SHEET_FILE else sheet.stem)
    result = Sheet(name, str(sheet), str(spec), follow_through=follow_through)
    try:
        net = load(spec, registry)
        trace = net.trace()
        text, blank, answered = _read_sheet(sheet)
        letter = _letters(text)
        answers = _answers(spec.parent)
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
        answer_letters = _letters(_answers_text(spec.parent)) if answers else {}
        result.marks = [
            replace(m, letter=letter.get(m.quantity) or answer_letters.get(m.quantity, "")) for m in ordered
        ]
    except GraphEngineError as e:
        result.error = str(e)
    return result


def _judge_readable(
    net: Any, trace: Any, sheet: Path, lines: list[str]
) -> tuple[list[Mark], list[tuple[str, str | None, str]]]:
    """Judge the sheet's lines; a line that cannot be read is set aside with its problem and
    the rest judged again, so every problem of a sheet is named and the rest graded."""
    problems: list[tuple[str, str | None, str]] = []
    lines = list(lines)
    for _ in range(len(lines) + 1):
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


def grade(paths: list[str], registry: Any = None, follow_through: bool = True) -> list[Sheet]:
    """Every sheet the paths name, graded, in the order given (class folders sorted)."""
    sheets = []
    names: dict[Path, dict[str, str]] = {}
    for sheet, spec in find_sheets(paths):
        folder = spec.parent
        if folder.parent not in names:
            names[folder.parent] = _students(folder.parent)
        student = names[folder.parent].get(folder.name) if sheet.name == SHEET_FILE else None
        sheets.append(grade_sheet(sheet, spec, registry, student, follow_through))
    return sheets


# ---------------------------------------------------------------------- reports


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


def report(sheets: list[Sheet], console: Any) -> None:
    """The table a teacher reads: one row per student, then the slips the class makes most."""
    from rich.markup import escape as markup
    from rich.table import Table

    from ..._util.escape import terminal

    def escape(text: str) -> str:  # a class key's name is shown as text: no markup, no escape sequences
        return markup(terminal(text))

    table = Table(title="Graded sheets", title_justify="left")
    for col in ("student", "right", "wrong", "blank", "score", "diagnoses"):
        table.add_column(col, justify="right" if col in ("right", "wrong", "blank", "score") else "left")
    for s in sheets:
        if s.error:
            table.add_row(escape(s.student), "", "", "", "", f"[red]not graded[/red]: {escape(s.error)}")
            continue
        diagnoses = ", ".join(
            f"{k} ×{n}" if n > 1 else k for k, n in sorted(s.slips().items(), key=lambda r: (-r[1], r[0]))
        )
        wrong = [f"{m.letter or m.quantity}" for m in s.marks if not m.right and m.reason != UNANSWERED]
        detail = f" ({', '.join(wrong)})" if wrong and len(wrong) <= 6 else ""
        table.add_row(
            escape(s.student),
            str(s.right),
            str(s.wrong),
            str(s.unanswered),
            f"{s.score:.0%}",
            escape(diagnoses + detail),
        )
    console.print(table)
    from .handback import real_slips

    slips = real_slips(sheets)
    graded = sum(1 for s in sheets if not s.error)
    if slips:
        top = ", ".join(
            f"{r['slip']} ({r['students']} of {graded} students, {r['answers']} answer{'' if r['answers'] == 1 else 's'})"
            for r in slips[:5]
        )
        console.print(f"slips, most frequent first: {escape(top)}")
        for r in slips[:5]:
            e = r["example"]
            said = f"  {r['slip']}: e.g. {e['student']}'s {e['quantity']} = {e['written']}; revisit {r['revisit']}"
            console.print(escape(said))
    else:
        console.print(f"no slips: {graded} sheet(s) graded")
