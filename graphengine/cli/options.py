"""Arguments and options shared by the commands, each declared once; loading a spec with the
registry the options select. Choice lists come from the modules that define the choices."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..errors import GraphEngineError

if TYPE_CHECKING:
    from ..engine.network import Network
    from ..plugins.registry import Registry

#: A click command (or the function that becomes one) that an option decorates.
Decorated = TypeVar("Decorated", bound=Callable[..., Any])

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
    paths: list[str] = ctx.ensure_object(dict).get("plugin_paths", [])
    return paths


def registry_for(ctx: click.Context) -> Registry:
    """The registry the command-line options select: built-ins, entry points, --plugins,
    GRAPHENGINE_PLUGINS and the repository's plugins/ folder, each plugin verified."""
    from ..plugins.discovery import discover

    obj = ctx.ensure_object(dict)
    if "registry" not in obj:
        obj["registry"] = discover(plugin_paths(ctx))
    registry: Registry = obj["registry"]
    return registry


def load_network(spec: str, ctx: click.Context) -> Network:
    """Load a network with the registry the command-line options select (and, with
    ``--allow-outside-data``, data files outside the spec's folder); an output option naming
    the spec itself is refused first."""
    from .._util.gcpause import end_of_startup
    from .._util.reading import outside_data_allowed
    from ..engine.network import load

    check_outputs(ctx, spec)
    with outside_data_allowed(ctx.ensure_object(dict).get("allow_outside_data", False)):
        net = load(spec, registry=registry_for(ctx))
    end_of_startup()  # the collector runs again for the command's own work
    return net


# Options that name a file the command writes.
OUTPUT_PARAMETERS = ("output", "svg", "plot")


def check_outputs(ctx: click.Context, spec: str) -> None:
    """Before any work: every file the command will write (``-o``, ``--svg``, ``--plot``) can
    be written, and none is the spec itself, which it would replace (dropping its comments), or
    another file the command reads."""
    from .._util.files import check_writable

    for key in OUTPUT_PARAMETERS:
        target = ctx.params.get(key)
        if not target:
            continue
        option = "-o" if key == "output" else f"--{key}"
        for other, what in (
            (ctx.params.get("hand"), "the hand file"),
            *((p, "a plugin file") for p in plugin_paths(ctx)),
        ):
            if other and _same_file(target, other):
                raise click.UsageError(f"{option} `{target}` is {what} the command reads; write to another file", ctx)
        if _same_file(target, spec):
            raise click.UsageError(
                f"{option} `{target}` is the spec itself; write to another file (and rename it if you want "
                "to replace the spec, whose comments the written file would not keep)",
                ctx,
            )
        check_writable(target)  # after the input checks: a link to the spec is named as the spec


def _same_file(a: str, b: str) -> bool:
    import os

    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # the output does not exist yet: it cannot be an input
        return False


class OutputPath(click.Path):
    """A file to write: not empty, not a folder (the folder it goes into must exist: checked
    by :func:`~graphengine._util.files.check_writable` before any work)."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("an empty file name; give the file to write, such as out.yaml", param, ctx)
        return super().convert(value, param, ctx)


OUTPUT_PATH = OutputPath()

# ---------------------------------------------------------------------- shared options


def _allow_outside_data(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.ensure_object(dict)["allow_outside_data"] = True
    return value


def spec_argument(command: Decorated) -> Decorated:
    """The ``SPEC`` argument, and ``--allow-outside-data`` for the data files it names."""
    command = click.option(
        "--allow-outside-data",
        is_flag=True,
        expose_value=False,
        callback=_allow_outside_data,
        help="Let the spec read data files outside its own folder (absolute paths, `..`).",
    )(command)
    return click.argument("spec", type=click.Path(dir_okay=False))(command)


def lr_option(help: str = "Learning rate.") -> Callable[[Decorated], Decorated]:
    """``--lr`` / ``--learning-rate``: a positive finite number; ``help`` says what it overrides."""
    return click.option("--lr", "--learning-rate", "lr", type=LEARNING_RATE, help=help)


def json_option(help: str) -> Callable[[Decorated], Decorated]:
    """``--json`` (the parameter ``as_json``); ``help`` names the JSON's shape."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def precision_option(most: int, default: int, help: str) -> Callable[[Decorated], Decorated]:
    """``--precision``: decimals of the printed numbers, 1 to ``most``."""
    return click.option("--precision", type=click.IntRange(1, most), default=default, show_default=True, help=help)


def output_option(help: str, **options: Any) -> Callable[[Decorated], Decorated]:
    """``-o`` / ``--output FILE``."""
    return click.option("-o", "--output", type=OUTPUT_PATH, help=help, **options)


def diagram_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse an unknown diagram suffix before any work is done."""
    if value is not None:
        from ..views.diagram.render import output_format

        try:
            output_format(value)
        except GraphEngineError as e:
            raise click.BadParameter(e.message) from None
    return value


def parse_show(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    """``--show PARTS`` of a diagram, checked."""
    from ..views.diagram.render import parse_show as parse

    try:
        return parse(value)
    except GraphEngineError as e:
        raise click.BadParameter(e.message) from None


svg_option = click.option(
    "--svg",
    type=OUTPUT_PATH,
    metavar="FILE",
    callback=diagram_path,
    help="Also draw the annotated diagram into FILE (.svg; .png, .pdf, .dot work too; needs Graphviz).",
)


def detail_option(command: Decorated) -> Decorated:
    """``--detail`` of the diagram commands (the views' modules load with those commands, not with ``run``)."""
    from ..views.diagram.annotated import DETAILS

    return click.option(
        "--detail",
        type=click.Choice(list(DETAILS)),
        default="auto",
        show_default=True,
        help="full: numbers on nodes and edges; nodes: no edge labels; names: names only. "
        "auto: full up to 40 edges, names beyond 250 nodes.",
    )(command)


def document_format_option(command: Decorated) -> Decorated:
    """``--format`` of a derivation document."""
    from ..views.derivation.document import RENDERERS

    return click.option("--format", "fmt_", type=click.Choice(list(RENDERERS)), default="text", show_default=True)(
        command
    )


def exercise_network_options(command: Decorated) -> Decorated:
    """``--shape``, ``--activation`` and ``--loss`` of a generated network (``exercise``, ``new``),
    declared once."""
    command = click.option(
        "--loss",
        type=click.Choice(["half_squared_error", "mse", "binary_cross_entropy"]),
        default="half_squared_error",
        show_default=True,
    )(command)
    command = click.option(
        "--activation",
        type=click.Choice(["sigmoid", "tanh", "relu", "identity"]),
        default="sigmoid",
        show_default=True,
    )(command)
    return click.option(
        "--shape", default="2-2-2", show_default=True, help="Layer sizes, inputs first (2 to 5 layers of 1 to 4)."
    )(command)
