"""The files of an exercise folder: the answers (the derivation with the blanks' letters, and
a hand file), the blank template a learner fills in, the class key, and writing them all.

>>> from graphengine.teach.exercise.generate import Options, generate
>>> files = exercise_files(generate(Options(seed=7)))       # doctest: +SKIP
>>> list(files)[:3]                                          # doctest: +SKIP
['spec.yaml', 'network.svg', 'network.pdf']
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from ..._util.numfmt import derivation_number as number
from ...views.derivation.document import Derivation, Eq, Para, Table, _dedupe
from ...views.derivation.explain import Explainer, explain
from .blanks import SIGNIFICANT, written
from .drawing import DIAGRAM, printed_drawing, without_date
from .drawn_name import drawn_name, needs_drawing
from .generate import Exercise
from .handout import ANSWERS_FILE, FLAT_KEY_FILES, KEY_DIR, NAME_FIGURE, SHEET_FILE, SPEC_FILE
from .worksheet import (
    compile_pdf,
    digits_example,
    meaning,
    symbol,
    worksheet_latex,
    worksheet_markdown,
)

# ---------------------------------------------------------------------- answers and hand files


def answers_markdown(ex: Exercise) -> str:
    """A table of the answers, then explain's whole derivation with each blank's letter at the
    equation that gives it."""
    x = Explainer(ex.net, ex.trace, SIGNIFICANT)
    doc = Derivation(
        f"Answers: backpropagation exercise {ex.net.spec.name}" + (f" for {ex.student}" if ex.student else "")
    )
    doc.add(
        Para(
            f"Every blank to {SIGNIFICANT} significant digits and exactly (float64, as in `{ANSWERS_FILE}`); "
            f"the derivation below marks the equation that gives each one with its letter."
        )
    )
    rows = [[f"({b})", symbol(x, q).text, q, written(ex.answer(q)), repr(ex.answer(q))] for q, b in ex.blanks.items()]
    doc.add(Table(["blank", "quantity", "hand file", "answer", "exact"], rows))
    derivation = explain(ex.net, ex.trace, digits=SIGNIFICANT, full=True)
    wanted = {symbol(x, q).text: (b, number(ex.answer(q), SIGNIFICANT)) for q, b in ex.blanks.items()}
    for item in derivation.items:
        if isinstance(item, Eq):
            parts = _dedupe(item.parts)
            letter, value = wanted.get(parts[0].text, ("", None))
            if letter and parts[-1].text == value:
                item = Eq(item.parts, f"({letter})" + (f" {item.label}" if item.label else ""), item.indent)
        doc.add(item)
    return doc.render("markdown")


def _hand_lines(ex: Exercise, values: dict[str, str], comment: Callable[[str], str]) -> list[str]:
    width = max(len(q) for q in ex.asked) + 2
    lines = ["sample: 0" + " " * max(1, width - 8) + "# node values are sample 0's"] if ex.trace.n_samples > 1 else []
    for q, letter in ex.blanks.items():
        value = values.get(q, "")
        lines.append(f"{q + ':':<{width}}{value + ' ' if value else ''}# ({letter}) {comment(q)}".rstrip())
    return lines


def answers_yaml(ex: Exercise) -> str:
    """The exact answers as a hand file (``check spec.yaml --expect answers.yaml`` passes)."""
    head = [
        f"# The exact answers of {ex.net.spec.name}"
        + (f" for {ex.student}" if ex.student else "")
        + ", as a hand file:",
        f"#   graphengine check {SPEC_FILE} --expect {ANSWERS_FILE}",
    ]
    values = {q: repr(ex.answer(q)) for q in ex.asked}
    return "\n".join(head + _hand_lines(ex, values, lambda q: "")) + "\n"


def blank_yaml(ex: Exercise) -> str:
    """The template a learner fills in: every asked quantity, in worksheet order, its letter as a comment."""
    x = Explainer(ex.net, ex.trace, SIGNIFICANT)
    head = [
        f"# {ex.net.spec.name}"
        + (f" for {ex.student}" if ex.student else "")
        + f": write each answer after its name, to {SIGNIFICANT} significant digits",
        f"# ({digits_example(ex)}). The letters are the worksheet's blanks.",
    ]
    if ex.student:
        head.append(f"# student: {ex.student}")
    return "\n".join(head + _hand_lines(ex, {}, lambda q: meaning(x, q))) + "\n"


# ---------------------------------------------------------------------- files


def exercise_files(ex: Exercise, pdf: bool = True) -> dict[str, bytes]:
    """Every file of one exercise folder, name → content (worksheet.pdf when pdflatex is there)."""
    from ...views.diagram.blank import blank_dot
    from ...views.diagram.render import pipe

    o = ex.options
    # The name once, in the title: a long name in the caption twice would widen the drawing.
    about = f"{'-'.join(map(str, o.shape))} {o.activation} network, exercise seed {o.seed}"
    title = (ex.net.spec.name or "") + (f" for {ex.student}" if ex.student else "")
    dot = blank_dot(ex.net.graph, ex.trace, ex.blanks, title=title, description=about)
    files = {SPEC_FILE: ex.spec.encode()}
    files[f"{DIAGRAM}.svg"] = pipe(dot, "svg")
    printed = printed_drawing(ex.net.graph, ex.trace, ex.blanks, title, about)  # its labels at 9 pt on paper
    files |= printed.files()
    files["worksheet.md"] = worksheet_markdown(ex).encode()
    figures = printed.files()
    drawn = drawn_name(ex.student) if ex.student and needs_drawing(ex.student) else None
    if drawn is not None:  # a name pdflatex cannot print: drawn for the title (drawn_name.py)
        files[NAME_FIGURE] = figures[NAME_FIGURE] = without_date(drawn.pdf)
    name_drawn = (drawn.height, drawn.baseline) if drawn is not None else None
    tex = worksheet_latex(ex, printed, name_drawn)
    files["worksheet.tex"] = tex.encode()
    if pdf:
        compiled = compile_pdf(tex, figures)
        if compiled is not None:
            files["worksheet.pdf"] = compiled
    files["answers.md"] = answers_markdown(ex).encode()
    files[ANSWERS_FILE] = answers_yaml(ex).encode()
    files[SHEET_FILE] = blank_yaml(ex).encode()
    return files


def key_csv(exercises: list[tuple[str, Exercise]]) -> str:
    """The class answer key: one row per student and asked quantity, with the exact value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "folder", "letter", "quantity", "exact"])
    for folder, ex in exercises:
        for q, letter in ex.blanks.items():
            writer.writerow([ex.student, folder, letter, q, repr(ex.answer(q))])
    return out.getvalue()


def write_files(folder: Path, files: dict[str, bytes], force: bool = False) -> None:
    """Write ``files`` under ``folder`` (made if missing), each atomically; a file changed since
    it was written (a filled-in sheet) is replaced only with ``force``."""
    from ..._util.files import write_tree

    write_tree(folder, files, force)


def write_exercise(folder: Path, files: dict[str, bytes], force: bool = False) -> tuple[list[str], list[str]]:
    """Write one exercise's ``files`` (:func:`.handout.exercise_layout`) under ``folder`` as
    :func:`write_files` does, and take away the answer key an earlier ``exercise`` wrote beside the
    worksheet (``spec.yaml``, ``answers.*`` at the top; now in ``key/``) where it is still as it was
    written. Returns the names taken away, and those of the kind left beside the worksheet (changed
    since, or not written by ``exercise``: the user's own, never removed)."""
    from ..._util.files import as_written

    write_files(folder, files, force)
    moved = []
    for name in FLAT_KEY_FILES:
        if f"{KEY_DIR}/{name}" in files and as_written(folder, name):
            (folder / name).unlink()
            moved.append(name)
    left = [name for name in FLAT_KEY_FILES if (folder / name).exists() or (folder / name).is_symlink()]
    return moved, left
