"""Arguments and options shared by the commands, each declared once; loading a spec with the
registry the options select. Choice lists come from the modules that define the choices."""

from __future__ import annotations

import math
from typing import Any

import click

from ..diagram import DETAILS
from ..document import RENDERERS
from ..errors import GraphEngineError

# ---------------------------------------------------------------------- value types


class _PositiveFinite(click.FloatRange):
    """A float > 0 that is not infinite or NaN (click's FloatRange lets `inf` and `nan` through)."""

    def __init__(self) -> None:
        super().__init__(min=0, min_open=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number; give a positive number such as 0.1", param, ctx)
        return number


LEARNING_RATE = _PositiveFinite()

# ---------------------------------------------------------------------- plugins and loading


def _remember_plugins(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    ctx.ensure_object(dict).setdefault("plugin_paths", []).extend(value)
    return value


plugin_option = click.option(
    "--plugins",
    multiple=True,
    metavar="PATH",
    expose_value=False,
    callback=_remember_plugins,
    help="Plugin file or folder to load (repeatable; also GRAPHENGINE_PLUGINS).",
)


def plugin_paths(ctx: click.Context) -> list[str]:
    """The --plugins paths given anywhere on the command line."""
    return ctx.ensure_object(dict).get("plugin_paths", [])


def registry_for(ctx: click.Context) -> Any:
    """The registry the command-line options select: built-ins, entry points, --plugins,
    GRAPHENGINE_PLUGINS and the repository's plugins/ folder, each plugin verified."""
    from ..plugins import discover

    obj = ctx.ensure_object(dict)
    if "registry" not in obj:
        obj["registry"] = discover(plugin_paths(ctx))
    return obj["registry"]


def load_network(spec: str, ctx: click.Context) -> Any:
    """Load a network with the registry the command-line options select."""
    from ..network import load

    return load(spec, registry=registry_for(ctx))


# ---------------------------------------------------------------------- shared options

spec_argument = click.argument("spec", type=click.Path(dir_okay=False))


def lr_option(help: str = "Learning rate.") -> Any:
    """``--lr`` / ``--learning-rate``: a positive finite number; ``help`` says what it overrides."""
    return click.option("--lr", "--learning-rate", "lr", type=LEARNING_RATE, help=help)


def json_option(help: str) -> Any:
    """``--json`` (the parameter ``as_json``); ``help`` names the JSON's shape."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def precision_option(most: int, default: int, help: str) -> Any:
    """``--precision``: decimals of the printed numbers, 1 to ``most``."""
    return click.option("--precision", type=click.IntRange(1, most), default=default, show_default=True, help=help)


def output_option(help: str, **options: Any) -> Any:
    """``-o`` / ``--output FILE``."""
    return click.option("-o", "--output", type=click.Path(dir_okay=False), help=help, **options)


def diagram_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse an unknown diagram suffix before any work is done."""
    if value is not None:
        from ..render import output_format

        try:
            output_format(value)
        except GraphEngineError as e:
            raise click.BadParameter(e.message) from None
    return value


def parse_show(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    """``--show PARTS`` of a diagram, checked."""
    from ..render import parse_show as parse

    try:
        return parse(value)
    except GraphEngineError as e:
        raise click.BadParameter(e.message) from None


svg_option = click.option(
    "--svg",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    callback=diagram_path,
    help="Also draw the annotated diagram into FILE (.svg; .png, .pdf, .dot work too; needs Graphviz).",
)

detail_option = click.option(
    "--detail",
    type=click.Choice(list(DETAILS)),
    default="auto",
    show_default=True,
    help="full: numbers on nodes and edges; nodes: no edge labels; names: names only. "
    "auto: full up to 40 edges, names beyond 250 nodes.",
)

document_format_option = click.option(
    "--format", "fmt_", type=click.Choice(list(RENDERERS)), default="text", show_default=True
)
