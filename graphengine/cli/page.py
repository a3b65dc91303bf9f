"""``graphengine report`` and ``graphengine serve``: the step-through page, as a file or live."""

from __future__ import annotations

from typing import Any

import click

from ..errors import GraphEngineError
from .helpformat import Command
from .options import json_option, load_network, lr_option, plugin_option, spec_argument
from .output import EXIT_OK, console, echo_json

step_level_option = click.option(
    "--steps",
    "step_level",
    type=click.Choice(["auto", "nodes", "layers"]),
    default="auto",
    show_default=True,
    help="One step per neuron (nodes) or per layer (layers); auto: per layer beyond 30 neurons.",
)
replay_option = click.option(
    "--epochs",
    type=click.IntRange(min=1, max=100_000),
    help="Also train N epochs and add a replay: a slider over epochs, the loss curve, weights and colours following.",
)


def _page(ctx: click.Context, spec: str, lr: float | None, epochs: int | None, step_level: str, live: bool) -> str:
    from ..views.stepthrough.page import build_page

    layered = {"auto": None, "nodes": False, "layers": True}[step_level]
    return build_page(load_network(spec, ctx), learning_rate=lr, epochs=epochs, layered=layered, live=live)


@click.command(
    "report",
    short_help="Write the step-through page of one step: one HTML file.",
    cls=Command,
    examples=[
        "graphengine report specs/doc_example.yaml -o step.html",
        "graphengine report specs/xor.yaml -o xor.html --epochs 500",
    ],
)
@spec_argument
@plugin_option
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="FILE.html", help="The page to write."
)
@replay_option
@step_level_option
@lr_option("Learning rate (overrides the spec's).")
@json_option('Print {"written": [FILE.html], "bytes": N}.')
@click.pass_context
def report(
    ctx: click.Context,
    spec: str,
    output: str,
    epochs: int | None,
    step_level: str,
    lr: float | None,
    as_json: bool = False,
) -> None:
    """Write FILE.html: SPEC's training step, one computation at a time, on the diagram.

    Forward (net, out of each neuron), loss, backward (∂E/∂out, ∂out/∂net, δ), each ∂E/∂p
    and each update, with the formula and its numbers; keys → ← Home End, a link per step
    (#step-12), a before/after view of the update. The file needs no network (no CDN).
    """
    from pathlib import Path

    from .._util.files import check_writable, write_atomic

    if Path(output).suffix.lower() not in (".html", ".htm"):
        raise click.BadParameter(f"`{output}` must end in .html (the page is one HTML file)", param_hint="'-o'")
    check_writable(output)
    html = _page(ctx, spec, lr, epochs, step_level, live=False)
    write_atomic(Path(output), html)
    if as_json:
        echo_json({"written": [output], "bytes": len(html.encode("utf-8"))})
    else:
        console().print(f"page written to {output}")


@click.command(
    "serve",
    short_help="Serve the step-through page on 127.0.0.1, live.",
    cls=Command,
    examples=["graphengine serve specs/doc_example.yaml --port 8000"],
)
@spec_argument
@plugin_option
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port on 127.0.0.1 (0: any free)."
)
@replay_option
@step_level_option
@lr_option("Learning rate (overrides the spec's).")
@click.pass_context
def serve(ctx: click.Context, spec: str, port: int, epochs: int | None, step_level: str, lr: float | None) -> int:
    """Serve SPEC's step-through page at http://127.0.0.1:PORT/ for a live demo.

    Every number the spec gives (inputs, weights, biases, targets, learning rate) can be
    changed in the page: the engine recomputes and the page updates at the same step. The
    file changes only on "save to the spec" (comments kept). Editing the YAML in an editor
    reloads the page too; while the spec is broken the page shows the one-line error.
    Only this machine can connect, and only the page itself (a session token). Ctrl-C stops.
    """
    from pathlib import Path

    from .._util.reading import outside_data_allowed
    from ..engine.network import Network
    from ..views.stepthrough.page import build_page, error_page, given_inputs, live_parts
    from ..views.stepthrough.serve import HOST, LiveSpec, make_server
    from .options import registry_for

    layered = {"auto": None, "nodes": False, "layers": True}[step_level]

    def network(text: str) -> Network:
        with outside_data_allowed(ctx.ensure_object(dict).get("allow_outside_data", False)):
            return Network.from_yaml(text, registry_for(ctx), file=spec)

    def page(text: str, token: str) -> str:
        net = network(text)
        inputs = given_inputs(text, spec)
        return build_page(net, learning_rate=lr, epochs=epochs, layered=layered, live=True, token=token, inputs=inputs)

    def compute(text: str) -> dict[str, Any]:
        return live_parts(network(text), learning_rate=lr, epochs=epochs, layered=layered)

    live = LiveSpec(Path(spec), page, compute, error_page)
    try:
        server = make_server(live, port)
    except OSError as e:
        raise GraphEngineError(f"--port: cannot listen on {HOST}:{port}: {e.strerror or e}") from None
    click.echo(f"serving {spec} at http://{HOST}:{server.server_address[1]}/ (Ctrl-C stops)", err=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.server_close()
    return EXIT_OK
