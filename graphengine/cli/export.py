"""``graphengine export`` and ``graphengine import``: hand a network to PyTorch/ONNX, and take a dense model back."""

from __future__ import annotations

import os

import click

from .helpformat import Command
from .options import json_option, load_network, plugin_option, registry_for, spec_argument
from .output import echo_json


@click.command(
    "export",
    short_help="Write SPEC as a PyTorch module, an ONNX model or a weights file.",
    cls=Command,
    examples=[
        "graphengine export specs/xor.yaml -o xor.onnx",
        "graphengine export specs/doc_example.yaml -o doc_example.py",
    ],
)
@spec_argument
@plugin_option
@click.option("-o", "--output", required=True, metavar="FILE", help="FILE.py | FILE.onnx | FILE.safetensors | FILE.npz")
@click.option(
    "--to",
    type=click.Choice(["torch", "onnx", "safetensors", "npz"]),
    help="The format, when the suffix does not say it.",
)
@click.option(
    "--dtype",
    type=click.Choice(["float64", "float32"]),
    default="float64",
    show_default=True,
    help="Float type of the PyTorch module or ONNX model (weights files are float64).",
)
@json_option('Print {"written": [FILE], "format": ..., "parameters": N}.')
@click.pass_context
def export_command(
    ctx: click.Context, spec: str, output: str, to: str | None, dtype: str, as_json: bool = False
) -> None:
    """Write SPEC (with its current values) for other tools, in the format the suffix says:

    \b
      .py           PyTorch module: class Network(nn.Module)
      .onnx         ONNX model (double) for onnxruntime
      .safetensors  every parameter by spec name, float64
      .npz          the same, as a numpy archive
    """
    from ..interop.export import export, format_of

    format_of(output, to)  # a wrong suffix is reported before the spec is even read
    net = load_network(spec, ctx)
    fmt = export(net, output, to, dtype, source=os.path.basename(spec))
    if as_json:
        echo_json({"written": [output], "format": fmt, "parameters": len(net.plan.parameter_names)})
    else:
        click.echo(f"{spec}: wrote {output} ({fmt}, {len(net.plan.parameter_names)} parameters)", err=True)


@click.command(
    "import",
    short_help="Turn a dense ONNX model into a spec with `layers:`.",
    cls=Command,
    examples=[
        "graphengine export specs/moons.yaml -o moons.onnx \\",
        "    && graphengine import moons.onnx -o moons_imported.yaml",
    ],
)
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, metavar="SPEC.yaml", help="The spec to write.")
@json_option('Print {"written": [SPEC.yaml], "nodes": N, "edges": N, "parameters": N}.')
@click.option(
    "--allow-outside-data",
    is_flag=True,
    help="Let the model's external data files lie outside its own folder (absolute paths, `..`).",
)
@click.pass_context
def import_command(
    ctx: click.Context, model: str, output: str, allow_outside_data: bool, as_json: bool = False
) -> None:
    """Read MODEL.onnx (Gemm, or MatMul + Add, and Tanh, Relu, Sigmoid, LeakyRelu, Softplus
    activations) and write a spec with its layers and weights, to run, render or explain."""
    from pathlib import Path

    from .._util.files import check_writable, write_atomic
    from .._util.reading import outside_data_allowed
    from ..engine.network import Network
    from ..interop.onnx_import import import_onnx

    check_writable(output)
    with outside_data_allowed(allow_outside_data):
        text = import_onnx(model)
    net = Network.from_yaml(text, registry_for(ctx), file=output)  # the spec is valid before it is written
    write_atomic(Path(output), text)
    if as_json:
        graph = net.graph
        echo_json(
            {
                "written": [output],
                "nodes": graph.number_of_nodes(),
                "edges": graph.number_of_edges(),
                "parameters": len(net.plan.parameter_names),
            }
        )
    else:
        click.echo(f"{model}: wrote {output}", err=True)
