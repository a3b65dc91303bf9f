"""``graphengine audit DOC --spec SPEC``: every number of a written worked example, judged as `check` does."""

from __future__ import annotations

import click

from .helpformat import Command
from .options import json_option, load_network, lr_option, plugin_option
from .output import EXIT_OK, EXIT_WRONG, broken_pipe_status, console, echo_json


@click.command(
    short_help="Read a written worked example (Markdown/LaTeX) and judge every number in it.",
    cls=Command,
    examples=[
        "graphengine audit tests/fixtures/pages/backprop-worked-example.md \\",
        "    --spec specs/doc_example.yaml",
    ],
)
@click.argument("doc", type=click.Path(dir_okay=False))
@click.option(
    "--spec",
    "spec",
    type=click.Path(dir_okay=False),
    help="The network the page is about (without it, the network is reconstructed from the page).",
)
@click.option(
    "--set",
    "settings",
    metavar="NAME=VALUE",
    multiple=True,
    help="Without --spec: a value the page leaves open (w7=0.50, target.o2=0.99).",
)
@click.option(
    "--write-spec",
    "write_spec",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Without --spec: write the spec reconstructed from the page.",
)
@plugin_option
@click.option("--sample", type=click.IntRange(min=0), default=0, show_default=True, help="The sample the page uses.")
@lr_option()
@click.option(
    "--annotate",
    "annotated",
    metavar="OUT",
    type=click.Path(dir_okay=False),
    help="Write a copy of DOC with each wrong number boxed and the exact value beside it.",
)
@json_option('Print {"results": [check\'s rows + line, text], "not_recognised", "problems"}.')
@click.pass_context
def audit(
    ctx: click.Context,
    doc: str,
    spec: str | None,
    settings: tuple[str, ...],
    write_spec: str | None,
    sample: int,
    lr: float | None,
    annotated: str | None,
    as_json: bool,
) -> None:
    """Read a worked example and judge every value on it, as `check` does.

    DOC is Markdown with $…$ / $$…$$ maths (also \\[…\\] and aligned rows) or
    a LaTeX file (.tex). Every chain of equalities that ends in a number is a
    value; a row that starts with `=` goes on with the chain above it:

    \b
      $$h_2 = 0.25 \\times 0.10 + 0.30 \\times 0.05 + 0.35$$
      $$= 0.39$$

    Its quantity comes from the left-hand side (\\text{net}_{h1}, net_h1,
    \\text{out } H_1, E_{o1}, E_{total}, \\frac{\\partial E}{\\partial w_5},
    \\delta_{o1}, W5_{new}, w_5^{+}), or from the arithmetic: weights × inputs
    + bias is a net, ½(t − y)² a loss term, and so on. Verdicts as in `check`:
    right, rounding, carried, or the slip (swapped, wrong-weight, missing-term,
    missing-factor, net-for-out, …); not-the-spec for a weight, input, target
    or η that the page states differently. A value that is not recognised is
    listed, never marked wrong.

    Without --spec the network is reconstructed from the page (its givens and
    the wiring its definitions reveal), printed, and used; what the page leaves
    open is named (pass --spec or --set NAME=VALUE).

    Exit status: 0 no mistake (rounding only is fine), 1 a mistake, 2 the page
    or the spec cannot be read.
    """
    from pathlib import Path

    from .._util.files import check_writable, write_atomic
    from ..teach.audit.audit import annotate, to_json
    from ..teach.audit.audit import audit as run_audit
    from ..teach.audit.scan import read_page
    from ..teach.verdict import Verdict

    if annotated:
        check_writable(annotated)
    page = read_page(doc)
    if spec:
        if settings or write_spec:
            raise click.UsageError("--set and --write-spec are for audit without --spec (the spec wins)")
        net = load_network(spec, ctx)
    else:
        from .audit_infer import network_from_page

        net = network_from_page(page, doc, settings, write_spec, quiet=as_json)
        spec = "the network read from the page"
    trace = net.trace(lr)
    if sample >= trace.n_samples:
        valid = f"0 to {trace.n_samples - 1}" if trace.n_samples > 1 else "0"
        raise click.BadParameter(f"{sample} is not a sample of {spec} (valid: {valid})", param_hint="--sample")
    result = run_audit(net, trace, page, sample)
    mistakes = result.mistakes
    broken_pipe_status[0] = EXIT_WRONG if mistakes else EXIT_OK
    if annotated:
        write_atomic(Path(annotated), annotate(page, result, tex=Path(doc).suffix.lower() in (".tex", ".latex")))
    if as_json:
        echo_json(to_json(result))
    else:
        from .audit_report import audit_table, leftovers, notes_below, page_summary
        from .check_report import summary

        out = console()
        wide = out.width >= 110  # a note column narrower than a sentence is unreadable
        if result.rows:
            out.print(audit_table(result, f"{doc} against {spec} (sample {sample})", notes=wide))
        else:
            out.print(f"{doc}: no value recognised (a value is maths like $$net_{{h1}} = … = 0.3775$$)", markup=False)
        for line in ([] if wide else notes_below(result)) + leftovers(result):
            out.print(line, markup=False, highlight=False)
        unread = len(result.unrecognised)
        out.print(page_summary(result), markup=False, highlight=False)
        judged = [r.verdict for r in result.rows if isinstance(r.verdict, Verdict)]
        if judged:  # the network's quantities as `check` counts them (steps of arithmetic: the line above)
            listed = f"; {unread} not recognised (listed above)" if unread else ""
            out.print("network quantities: " + summary(judged) + listed)
    if annotated:
        click.echo(f"annotated copy written to {annotated}", err=True)
    if mistakes:
        ctx.exit(EXIT_WRONG)
