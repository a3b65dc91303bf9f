"""The human report of ``graphengine check``: a table of verdicts and a one-line summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..teach.verdict import Verdict

if TYPE_CHECKING:
    from rich.console import Group, RenderableType
    from rich.table import Table

NARROW = 90  # below this many columns the notes go under their rows


def _mark(v: Verdict) -> str:
    if v.right:
        return "[green]✓[/green]"
    return "[red]✗[/red]" if v.mistake else "[yellow]≈[/yellow]"  # ≈: rounding only


def _note(v: Verdict) -> str:
    return f"{v.reason}: {v.note}" if not v.right and v.reason not in ("rounding", "carried", "arithmetic") else v.note


def _exact(v: Verdict) -> str:
    shown = v.written.shown
    decimals = max(len(shown.split(".")[-1]) if "." in shown else 0, 3) + 3
    return f"{v.exact:.{decimals}f}"


def verdict_table(verdicts: list[Verdict], title: str, width: int | None = None) -> Table | Group:
    """A rich table: mark, quantity as written, written result, exact value, the note in words.

    In a terminal narrower than ``NARROW`` columns each note is printed under its row.
    """
    from rich.markup import escape
    from rich.table import Table

    if width is not None and width < NARROW:
        from rich.console import Group
        from rich.padding import Padding
        from rich.text import Text

        grid = Table(title=title, title_justify="left", box=None, show_header=True, pad_edge=False)
        for col, justify in (("", "left"), ("quantity", "left"), ("written", "right"), ("exact", "right")):
            grid.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
        parts: list[RenderableType] = [grid]
        for v in verdicts:
            grid.add_row(_mark(v), escape(v.name), escape(v.written.shown), _exact(v))
            if _note(v):
                parts.append(Padding(Text(f"{v.name} — {_note(v)}"), (0, 0, 0, 2)))
        return Group(*parts)

    table = Table(title=title, title_justify="left")
    table.add_column("")
    table.add_column("quantity", overflow="fold")
    table.add_column("written", justify="right", no_wrap=True)
    table.add_column("exact", justify="right", no_wrap=True)
    table.add_column("note", ratio=1, overflow="fold")
    for v in verdicts:
        table.add_row(_mark(v), escape(v.name), escape(v.written.shown), _exact(v), escape(_note(v)))
    return table


def summary(verdicts: list[Verdict]) -> str:
    """``15 checked: 13 right, 1 rounding (carry more digits), 1 mistake``."""
    right = sum(1 for v in verdicts if v.right)
    cut = sum(1 for v in verdicts if not v.right and v.reason == "truncated")  # audit: cut, not rounded
    rounding = sum(1 for v in verdicts if not v.right and not v.mistake) - cut
    carried = sum(1 for v in verdicts if v.reason == "carried" and not v.right)
    mistakes = sum(1 for v in verdicts if v.mistake) - carried
    lucky = sum(1 for v in verdicts if v.right and v.note)
    parts = [
        f"{right} right" + (f" ({lucky} of them not what your own written values give: see the notes)" if lucky else "")
    ]
    if rounding:
        parts.append(f"{rounding} rounding (carry more digits)")
    if cut:
        parts.append(f"{cut} truncated")
    if mistakes:
        parts.append(f"{mistakes} mistake{'s' if mistakes != 1 else ''}")
    if carried:
        parts.append(f"{carried} carried from {'them' if mistakes != 1 else 'it'}")
    return f"{len(verdicts)} checked: " + ", ".join(parts)
