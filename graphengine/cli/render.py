"""``graphengine render SPEC -o FILE``: the annotated diagram of one step."""

from __future__ import annotations

import click

from ..teach.exercise.blanks import ASK_LEVELS
from .helpformat import Command
from .options import (
    OUTPUT_PATH,
    detail_option,
    diagram_path,
    json_option,
    load_network,
    lr_option,
    parse_show,
    plugin_option,
    precision_option,
    spec_argument,
)
from .output import draw_diagram, echo_json


@click.command(
    "render",
    short_help="Draw SPEC's annotated diagram: SVG, PNG, PDF or DOT.",
    cls=Command,
    examples=[
        "graphengine render specs/doc_example.yaml -o doc_example.svg",
        "graphengine render specs/xor.yaml -o xor.png --show values,grads --precision 3",
    ],
)
@spec_argument
@plugin_option
@click.option(
    "-o",
    "--output",
    required=True,
    type=OUTPUT_PATH,
    metavar="FILE",
    callback=diagram_path,
    help="Where to draw; the suffix picks the format: .svg, .png, .pdf or .dot (the DOT text, no Graphviz needed).",
)
@click.option(
    "--show",
    default="values,grads,updates",
    show_default=True,
    metavar="PARTS",
    callback=parse_show,
    help="What to print, comma-separated: values (net, out, weights, targets, loss), grads (δ, ∂E/∂w, edge "
    "colours), updates (w′ after the step), structure (names only), or all.",
)
@click.option(
    "--sample",
    type=click.IntRange(min=0),
    metavar="K",
    help="Show net, out and δ of sample K (default: values of sample 0, δ summed over all samples).",
)
@precision_option(12, 4, "Decimals of the numbers.")
@detail_option
@lr_option("Learning rate of the drawn update (overrides the spec's training.learning_rate).")
@click.option(
    "--layers",
    "view",
    flag_value="layers",
    help="Draw one box per layer (size, activation, weight heatmap, mean |δ|, gradient norm); "
    "the default above 300 edges (--show and --detail are for the neuron view).",
)
@click.option("--neurons", "view", flag_value="neurons", help="Draw every neuron and edge, however many.")
@click.option(
    "--direction",
    type=click.Choice(["LR", "TB"], case_sensitive=False),
    default="LR",
    show_default=True,
    help="Layers left to right, or top to bottom (TB: about half as wide for a small network, so its text "
    "stays large on a projector or in a narrow window).",
)
@click.option(
    "--blanks",
    type=click.Choice(ASK_LEVELS),
    help="Draw an exercise: the given numbers and a box (a), (b), … for every quantity this part of the "
    "step asks for (as `graphengine exercise --ask`), no other computed value.",
)
@json_option('Print {"written": [FILE], "format": "svg"|"png"|"pdf"|"dot"}.')
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
    blanks: str | None = None,
    view: str | None = None,
    direction: str = "LR",
    as_json: bool = False,
) -> None:
    """Draw SPEC's diagram: every value, gradient and update.

    One step on SPEC's data: nodes show net, out and δ = ∂E/∂net (with their
    bias); edges show the weight, ∂E/∂w and the updated weight, coloured by the
    sign of ∂E/∂w and as wide as its size; a loss node per output and the
    total loss sit on the right. Without
    `data` in the spec, only the structure is drawn. If Graphviz's `dot` is
    missing, the DOT text is written next to FILE and the exit status is 2.
    """
    from ..views.diagram.render import output_format

    net = load_network(spec, ctx)
    trace = net.trace(lr) if len(net.X) else None
    if blanks:
        from ..teach.exercise.blanks import asked_quantities, letters

        asked = asked_quantities(net, blanks)
        draw_diagram(net, trace, output, quiet=as_json, blanks=dict(zip(asked, letters(len(asked)))))
    else:
        draw_diagram(
            net,
            trace,
            output,
            quiet=as_json,
            show=show,
            sample=sample,
            precision=precision,
            detail=detail,
            view=view or "auto",
            direction=direction.upper(),
        )
    if as_json:
        echo_json({"written": [output], "format": output_format(output)})
