"""A student's name with letters pdflatex has no font for, drawn by Graphviz for the worksheet's title.

pdflatex with the worksheet's fonts (T1, Latin Modern) prints Latin letters and, built from
accents, most others of Latin scripts (:func:`.worksheet.tex_name`); Greek, Cyrillic, CJK and
others it cannot draw at all. Such a name is drawn instead by Graphviz's ``dot``, the one program
every install has, with the machine's own fonts (fontconfig: on Debian DejaVu, which comes with
Graphviz, draws Greek and Cyrillic; CJK needs a CJK font installed, such as ``fonts-noto-cjk``),
as a small PDF (:data:`.handout.NAME_FIGURE`, ``name.pdf``) the title includes on the name's
baseline, at the title's size (a name wider than the line is shrunk to its width).
The drawing's text is the name as written (Graphviz's PDF maps its glyphs to Unicode), so the
worksheet's text keeps it too (search, copy).

>>> needs_drawing("Łukasz Nguyễn"), needs_drawing("Дмитрий")
(False, True)
"""

from __future__ import annotations

import html
import re
import subprocess
import zlib
from typing import NamedTuple

from .drawing import drawing_size
from .worksheet import undrawable

FONT = "serif"  # fontconfig's serif: the nearest to the title's Latin Modern Roman the machine has
# \LARGE in an 11 pt article (17.28 pt, the size \maketitle sets the title in), with the capitals
# of DejaVu Serif (0.73 em) as tall as Latin Modern's (0.68 em)
TITLE_POINTS = 16.2


def needs_drawing(name: str) -> bool:
    """Has ``name`` a letter pdflatex cannot draw (neither a T1 letter nor one built from accents)?"""
    return bool(undrawable(name))


def name_dot(name: str) -> str:
    """The DOT of ``name`` alone: one line of text at the title's size, no margin, no background."""
    label = html.escape(" ".join(name.split()), quote=True)
    return (
        "digraph {\n  graph [margin=0, pad=0, bgcolor=transparent]\n"
        f'  node [shape=plaintext, margin=0, width=0, height=0, fontname="{FONT}", fontsize={TITLE_POINTS}]\n'
        f"  name [label=<{label}>]\n}}\n"
    )


class DrawnName(NamedTuple):
    """A name drawn as a one-page PDF, its height and its baseline's height over its bottom (points)."""

    pdf: bytes
    height: float
    baseline: float


def drawn_name(name: str) -> DrawnName | None:
    """``name`` drawn as a PDF with the machine's fonts; None when ``dot`` is missing or fails, or no
    font of the machine has one of its letters (the title then prints ``?`` for what pdflatex cannot
    draw)."""
    dot = name_dot(name).encode("utf-8")
    try:
        pdf = subprocess.run(["dot", "-Tpdf"], input=dot, capture_output=True, check=True, timeout=60).stdout
        svg = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    # the SVG of the same layout: the text's baseline `y` counted up from the bottom (negative)
    baseline = re.search(rb'<text[^>]*\sy="(-?[\d.]+)"', svg)
    if not pdf.startswith(b"%PDF") or baseline is None:
        return None
    if not set(name) - set(" \t") <= drawn_characters(pdf):
        return None  # no font of the machine has some letter: Pango drew its code in a box
    size = drawing_size(pdf)
    return DrawnName(pdf, size[1], -float(baseline[1])) if size is not None else None


def drawn_characters(pdf: bytes) -> set[str]:
    r"""The characters a PDF's fonts draw: the targets of their ToUnicode maps (``bfchar``
    entries, as cairo writes them). A letter no font has is drawn by Pango as its code in a box,
    so it is not among them (its hex digits are).

    >>> cmap = b"<< /Length 40 >>\nstream\n2 beginbfchar\n<01> <0414>\n<02> <0020>\nendbfchar\nendstream"
    >>> sorted(drawn_characters(cmap))
    [' ', 'Д']
    """
    found: set[str] = set()
    for head in re.finditer(rb"<<((?:[^<>]|<<[^<>]*>>|<[^<>]*>)*)>>\s*stream\r?\n", pdf):
        data = pdf[head.end() : pdf.find(b"endstream", head.end())]
        if b"/FlateDecode" in head[1]:
            try:
                data = zlib.decompressobj().decompress(data)
            except zlib.error:
                continue
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
            for target in re.findall(rb"<[0-9a-fA-F]+>\s*<([0-9a-fA-F]+)>", block):
                found |= set(bytes.fromhex(target.decode()).decode("utf-16-be", errors="ignore"))
    return found
