"""The worksheet of an exercise, in Markdown and LaTeX (and PDF when pdflatex is there): the
network in words, the given numbers, the formulas, the task, the network drawn with a box for
every asked quantity (on paper, where that would print its labels under 9 pt, names and given
numbers only, over pages if need be: :mod:`graphengine.teach.exercise.drawing`), and the table of blanks.

Symbols and numbers come from :mod:`graphengine.views.derivation.explain` and :mod:`graphengine.derivation`,
the drawing from :mod:`graphengine.views.diagram.annotated` (``blanks=``), so a worksheet writes every quantity
the way ``graphengine explain`` does. The answers and hand files are in
:mod:`graphengine.teach.exercise.folder`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ...errors import GraphEngineError
from ...views.derivation.document import _md, _md_para, _tex_para
from ...views.derivation.explain import Explainer
from ...views.derivation.mathfmt import M, escape_tex_text, m_number, name_tex, name_text, substitute
from .blanks import CARRIED, SIGNIFICANT, written
from .drawing import DIAGRAM, PrintedDrawing, drawing_latex
from .generate import Exercise
from .handout import NAME_FIGURE, SHEET_FILE

PDFLATEX_SECONDS = 120


# ---------------------------------------------------------------------- quantities in words


def symbol(x: Explainer, quantity: str) -> M:
    """A hand-file quantity as ``explain`` writes it: ``h1.net`` → net_h1, ``grad.w5`` → ∂E/∂w5."""
    head, _, tail = quantity.rpartition(".")
    if quantity == "loss":
        return x.LOSS_SYMBOL
    if head == "loss":
        return M(f"E_{tail}", rf"E_{{{name_tex(tail, True)}}}")
    if head == "grad":
        return x.partial(x.LOSS_SYMBOL, x.param(tail))
    if head == "updated":
        p = x.param(tail)
        return M(f"{p.text}'", p.tex + "'")
    v = head
    pieces = {
        "net": x.netsym(v),
        "out": x.out(v),
        "dout": x.partial(x.LOSS_SYMBOL, x.out(v)),
        "dact": x.partial(x.out(v), x.netsym(v)),
        "dnet": x.partial(x.LOSS_SYMBOL, x.netsym(v)),
    }
    return pieces[tail]


def meaning(x: Explainer, quantity: str) -> str:
    """What a quantity is, in words."""
    head, _, tail = quantity.rpartition(".")
    if quantity == "loss":
        return f"the loss ({x.reduction} over the {x.n_samples} samples)" if x.n_samples > 1 else "the loss"
    if head == "loss":
        return f"loss term of {tail}"
    if head in ("grad", "updated"):
        uses = " and ".join(x.describe_use(use) for use in x.uses[tail])
        return f"gradient of {name_text(tail)} ({uses})" if head == "grad" else f"{name_text(tail)} after the step"
    act = x.graph.nodes[head]["activation"].name
    return {
        "net": f"net input of {head}",
        "out": f"output of {head}",
        "dout": f"how E changes with the output of {head}",
        "dact": f"slope of {act} at {head}",
        "dnet": f"δ of {head}",
    }[tail]


def digits_example(ex: Exercise) -> str:
    """How 4 significant digits look, shown on a given number (no answer is close to one)."""
    eta = ex.trace.learning_rate
    return f"the learning rate η = {eta:g} would be written {written(eta)}"


def _minus(text: str) -> str:
    """A true minus sign for a number in running text."""
    return text.replace("-", "−")


def _listing(items: list[str]) -> str:
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else items[0]


# ---------------------------------------------------------------------- the content


class Worksheet:
    """What a worksheet says, shared by its Markdown and LaTeX forms."""

    def __init__(self, ex: Exercise) -> None:
        self.ex, self.net, self.trace = ex, ex.net, ex.trace
        self.explainer = Explainer(ex.net, ex.trace, SIGNIFICANT)
        G = self.graph = ex.net.graph
        self.inputs, self.outputs = list(G.graph["inputs"]), list(G.graph["outputs"])
        self.neurons = [v for v in ex.net.plan.nodes if v not in self.inputs]
        self.title = "Backpropagation exercise" + (f" for {ex.student}" if ex.student else "")

    def network_words(self) -> str:
        shape = "-".join(map(str, self.ex.options.shape))
        act = self.ex.options.activation
        hidden = [v for v in self.neurons if v not in self.outputs]
        inner = f"; hidden neurons {_listing(hidden)}" if hidden else ""
        shared = [p for p in self.explainer.uses if len(self.explainer.uses[p]) > 1]
        bias = (
            "; "
            + "; ".join(f"{p} is one bias shared by {_listing([v for _, v in self.explainer.uses[p]])}" for p in shared)
            if shared
            else ""
        )
        return (
            f"{self.net.spec.name}: a {shape} network with inputs {_listing(self.inputs)}{inner}; outputs {_listing(self.outputs)}. "
            f"Every neuron adds a bias to its weighted inputs and applies {act}{bias}."
        )

    def formulas(self) -> list[tuple[str, M]]:
        """(what, formula) in symbols: net, out, ∂out/∂net, the loss, the update."""
        act = self.graph.nodes[self.neurons[0]]["activation"]
        net, out = M("net", r"\mathrm{net}"), M("out", r"\mathrm{out}")
        rows = [("net input", M("net = Σ w·out + b", r"\mathrm{net} = \sum w \cdot \mathrm{out} + b"))]
        if act.formula:
            f = substitute(act.formula, {"x": net})
            rows.append(("output", M(f"out = {act.name}(net) = {f.text}", rf"\mathrm{{out}} = {f.tex}")))
        if act.derivative_formula:
            d = substitute(act.derivative_formula.replace("f(x)", "y"), {"x": net, "y": out})
            rows.append(
                (
                    "slope",
                    M(
                        f"∂out/∂net = {d.text}",
                        rf"\frac{{\partial\,\mathrm{{out}}}}{{\partial\,\mathrm{{net}}}} = {d.tex}",
                    ),
                )
            )
        loss = self.graph.graph["loss"]
        if loss.formula:
            e = substitute(loss.formula, {})
            where = " (y: an output's out, t: its target)"
            rows.append((f"loss {loss.name}{where}", M(f"E = {e.text}", f"E = {e.tex}")))
        if self.trace.n_samples > 1:
            n = self.trace.n_samples
            mean = self.graph.graph["reduction"] == "mean"
            rows.append(
                (
                    "batch loss",
                    M(f"E = (1/{n}) Σ_s E_s", rf"E = \frac{{1}}{{{n}}} \sum_s E_s")
                    if mean
                    else M("E = Σ_s E_s", r"E = \sum_s E_s"),
                )
            )
        if any(q.startswith("updated.") for q in self.ex.asked):
            eta = m_number(self.trace.learning_rate, 2)
            rows.append(
                (
                    "update",
                    M(
                        f"p' = p − η·∂E/∂p, η = {eta.text}",
                        rf"p' = p - \eta \cdot \frac{{\partial E}}{{\partial p}},\quad \eta = {eta.tex}",
                    ),
                )
            )
        return rows

    def data_table(self) -> tuple[list[str], list[list[M]]]:
        header = ["sample", *self.inputs, *(f"target {o}" for o in self.outputs)]
        rows = []
        for s in range(self.trace.n_samples):
            values = [self.trace.out(i, s) for i in self.inputs] + [float(t) for t in self.trace.targets[s]]
            rows.append([M(str(s), str(s)), *(m_number(v, 2) for v in values)])
        return header, rows

    def parameter_table(self) -> tuple[list[str], list[list[str]], list[M]]:
        names = list(self.net.plan.parameter_names)
        where = [_listing([self.explainer.describe_use(use) for use in self.explainer.uses[p]]) for p in names]
        return (
            ["parameter", "where", "value"],
            [[name_text(p), w] for p, w in zip(names, where)],
            [m_number(self.trace.values[p], 2) for p in names],
        )

    def task(self) -> tuple[list[str], list[str]]:
        ask, n = self.ex.options.ask, self.trace.n_samples
        steps = ["the forward pass: net and out of every neuron, each output's loss term and the loss E"]
        if ask != "forward":
            steps.append(
                "the backward pass at the outputs: ∂E/∂out, ∂out/∂net and δ = ∂E/∂net of every output, "
                "and the gradient ∂E/∂p of every weight and bias into the outputs"
            )
        if ask in ("all", "update") and len(self.ex.options.shape) > 2:
            steps.append("the same for the hidden neurons, the layer nearest the outputs first")
        if ask == "update":
            steps.append(
                f"one gradient-descent step with η = {self.trace.learning_rate:g}: every parameter's new value"
            )
        notes = [
            f"Give every answer to {SIGNIFICANT} significant digits ({digits_example(self.ex)}; more digits are fine) "
            f"and carry at least {CARRIED} in your intermediate steps: with fewer, rounding can push a later "
            "answer off by more than its last digit.",
            f"Write each answer after its name in `{SHEET_FILE}` (one line per blank, the number after the colon) "
            "and hand that file in; `graphengine grade` marks it and names the usual slips.",
        ]
        if n > 1:
            mean = self.graph.graph["reduction"] == "mean"
            notes.insert(
                0,
                f"The data has {n} samples and E is the {'mean' if mean else 'sum'} of their losses. Node values, "
                "loss terms and ∂E/∂out, ∂E/∂net are those of sample 0 (as derivatives of the batch loss E"
                + (f", so they carry the factor 1/{n}" if mean else "")
                + "); the gradients and updates are those of the batch loss, so they need every sample.",
            )
        return ["Compute, by hand, one step of backpropagation:", *steps], notes

    def blanks(self) -> list[tuple[str, str, M, str]]:
        """(letter, hand-file name, symbol, meaning) of every blank, in order."""
        return [
            (letter, q, symbol(self.explainer, q), meaning(self.explainer, q)) for q, letter in self.ex.blanks.items()
        ]


# ---------------------------------------------------------------------- Markdown


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def worksheet_markdown(ex: Exercise) -> str:
    sheet = Worksheet(ex)
    out = [f"# {_md(sheet.title)}", "", _md_para(sheet.network_words()), ""]
    out += [f"![The network: given numbers, and a box for every blank]({DIAGRAM}.svg)", "", "## Given", ""]
    header, rows = sheet.data_table()
    out += [_md_row([_md(h) for h in header]), "|" + "---:|" * len(header)]
    out += [_md_row([_minus(c.text) for c in row]) for row in rows] + [""]
    header, names, values = sheet.parameter_table()
    out += [_md_row(header), "|:---|:---|---:|"]
    out += [_md_row([_md(p), _md(w), _minus(v.text)]) for (p, w), v in zip(names, values)] + [""]
    out += ["## Formulas", ""]
    out += [f"- {_md(what)}: {_md(f.text)}" for what, f in sheet.formulas()] + [""]
    steps, notes = sheet.task()
    out += ["## Task", "", _md_para(steps[0]), ""]
    out += [f"{k}. {_md_para(step)}" for k, step in enumerate(steps[1:], 1)] + [""]
    for note in notes:
        out += [_md_para(note), ""]
    out += ["## Blanks", "", _md_row(["blank", "quantity", "in the hand file", "what it is", "your answer"])]
    out.append("|:---|:---|:---|:---|:---|")
    for letter, q, sym, what in sheet.blanks():
        out.append(_md_row([f"({letter})", _md(sym.text), f"`{q}`", _md(what), " "]))
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------- LaTeX

_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage{pdflscape}
\usepackage{array,longtable}
% The same input gives the same PDF, byte for byte: no date, no random trailer id.
\ifdefined\pdftrailerid \pdftrailerid{}\pdfinfoomitdate=1 \pdfsuppressptexinfo=-1 \fi
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5em}
% A letter drawn from accents, in the PDF's text as the letter itself (search, copy, pdftotext).
\newcommand{\geletter}[2]{\pdfliteral page{/Span<</ActualText<FEFF#1>>>BDC}#2\pdfliteral page{EMC}}
"""

# ---------------------------------------------------------------------- names as written

#: The letters pdflatex prints from UTF-8 with T1 fonts (its ``t1enc.dfu``): Latin-1 and most of
#: Latin Extended-A. Any other letter is drawn from its base and accents (ễ = \~{\^e}).
_T1_LETTERS = frozenset(
    chr(k)
    for k in [*range(0xC0, 0x100), *range(0x100, 0x17F)]
    if k not in (0xD7, 0xF7, 0x126, 0x127, 0x138, 0x13F, 0x140, 0x149, 0x166, 0x167)
)
_ACCENTS = {  # combining mark → the LaTeX accent that draws it over (or under) a letter
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u",
    "\u0307": ".", "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0323": "d",
    "\u0327": "c", "\u0328": "k", "\u0331": "b",
}  # fmt: skip
_DOTLESS = {"ı": r"\i", "ȷ": r"\j"}


def _drawn(c: str) -> str | None:
    """LaTeX that draws ``c`` from a base letter pdflatex has and accents, or None."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", c)
    base, marks = decomposed[0], decomposed[1:]
    if not marks or any(m not in _ACCENTS for m in marks):
        return None
    if not (base.isascii() and base.isalpha()) and base not in _T1_LETTERS and base not in _DOTLESS:
        return None
    out = _DOTLESS.get(base, base)
    for mark in marks:
        accent = _ACCENTS[mark]
        out = f"\\{accent}{{{out}}}"
    return out


def tex_name(name: str) -> tuple[str, list[str]]:
    r"""A name for the LaTeX worksheet as written, and the preamble lines it needs: TeX's special
    characters escaped, the letters T1 has kept, any other letter declared as its base and
    accents (its own letter in the PDF's text); a character pdflatex cannot draw at all (Greek,
    Cyrillic, CJK with these fonts) prints as ``?`` but is still that character in the text (the
    worksheet draws such a name instead where the machine has a font for it: :mod:`.drawn_name`).

    >>> tex_name("Nguyễn & Łukasz")
    ('Nguyễn \\& Łukasz', ['\\DeclareUnicodeCharacter{1EC5}{\\geletter{1EC5}{\\~{\\^{e}}}}'])
    """
    import unicodedata

    out, declared = [], {}
    for run in re.split(r"([^\x00-\x7f])", unicodedata.normalize("NFC", name)):
        if run.isascii():
            out.append(escape_tex_text(run))
            continue
        if run not in _T1_LETTERS and run not in declared:
            hexa = run.encode("utf-16-be").hex().upper()
            declared[run] = (
                rf"\DeclareUnicodeCharacter{{{ord(run):04X}}}{{\geletter{{{hexa}}}{{{_drawn(run) or '?'}}}}}"
            )
        out.append(run)
    return "".join(out), list(declared.values())


def undrawable(name: str) -> list[str]:
    """The characters of ``name`` pdflatex cannot draw with the worksheet's fonts (Greek, Cyrillic, CJK …)."""
    import unicodedata

    letters = dict.fromkeys(unicodedata.normalize("NFC", name))
    return [c for c in letters if not c.isascii() and c not in _T1_LETTERS and _drawn(c) is None]


def worksheet_latex(
    ex: Exercise, drawing: PrintedDrawing | None = None, name_drawn: tuple[float, float] | None = None
) -> str:
    """The worksheet in LaTeX; ``drawing`` is ``network.pdf`` as it prints (:mod:`.drawing`: its
    scale, parts and pages), None for the full text width; with ``name_drawn`` (its height and its
    baseline's over its bottom, in points) the title shows the student's name as drawn in
    ``name.pdf`` (:mod:`.drawn_name`): on the baseline, shrunk to the line's width if wider."""
    sheet = Worksheet(ex)
    name, declarations = tex_name(ex.student or "")
    if ex.student and name_drawn is not None:  # the drawing carries the name as text too (search, copy)
        height, baseline = name_drawn
        graphic = rf"\includegraphics[width=\linewidth,height={height:.2f}bp,keepaspectratio]{{{NAME_FIGURE}}}"
        name, declarations = rf"\raisebox{{-{baseline / height:.4f}\height}}{{{graphic}}}", []
    title = escape_tex_text("Backpropagation exercise") + (f" for {name}" if ex.student else "")
    out = [_PREAMBLE + "".join(f"{line}\n" for line in declarations) + rf"\title{{{title}}}"]
    out += [r"\date{}", r"\begin{document}", r"\maketitle"]
    out += [_tex_para(sheet.network_words()), "", r"\section*{Given}", ""]
    header, rows = sheet.data_table()
    out += [r"\begin{center}", rf"\begin{{tabular}}{{{'r' * len(header)}}}", r"\hline"]
    out.append(" & ".join(escape_tex_text(h) for h in header) + r" \\ \hline")
    out += [" & ".join(f"${c.tex}$" for c in row) + r" \\" for row in rows]
    out += [r"\hline", r"\end{tabular}", "", r"\bigskip"]
    header, names, values = sheet.parameter_table()
    out += [r"\begin{tabular}{llr}", r"\hline", " & ".join(header) + r" \\ \hline"]
    for p, (_, where), v in zip(ex.net.plan.parameter_names, names, values):
        out.append(rf"${name_tex(p)}$ & {escape_tex_text(where)} & ${v.tex}$ \\")
    out += [r"\hline", r"\end{tabular}", r"\end{center}", "", r"\section*{Formulas}", r"\begin{itemize}"]
    out += [rf"\item {escape_tex_text(what)}: $\displaystyle {f.tex}$" for what, f in sheet.formulas()]
    out += [r"\end{itemize}", "", r"\section*{Task}", ""]
    steps, notes = sheet.task()
    out += [_tex_para(steps[0]), r"\begin{enumerate}"]
    out += [rf"\item {_tex_para(step)}" for step in steps[1:]] + [r"\end{enumerate}", ""]
    for note in notes:
        out += [_tex_para(note), ""]
    out += drawing_latex(drawing)  # on pages of its own
    out += [r"\section*{Blanks}", r"\begin{longtable}{lll>{\raggedright\arraybackslash}p{5.2cm}l}", r"\hline"]
    out += [r"blank & quantity & hand file & what it is & your answer \\ \hline", r"\endhead"]
    for letter, q, sym, what in sheet.blanks():
        out.append(
            rf"({letter}) & ${sym.tex}$ & \texttt{{{escape_tex_text(q)}}} & {escape_tex_text(what)} & "
            r"\framebox[6em]{\rule{0pt}{1.4em}} \\[0.3em]"
        )
    out += [r"\hline", r"\end{longtable}", r"\end{document}"]
    return "\n".join(out) + "\n"


def compile_pdf(tex: str, figures: dict[str, bytes]) -> bytes | None:
    """``tex`` compiled by pdflatex with ``figures`` beside it; None when pdflatex is not installed."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        return None
    with tempfile.TemporaryDirectory(prefix="graphengine-worksheet-") as folder:
        for name, data in figures.items():
            Path(folder, name).write_bytes(data)
        Path(folder, "worksheet.tex").write_text(tex, encoding="utf-8")
        env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}
        command = [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "worksheet.tex"]
        try:
            done = subprocess.run(
                command, cwd=folder, env=env, capture_output=True, timeout=PDFLATEX_SECONDS, check=False
            )
        except subprocess.TimeoutExpired:
            raise GraphEngineError(f"pdflatex did not finish within {PDFLATEX_SECONDS} s") from None
        pdf = Path(folder, "worksheet.pdf")
        if done.returncode != 0 or not pdf.is_file():
            log = done.stdout.decode(errors="replace").splitlines()
            problem = next((line for line in log if line.startswith("!")), f"exit status {done.returncode}")
            raise GraphEngineError(f"pdflatex failed on the worksheet: {problem}")
        return pdf.read_bytes()
