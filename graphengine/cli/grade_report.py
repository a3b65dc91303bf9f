"""The table ``graphengine grade`` prints for a teacher: one row per student, then the slips the
class makes most (each with one example and the step to revisit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..teach.exercise.marks import UNANSWERED, Sheet

if TYPE_CHECKING:
    from rich.console import Console


def report(sheets: list[Sheet], console: Console) -> None:
    """The table a teacher reads: one row per student, then the slips the class makes most."""
    from rich.markup import escape as markup
    from rich.table import Table

    from .._util.escape import terminal

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
    from ..teach.exercise.handback import real_slips

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
