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
    help="One name a line: DIR/students/NAME/ per student with their own numbers, the answers in DIR/key/.",
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

    What a student may see is kept apart from the answers:

    \b
    DIR/worksheet.md       the task, the given numbers, the network
    DIR/worksheet.tex      drawn with a box per asked value, and
    DIR/worksheet.pdf      the blanks (PDF when pdflatex is there)
    DIR/blank.yaml         the hand file a student fills in
    DIR/key/spec.yaml      the network (a spec like any other)
    DIR/key/answers.md     the answers and the whole derivation
    DIR/key/answers.yaml   the exact answers as a hand file

    Hand out DIR without key/. With --students each student gets their own numbers
    (seeded by --seed and the name):

    \b
    DIR/students/NAME/  worksheet.*, network.*, blank.yaml: hand it out as it is
    DIR/key/NAME/       spec.yaml, answers.md, answers.yaml
    DIR/key/key.csv     every student's answers

    Put the filled-in blank.yaml back in DIR/students/NAME/; `graphengine grade DIR`
    marks them all.
    """
    from pathlib import Path

    from ..teach.exercise.folder import exercise_files, key_csv, write_exercise, write_files
    from ..teach.exercise.generate import Options, folder_names, generate, parse_shape, read_students
    from ..teach.exercise.handout import KEY_DIR, KEY_FILE, STUDENTS_DIR, class_files, exercise_layout

    options = Options(parse_shape(shape), activation, loss, samples, shared_bias, ask, seed)
    registry = registry_for(ctx)
    folder = Path(output)
    if students is None:
        made = generate(options, registry=registry)
        files = exercise_layout(exercise_files(made, pdf))
        moved, left = write_exercise(folder, files, force)
        for name in left:  # not ours to remove: said, since the folder is what a student gets
            click.echo(f"note: {folder / name} lies beside the worksheet: keep it out of what you hand out", err=True)
        if as_json:
            echo_json({"written": [str(folder / name) for name in files], "blanks": len(made.asked)})
        else:
            seen = [name for name in files if "/" not in name]
            click.echo(
                f"exercise written to {folder}: {', '.join(seen)} (to hand out) and the answers to "
                f"{folder / KEY_DIR}/ ({len(made.asked)} blanks)"
                + (f"; the earlier {', '.join(moved)} beside the worksheet removed" if moved else "")
            )
        return
    names = read_students(students)
    subs = folder_names(names)
    made_for = [(sub, generate(options, student=name, registry=registry)) for name, sub in zip(names, subs)]
    own = [(sub, exercise_files(made, pdf)) for sub, made in made_for]
    files = class_files(own, key_csv(made_for).encode())
    write_files(folder, files, force)
    key = folder / KEY_DIR / KEY_FILE
    if as_json:
        echo_json(
            {
                "written": [str(folder / name) for name in files],
                "students": [
                    {"name": name, "folder": str(folder / STUDENTS_DIR / sub), "key": str(folder / KEY_DIR / sub)}
                    for name, sub in zip(names, subs)
                ],
                "key": str(key),
            }
        )
        return
    click.echo(
        f"{len(names)} exercises written to {folder / STUDENTS_DIR}/ (one folder per student, to hand out) "
        f"and the answers to {folder / KEY_DIR}/"
    )
