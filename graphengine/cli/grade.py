"""``graphengine grade``: mark filled-in exercise sheets in bulk and name the slips the class makes."""

from __future__ import annotations

import click

from .helpformat import Command
from .options import json_option, plugin_option, registry_for
from .output import EXIT_INVALID, console, echo_json


@click.command(
    short_help="Mark filled-in exercise sheets and name the slips.",
    cls=Command,
    examples=["graphengine exercise -o sheet --no-pdf && graphengine grade sheet"],
)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@plugin_option
@json_option('Print {"sheets": [...], "slips": [...], "most_common": CODE}.')
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV row per student and quantity.")
@click.option(
    "--follow-through/--no-follow-through",
    default=True,
    help="A step done right on an earlier wrong value (`carried`) earns its mark (default); strict: it does not.",
)
@click.option(
    "--gradebook",
    type=click.Choice(["moodle", "canvas"]),
    help="Print the marks earned as a gradebook CSV for Moodle's or Canvas's grade import.",
)
@click.option("--assignment", default="Backpropagation exercise", show_default=True, help="The gradebook's column.")
@click.option(
    "--feedback",
    "feedback_dir",
    type=click.Path(file_okay=False),
    help="Write one Markdown feedback file per student into this folder (their wrong lines, why, the exact value).",
)
@click.pass_context
def grade(
    ctx: click.Context,
    paths: tuple[str, ...],
    as_json: bool,
    as_csv: bool,
    follow_through: bool,
    gradebook: str | None,
    assignment: str,
    feedback_dir: str | None,
) -> None:
    """Mark filled-in exercise sheets in bulk, and say which slips the class makes.

    PATHS are class folders (every student folder in them), exercise folders (their
    spec.yaml and filled-in blank.yaml) or sheet files (with spec.yaml next to them).
    Each value is judged as `graphengine check` does: right within one unit of its
    last written digit, else wrong with the slip it is (sign, rounding, uphill, …);
    a blank left empty or missing is `unanswered`. The score is the marks earned: right
    values, values that follow from the learner's own by rounding and (follow-through,
    the default) steps done right on an earlier mistake.

    A line that cannot be read is named (`unreadable`, one `error:` line each) and the
    rest of its sheet graded; `≈`, `~`, a leading `=`, a decimal comma, a Unicode minus and
    a key with one clear did-you-mean are read, with a note.

    Exit status: 0 every line read, 2 a line, sheet or spec could not be read.
    """
    from .._util.escape import terminal
    from ..teach.exercise.grade import grade as grade_all
    from ..teach.exercise.grade_output import to_csv, to_json
    from ..teach.exercise.handback import feedback, gradebook_csv, login
    from .grade_report import report

    if sum(map(bool, (as_json, as_csv, gradebook))) > 1:
        raise click.UsageError("choose one of --json, --csv and --gradebook")
    sheets = grade_all(list(paths), registry_for(ctx), follow_through)
    if feedback_dir:
        from pathlib import Path

        folder = Path(feedback_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for sheet in sheets:
            (folder / f"{login(sheet)}.md").write_text(feedback(sheet), encoding="utf-8")
    if gradebook:
        click.echo(gradebook_csv(sheets, gradebook, assignment), nl=False)
    elif as_json:
        echo_json(to_json(sheets))
    elif as_csv:
        click.echo(terminal(to_csv(sheets), keep_newlines=True), nl=False)
    else:
        report(sheets, console())
    for sheet in sheets:
        if sheet.error:
            click.echo(f"error: {terminal(sheet.error)}", err=True)
        for problem in sheet.problems:
            click.echo(f"error: {terminal(problem)}", err=True)
    if any(sheet.error or sheet.problems for sheet in sheets):
        ctx.exit(EXIT_INVALID)
