"""``graphengine explain SPEC``: the chain rule of one step, written out with every number."""

from __future__ import annotations

import click

from .helpformat import Command
from .options import (
    document_format_option,
    json_option,
    load_network,
    lr_option,
    output_option,
    plugin_option,
    precision_option,
    spec_argument,
)


@click.command(
    short_help="Write out the chain rule of one step, with every number.",
    cls=Command,
    examples=[
        "graphengine explain specs/doc_example.yaml --param w5",
        "graphengine explain specs/doc_example.yaml --format markdown -o step.md",
    ],
)
@spec_argument
@plugin_option
@click.option("--param", "params", multiple=True, metavar="P", help="Explain this parameter only (repeatable).")
@click.option("--node", metavar="N", help="Explain this neuron: its forward pass, its ∂E/∂net and its parameters.")
@document_format_option
@output_option("Write to this file instead of the terminal.")
@precision_option(12, 4, "Decimals of the rounded numbers.")
@click.option("--sample", type=click.IntRange(min=0), default=0, show_default=True, help="Sample whose pieces to show.")
@lr_option()
@click.option("--all", "full", is_flag=True, help="Explain everything even on a large network.")
@json_option(
    'Print the derivation as {"title", "items": [...]}: headings, paragraphs, tables and each '
    "equation's symbol, steps, result and value (instead of --format)."
)
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
    as_json: bool = False,
) -> None:
    """Write out the chain rule for one training step of SPEC, with every number.

    The forward pass with numbers substituted, each output's loss term, then for
    every parameter ∂E/∂out × ∂out/∂net × ∂net/∂p piece by piece, the update, and a
    table. Markdown uses $$ … $$ blocks (GitHub, Jupyter, pandoc); latex is a
    standalone document for pdflatex. Networks with more than 30 parameters get a
    summary unless you focus with --param / --node (or pass --all).
    """
    from pathlib import Path

    from .._util.files import write_atomic
    from ..views.derivation.explain import explain as build

    net = load_network(spec, ctx)
    doc = build(net, net.trace(lr), params=params, node=node, digits=precision, sample=sample, full=full)
    if as_json:
        from .output import to_json

        text = to_json(doc.to_dict()) + "\n"
    else:
        text = doc.render(fmt_)
    if output:
        write_atomic(Path(output), text)
        click.echo(f"explanation written to {output}", err=True)
    else:
        click.echo(text, nl=False)
