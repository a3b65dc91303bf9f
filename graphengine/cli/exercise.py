"""``graphengine exercise``: a fresh exercise per student (``graphengine grade`` marks them: cli/grade.py)."""

from __future__ import annotations

import click

from .helpformat import Command
from .options import exercise_network_options, json_option, plugin_option, registry_for
from .output import echo_json


@click.command(
    short_help="Make an exercise: worksheet, answers, a sheet to fill in.",
    cls=Command,
    examples=["graphengine exercise -o sheet --shape 2-2-1 --seed 3"],
)
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), metavar="DIR", help="Folder to write.")
@exercise_network_options
@click.option("--samples", type=click.IntRange(1, 2), default=1, show_default=True, help="Data samples (1 or 2).")
@click.option("--shared-bias", is_flag=True, help="One bias per layer, shared by its neurons (as the worked example).")
@click.option(
    "--ask",
    type=click.Choice(["forward", "output", "all", "update"]),
    default="all",
    show_default=True,
    help="forward: net, out, loss; output: and the output layer's gradients; all: every gradient; update: and the step.",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Same seed, same exercise.")
@click.option(
    "--students",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="One name a line: a folder per student with their own numbers, and the class key DIR/key.csv.",
)
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="Compile worksheet.pdf (when pdflatex is there).")
@json_option('Print {"written": [files...], "blanks": N} (with --students: "students", "key").')
@click.option(
    "--force", is_flag=True, help="Replace files in DIR changed since exercise wrote them (filled-in sheets)."
)
@plugin_option
@click.pass_context
def exercise(
    ctx: click.Context,
    output: str,
    shape: str,
    activation: str,
    loss: str,
    samples: int,
    shared_bias: bool,
    ask: str,
    seed: int,
    students: str | None,
    pdf: bool,
    force: bool,
    as_json: bool = False,
) -> None:
    """Make a backpropagation exercise with nice numbers, and everything to mark it.

    \b
    DIR/spec.yaml      the network (a spec like any other)
    DIR/worksheet.md   the task, the given numbers, the network
    DIR/worksheet.tex  drawn with a box per asked value, and
    DIR/worksheet.pdf  the blanks (PDF when pdflatex is there)
    DIR/blank.yaml     the hand file a student fills in
    DIR/answers.md     the answers and the whole derivation
    DIR/answers.yaml   the exact answers as a hand file

    With --students, DIR/NAME/ holds each student's own exercise (numbers seeded by
    --seed and the name) and DIR/key.csv every answer. `graphengine grade DIR` marks
    the filled-in sheets.
    """
    from pathlib import Path

    from ..teach.exercise.folder import exercise_files, key_csv, write_files
    from ..teach.exercise.generate import Options, folder_names, generate, parse_shape, read_students

    options = Options(parse_shape(shape), activation, loss, samples, shared_bias, ask, seed)
    registry = registry_for(ctx)
    folder = Path(output)
    if students is None:
        made = generate(options, registry=registry)
        files = exercise_files(made, pdf)
        write_files(folder, files, force)
        if as_json:
            echo_json({"written": [str(folder / name) for name in files], "blanks": len(made.asked)})
        else:
            click.echo(f"exercise written to {folder}: {', '.join(files)} ({len(made.asked)} blanks)")
        return
    names = read_students(students)
    files = {}
    made_for = []
    for name, sub in zip(names, folder_names(names)):
        made = generate(options, student=name, registry=registry)
        made_for.append((sub, made))
        files |= {f"{sub}/{file}": data for file, data in exercise_files(made, pdf).items()}
    files["key.csv"] = key_csv(made_for).encode()
    write_files(folder, files, force)
    if as_json:
        echo_json(
            {
                "written": [str(folder / name) for name in files],
                "students": [
                    {"name": name, "folder": str(folder / sub)} for name, sub in zip(names, folder_names(names))
                ],
                "key": str(folder / "key.csv"),
            }
        )
        return
    click.echo(f"{len(names)} exercises written to {folder}/ (one folder per student) and the key to {folder}/key.csv")
