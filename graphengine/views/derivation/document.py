"""A written derivation — headings, sentences, equation chains, tables — and its three renderings:
plain text, Markdown with ``$$ … $$`` blocks (GitHub, Jupyter, pandoc), or a standalone
LaTeX document. The mathematics in it is :class:`~graphengine.views.derivation.mathfmt.M` (text and LaTeX).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..._util.escape import markdown_math
from .mathfmt import M, escape_tex_text

# --------------------------------------------------------------------------- the document


@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Para:
    text: str
    indent: int = 0


@dataclass
class Eq:
    """An equation chain ``a = b = c …``, optionally labelled (``piece 1``)."""

    parts: list[M]
    label: str = ""
    indent: int = 0


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


#: One item of a derivation, in reading order.
Item = Heading | Para | Eq | Table


@dataclass
class Derivation:
    title: str
    items: list[Item] = field(default_factory=list)

    def add(self, item: Item) -> None:
        self.items.append(item)

    def to_dict(self) -> dict[str, Any]:
        """The document as JSON-ready data (``explain --json``): every item in order, each
        equation with its symbol, its steps (as text and LaTeX) and its result.

        >>> doc = Derivation("t", [Eq([M("y", "y"), M("2 · 0.5", r"2 \\cdot 0.5"), M("1", "1")], "piece 1")])
        >>> doc.to_dict()["items"][0]["result"], doc.to_dict()["items"][0]["value"]
        ('1', 1.0)
        """
        return {"title": self.title, "items": [_item_dict(item) for item in self.items]}

    def render(self, fmt: str = "text") -> str:
        """``text``, ``markdown`` or ``latex``."""
        if fmt not in RENDERERS:
            raise ValueError(f"unknown format `{fmt}` (choose from {', '.join(RENDERERS)})")
        return RENDERERS[fmt](self)


def _dedupe(parts: list[M]) -> list[M]:
    kept: list[M] = []
    for p in parts:
        if not kept or p.text != kept[-1].text:
            kept.append(p)
    return kept


def _number(text: str) -> float | None:
    """The number a result is written as (``-0.0822``, ``(−0.5)``, ``1.2e-05``), or None."""
    cleaned = text.strip().strip("()").replace("−", "-").replace(" ", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def _item_dict(item: Item) -> dict[str, Any]:
    if isinstance(item, Heading):
        return {"kind": "heading", "text": item.text, "level": item.level}
    if isinstance(item, Para):
        return {"kind": "paragraph", "text": item.text}
    if isinstance(item, Table):
        return {"kind": "table", "header": item.header, "rows": item.rows}
    parts = _dedupe(item.parts)
    return {
        "kind": "equation",
        "label": item.label,
        "symbol": parts[0].text,
        "steps": [p.text for p in parts[1:]],
        "result": parts[-1].text,
        "value": _number(parts[-1].text) if len(parts) > 1 else None,
        "tex": [p.tex for p in parts],
    }


# --------------------------------------------------------------------------- renderers


def _row(cells: list[str], widths: list[int]) -> str:
    padded = (c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return ("  " + "  ".join(padded)).rstrip()


def to_text(doc: Derivation, width: int = 110) -> str:
    lines = [doc.title, "=" * len(doc.title), ""]
    for item in doc.items:
        if isinstance(item, Heading):
            if lines[-1] == "":
                lines.pop()
            lines += ["", item.text, ("=" if item.level == 1 else "-") * len(item.text)]
        elif isinstance(item, Para):
            lines.append("  " * item.indent + item.text)
            if not item.indent:
                lines.append("")
        elif isinstance(item, Eq):
            parts = _dedupe(item.parts)
            pad = "  " * (item.indent + 1)
            head = pad + (f"{item.label}: " if item.label else "")
            line = head + " = ".join(p.text for p in parts)
            if len(line) <= width or len(parts) < 3:
                lines.append(line)
            else:
                lines.append(head + parts[0].text + " = " + parts[1].text)
                cont = " " * (len(head) + len(parts[0].text)) + " = "
                lines += [cont + p.text for p in parts[2:]]
        elif isinstance(item, Table):
            cols = [item.header] + item.rows
            widths = [max(len(r[i]) for r in cols) for i in range(len(item.header))]
            if lines[-1] != "":
                lines.append("")
            lines += [_row(item.header, widths), _row(["-" * w for w in widths], widths)]
            lines += [_row(r, widths) for r in item.rows]
    return "\n".join(lines).rstrip() + "\n"


def _eq_tex(parts: list[M]) -> str:
    parts = _dedupe(parts)
    if len(parts) <= 2 or sum(len(p.text) + 3 for p in parts) <= 80:
        return " = ".join(p.tex for p in parts)
    body = [f"{parts[0].tex} &= {parts[1].tex}"] + [f"&= {p.tex}" for p in parts[2:]]
    return "\\begin{aligned}\n" + " \\\\\n".join(body) + "\n\\end{aligned}"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|$])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _spans(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into (is_code, piece): a `backticked` command stays a code span."""
    pieces = text.split("`")
    if len(pieces) % 2 == 0:  # an unpaired backtick: no code spans
        return [(False, text)]
    return [(i % 2 == 1, piece) for i, piece in enumerate(pieces) if piece]


def _md_para(text: str) -> str:
    return "".join(f"`{piece}`" if code else _md(piece) for code, piece in _spans(text))


def _tex_para(text: str) -> str:
    def code(piece: str) -> str:
        # A straight quote, so that a command copied from the PDF still runs in a shell.
        return r"\texttt{" + escape_tex_text(piece).replace("'", r"\textquotesingle{}") + "}"

    return "".join(code(piece) if is_code else escape_tex_text(piece) for is_code, piece in _spans(text))


def to_markdown(doc: Derivation) -> str:
    out = [f"# {_md(doc.title)}", ""]
    for item in doc.items:
        if isinstance(item, Heading):
            out += [f"{'#' * (item.level + 1)} {_md(item.text)}", ""]
        elif isinstance(item, Para):
            out += [_md_para(item.text), ""]
        elif isinstance(item, Eq):
            if item.label:
                out += [f"*{_md(item.label)}*", ""]
            out += ["$$", markdown_math(_eq_tex(item.parts)), "$$", ""]
        elif isinstance(item, Table):
            out.append("| " + " | ".join(_md(h) for h in item.header) + " |")
            out.append("|" + "|".join(":---" if i == 0 else "---:" for i in range(len(item.header))) + "|")
            out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in item.rows]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def to_latex(doc: Derivation) -> str:
    out = [
        r"\documentclass[11pt]{article}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage{amsmath,amssymb}",
        r"\allowdisplaybreaks",
        r"\setlength{\parindent}{0pt}",
        r"\setlength{\parskip}{0.5em}",
        rf"\title{{{escape_tex_text(doc.title)}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        "",
    ]
    for item in doc.items:
        if isinstance(item, Heading):
            command = "section" if item.level == 1 else "subsection"
            out += [rf"\{command}*{{{escape_tex_text(item.text)}}}", ""]
        elif isinstance(item, Para):
            out += [_tex_para(item.text), ""]
        elif isinstance(item, Eq):
            if item.label:
                out.append(rf"\textit{{{escape_tex_text(item.label)}}}")
            out += [r"\[", _eq_tex(item.parts), r"\]", ""]
        elif isinstance(item, Table):
            spec = "l" + "r" * (len(item.header) - 1)
            out += [r"\begin{center}", rf"\begin{{tabular}}{{{spec}}}", r"\hline"]
            out.append(" & ".join(escape_tex_text(h) for h in item.header) + r" \\ \hline")
            out += [" & ".join(escape_tex_text(c) for c in row) + r" \\" for row in item.rows]
            out += [r"\hline", r"\end{tabular}", r"\end{center}", ""]
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


RENDERERS = {"text": to_text, "markdown": to_markdown, "latex": to_latex}
