"""Rich tables of ``predict`` and ``evaluate`` (the CLI prints them; number formatting is the CLI's)."""

from __future__ import annotations

from collections.abc import Callable

from rich.markup import escape
from rich.table import Table

from ..engine.evaluation import ConfusionMatrix, Evaluation, Predictions

Format = Callable[[float], str]


def predictions_table(predictions: Predictions, number: Format, max_rows: int = 20, width: int = 200) -> Table:
    """The first ``max_rows`` rows: outputs, then the predicted class (when the loss classifies).

    Outputs that do not fit ``width`` columns are left out (numbers are never cut), and
    the title says so; ``-o`` and ``--json`` have them all.
    """
    rows = len(predictions.outputs)
    shown = min(rows, max_rows)
    Y = predictions.outputs[:shown]
    predicted = [predictions.predicted(k)[:shown] for k in range(len(predictions.decisions))]
    names = predictions.columns()[len(predictions.output_names) :]
    # Room for the row number and the predicted labels first, then as many outputs as fit.
    room = width - 8 - sum(max(len(n), *(len(label) for label in labels)) + 3 for n, labels in zip(names, predicted))
    kept = 0
    for k, name in enumerate(predictions.output_names):
        need = max(len(name), *(len(number(v)) for v in Y[:, k].tolist())) + 3
        if need > room:
            break
        room, kept = room - need, kept + 1
    notes = []
    if shown < rows:
        notes.append(f"the first {shown} shown")
    if kept < len(predictions.output_names):
        notes.append(f"{kept} of {len(predictions.output_names)} outputs fit")
    title = f"Predictions ({rows} row(s)" + (f"; {', '.join(notes)}; -o FILE or --json for all)" if notes else ")")
    table = Table(title=title, title_justify="left")
    table.add_column("row", justify="right")
    for name in predictions.output_names[:kept]:
        table.add_column(escape(name), justify="right")
    for name in names:
        table.add_column(escape(name), justify="left")
    for r in range(shown):
        cells = [number(v) for v in Y[r, :kept].tolist()] + [escape(labels[r]) for labels in predicted]
        table.add_row(str(r), *cells)
    return table


def summary_line(what: str, evaluation: Evaluation, number: Format) -> str:
    """``test.csv: 360 rows, loss 0.0412, accuracy 98.61% (355 right)``."""
    line = f"[bold]{escape(what)}[/bold]: {evaluation.rows} row(s), loss {number(evaluation.loss)}"
    if evaluation.accuracy is not None:
        line += f", accuracy [bold]{evaluation.accuracy:.2%}[/bold]"
    return line


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def per_class_table(matrix: ConfusionMatrix, named: bool = False) -> Table:
    """Per class: rows of that class, precision (right / predicted as it), recall (right / rows of it).
    ``named``: say which output's classes (when there are several binary outputs)."""
    title = f"Per class of {escape(matrix.name)}" if named else "Per class"
    table = Table(title=title, title_justify="left")
    for col in ("class", "rows", "precision", "recall"):
        table.add_column(col, justify="left" if col == "class" else "right")
    for label, n, p, r in zip(matrix.labels, matrix.support, matrix.precision, matrix.recall):
        table.add_row(escape(label), str(n), _share(p), _share(r))
    return table


def confusion_table(matrix: ConfusionMatrix, named: bool = False) -> Table:
    """Rows: the true class; columns: the predicted class; the diagonal (right) in bold."""
    title = "Confusion matrix" + (f" of {escape(matrix.name)}" if named else "")
    table = Table(title=title, title_justify="left")
    table.add_column("true \\ pred", justify="left")
    for label in matrix.labels:
        table.add_column(escape(label), justify="right")
    for i, label in enumerate(matrix.labels):
        cells = [
            (f"[bold]{n}[/bold]" if i == j else ("[dim]0[/dim]" if n == 0 else f"[red]{n}[/red]"))
            for j, n in enumerate(matrix.matrix[i].tolist())
        ]
        table.add_row(escape(label), *cells)
    return table
