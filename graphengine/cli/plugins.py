"""``graphengine plugins`` (list every activation, loss and optimiser) and ``plugins check``."""

from __future__ import annotations

import click

from .helpformat import Group
from .options import json_option, plugin_option, plugin_paths, registry_for
from .output import EXIT_INVALID, console, echo_json, table


@click.group(
    invoke_without_command=True,
    short_help="List every activation, loss and optimiser, or check them.",
    cls=Group,
    examples=["graphengine plugins", "graphengine plugins --json"],
)
@plugin_option
@json_option('Print {"activations": [...], "losses": [...], "optimizers": [...]} as JSON.')
@click.pass_context
def plugins(ctx: click.Context, as_json: bool) -> None:
    """List every activation, loss and optimiser: name, parameters, source, description.

    \b
    Sources, in order (a name taken twice is an error naming both):
      built-in; installed packages' entry points
      (graphengine.plugins.activations, graphengine.plugins.losses,
      graphengine.plugins.optimizers); --plugins PATH and GRAPHENGINE_PLUGINS;
      the repository's plugins/ folder.
    Every plugin's derivative is checked against finite differences as it loads;
    `graphengine plugins check` reports on each one.
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..plugins.discovery import describe

    listing = describe(registry_for(ctx))
    if as_json:
        echo_json(listing)
        return
    from rich.markup import escape

    out = console()
    columns = ("name", "parameters", "source", "description")
    for kind, rows in listing.items():
        kind_table = table(kind.capitalize(), columns, left=columns, overflow="fold")
        for row in rows:
            params = ", ".join(f"{k}={v:g}" for k, v in row["params"].items())
            kind_table.add_row(*(escape(text) for text in (row["name"], params, row["source"], row["description"])))
        out.print(kind_table)


@plugins.command("check", examples=["graphengine plugins check"])
@plugin_option
@click.pass_context
def plugins_check(ctx: click.Context) -> None:
    """Check every plugin's derivative against central finite differences.

    Each activation and its derivative are called on float64 arrays at points
    spread over [-3.7, 3.3]; each loss and its gradient on outputs in (0, 1); both
    at the default parameters and at halved ones; each optimiser takes three steps,
    which must be finite and shaped like the gradient. Exit status 2 if any is wrong.
    """
    from ..plugins.discovery import discover
    from ..plugins.registry import KINDS, Optimizer
    from ..plugins.verify import check_all

    registry = discover(plugin_paths(ctx), verify_plugins=False)
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
