"""The ``graphengine`` command: the only place that prints and picks exit statuses.

Exit status: 0 ok, 1 a check found something wrong, 2 invalid input or usage.
"""

from __future__ import annotations

import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import click

from . import __version__
from .errors import GraphEngineError, one_line

EXIT_OK, EXIT_WRONG, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130


def fmt(x: float, precision: int = 9) -> str:
    """Fixed decimals for ordinary magnitudes, scientific for tiny or huge ones."""
    if x == 0 or 1e-4 <= abs(x) < 1e6:
        return f"{x:.{precision}f}"
    return f"{x:.{max(precision - 3, 3)}e}"


class _PositiveFinite(click.FloatRange):
    """A float > 0 that is not infinite or NaN (click's FloatRange lets `inf` and `nan` through)."""

    def __init__(self) -> None:
        super().__init__(min=0, min_open=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number; give a positive number such as 0.1", param, ctx)
        return number


LEARNING_RATE = _PositiveFinite()


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _json(data: Any) -> str:
    """Strict JSON: a NaN or infinite number (a diverged loss, say) becomes null."""
    return json.dumps(_finite(data), allow_nan=False)


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output keeps full numbers instead of rich's 80-column truncation.
    console = Console(stderr=stderr, highlight=False, width=None if stream.isatty() else 200)

    def reader_left() -> None:  # rich would exit with status 1; main() ends quietly with 0
        console.quiet = True
        raise BrokenPipeError

    console.on_broken_pipe = reader_left  # type: ignore[method-assign]
    return console


def _registry(ctx: click.Context) -> Any:
    """The registry the command-line options select: built-ins, entry points, --plugins,
    GRAPHENGINE_PLUGINS and the repository's plugins/ folder, each plugin verified."""
    from .plugins import discover

    obj = ctx.ensure_object(dict)
    if "registry" not in obj:
        obj["registry"] = discover(obj.get("plugin_paths", []))
    return obj["registry"]


def _load(spec: str, ctx: click.Context) -> Any:
    """Load a network with the registry the command-line options select."""
    from .network import load

    return load(spec, registry=_registry(ctx))


def _remember_plugins(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    ctx.ensure_object(dict).setdefault("plugin_paths", []).extend(value)
    return value


plugin_option = click.option(
    "--plugins",
    multiple=True,
    metavar="PATH",
    expose_value=False,
    callback=_remember_plugins,
    help="Plugin file or folder to load (repeatable; also GRAPHENGINE_PLUGINS).",
)


# ---------------------------------------------------------------------- the group


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="graphengine")
@click.option("--debug", is_flag=True, help="Show the Python traceback behind an error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Neural networks described in YAML, computed and drawn neuron by neuron.

    \b
    Start with the worked example of backpropagation:
      graphengine run specs/doc_example.yaml
      graphengine train specs/xor.yaml --epochs 5000
      graphengine validate specs/my_net.yaml

    Exit status: 0 ok, 1 a check found something wrong, 2 invalid input.
    `graphengine COMMAND --help` shows a command's options.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


spec_argument = click.argument("spec", type=click.Path(dir_okay=False))


# ---------------------------------------------------------------------- validate


@cli.command(short_help="Check SPEC: one line saying what is wrong, or that it is fine.")
@spec_argument
@plugin_option
@click.pass_context
def validate(ctx: click.Context, spec: str) -> None:
    """Check SPEC and say what is wrong, or that it is fine.

    Checks the YAML, every key and value, the graph (acyclic, every node reachable
    from an input, every reference declared), the activations, the loss and the data.
    Exit status 0 when the spec is fine; 2 and one `error: FILE:LINE: KEY: ...` line
    on stderr when it is not.
    """
    from .train import resolve_optimizer

    net = _load(spec, ctx)
    resolve_optimizer(net)  # training.optimizer: a known name with known parameters, as `train` needs
    p = net.plan
    n_edges = net.graph.number_of_edges()
    trainable = int(p.trainable.sum())

    def count(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    click.echo(
        f"{spec}: ok — {count(len(p.nodes), 'node')} ({count(p.n_inputs, 'input')}, "
        f"{count(len(p.outputs), 'output')}), {count(n_edges, 'edge')}, "
        f"{count(len(p.parameters), 'parameter')} ({trainable} trainable), "
        f"{count(len(p.levels), 'layer')} deep, loss {p.loss.name}, {count(len(net.X), 'sample')}"
        + (f" (+{len(net.X_val)} for validation)" if len(net.X_val) else "")
    )


# ---------------------------------------------------------------------- diagrams


def _diagram_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse an unknown diagram suffix before any work is done."""
    if value is not None:
        from .render import output_format

        try:
            output_format(value)
        except GraphEngineError as e:
            raise click.BadParameter(e.message) from None
    return value


svg_option = click.option(
    "--svg",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    callback=_diagram_path,
    help="Also draw the annotated diagram into FILE (.svg; .png, .pdf, .dot work too; needs Graphviz).",
)


def _draw(net: Any, trace: Any, path: str, quiet: bool = False, **options: Any) -> None:
    from .render import render

    render(net, trace, path, **options)
    if not quiet:
        _console().print(f"diagram written to {path}")


def _parse_show(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    from .render import parse_show

    try:
        return parse_show(value)
    except GraphEngineError as e:
        raise click.BadParameter(e.message) from None


@cli.command("render")
@spec_argument
@plugin_option
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    callback=_diagram_path,
    help="Where to draw; the suffix picks the format: .svg, .png, .pdf or .dot (the DOT text, no Graphviz needed).",
)
@click.option(
    "--show",
    default="values,grads,updates",
    show_default=True,
    metavar="PARTS",
    callback=_parse_show,
    help="What to print, comma-separated: values (net, out, weights, targets, loss), grads (δ, ∂L/∂w, edge "
    "colours), updates (w′ after the step), structure (names only), or all.",
)
@click.option(
    "--sample",
    type=click.IntRange(min=0),
    metavar="K",
    help="Show net, out and δ of sample K (default: values of sample 0, δ summed over all samples).",
)
@click.option("--precision", type=click.IntRange(1, 12), default=4, show_default=True, help="Decimals of the numbers.")
@click.option(
    "--detail",
    type=click.Choice(["auto", "full", "nodes", "names"]),
    default="auto",
    show_default=True,
    help="full: numbers on nodes and edges; nodes: no edge labels; names: names only. "
    "auto: full up to 40 edges, names beyond 250 nodes.",
)
@click.option(
    "--lr",
    "--learning-rate",
    "lr",
    type=LEARNING_RATE,
    help="Learning rate of the drawn update (overrides the spec's training.learning_rate).",
)
@click.pass_context
def render_command(
    ctx: click.Context,
    spec: str,
    output: str,
    show: tuple[str, ...],
    sample: int | None,
    precision: int,
    detail: str,
    lr: float | None,
) -> None:
    """Draw SPEC's diagram: every value, gradient and update.

    One step on SPEC's data: nodes show net, out and δ = ∂L/∂net (with their
    bias); edges show the weight, ∂L/∂w and the updated weight, coloured by the
    sign of ∂L/∂w and as wide as its size; a loss node per output and the
    total loss sit on the right. Without
    `data` in the spec, only the structure is drawn. If Graphviz's `dot` is
    missing, the DOT text is written next to FILE and the exit status is 2.

    \b
      graphengine render specs/doc_example.yaml -o doc_example.svg
      graphengine render specs/doc_example.yaml -o doc.png --show values,grads --precision 6
    """
    net = _load(spec, ctx)
    trace = net.trace(lr) if len(net.X) else None
    _draw(net, trace, output, show=show, sample=sample, precision=precision, detail=detail)


# ---------------------------------------------------------------------- run


def _run_report(net: Any, trace: Any, precision: int, max_samples: int = 3) -> None:
    from rich.table import Table

    console = _console()
    p, f = trace.plan, (lambda x: fmt(x, precision))
    title = net.spec.name or net.spec.file
    console.print(
        f"[bold]{title}[/bold]: one gradient-descent step over {trace.n_samples} sample(s), "
        f"loss {p.loss.name}{''.join(f' {k}={v:g}' for k, v in p.loss_params.items())} "
        f"({p.reduction} over samples), learning rate {trace.learning_rate:g}"
    )
    shown = min(trace.n_samples, max_samples)
    for s in range(shown):
        table = Table(title=f"Forward and backward pass, sample {s}", title_justify="left")
        for col in ("node", "activation", "net", "out", "∂L/∂out", "∂out/∂net", "∂L/∂net"):
            table.add_column(col, justify="left" if col in ("node", "activation") else "right")
        for c, name in enumerate(p.nodes):
            if c < p.n_inputs:
                table.add_row(name, "input", "", f(trace.out(name, s)), f(trace.dout(name, s)), "", "")
            else:
                node = net.graph.nodes[name]
                act = node["activation"].name + "".join(f" {k}={v:g}" for k, v in node["activation_params"].items())
                table.add_row(
                    name,
                    act,
                    f(trace.net(name, s)),
                    f(trace.out(name, s)),
                    f(trace.dout(name, s)),
                    f(trace.dact(name, s)),
                    f(trace.dnet(name, s)),
                )
        console.print(table)
        terms = trace.loss_terms(s)
        targets = dict(zip(net.spec.outputs, trace.targets[s].tolist()))
        if terms is not None:
            parts = ", ".join(f"{o}: target {targets[o]:g}, term {f(v)}" for o, v in terms.items())
            console.print(f"Loss of sample {s}: {parts}; sum {f(trace.sample_losses[s])}")
        else:
            console.print(f"Loss of sample {s}: {f(trace.sample_losses[s])}")
    if trace.n_samples > shown:
        console.print(f"… {trace.n_samples - shown} more sample(s) not shown (use --json for every sample)")
    console.print(f"[bold]Loss[/bold] ({p.reduction} over {trace.n_samples} sample(s)): [bold]{f(trace.loss)}[/bold]")

    table = Table(title=f"Parameters: p' = p − {trace.learning_rate:g} × ∂L/∂p", title_justify="left")
    for col in ("parameter", "used by", "value", "∂L/∂p", "updated", ""):
        table.add_column(col, justify="left" if col in ("parameter", "used by", "") else "right")
    uses: dict[str, list[str]] = {name: [] for name in p.parameters}
    for u, v, d in net.graph.edges(data=True):
        uses[d["weight"]].append(f"{u}→{v}")
    for name, attrs in net.graph.nodes(data=True):
        if attrs.get("bias"):
            uses[attrs["bias"]].append(f"bias {name}")
    old, grad, new = trace.values, trace.gradients, trace.updated
    for name in p.parameters:
        frozen = not p.trainable[p.parameter_index[name]]
        table.add_row(
            name,
            ", ".join(uses[name]) or "(unused)",
            f(old[name]),
            f(grad[name]),
            f(new[name]),
            "frozen" if frozen else "",
        )
    console.print(table)


@cli.command(short_help="One training step, showing every value, gradient and update.")
@spec_argument
@plugin_option
@click.option(
    "--lr",
    "--learning-rate",
    "lr",
    type=LEARNING_RATE,
    help="Learning rate (overrides the spec's training.learning_rate; default 0.1).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object: loss, every node of every sample, gradients, updated parameters.",
)
@click.option("--precision", type=click.IntRange(1, 17), default=9, show_default=True, help="Decimals in the tables.")
@svg_option
@click.pass_context
def run(ctx: click.Context, spec: str, lr: float | None, as_json: bool, precision: int, svg: str | None) -> None:
    """One forward pass, backward pass and gradient-descent step over SPEC's data.

    Prints every node's net and out values, ∂L/∂out and ∂L/∂net, the loss,
    and every parameter's value, gradient and updated value.
    """
    net = _load(spec, ctx)
    trace = net.trace(lr)
    if as_json:
        click.echo(_json(trace.to_dict()))
    else:
        _run_report(net, trace, precision)
    if svg:
        _draw(net, trace, svg, quiet=as_json)


# ---------------------------------------------------------------------- train


@cli.command(short_help="Train SPEC by gradient descent; report the loss (and accuracy).")
@spec_argument
@plugin_option
@click.option(
    "--epochs", type=click.IntRange(min=0), help="Passes over the data (overrides training.epochs; default 1000)."
)
@click.option(
    "--lr",
    "--learning-rate",
    "lr",
    type=LEARNING_RATE,
    help="Learning rate (overrides the spec's training.learning_rate; default: the optimiser's, 0.1 for sgd).",
)
@click.option("--batch-size", type=click.IntRange(min=1), help="Mini-batch size (default: the whole data set).")
@click.option("--seed", type=click.IntRange(min=0), help="Seed for shuffling mini-batches (overrides training.seed).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write the trained spec (same format) to this file."
)
@click.option(
    "--optimizer",
    metavar="NAME",
    help="Optimiser (overrides training.optimizer): sgd, momentum, adam or a plugin's name.",
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
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
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print {losses, final_loss, accuracy, val_loss, val_accuracy, parameters} as JSON.",
)
@svg_option
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
    dtype: str | None = None,
    sidecar_threshold: int | None = None,
) -> None:
    """Train SPEC and report the loss (and accuracy for classification losses).

    losses[k] in the JSON output is the loss on all training data after epoch k+1;
    "accuracy" (and "val_accuracy" with a validation split) is measured with the final
    parameters. Ctrl-C stops after the current batch, still writes -o, and exits 130.
    A loss that becomes NaN or infinite stops training with an error naming the epoch
    and the first non-finite node (exit 2; -o is not written).
    """
    from .network import check_writable
    from .train import check_plot, evaluate, plot_history

    if plot:
        check_plot(plot)
    for path in (output, plot, svg):
        if path:
            check_writable(path)  # before training: all outputs are written, or none
    net = _load(spec, ctx)
    epochs = (
        epochs if epochs is not None else (net.spec.training.epochs if net.spec.training.epochs is not None else 1000)
    )
    start = evaluate(net)
    callback, finish = _progress(epochs, enabled=not as_json and sys.stderr.isatty())
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
        plot_history(history, plot, title=net.spec.name or spec)
    if output:
        net.save(output, sidecar_threshold)
    final = evaluate(net)
    if as_json:
        click.echo(
            _json(
                {"losses": history.losses, "final_loss": history.final_loss}
                | {k: v for k, v in final.items() if k != "loss"}
                | {"parameters": net.parameters}
            )
        )
    else:
        console = _console()
        line = (
            f"{net.spec.name or spec}: {history.epochs} epoch(s) of {history.optimizer} "
            f"(learning rate {history.learning_rate:g}), loss {fmt(start.get('loss', float('nan')))} → "
            f"[bold]{fmt(final.get('loss', float('nan')))}[/bold]"
        )
        if "accuracy" in final:
            line += f", accuracy {start['accuracy']:.2%} → [bold]{final['accuracy']:.2%}[/bold]"
        console.print(line)
        if "val_loss" in final:
            console.print(
                f"  validation ({len(net.X_val)} samples): loss {fmt(final['val_loss'])}"
                + (f", accuracy {final['val_accuracy']:.2%}" if "val_accuracy" in final else "")
            )
        if len(net.plan.parameters) <= 40:
            console.print("  " + ", ".join(f"{k} = {v:.6g}" for k, v in net.parameters.items()))
        if output:
            console.print(f"trained spec written to {output}")
        if plot:
            console.print(f"training curve written to {plot}")
    if svg:
        trace = net.trace() if len(net.X) else None
        _draw(net, trace, svg, quiet=as_json, title=f"{net.spec.name or spec} after {history.epochs} epoch(s)")
    if history.interrupted:
        click.echo(
            f"interrupted after {history.epochs} epoch(s)"
            + (f"; parameters so far written to {output}" if output else ""),
            err=True,
        )
        ctx.exit(EXIT_INTERRUPTED)


def _progress(total: int, enabled: bool) -> tuple[Callable[[int, float, dict], None] | None, Callable[[], None]]:
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
        console=_console(stderr=True),
        transient=True,
    )
    task = progress.add_task("train", total=total, loss="…", metrics="")
    progress.start()
    last = [0.0]

    def update(epoch: int, loss: float, metrics: dict) -> None:
        now = time.monotonic()
        if now - last[0] < 0.05 and epoch < total:  # a redraw costs more than a small epoch
            return
        last[0] = now
        shown = "".join(
            f", {key.replace('_', ' ')} {value:.1%}" for key, value in metrics.items() if key.endswith("accuracy")
        )
        progress.update(task, completed=epoch, loss=f"{loss:.6g}", metrics=shown)

    return update, progress.stop


# ---------------------------------------------------------------------- explain / check


@cli.command(short_help="Write out the chain rule of one step, with every number.")
@spec_argument
@plugin_option
@click.option("--param", "params", multiple=True, metavar="P", help="Explain this parameter only (repeatable).")
@click.option("--node", metavar="N", help="Explain this neuron: its forward pass, its ∂E/∂net and its parameters.")
@click.option("--format", "fmt_", type=click.Choice(["text", "markdown", "latex"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of the terminal.")
@click.option(
    "--precision", type=click.IntRange(1, 12), default=4, show_default=True, help="Decimals of the rounded numbers."
)
@click.option("--sample", type=click.IntRange(min=0), default=0, show_default=True, help="Sample whose pieces to show.")
@click.option("--lr", "--learning-rate", "lr", type=LEARNING_RATE, help="Learning rate.")
@click.option("--all", "full", is_flag=True, help="Explain everything even on a large network.")
@click.pass_context
def explain(
    ctx: click.Context,
    spec: str,
    params: tuple[str, ...],
    node: str | None,
    fmt_: str,
    output: str | None,
    precision: int,
    sample: int,
    lr: float | None,
    full: bool,
) -> None:
    """Write out the chain rule for one training step of SPEC, with every number.

    The forward pass with numbers substituted, each output's loss term, then for
    every parameter ∂E/∂out × ∂out/∂net × ∂net/∂p piece by piece, the update, and a
    table. Markdown uses $$ … $$ blocks (GitHub, Jupyter, pandoc); latex is a
    standalone document for pdflatex. Networks with more than 30 parameters get a
    summary unless you focus with --param / --node (or pass --all).
    """
    from pathlib import Path

    from .explain import explain as build
    from .network import write_atomic

    net = _load(spec, ctx)
    doc = build(net, net.trace(lr), params=params, node=node, digits=precision, sample=sample, full=full)
    text = doc.render(fmt_)
    if output:
        write_atomic(Path(output), text)
        click.echo(f"explanation written to {output}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command(short_help="Mark hand-computed values right or wrong against the exact ones.")
@spec_argument
@plugin_option
@click.option(
    "--expect",
    "hand",
    required=True,
    type=click.Path(dir_okay=False),
    help="YAML file of hand-computed values, one `quantity: value` per line (h1.out: 0.593, grad.w5: 0.0822).",
)
@click.option("--lr", "--learning-rate", "lr", type=LEARNING_RATE, help="Learning rate.")
@click.option("--json", "as_json", is_flag=True, help='Print {"checked": N, "wrong": [{name, written, exact, ...}]}.')
@click.pass_context
def check(ctx: click.Context, spec: str, hand: str, lr: float | None, as_json: bool) -> None:
    """Mark hand-computed values right or wrong against the exact ones.

    \b
    Quantities: NODE.net, NODE.out, NODE.dout (∂E/∂out), NODE.dnet (∂E/∂net),
    NODE.dact (∂out/∂net), loss, loss.OUTPUT, grad.PARAM, updated.PARAM; node
    values are for sample 0 unless the file says `sample: K`. A value is right
    within one unit of its last written digit (0.593 for 0.59327 is right). A wrong
    value that follows from your own earlier written values is called rounding drift.
    Exit status: 0 all right, 1 something wrong, 2 invalid input.
    """
    from .check import check as run_check
    from .check import read_hand, to_json

    net = _load(spec, ctx)
    hand_file = read_hand(hand)
    verdicts = run_check(net, net.trace(lr), hand_file)
    wrong = [v for v in verdicts if not v.right]
    _broken_pipe_status[0] = EXIT_WRONG if wrong else EXIT_OK  # `check … | head` keeps the verdict
    if as_json:
        click.echo(_json(to_json(verdicts, hand_file.sample or 0)))
    else:
        from rich.markup import escape
        from rich.table import Table

        console = _console()
        table = Table(title=f"{hand} against {spec} (sample {hand_file.sample or 0})", title_justify="left")
        for col in ("", "quantity", "written", "exact", "note"):
            table.add_column(col, justify="right" if col in ("written", "exact") else "left")
        for v in verdicts:
            mark = "[green]✓[/green]" if v.right else "[red]✗[/red]"
            decimals = max(len(v.written.text.split(".")[-1]) if "." in v.written.text else 0, 3) + 3
            table.add_row(mark, escape(v.name), v.written.text, f"{v.exact:.{decimals}f}", escape(v.note))
        console.print(table)
        slips = sum(1 for v in verdicts if v.right and v.note)
        lucky = f" ({slips} of them not what your own written values give: see the notes)" if slips else ""
        console.print(f"{len(verdicts)} checked: {len(verdicts) - len(wrong)} right{lucky}, {len(wrong)} wrong")
    if wrong:
        ctx.exit(EXIT_WRONG)


# ---------------------------------------------------------------------- plugins


@cli.group(invoke_without_command=True, short_help="List every activation, loss and optimiser, or check them.")
@plugin_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"activations": [...], "losses": [...], "optimizers": [...]} as JSON.',
)
@click.pass_context
def plugins(ctx: click.Context, as_json: bool) -> None:
    """List every activation, loss and optimiser: name, parameters, source, description.

    \b
    Sources, in order (a name taken twice is an error naming both):
      built-in; installed packages' entry points (graphengine.activations,
      graphengine.losses, graphengine.optimizers); --plugins PATH and
      GRAPHENGINE_PLUGINS; the repository's plugins/ folder.
    Every plugin's derivative is checked against finite differences as it loads;
    `graphengine plugins check` reports on each one.
    """
    if ctx.invoked_subcommand is not None:
        return
    from .plugins import describe

    listing = describe(_registry(ctx))
    if as_json:
        click.echo(_json(listing))
        return
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    for kind, rows in listing.items():
        table = Table(title=kind.capitalize(), title_justify="left")
        for col in ("name", "parameters", "source", "description"):
            table.add_column(col, overflow="fold")
        for row in rows:
            params = ", ".join(f"{k}={v:g}" for k, v in row["params"].items())
            table.add_row(*(escape(text) for text in (row["name"], params, row["source"], row["description"])))
        console.print(table)


@plugins.command("check")
@plugin_option
@click.pass_context
def plugins_check(ctx: click.Context) -> None:
    """Check every plugin's derivative against central finite differences.

    Each activation and its derivative are called on float64 arrays at points
    spread over [-3.7, 3.3]; each loss and its gradient on outputs in (0, 1); both
    at the default parameters and at halved ones; each optimiser takes three steps,
    which must be finite and shaped like the gradient. Exit status 2 if any is wrong.
    """
    from .plugins import check_all, discover
    from .registry import KINDS, Optimizer

    registry = discover(ctx.ensure_object(dict).get("plugin_paths", []), verify_plugins=False)
    results = check_all(registry)
    problems = [e for _, e in results if e is not None]
    for plugin, problem in results:
        if problem is None:
            click.echo(f"ok     {KINDS[type(plugin)]:<10} {plugin.name:<22} {plugin.source}")
    for e in problems:
        click.echo(f"error: {e}", err=True)
    n = len(results)
    if problems:
        click.echo(f"{len(problems)} of {n} plugins failed the check", err=True)
        ctx.exit(EXIT_INVALID)
    steps = sum(isinstance(plugin, Optimizer) for plugin, _ in results)
    click.echo(
        f"all {n - steps} activations and losses agree with central finite differences; "
        f"all {steps} optimisers take finite steps"
    )


# ---------------------------------------------------------------------- entry point


_broken_pipe_status = [EXIT_OK]  # the status when the reader of stdout goes away


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status instead of raising SystemExit."""
    args = list(sys.argv[1:] if argv is None else argv)
    _broken_pipe_status[0] = EXIT_OK
    debug = "--debug" in args
    try:
        with warnings.catch_warnings():
            if not debug:
                # numpy's "overflow encountered in exp" would add lines to stderr; a non-finite
                # result is shown as nan/inf, and training stops with a one-line error naming it.
                warnings.simplefilter("ignore", RuntimeWarning)
            result = cli.main(args=args, prog_name="graphengine", standalone_mode=False)
        return result if isinstance(result, int) else EXIT_OK
    except GraphEngineError as e:
        if debug:
            raise
        click.echo(f"error: {e}", err=True)
        return EXIT_INVALID
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        if type(e).__name__ == "NoArgsIsHelpError":  # `graphengine` alone: the help text
            e.show()
            return e.exit_code
        # One line like every other error; the command's --help has the usage.
        context = getattr(e, "ctx", None)
        hint = f" (see `{context.command_path} --help`)" if isinstance(e, click.UsageError) and context else ""
        click.echo(f"error: {one_line(e.format_message())}{hint}", err=True)
        return e.exit_code if e.exit_code else EXIT_INVALID
    except MemoryError:
        if debug:
            raise
        click.echo("error: not enough memory for this network and data", err=True)
        return EXIT_INVALID
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `graphengine run … | head`: the reader has gone. Point stdout at /dev/null so that
        # Python's final flush does not complain on stderr.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return _broken_pipe_status[0]
    except Exception as e:  # a user's plugin failing on real data: name its file and line, no traceback
        from .plugins import raised_in_plugin

        located = None if debug else raised_in_plugin(e)
        if located is None:
            raise
        click.echo(f"error: {located}", err=True)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
