"""``graphengine check SPEC --expect HAND``: hand-computed values marked right or wrong."""

from __future__ import annotations

import click

from .options import json_option, load_network, lr_option, plugin_option, spec_argument
from .output import EXIT_OK, EXIT_WRONG, broken_pipe_status, console, echo_json, table


@click.command(short_help="Mark hand-computed values right or wrong against the exact ones.")
@spec_argument
@plugin_option
@click.option(
    "--expect",
    "hand",
    required=True,
    type=click.Path(dir_okay=False),
    help="YAML file of hand-computed values, one `quantity: value` per line (h1.out: 0.593, grad.w5: 0.0822).",
)
@lr_option()
@json_option('Print {"checked": N, "wrong": [{name, written, exact, ...}]}.')
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
    from ..check import check as run_check
    from ..check import read_hand, to_json
    from ..reading import check_readable

    check_readable(hand)  # a regular file within the size cap: never a FIFO that blocks, or /dev/zero
    net = load_network(spec, ctx)
    hand_file = read_hand(hand)
    verdicts = run_check(net, net.trace(lr), hand_file)
    wrong = [v for v in verdicts if not v.right]
    broken_pipe_status[0] = EXIT_WRONG if wrong else EXIT_OK  # `check … | head` keeps the verdict
    if as_json:
        echo_json(to_json(verdicts, hand_file.sample or 0))
    else:
        from rich.markup import escape

        out = console()
        marks = table(
            f"{hand} against {spec} (sample {hand_file.sample or 0})",
            ("", "quantity", "written", "exact", "note"),
            left=("", "quantity", "note"),
        )
        for v in verdicts:
            mark = "[green]✓[/green]" if v.right else "[red]✗[/red]"
            decimals = max(len(v.written.text.split(".")[-1]) if "." in v.written.text else 0, 3) + 3
            marks.add_row(mark, escape(v.name), v.written.text, f"{v.exact:.{decimals}f}", escape(v.note))
        out.print(marks)
        slips = sum(1 for v in verdicts if v.right and v.note)
        lucky = f" ({slips} of them not what your own written values give: see the notes)" if slips else ""
        out.print(f"{len(verdicts)} checked: {len(verdicts) - len(wrong)} right{lucky}, {len(wrong)} wrong")
    if wrong:
        ctx.exit(EXIT_WRONG)
