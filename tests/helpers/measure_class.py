"""How well ``graphengine grade`` marks a simulated class: every verdict against its ground truth.

:func:`simulate_classes` makes the classes (:mod:`helpers.classroom`), :func:`grade_folder` runs
``graphengine grade --json`` on each (a subprocess, timed), :func:`measure` compares, and
:func:`report` prints the confusion table (truth × verdict) and the figures of issue 22's
acceptance. ``benchmarks/grade_class.py`` is the command line.

A mark's verdict is its ``reason`` (``right`` when it has none); a pair of slips is a
``reason`` joined by ``+`` (``uphill+learning-rate``) or a ``codes`` list of two; a
placeholder zero matches any verdict of :data:`PLACEHOLDER_VERDICTS`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .classroom import CODES, FORMS, SETTINGS, Truth, make_class

PLACEHOLDER_VERDICTS = {"placeholder", "arithmetic", "mistake", "wrong", "unworked"}
NOT_GRADED, MISSING = "not graded", "missing"


@dataclass
class Graded:
    """One class folder graded: the JSON of ``grade --json``, its exit status and seconds."""

    folder: Path
    data: dict[str, Any]
    status: int
    seconds: float
    stderr: str = ""


def simulate_classes(
    root: Path, students: int, seed: int, settings: list[str] | None = None
) -> list[tuple[Path, list[Truth]]]:
    return [make_class(s, students, seed, root) for s in settings or list(SETTINGS)]


def grade_folder(folder: Path, *extra: str) -> Graded:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "graphengine", "grade", "--json", *extra, str(folder)],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    data = json.loads(done.stdout) if done.stdout.strip() else {"sheets": []}
    return Graded(folder, data, done.returncode, seconds, done.stderr)


def verdict_of(mark: dict[str, Any]) -> str | tuple[str, ...]:
    codes = mark.get("codes")
    if isinstance(codes, list) and len(codes) >= 2:
        return tuple(sorted(codes))
    reason = str(mark.get("reason") or "")
    if "+" in reason:
        return tuple(sorted(reason.split("+")))
    return reason or ("right" if mark.get("right") else "wrong")


def matches(truth: str | tuple[str, ...], verdict: str | tuple[str, ...]) -> bool:
    if isinstance(truth, tuple):
        return isinstance(verdict, tuple) and sorted(truth) == sorted(verdict)
    if truth == "placeholder":
        return verdict in PLACEHOLDER_VERDICTS
    return truth == verdict


def truth_row(truth: str | tuple[str, ...]) -> str:
    if isinstance(truth, tuple):
        return "pair"
    return "slip (a code)" if truth in CODES else truth


def verdict_column(truth: str | tuple[str, ...], verdict: str | tuple[str, ...]) -> str:
    if isinstance(verdict, tuple):
        return "its pair" if matches(truth, verdict) else "a pair"
    if verdict in CODES:
        return "its code" if verdict == truth or (isinstance(truth, tuple) and verdict in truth) else "other code"
    return verdict


@dataclass
class Row:
    truth: Truth
    verdict: str | tuple[str, ...]
    mark: dict[str, Any] | None
    setting: str
    graded_sheet: bool


@dataclass
class Figures:
    rows: list[Row] = field(default_factory=list)
    sheets: int = 0
    not_graded: list[str] = field(default_factory=list)
    seconds: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)  # folder → score
    clean_sheets: set[str] = field(default_factory=set)  # sheets without any event

    def count(self, pick: Any) -> tuple[int, int]:
        chosen = [r for r in self.rows if pick(r.truth.truth)]
        return sum(matches(r.truth.truth, r.verdict) for r in chosen), len(chosen)

    def summary(self) -> dict[str, Any]:
        rows = self.rows
        matched = sum(matches(r.truth.truth, r.verdict) for r in rows)
        false_alarms = [
            r for r in rows if r.truth.truth in ("right", "rounding") and r.verdict not in ("right", "rounding")
        ]
        right_called_rounding = sum(r.truth.truth == "right" and r.verdict == "rounding" for r in rows)
        placeholders = [r for r in rows if r.truth.truth == "placeholder"]
        forms: dict[str, list[int]] = {}
        for form in FORMS:
            chosen = [r for r in rows if r.truth.form == form]
            forms[form] = [sum(matches(r.truth.truth, r.verdict) for r in chosen), len(chosen)]
        because = [r for r in rows if r.truth.truth == "carried" and r.verdict == "carried" and r.mark]
        because_ok = sum(sorted(r.mark.get("because_of") or []) == sorted(r.truth.because_of) for r in because)  # type: ignore[union-attr]
        exact_off = sum(
            1
            for r in rows
            if r.mark
            and r.mark.get("exact") is not None
            and abs(r.mark["exact"] - r.truth.exact) > 1e-9 * max(1.0, abs(r.truth.exact))
        )
        clean = [self.scores[f] for f in self.clean_sheets if f in self.scores]
        return {
            "sheets": self.sheets,
            "blanks": len(rows),
            "matched": matched,
            "matched_share": matched / len(rows) if rows else 0.0,
            "false_alarms": len(false_alarms),
            "right_called_rounding": right_called_rounding,
            "single_slips_named": list(self.count(lambda t: isinstance(t, str) and t in CODES)),
            "pairs_named": list(self.count(lambda t: isinstance(t, tuple))),
            "misplaced_named": list(self.count(lambda t: t == "misplaced")),
            "carried_named": list(self.count(lambda t: t == "carried")),
            "rounding_named": list(self.count(lambda t: t == "rounding")),
            "unanswered_named": list(self.count(lambda t: t == "unanswered")),
            "placeholders_marked_right": [sum(r.verdict == "right" for r in placeholders), len(placeholders)],
            "forms_judged": forms,
            "because_of_right": [because_ok, len(because)],
            "not_graded": [len(self.not_graded), self.sheets],
            "grade_seconds": round(self.seconds, 3),
            "exact_disagreements": exact_off,
            "clean_sheet_scores": [min(clean), sum(clean) / len(clean)] if clean else [],
        }

    def confusion(self) -> tuple[list[str], list[str], Counter[tuple[str, str]]]:
        table: Counter[tuple[str, str]] = Counter()
        for r in self.rows:
            table[truth_row(r.truth.truth), verdict_column(r.truth.truth, r.verdict)] += 1
        order = ["right", "rounding", "carried", "unanswered", "placeholder", "misplaced", "slip (a code)", "pair"]
        truths = [t for t in order if any(k[0] == t for k in table)]
        first = ["right", "rounding", "carried", "unanswered", "its code", "its pair", "misplaced", "placeholder"]
        seen = {k[1] for k in table}
        verdicts = [v for v in first if v in seen] + sorted(seen - set(first))
        return truths, verdicts, table


def measure(graded: list[tuple[Graded, list[Truth]]]) -> Figures:
    """Every truth matched to its mark (by student folder and quantity)."""
    figures = Figures()
    for g, truths in graded:
        setting = g.folder.name.rsplit("-", 1)[0]
        marks: dict[tuple[str, str], dict[str, Any]] = {}
        sheets: dict[str, dict[str, Any]] = {}
        for sheet in g.data.get("sheets", []):
            folder = Path(sheet["sheet"]).parent.name
            sheets[folder] = sheet
            for m in sheet.get("marks", []):
                marks[folder, m["quantity"]] = m
            if "score" in sheet:
                figures.scores[f"{setting}/{folder}"] = sheet["score"]
        folders = dict.fromkeys(t.folder for t in truths)
        figures.sheets += len(folders)
        for folder in folders:
            if folder not in sheets or sheets[folder].get("error"):
                figures.not_graded.append(
                    f"{setting}/{folder}: {sheets.get(folder, {}).get('error', 'not in the output')}"
                )
        events: dict[str, bool] = {}
        for t in truths:
            events[t.folder] = (
                events.get(t.folder, False) or t.truth not in ("right", "rounding", "carried") or bool(t.form)
            )
            sheet = sheets.get(t.folder)
            mark = marks.get((t.folder, t.key))
            if sheet is None or sheet.get("error"):
                verdict: str | tuple[str, ...] = NOT_GRADED
            elif mark is None:
                verdict = MISSING
            else:
                verdict = verdict_of(mark)
            figures.rows.append(Row(t, verdict, mark, setting, verdict != NOT_GRADED))
        figures.clean_sheets |= {f"{setting}/{f}" for f, e in events.items() if not e}
        figures.seconds += g.seconds
    return figures


def report(figures: Figures, out: Any = sys.stdout) -> None:
    truths, verdicts, table = figures.confusion()
    width = max(len(v) for v in verdicts) + 1
    corner = "truth \\ verdict"
    head = f"{corner:<16}" + "".join(f"{v:>{max(width, 8)}}" for v in verdicts) + f"{'total':>8}"
    print(head, file=out)
    for t in truths:
        cells = "".join(f"{table[t, v] or '.':>{max(width, 8)}}" for v in verdicts)
        print(f"{t:<16}{cells}{sum(table[t, v] for v in verdicts):>8}", file=out)
    s = figures.summary()
    print(file=out)
    print(f"sheets {s['sheets']}, blanks {s['blanks']}", file=out)
    print(f"blanks with the verdict of their truth: {s['matched']} ({s['matched_share']:.1%})", file=out)
    print(f"false alarms (right or rounding marked a slip): {s['false_alarms']}", file=out)
    print(f"right values called rounding: {s['right_called_rounding']}", file=out)
    for name in (
        "single_slips_named",
        "pairs_named",
        "misplaced_named",
        "carried_named",
        "rounding_named",
        "unanswered_named",
    ):
        got, of = s[name]
        print(f"{name.replace('_', ' ')}: {got} of {of}", file=out)
    got, of = s["placeholders_marked_right"]
    print(f"placeholder zeros marked right: {got} of {of}", file=out)
    print(
        "messy values judged as their truth: " + ", ".join(f"{k} {a}/{b}" for k, (a, b) in s["forms_judged"].items()),
        file=out,
    )
    got, of = s["because_of_right"]
    print(f"carried with the right because_of: {got} of {of}", file=out)
    print(f"sheets not graded: {s['not_graded'][0]} of {s['not_graded'][1]}", file=out)
    for line in figures.not_graded[:12]:
        print(f"  {line[:150]}", file=out)
    if s["clean_sheet_scores"]:
        low, mean = s["clean_sheet_scores"]
        print(f"sheets without any slip: score min {low:.0%}, mean {mean:.0%}", file=out)
    print(f"grade time: {s['grade_seconds']:.2f} s for {s['sheets']} sheets", file=out)
    print(f"exact values disagreeing with the simulator's: {s['exact_disagreements']}", file=out)
    slips = Counter(
        (r.truth.truth if isinstance(r.truth.truth, str) else "+".join(r.truth.truth), str(r.verdict))
        for r in figures.rows
        if r.truth.truth in CODES or isinstance(r.truth.truth, tuple)
    )
    print("\nslips (truth → verdict: count):", file=out)
    for (t, v), n in sorted(slips.items()):
        print(f"  {t:<28} → {v:<28} {n}", file=out)


def grade_timing(folders: list[Path], sheets: int, per_folder: int, timeout: float | None = None) -> tuple[int, float]:
    """Seconds for one `graphengine grade --json` of at least ``sheets`` sheets: the class
    folders named again and again (``per_folder`` sheets each), the process's start included."""
    n, wall, _ = grade_timing_cpu(folders, sheets, per_folder, timeout)
    return n, wall


def grade_timing_cpu(
    folders: list[Path], sheets: int, per_folder: int, timeout: float | None = None
) -> tuple[int, float, float]:
    """(sheets, wall seconds, CPU seconds of the grade process): on a machine shared with other
    work the wall time is stretched by their load, the CPU time is what grading costs."""
    import resource

    repeat = -(-sheets // (per_folder * len(folders)))
    paths = [str(f) for f in folders] * repeat
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "graphengine", "grade", "--json", *paths],
        capture_output=True,
        timeout=timeout,
        check=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return per_folder * len(paths), wall, cpu
