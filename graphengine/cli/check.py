"""``graphengine check SPEC --expect HAND``: hand-computed values marked right or wrong."""

from __future__ import annotations

import click

from .helpformat import Command
from .options import json_option, load_network, lr_option, plugin_option, spec_argument
from .output import EXIT_OK, EXIT_WRONG, broken_pipe_status, console, echo_json


@click.command(
    short_help="Mark hand-computed values right or wrong against the exact ones.",
    cls=Command,
    examples=["graphengine check specs/doc_example.yaml --expect specs/doc_example_hand.yaml"],
)
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
@json_option(
    'Print {"checked", "mistakes", "wrong", "results": [{name, quantity, written, exact, right, reason, '
    "because_of, note}]}."
)
@click.pass_context
def check(ctx: click.Context, spec: str, hand: str, lr: float | None, as_json: bool) -> None:
    """Mark hand-computed values right or wrong, and name the slip behind a wrong one.

    Quantities: NODE.net, NODE.out, NODE.dout (∂E/∂out), NODE.dnet (∂E/∂net),
    NODE.dact (∂out/∂net), loss, loss.OUTPUT, grad.PARAM, updated.PARAM, or the
    worked example's notation: net_h1, out_h1, E_o1 (E_total_1), E_total,
    dE/dw5 (∂E/∂w5), dE/dout_o1, dout_o1/dnet_o1, dE/dnet_o1, w5_new (w5', w5⁺).
    Node values are for sample 0 unless the file says `sample: K`.

    A value is a number or the arithmetic you wrote, parsed (never run): numbers,
    + − × · / ^ ² ½ e, ( ), (a)(b), `= RESULT`, as in

    \b
      net_h2: (0.25 × 0.10) + (0.30 × 0.05) + 0.35 = 0.39

    Right: within one unit of its last written digit of the exact value (0.593
    for 0.59327), and the written arithmetic gives it. A wrong value that follows
    from your own written values (each ± one unit of its last digit) is
    `rounding` when those are right (carry more digits), `carried` when one is a
    mistake (fix that first). Otherwise the reason names the slip: swapped,
    wrong-weight, missing-term, missing-factor, net-for-out, derivative-of-net,
    updated-weights, factor-2, sign, uphill, learning-rate, batch, shared; else
    arithmetic.

    A bare integer (0, 1) is right only when exact; 0.00 claims ±0.01.

    Exit status: 0 all right or only rounding, 1 a mistake, 2 invalid input.
    """
    from .._util.reading import check_readable
    from ..teach.check import check as run_check
    from ..teach.check import read_hand, to_json

    check_readable(hand)  # a regular file within the size cap: never a FIFO that blocks, or /dev/zero
    net = load_network(spec, ctx)
    hand_file = read_hand(hand)
    verdicts = run_check(net, net.trace(lr), hand_file)
    mistakes = [v for v in verdicts if v.mistake]
    broken_pipe_status[0] = EXIT_WRONG if mistakes else EXIT_OK  # `check … | head` keeps the verdict
    if as_json:
        data = to_json(verdicts, hand_file.sample or 0)
        if hand_file.unanswered:
            data["unanswered"] = [{"name": n, "line": line} for n, line in hand_file.unanswered]
        echo_json(data)
    else:
        from .check_report import summary, verdict_table

        out = console()
        title = f"{hand} against {spec} (sample {hand_file.sample or 0})"
        out.print(verdict_table(verdicts, title, out.width))
        out.print(summary(verdicts))
        if hand_file.unanswered:
            names = ", ".join(f"{n} (line {line})" for n, line in hand_file.unanswered)
            out.print(f"unanswered: {names}")
    if mistakes:
        ctx.exit(EXIT_WRONG)
