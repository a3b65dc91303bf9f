"""The human report of ``graphengine audit``: the page's values in a table, then what was
not recognised and what could not be read, each with its line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..teach.audit.audit import MOST_DECIMALS, Audit, verdict_word
from ..teach.audit.names import brief

if TYPE_CHECKING:
    from rich.table import Table


def audit_table(result: Audit, title: str, notes: bool = True) -> Table:
    """A rich table: line, what the page writes, the quantity, exact value, verdict, note
    (without ``notes``, the note column is left out: :func:`notes_below` prints them)."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left", box=box.HEAVY_HEAD if notes else box.SIMPLE_HEAD)
    table.add_column("line", justify="right", no_wrap=True)
    table.add_column("page writes", overflow="fold", min_width=10)
    table.add_column("quantity", overflow="fold")
    table.add_column("exact", justify="right", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    if notes:
        table.add_column("note", ratio=1, overflow="fold", min_width=12)
    for row in result.rows:
        v = row.verdict
        word = verdict_word(v)
        if v.right:
            shown = "[green]✓[/green]"
        elif v.mistake:
            shown = f"[red]✗ {escape(word)}[/red]"
        else:
            shown = f"[yellow]≈ {escape(word)}[/yellow]"
        written = row.number.text
        decimals = min(max(len(written.split(".")[-1]) if "." in written else 0, 3) + 2, MOST_DECIMALS)
        cells = [str(row.line), escape(row.text), escape(v.quantity), f"{v.exact:.{decimals}f}", shown]
        table.add_row(*cells, *([escape(brief(v.note))] if notes else []))
    return table


def notes_below(result: Audit) -> list[str]:
    """The notes as lines, for a terminal too narrow for a note column."""
    return [f"line {r.line} ({r.verdict.quantity}): {brief(r.verdict.note)}" for r in result.rows if r.verdict.note]


#: The most lines of leftovers printed on a terminal (the JSON has them all).
MAX_LEFTOVER_LINES = 200


def leftovers(result: Audit) -> list[str]:
    """One line per value not recognised and per formula that could not be read (at most
    :data:`MAX_LEFTOVER_LINES`, then how many more: a page of 250 000 broken formulas must
    not take minutes to print)."""
    lines = [
        f"line {u.line}: not recognised: {brief(u.text)} ({brief(u.why)})"
        for u in result.unrecognised[:MAX_LEFTOVER_LINES]
    ]
    lines += [
        f"line {line}: cannot read the maths: {message}"
        for line, message in result.problems[: max(0, MAX_LEFTOVER_LINES - len(lines))]
    ]
    more = len(result.unrecognised) + len(result.problems) - len(lines)
    if more > 0:
        lines.append(f"… and {more:,} more (all of them in --json)")
    return lines


def page_summary(result: Audit) -> str:
    """One line per page: numbers recognised, checked, wrong, not recognised (with the reasons)."""
    wrong = sum(1 for r in result.rows if verdict_word(r.verdict) not in ("right", "rounding", "truncated"))
    cut = sum(1 for r in result.rows if verdict_word(r.verdict) == "truncated")
    steps = sum(1 for r in result.rows if r.verdict.quantity == "arithmetic")
    reasons: dict[str, int] = {}
    for u in result.unrecognised:
        why = u.why.split("`: ", 1)[-1] if u.why.startswith("`") and "`: " in u.why else u.why
        reasons[why] = reasons.get(why, 0) + 1
    because = "; ".join(f"{n} {why}" for why, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:3])
    return (
        f"{result.file}: {len(result.rows)} numbers recognised and checked ({steps} as steps of arithmetic), "
        f"{wrong} wrong, "
        + (f"{cut} truncated, " if cut else "")
        + f"{len(result.unrecognised)} not recognised"
        + (f" ({because})" if because else "")
    )
