"""The human report of ``graphengine check``: a table of verdicts and a one-line summary."""

from __future__ import annotations

from typing import Any

from .check import Verdict


def verdict_table(verdicts: list[Verdict], title: str) -> Any:
    """A rich table: mark, quantity as written, written result, exact value, the note in words."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("")
    table.add_column("quantity", overflow="fold")
    table.add_column("written", justify="right", no_wrap=True)
    table.add_column("exact", justify="right", no_wrap=True)
    table.add_column("note", ratio=1, overflow="fold")
    for v in verdicts:
        if v.right:
            mark = "[green]✓[/green]"
        elif v.mistake:
            mark = "[red]✗[/red]"
        else:
            mark = "[yellow]≈[/yellow]"  # rounding only
        shown = v.written.shown
        decimals = max(len(shown.split(".")[-1]) if "." in shown else 0, 3) + 3
        note = f"{v.reason}: {v.note}" if not v.right and v.reason not in ("rounding", "carried") else v.note
        table.add_row(mark, escape(v.name), escape(shown), f"{v.exact:.{decimals}f}", escape(note))
    return table


def summary(verdicts: list[Verdict]) -> str:
    """``15 checked: 13 right, 1 rounding (carry more digits), 1 mistake``."""
    right = sum(1 for v in verdicts if v.right)
    rounding = sum(1 for v in verdicts if not v.right and not v.mistake)
    carried = sum(1 for v in verdicts if v.reason == "carried" and not v.right)
    mistakes = sum(1 for v in verdicts if v.mistake) - carried
    lucky = sum(1 for v in verdicts if v.right and v.note)
    parts = [
        f"{right} right" + (f" ({lucky} of them not what your own written values give: see the notes)" if lucky else "")
    ]
    if rounding:
        parts.append(f"{rounding} rounding (carry more digits)")
    if mistakes:
        parts.append(f"{mistakes} mistake{'s' if mistakes != 1 else ''}")
    if carried:
        parts.append(f"{carried} carried from {'them' if mistakes != 1 else 'it'}")
    return f"{len(verdicts)} checked: " + ", ".join(parts)
