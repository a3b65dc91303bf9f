"""``graphengine validate SPEC``: one line saying what is wrong, or that it is fine."""

from __future__ import annotations

import click

from .helpformat import Command
from .options import json_option, load_network, plugin_option, spec_argument
from .output import echo_json


@click.command(
    short_help="Check SPEC: one line saying what is wrong, or that it is fine.",
    cls=Command,
    examples=["graphengine validate specs/xor.yaml", "graphengine validate specs/moons.yaml --json"],
)
@spec_argument
@plugin_option
@json_option(
    'Print {"spec", "ok", "nodes", "inputs", "outputs", "edges", "parameters", "trainable", '
    '"layers", "loss", "samples", "validation_samples"} when SPEC is fine.'
)
@click.pass_context
def validate(ctx: click.Context, spec: str, as_json: bool = False) -> None:
    """Check SPEC and say what is wrong, or that it is fine.

    Checks the YAML, every key and value, the graph (acyclic, every node reachable
    from an input, every reference declared), the activations, the loss and the data.
    Exit status 0 when the spec is fine; 2 and one `error: FILE:LINE: KEY: ...` line
    on stderr when it is not.
    """
    from ..engine.optimizer_choice import resolve_optimizer

    net = load_network(spec, ctx)
    resolve_optimizer(net)  # training.optimizer: a known name with known parameters, as `train` needs
    p = net.plan
    n_edges = net.graph.number_of_edges()
    trainable = int(p.trainable.sum())

    if as_json:
        echo_json(
            {
                "spec": spec,
                "ok": True,
                "nodes": len(p.nodes),
                "inputs": p.n_inputs,
                "outputs": len(p.outputs),
                "edges": n_edges,
                "parameters": len(p.parameter_names),
                "trainable": trainable,
                "layers": len(p.levels),
                "loss": p.loss.name,
                "samples": len(net.X),
                "validation_samples": len(net.X_val),
            }
        )
        return

    def count(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    click.echo(
        f"{spec}: ok — {count(len(p.nodes), 'node')} ({count(p.n_inputs, 'input')}, "
        f"{count(len(p.outputs), 'output')}), {count(n_edges, 'edge')}, "
        f"{count(len(p.parameter_names), 'parameter')} ({trainable} trainable), "
        f"{count(len(p.levels), 'layer')} deep, loss {p.loss.name}, {count(len(net.X), 'sample')}"
        + (f" (+{len(net.X_val)} for validation)" if len(net.X_val) else "")
    )
