"""A rich table that fits the terminal by dropping columns, never by cutting a number.

Rich shrinks a table that is too wide by truncating cells (``0.00…``), which turns a
number into a wrong one and two headers into the same ``∂E/∂…``. :class:`FittedTable`
measures its columns when it is printed: number columns (right-aligned) keep their full
width, text columns (left-aligned) may wrap down to their longest word, and when that is
not enough the columns named ``optional`` are left out in that order, with a caption
saying which. Only when even the required columns do not fit are numbers folded onto
a second line — still whole, never replaced by an ellipsis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text


def _cell_width(cell: Any) -> int:
    text = Text.from_markup(cell) if isinstance(cell, str) else cell
    return max((Text(line).cell_len for line in text.plain.split("\n")), default=0)


def _word_width(cell: Any) -> int:
    text = Text.from_markup(cell) if isinstance(cell, str) else cell
    return max((len(word) for word in text.plain.split()), default=0)


class FittedTable(Table):
    """A :class:`rich.table.Table` whose right-aligned (number) columns are never truncated.

    ``optional`` names the columns that may be left out when the table is too wide, the
    first to go first (``""`` is a column without a header); ``described`` names such a
    column in the caption that says what was left out.
    """

    def __init__(
        self, *args: Any, optional: Sequence[str] = (), described: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("title_justify", "left")
        super().__init__(*args, **kwargs)
        self.optional = list(optional)
        self.described = dict(described or {})

    def _natural(self, column: Any, wrap: bool) -> int:
        cells = [column.header, *column._cells]
        measure = _word_width if wrap and column.justify != "right" else _cell_width
        content = max((measure(c) for c in cells), default=0)
        if column.justify == "right" or not wrap:
            content = max(content, _cell_width(column.header))  # headers stay whole: ∂E/∂out vs ∂E/∂net
        return content + 2  # padding

    def width_needed(self, columns: Sequence[Any], wrap: bool) -> int:
        """Columns' width plus the table's borders, with text wrapped to its longest word when ``wrap``."""
        borders = len(columns) + 1 if self.box else max(len(columns) - 1, 0)
        return sum(self._natural(c, wrap) for c in columns) + borders

    def fitted(self, width: int) -> Table:
        """This table for ``width`` columns: optional columns left out until the rest fits."""
        columns = list(self.columns)
        dropped: list[str] = []
        for name in self.optional:
            if self.width_needed(columns, wrap=True) <= width:
                break
            keep = [c for c in columns if str(c.header) != name]
            if len(keep) < len(columns):
                columns, dropped = keep, dropped + [self.described.get(name, name or "the column without a header")]
        squeezed = self.width_needed(columns, wrap=True) > width
        table = Table(
            title=self.title,
            title_justify=self.title_justify,
            box=self.box,
            show_header=self.show_header,
            caption=self.caption,
            caption_justify="left",
            pad_edge=self.pad_edge,
        )
        for c in columns:
            number = c.justify == "right"
            table.add_column(
                c.header,
                justify=c.justify,
                # A number is never cut: it keeps its width, or folds onto a second line.
                no_wrap=number and not squeezed,
                min_width=self._natural(c, wrap=False) - 2 if number and not squeezed else None,
                overflow="fold",
                ratio=c.ratio,
            )
        rows = zip(*(c._cells for c in columns)) if columns else []
        for row in rows:
            table.add_row(*row)
        if dropped:
            note = f"not shown at {width} columns: {', '.join(dropped)} (--json has every number)"
            table.caption = f"{self.caption}\n{note}" if self.caption else note
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.width_needed(self.columns, wrap=False) <= options.max_width:
            yield from super().__rich_console__(console, options)
        else:
            yield from self.fitted(options.max_width).__rich_console__(console, options)
