"""``graphengine run SPEC``: one training step, showing every value, gradient and update."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .helpformat import Command
from .options import json_option, load_network, lr_option, plugin_option, precision_option, spec_argument, svg_option
from .output import console, draw_diagram, echo_json, table

if TYPE_CHECKING:
    from ..engine.network import Network
    from ..engine.trace import Trace


def run_report(net: Network, trace: Trace, precision: int, max_samples: int = 3) -> None:
    """The tables of ``run`` on stdout (:func:`graphengine.views.run_tables.run_report`)."""
    from ..views.run_tables import run_report as report

    report(net.graph, trace, precision, console(), table, max_samples, title=net.spec.name or net.spec.file)


@click.command(
    short_help="One training step, showing every value, gradient and update.",
    cls=Command,
    examples=["graphengine run specs/doc_example.yaml", "graphengine run specs/xor.yaml --lr 0.5 --json"],
)
@spec_argument
@plugin_option
@lr_option("Learning rate (overrides the spec's training.learning_rate; default 0.1).")
@json_option("Print one JSON object: loss, every node of every sample, gradients, updated parameters.")
@precision_option(17, 9, "Decimals in the tables.")
@svg_option
@click.pass_context
def run(ctx: click.Context, spec: str, lr: float | None, as_json: bool, precision: int, svg: str | None) -> None:
    """One forward pass, backward pass and gradient-descent step over SPEC's data.

    Prints every node's net and out values, ∂E/∂out and ∂E/∂net, the loss,
    and every parameter's value, gradient and updated value.
    """
    net = load_network(spec, ctx)
    trace = net.trace(lr)
    if as_json:
        echo_json(trace.to_dict())
    else:
        run_report(net, trace, precision)
    if svg:
        draw_diagram(net, trace, svg, quiet=as_json)
