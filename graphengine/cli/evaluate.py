"""``graphengine predict`` and ``graphengine evaluate``: a trained network on a data file."""

from __future__ import annotations

import click

from .._util.numfmt import table_number
from ..errors import GraphEngineError
from .helpformat import Command
from .options import json_option, load_network, plugin_option, precision_option, spec_argument
from .output import console, echo_json

data_option = click.option(
    "--data",
    "data_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="CSV file whose rows to use, with the columns (and classes) SPEC's `data` section names "
    "(inline samples: columns named after the inputs and outputs). Default: SPEC's own data.",
)


def _plot_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse a plot file that cannot be drawn (suffix, matplotlib, folder) before any work."""
    if value is not None:
        from .._util.files import check_writable
        from ..views.figure_files import check_plot

        check_plot(value, "--" + (param.name or "plot").replace("_", "-"))
        check_writable(value)
    return value


@click.command(
    "predict",
    short_help="Outputs and predicted classes of SPEC's network, row by row.",
    cls=Command,
    examples=["graphengine predict specs/moons.yaml --data specs/data/moons_test.csv"],
)
@spec_argument
@plugin_option
@data_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    metavar="OUT.csv",
    help="Write the outputs (and predicted classes) as CSV, one row per data row, atomically.",
)
@json_option('Print {"outputs", "rows": [{outputs, predicted}], "classes"}.')
@precision_option(17, 6, "Decimals in the table.")
@click.pass_context
def predict_command(
    ctx: click.Context, spec: str, data_file: str | None, output: str | None, as_json: bool, precision: int
) -> None:
    """Compute SPEC's outputs for every row of a data file (its parameters as written: a
    spec saved by `train -o` predicts with the trained values).

    For softmax_cross_entropy the predicted class is the largest output, for
    binary_cross_entropy each output ≥ 0.5 says yes; labels come from the spec's class
    list (`one_hot`, `targets: {column, positive}`), else the output names. The data
    file needs the input columns only; target columns, if there, are ignored.

    \b
      graphengine predict trained.yaml --data new_rows.csv -o predictions.csv
    """
    from pathlib import Path

    from .._util.files import check_writable, write_atomic
    from ..engine.evaluation import data_for, predict

    if output:
        check_writable(output)
    net = load_network(spec, ctx)
    data = data_for(net, data_file, inputs_only=True)
    if len(data.X) == 0:
        raise GraphEngineError("no rows to predict: give --data FILE (the spec has no data)", file=spec)
    predictions = predict(net, data.X)
    if output:
        write_atomic(Path(output), predictions.to_csv())
    if as_json:
        echo_json(predictions.to_dict())
    elif output:
        click.echo(f"{len(data.X)} prediction(s) written to {output}")
    else:
        from .evaluation_report import predictions_table

        out = console()
        out.print(predictions_table(predictions, lambda x: table_number(x, precision), width=out.width))


@click.command(
    "evaluate",
    short_help="Loss, accuracy, precision/recall and the confusion matrix.",
    cls=Command,
    examples=["graphengine evaluate specs/moons.yaml --data specs/data/moons_test.csv"],
)
@spec_argument
@plugin_option
@data_option
@json_option('Print {"rows", "loss", "accuracy", "confusion": [...]}.')
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    callback=_plot_path,
    help="Draw the confusion matrix into FILE (.svg, .png or .pdf; needs matplotlib).",
)
@click.option(
    "--plot-boundary",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    callback=_plot_path,
    help="For a network with 2 inputs: draw the decision regions with the data into FILE.",
)
@click.pass_context
def evaluate_command(
    ctx: click.Context,
    spec: str,
    data_file: str | None,
    as_json: bool,
    plot: str | None,
    plot_boundary: str | None,
) -> None:
    """Measure SPEC's network on the rows of a data file (default: SPEC's own data, and its
    validation rows separately): the loss, and for classification losses the accuracy (as
    `train` counts it), each class's precision (right / predicted as it) and recall (right /
    rows of it), and the confusion matrix (rows: true class, columns: predicted).

    \b
      graphengine evaluate trained.yaml --data test.csv --plot confusion.png
    """
    from ..engine.evaluation import data_for, evaluate

    net = load_network(spec, ctx)
    if plot_boundary:
        from ..views.evaluation_plots import check_two_inputs

        check_two_inputs(net)
    data = data_for(net, data_file)
    if len(data.X) == 0:
        raise GraphEngineError("no rows to evaluate: give --data FILE (the spec has no data)", file=spec)
    parts = [(data_file or spec, evaluate(net, data.X, data.T))]
    if data_file is None and len(data.X_val):
        parts.append((f"{spec} (validation rows)", evaluate(net, data.X_val, data.T_val)))
    main_part = parts[0][1]
    if plot:
        if not main_part.confusion_matrices:
            raise GraphEngineError(
                f"--plot: loss `{net.plan.loss.name}` does not classify, so there is no confusion matrix"
            )
        from ..views.evaluation_plots import plot_confusion

        rows = data_file or "its training rows"
        plot_confusion(main_part.confusion_matrices, plot, title=f"{net.spec.name or spec} on {rows}")
    if plot_boundary:
        from ..views.evaluation_plots import plot_boundary as draw_boundary

        draw_boundary(net, data.X, data.T, plot_boundary, title=net.spec.name or spec)
    if as_json:
        result = main_part.to_dict()
        if len(parts) > 1:
            result["validation"] = parts[1][1].to_dict()
        echo_json(result)
        return
    from .evaluation_report import confusion_table, per_class_table, summary_line

    out = console()
    for what, evaluation in parts:
        out.print(summary_line(what, evaluation, table_number))
        named = len(evaluation.confusion_matrices) > 1
        for matrix in evaluation.confusion_matrices:
            out.print(per_class_table(matrix, named))
            out.print(confusion_table(matrix, named))
    for path, what in ((plot, "confusion matrix"), (plot_boundary, "decision regions")):
        if path:
            out.print(f"{what} written to {path}")
