"""What the commands print: the rich console, tables, the training progress bar, strict JSON,
and the exit statuses. Only the CLI prints; library code raises."""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

    from ..engine.network import Network
    from ..engine.trace import Trace
    from .fitted_table import FittedTable

EXIT_OK, EXIT_WRONG, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130

# The status when the reader of stdout goes away (`check … | head` keeps the verdict).
broken_pipe_status = [EXIT_OK]


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def to_json(data: Any) -> str:
    """Strict JSON: a NaN or infinite number (a diverged loss, say) becomes null."""
    return json.dumps(_finite(data), allow_nan=False)


def echo_json(data: Any) -> None:
    """Print ``data`` as one line of strict JSON (what every ``--json`` prints)."""
    click.echo(to_json(data))


def console(stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr) that ends quietly when the reader goes away."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output keeps full numbers instead of rich's 80-column default, unless COLUMNS
    # says how wide the reader is (rich reads it then).
    columns = os.environ.get("COLUMNS", "")
    rich_console = Console(stderr=stderr, highlight=False, width=None if stream.isatty() or columns.isdigit() else 200)

    def reader_left() -> None:  # rich would exit with status 1; main() ends quietly with 0
        rich_console.quiet = True
        raise BrokenPipeError

    rich_console.on_broken_pipe = reader_left  # type: ignore[method-assign]
    return rich_console


# Text rich prints as it is on a pipe: printable ASCII without markup (`[`) or escapes (`\\`),
# and the arrow (every character one cell wide), with no two colons around a word (`:smile:`).
_PLAIN_TEXT = re.compile(r"[ -Z\]-~→]*")
_EMOJI_CODE = re.compile(r":\S*:")
# What makes rich style or re-wrap piped output (the console's width is 200 there).
_RICH_ENVIRONMENT = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "JUPYTER_COLUMNS")
_PLAIN_WIDTH = 200
_BOLD = re.compile(r"\[bold\]([^\[\]]*)\[/bold\]")


def print_lines(lines: Sequence[str]) -> None:
    """Print lines of rich markup (``[bold]`` … ``[/bold]`` at most) on stdout as :func:`console`
    prints them. On a pipe, lines rich would print unchanged (no other markup, no styles, no
    wrapping) are written directly: importing rich and building its console costs more than
    the rest of a small ``train``."""
    plain = [_BOLD.sub(r"\1", line) for line in lines]
    if (
        sys.stdout.isatty()
        or any(name in os.environ for name in _RICH_ENVIRONMENT)
        or not all(
            len(line) < _PLAIN_WIDTH and _PLAIN_TEXT.fullmatch(line) and not _EMOJI_CODE.search(line) for line in plain
        )
    ):
        out = console()
        for line in lines:
            out.print(line)
        return
    sys.stdout.write("".join(line + "\n" for line in plain))


def table(
    title: str,
    columns: Sequence[str],
    left: Sequence[str] = (),
    optional: Sequence[str] = (),
    described: dict[str, str] | None = None,
    **options: Any,
) -> FittedTable:
    """A rich table titled on the left; columns named in ``left`` are left-aligned, the rest right
    (numbers, never cut); in a narrow terminal the ``optional`` ones are left out, first first
    (``described`` names a column without a header in the note saying so)."""
    from .fitted_table import FittedTable

    result = FittedTable(title=title, optional=optional, described=described)
    for column in columns:
        result.add_column(column, justify="left" if column in left else "right", **options)
    return result


def draw_diagram(net: Network, trace: Trace | None, path: str, quiet: bool = False, **options: Any) -> None:
    """Draw the annotated diagram into ``path`` (``--svg`` of run and train, ``render -o``)."""
    from ..views.diagram.render import render

    render(net, trace, path, **options)
    if not quiet:
        console().print(f"diagram written to {path}")


def progress_bar(
    total: int, enabled: bool
) -> tuple[Callable[[int, float, dict[str, float]], None] | None, Callable[[], None]]:
    """A rich progress bar (epoch, loss, accuracy, ETA) on a terminal; nothing otherwise."""
    if not enabled or total == 0:
        return None, lambda: None
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("epoch {task.completed}/{task.total}"),
        BarColumn(),
        TextColumn("loss {task.fields[loss]}{task.fields[metrics]}, ETA"),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=True,
    )
    task = progress.add_task("train", total=total, loss="…", metrics="")
    progress.start()
    last = [0.0]

    def update(epoch: int, loss: float, metrics: dict[str, float]) -> None:
        now = time.monotonic()
        if now - last[0] < 0.05 and epoch < total:  # a redraw costs more than a small epoch
            return
        last[0] = now
        shown = "".join(
            f", {key.replace('_', ' ')} {value:.1%}" for key, value in metrics.items() if key.endswith("accuracy")
        )
        progress.update(task, completed=epoch, loss=f"{loss:.6g}", metrics=shown)

    return update, progress.stop
