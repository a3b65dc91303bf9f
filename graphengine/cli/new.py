"""``graphengine new FILE.yaml``: a commented starter spec with nice numbers, ready to run.

The network and its numbers come from the exercise generator
(:func:`graphengine.teach.exercise.generate.generate`): a layered network with weights,
biases, inputs and targets of at most two decimals, safe to work through by hand. This
module only puts a comment above each section saying what it is and what else it takes.
"""

from __future__ import annotations

import click

from .helpformat import Command
from .options import OUTPUT_PATH, exercise_network_options, json_option, plugin_option, registry_for
from .output import echo_json

# What each top-level key of the starter spec is, written above it.
SECTION_COMMENTS = {
    "inputs": ["The input neurons, by name; each sample under `data` gives every one a value."],
    "outputs": ["The output neurons; each sample under `data` gives every one a target."],
    "nodes": [
        "Every neuron that is not an input: its activation (sigmoid, tanh, relu, identity,",
        "softplus, …) and its bias, a number or the name of a parameter below. Leave `bias`",
        "out for a neuron without one. `graphengine plugins` lists every activation.",
    ],
    "edges": [
        "The connections, one per line: `from` → `to`, with a weight that is a number or the",
        "name of a parameter below (one name on several edges shares the weight).",
    ],
    "parameters": [
        "The named weights and biases and their values. `{value: 0.3, trainable: false}`",
        "keeps one fixed during training.",
    ],
    "loss": [
        "What a step makes smaller: half_squared_error ½·Σ(t − y)², mse (the mean of (t − y)²),",
        "binary_cross_entropy (outputs in (0, 1)), … `graphengine plugins` lists them all.",
    ],
    "data": [
        "The samples: a value for every input and a target for every output. Add more",
        "`- inputs: …` items, or name a CSV file (see `graphengine train --help`).",
    ],
    "training": [
        "The learning rate of a gradient-descent step (`run`, `explain`, `train`); add",
        "`epochs: 1000` for `graphengine train`.",
    ],
}


def starter_spec(text: str, name: str, command: str, file: str) -> str:
    """The generator's spec ``text`` with its own header, ``name`` and a comment above each section."""
    lines = [
        "# A starter spec, made by",
        f"#   {command}",
        f"# Try: graphengine run {file}          (one step, every number)",
        f"#      graphengine explain {file}      (the chain rule, written out)",
        f"#      graphengine render {file} -o {name}.svg",
    ]
    for line in text.splitlines():
        if line.startswith("#"):
            continue  # the generator's header names the exercise command
        key = line.split(":", 1)[0] if line[:1].isalpha() else ""
        if key == "name":
            line = f"name: {name}"
        elif key == "description":
            line = line.split(", exercise seed", 1)[0]
        elif key in SECTION_COMMENTS:
            lines += [f"# {comment}" for comment in SECTION_COMMENTS[key]]
        lines.append(line)
    return "\n".join(lines) + "\n"


def _yaml_name(stem: str) -> str:
    """The file's stem as a plain YAML name (characters YAML reads as syntax dropped)."""
    return "".join(c for c in stem if c.isalnum() or c in "_-.") or "my_net"


@click.command(
    "new",
    short_help="Write a commented starter spec with nice numbers.",
    cls=Command,
    examples=[
        "graphengine new my_net.yaml && graphengine run my_net.yaml",
        "graphengine new deep.yaml --shape 2-3-3-1 --activation tanh --loss mse",
    ],
)
@click.argument("file", type=OUTPUT_PATH)
@exercise_network_options
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Same seed, same numbers.")
@json_option('Print {"written": [FILE], "nodes": N, "edges": N, "parameters": N}.')
@plugin_option
@click.pass_context
def new(ctx: click.Context, file: str, shape: str, activation: str, loss: str, seed: int, as_json: bool) -> None:
    """Write FILE (a new file: an existing one is never replaced), a spec to start
    from: a layered network with nice numbers and a comment on every section.

    The numbers come from the exercise generator (`graphengine exercise`): at most
    two decimals, no zeros, every neuron alive. The same options give the same file.
    """
    from pathlib import Path

    from .._util.files import check_writable, write_new
    from ..errors import GraphEngineError
    from ..teach.exercise.generate import Options, generate, parse_shape

    path = Path(file)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise click.BadParameter(f"`{file}` must end in .yaml or .yml (a spec is YAML)", param_hint="'FILE'")
    check_writable(path)
    if path.exists():
        raise GraphEngineError("already exists; choose another name (nothing was written)", file=file)
    options = Options(parse_shape(shape), activation, loss, seed=seed)
    try:
        made = generate(options, registry=registry_for(ctx))
    except GraphEngineError as e:
        if "no safe exercise" not in e.message:
            raise
        raise GraphEngineError(
            f"--shape {shape} --activation {activation}: no draw of nice numbers keeps every neuron "
            "alive and every gradient visible; try another --seed or a smaller shape"
        ) from None
    command = f"graphengine new {file} --shape {shape} --activation {activation} --loss {loss} --seed {seed}"
    write_new(path, starter_spec(made.spec, _yaml_name(path.stem), command, file))
    graph = made.net.graph
    if as_json:
        echo_json(
            {
                "written": [file],
                "nodes": graph.number_of_nodes(),
                "edges": graph.number_of_edges(),
                "parameters": len(made.net.plan.parameter_names),
            }
        )
    else:
        click.echo(f"{file} written: a {shape} {activation} network; try `graphengine run {file}`")
