"""``graphengine train SPEC``: gradient descent for many epochs; the loss (and accuracy)."""

from __future__ import annotations

import sys

import click

from .._util.numfmt import table_number
from ..spec.limits import MAX_EPOCHS
from .helpformat import Command
from .options import (
    OUTPUT_PATH,
    json_option,
    load_network,
    lr_option,
    output_option,
    plugin_option,
    spec_argument,
    svg_option,
)
from .output import EXIT_INTERRUPTED, draw_diagram, echo_json, print_lines, progress_bar


@click.command(
    short_help="Train SPEC by gradient descent; report the loss (and accuracy).",
    cls=Command,
    examples=[
        "graphengine train specs/xor.yaml --epochs 2000 -o xor_trained.yaml",
        "graphengine train specs/moons.yaml --epochs 50 --json",
    ],
)
@spec_argument
@plugin_option
@click.option(
    "--epochs",
    type=click.IntRange(0, MAX_EPOCHS),
    help=f"Passes over the data (overrides training.epochs; default 1000; at most {MAX_EPOCHS:,}).",
)
@lr_option("Learning rate (overrides the spec's training.learning_rate; default: the optimiser's, 0.1 for sgd).")
@click.option("--batch-size", type=click.IntRange(min=1), help="Mini-batch size (default: the whole data set).")
@click.option("--seed", type=click.IntRange(min=0), help="Seed for shuffling mini-batches (overrides training.seed).")
@output_option("Write the trained spec (same format) to this file.")
@click.option(
    "--optimizer",
    metavar="NAME",
    help="Optimiser (overrides training.optimizer): sgd, momentum, adam or a plugin's name.",
)
@click.option(
    "--plot",
    type=OUTPUT_PATH,
    metavar="FILE",
    help="Draw the loss (and accuracy) per epoch into FILE (.svg, .png or .pdf; needs matplotlib).",
)
@click.option(
    "--dtype",
    type=click.Choice(["float32", "float64"]),
    help="Train in this precision (overrides training.dtype; default float64).",
)
@click.option(
    "--sidecar-threshold",
    type=click.IntRange(min=0),
    metavar="N",
    help="With -o: more than N parameters (default 10000) go to OUTPUT's .weights.safetensors.",
)
@json_option("Print {losses, final_loss, accuracy, val_loss, val_accuracy, history, parameters} as JSON.")
@svg_option
@click.option(
    "--plot-boundary",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="For a network with 2 inputs: draw the trained decision regions with the data into FILE.",
)
@click.pass_context
def train(
    ctx: click.Context,
    spec: str,
    epochs: int | None,
    lr: float | None,
    batch_size: int | None,
    seed: int | None,
    output: str | None,
    optimizer: str | None,
    plot: str | None,
    as_json: bool,
    svg: str | None = None,
    plot_boundary: str | None = None,
    dtype: str | None = None,
    sidecar_threshold: int | None = None,
) -> None:
    """Train SPEC and report the loss (and accuracy for classification losses).

    losses[k] in the JSON output is the loss on all training data after epoch k+1;
    "history" has the columns epoch, loss (accuracy, ...) from epoch 0, the untrained network;
    "accuracy" (and "val_accuracy" with a validation split) is measured with the final
    parameters. Ctrl-C stops after the current batch, still writes -o, and exits 130.
    A loss that becomes NaN or infinite stops training with an error naming the epoch
    and the first non-finite node (exit 2; -o is not written).
    """
    from .._util.files import check_writable
    from ..engine.history import history_table
    from ..engine.metrics import evaluate
    from ..views.figure_files import check_plot
    from ..views.training_plot import plot_history

    if plot:
        check_plot(plot)
    if plot_boundary:
        check_plot(plot_boundary, "--plot-boundary")
    for path in (output, plot, svg, plot_boundary):
        if path:
            check_writable(path)  # before training: all outputs are written, or none
    net = load_network(spec, ctx)
    if plot_boundary:
        from ..views.evaluation_plots import check_two_inputs

        check_two_inputs(net)
    epochs = (
        epochs if epochs is not None else (net.spec.training.epochs if net.spec.training.epochs is not None else 1000)
    )
    start = evaluate(net)
    callback, finish = progress_bar(epochs, enabled=not as_json and sys.stderr.isatty())
    try:
        history = net.train(
            epochs,
            learning_rate=lr,
            batch_size=batch_size,
            seed=seed,
            callback=callback,
            optimizer=optimizer,
            dtype=dtype,
        )
    finally:
        finish()
    if plot:  # before -o: a plot that cannot be drawn leaves no trained spec behind either
        plot_history(history, plot, title=net.spec.name or spec, initial=start)
    if plot_boundary:
        from ..views.evaluation_plots import plot_boundary as draw_boundary

        draw_boundary(
            net, net.X, net.T, plot_boundary, title=f"{net.spec.name or spec} after {history.epochs} epoch(s)"
        )
    if output:
        net.save(output, sidecar_threshold)  # a data file outside its folder: named by a signed path
    final = evaluate(net)
    if as_json:
        echo_json(
            {"losses": history.losses, "final_loss": history.final_loss if history.losses else final.get("loss")}
            | {k: v for k, v in final.items() if k != "loss"}
            | {"history": history_table(history, start), "parameters": net.parameters}
        )
    else:
        line = (
            f"{net.spec.name or spec}: {history.epochs} epoch(s) of {history.optimizer} "
            f"(learning rate {history.learning_rate:g}), loss {table_number(start.get('loss', float('nan')))} → "
            f"[bold]{table_number(final.get('loss', float('nan')))}[/bold]"
        )
        if "accuracy" in final:
            line += f", accuracy {start['accuracy']:.2%} → [bold]{final['accuracy']:.2%}[/bold]"
        lines = [line]
        if "val_loss" in final:
            lines.append(
                f"  validation ({len(net.X_val)} samples): loss {table_number(final['val_loss'])}"
                + (f", accuracy {final['val_accuracy']:.2%}" if "val_accuracy" in final else "")
            )
        if len(net.plan.parameter_names) <= 40:
            lines.append("  " + ", ".join(f"{k} = {v:.6g}" for k, v in net.parameters.items()))
        if output:
            lines.append(f"trained spec written to {output}")
        if plot:
            lines.append(f"training curve written to {plot}")
        if plot_boundary:
            lines.append(f"decision regions written to {plot_boundary}")
        print_lines(lines)
    if svg:
        trace = net.trace() if len(net.X) else None
        draw_diagram(net, trace, svg, quiet=as_json, title=f"{net.spec.name or spec} after {history.epochs} epoch(s)")
    if history.interrupted:
        click.echo(
            f"interrupted after {history.epochs} epoch(s)"
            + (f"; parameters so far written to {output}" if output else ""),
            err=True,
        )
        ctx.exit(EXIT_INTERRUPTED)
