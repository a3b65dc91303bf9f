"""``graphengine run SPEC``: one training step, showing every value, gradient and update."""

from __future__ import annotations

from typing import Any

import click

from .._util.numfmt import table_number
from .helpformat import Command
from .options import json_option, load_network, lr_option, plugin_option, precision_option, spec_argument, svg_option
from .output import console, draw_diagram, echo_json, table


def run_report(net: Any, trace: Any, precision: int, max_samples: int = 3) -> None:
    """The tables of ``run``: every node of the first samples, the loss, every parameter."""
    from ..model.graph import parameter_uses

    out = console()
    p = trace.plan

    def number(x: float) -> str:
        return table_number(x, precision)

    title = net.spec.name or net.spec.file
    out.print(
        f"[bold]{title}[/bold]: one gradient-descent step over {trace.n_samples} sample(s), "
        f"loss {p.loss.name}{''.join(f' {k}={v:g}' for k, v in p.loss_params.items())} "
        f"({p.reduction} over samples), learning rate {trace.learning_rate:g}"
    )
    shown = min(trace.n_samples, max_samples)
    for s in range(shown):
        nodes = table(
            f"Forward and backward pass, sample {s}",
            ("node", "activation", "net", "out", "∂E/∂out", "∂out/∂net", "∂E/∂net"),
            left=("node", "activation"),
            # The least informative go first: the activation (the spec says it), net, then out;
            # the chain-rule pieces ∂E/∂out × ∂out/∂net = ∂E/∂net always stay.
            optional=("activation", "net", "out"),
        )
        for c, name in enumerate(p.nodes):
            if c < p.n_inputs:
                nodes.add_row(name, "input", "", number(trace.out(name, s)), number(trace.dout(name, s)), "", "")
            else:
                node = net.graph.nodes[name]
                act = node["activation"].name + "".join(f" {k}={v:g}" for k, v in node["activation_params"].items())
                nodes.add_row(
                    name,
                    act,
                    number(trace.net(name, s)),
                    number(trace.out(name, s)),
                    number(trace.dout(name, s)),
                    number(trace.dact(name, s)),
                    number(trace.dnet(name, s)),
                )
        out.print(nodes)
        terms = trace.loss_terms(s)
        targets = dict(zip(net.spec.outputs, trace.targets[s].tolist()))
        if terms is not None:
            parts = ", ".join(f"{o}: target {targets[o]:g}, term {number(v)}" for o, v in terms.items())
            out.print(f"Loss of sample {s}: {parts}; sum {number(trace.sample_losses[s])}")
        else:
            out.print(f"Loss of sample {s}: {number(trace.sample_losses[s])}")
    if trace.n_samples > shown:
        out.print(f"… {trace.n_samples - shown} more sample(s) not shown (use --json for every sample)")
    out.print(f"[bold]Loss[/bold] ({p.reduction} over {trace.n_samples} sample(s)): [bold]{number(trace.loss)}[/bold]")

    parameters = table(
        f"Parameters: p' = p − {trace.learning_rate:g} × ∂E/∂p",
        ("parameter", "used by", "value", "∂E/∂p", "updated", ""),
        left=("parameter", "used by", ""),
        # "used by" (the spec says it) and the frozen marks go first, then the old value;
        # the gradient and the updated value, the step's result, always stay.
        optional=("used by", "", "value"),
        described={"": "frozen marks"},
    )
    uses = parameter_uses(net.graph)
    old, grad, new = trace.values, trace.gradients, trace.updated
    for name in p.parameter_names:
        frozen = not p.trainable[p.parameter_index[name]]
        parameters.add_row(
            name,
            ", ".join(f"bias {v}" if u is None else f"{u}→{v}" for u, v in uses[name]) or "(unused)",
            number(old[name]),
            number(grad[name]),
            number(new[name]),
            "frozen" if frozen else "",
        )
    out.print(parameters)


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
