"""Mark simulated classes with `graphengine grade` and compare every verdict with its ground truth.

The classes come from tests/helpers/classroom.py (students with rounding habits, slips and
messy sheets, every blank's truth known); this prints the confusion table (truth × verdict)
and the figures of issue 22's acceptance: the share of blanks with the verdict of their truth,
false alarms, single slips named with their code, two-slip values named as the pair,
placeholder zeros marked right, sheets not graded, and the time `grade` took.

    .venv/bin/python benchmarks/grade_class.py                     # 7 settings × 25 students
    .venv/bin/python benchmarks/grade_class.py --timing 1000       # and one grade of 1 000 sheets, timed
    .venv/bin/python benchmarks/grade_class.py --json              # the figures as JSON
    .venv/bin/python benchmarks/grade_class.py --keep /tmp/classes # keep the class folders
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from helpers.classroom import SETTINGS  # noqa: E402
from helpers.measure_class import grade_folder, grade_timing_cpu, measure, report, simulate_classes  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=25, help="students per setting (default 25)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--settings", nargs="*", choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument(
        "--keep", type=Path, help="make the classes in this folder and keep them (and truths.json, every blank's truth)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--timing", type=int, metavar="N", help="also time one `grade` of N sheets (the classes named again)"
    )
    parser.add_argument("--grade-option", action="append", default=[], help="passed on to `graphengine grade`")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="grade-class-") as scratch:
        root = args.keep or Path(scratch)
        classes = simulate_classes(root, args.students, args.seed, args.settings)
        if args.keep:  # the ground truth beside the classes, one record per blank
            records = [t.to_dict() | {"class": folder.name} for folder, truths in classes for t in truths]
            (root / "truths.json").write_text(json.dumps(records, ensure_ascii=False, indent=0), encoding="utf-8")
        graded = [(grade_folder(folder, *args.grade_option), truths) for folder, truths in classes]
        figures = measure(graded)
        summary = figures.summary()
        if args.timing:
            n, seconds, cpu = grade_timing_cpu([f for f, _ in classes], args.timing, args.students)
            summary["timing"] = {"sheets": n, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2)}
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        report(figures)
        if args.timing:
            print(f"one grade of {n} sheets: {seconds:.1f} s wall, {cpu:.1f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
