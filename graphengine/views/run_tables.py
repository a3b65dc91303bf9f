"""The tables of ``graphengine run`` (every node, the loss, every parameter of one step), drawn in
one place for the CLI and for ``print(trace)`` (:func:`run_text`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .._util.numfmt import table_number

if TYPE_CHECKING:
    import networkx as nx
    from rich.console import Console
    from rich.table import Table

    from ..engine.trace import Trace

__all__ = ["plain_table", "run_report", "run_text"]


def plain_table(
    title: str,
    columns: Sequence[str],
    left: Sequence[str] = (),
    optional: Sequence[str] = (),
    described: dict[str, str] | None = None,
) -> Table:
    """A rich table titled on the left: ``left`` columns left-aligned, the numbers right-aligned."""
    from rich.table import Table

    result = Table(title=title, title_justify="left")
    for column in columns:
        result.add_column(column, justify="left" if column in left else "right")
    return result


def run_report(
    G: nx.DiGraph,
    trace: Trace,
    precision: int,
    out: Console,
    table: Callable[..., Table] | None = None,
    max_samples: int = 3,
    title: str | None = None,
) -> None:
    """The tables of ``run``: every node of the first samples, the loss, every parameter, printed
    on ``out`` (a rich console); ``table(title, columns, left, optional)`` makes each table (the
    CLI's fits the terminal by dropping optional columns; by default a plain rich table)."""
    from ..model.graph import parameter_uses

    table = table or plain_table
    p = trace.plan

    def number(x: float) -> str:
        return table_number(x, precision)

    title = title or G.graph.get("name")
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
                node = G.nodes[name]
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
        targets = dict(zip(G.graph["outputs"], trace.targets[s].tolist()))
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
    uses = parameter_uses(G)
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


def run_text(trace: Trace, precision: int = 9, width: int | None = None) -> str:
    """``run``'s tables for ``trace`` as plain text (``print(trace)``): no colour, the terminal's
    width (at least 100 columns, so that every column shows)."""
    import io
    import shutil

    from rich.console import Console

    G = trace.graph
    if G is None:
        return repr(trace)
    text = io.StringIO()
    columns = width or max(100, shutil.get_terminal_size((120, 24)).columns)
    out = Console(file=text, width=columns, highlight=False, color_system=None, force_terminal=False)
    run_report(G, trace, precision, out)
    return "\n".join(line.rstrip() for line in text.getvalue().rstrip("\n").splitlines())
