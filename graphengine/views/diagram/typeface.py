"""The one typeface of every diagram: DejaVu Sans, shipped with the package, measured and drawn alike.

Graphviz places each label by measuring its text with a font; a viewer then draws that text with
whatever font *it* finds. When the two differ, text that was laid out to fit runs into its
neighbour: the SVG used to name ``Helvetica,Arial,sans-serif``, which a standard Debian draws with
DejaVu Sans (about 10 % wider), so "0.2413 =" sat under "0.00877". The fix removes the choice on
both sides:

* **Measure with one known font.** The package carries DejaVu Sans (regular and bold, the unchanged
  TTF files, under ``fonts/``) and runs ``dot`` with ``FONTCONFIG_FILE`` pointing at a generated
  ``fonts.conf`` whose only font folder is that one (:func:`dot_environment`). Whatever the machine
  has installed, or lacks, Graphviz measures (and draws PNG and PDF) with exactly these files, so the
  same spec gives the same layout everywhere.
* **Draw no wider than measured.** Graphviz (through Pango, at 96 dpi with hinted metrics) rounds
  every glyph's advance to a whole pixel, so its width for a 10-point run of digits is about 5 %
  short of the font's true width, and a viewer drawing the true widths (Chromium with
  ``geometricPrecision``, Firefox) would push a label into its neighbour. :func:`fit_runs` reads the
  width Graphviz reserved for each text run (its JSON output of the same layout) and, where the
  font's own advances (from the shipped file, kerning left out, so never less) need more, draws that
  run a little smaller: at most a few per cent, and never past its room. PNG and PDF are drawn by
  Graphviz itself with the metrics it measured, so they need no such care.
* **Draw with the same font.** :func:`embed_font` puts a subset of those files into the SVG, as an
  ``@font-face`` with a ``data:`` URL (WOFF, built with fontTools' subsetter): the characters the
  picture uses plus printable ASCII (the step-through page rewrites numbers in place). Every browser
  and notebook then draws with the metrics Graphviz measured; the text stays text (selectable,
  searchable), a few tens of kilobytes per picture.

Why DejaVu Sans: freely licensed (the Bitstream Vera licence allows bundling and subsetting as long
as the name holds neither "Bitstream" nor "Vera", see ``fonts/LICENSE``), it covers every character
the diagrams write (Greek δ and Σ, ∂, ×, −, ′, →, subscripts) and most names a user may choose
(Latin, Greek, Cyrillic), it is the font most Linux viewers fall back to anyway, and matplotlib ships
the same files. Other routes were weighed: text as outlines loses selection and searching; fixed
label cells still depend on the viewer's font widths. A viewer that ignores CSS ``@font-face``
(some desktop image viewers) falls back to an installed DejaVu Sans, the same metrics again.

>>> "DejaVu Sans" == FAMILY and (FONT_DIR / "DejaVuSans.ttf").is_file()
True
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import re
import tempfile
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

__all__ = [
    "FAMILY",
    "FONT_DIR",
    "FONT_FILES",
    "dot_environment",
    "embed_font",
    "fit_runs",
    "fontconfig_file",
    "natural_width",
    "used_characters",
]

FAMILY = "DejaVu Sans"
FONT_DIR = Path(__file__).resolve().parent / "fonts"
# CSS font weight → the shipped file drawn with it.
FONT_FILES = {"normal": FONT_DIR / "DejaVuSans.ttf", "bold": FONT_DIR / "DejaVuSans-Bold.ttf"}
# Always in the embedded subset: the step-through page writes new numbers and names into the text.
ALWAYS = "".join(chr(c) for c in range(0x20, 0x7F)) + "\u00a0−×·′→δΣ∂ηθ‖…≈"


def fontconfig_file() -> Path:
    """A ``fonts.conf`` offering only the package's fonts (written once per user, then reused).

    Its cache folder sits beside it, so a read-only install and a machine without a font cache
    both work; the file is rewritten when the package moves (an editable checkout, a new venv).
    """
    folder = Path(tempfile.gettempdir()) / f"graphengine-fontconfig-{_user_tag()}"
    config = folder / "fonts.conf"
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{xml_escape(str(FONT_DIR))}</dir>\n"
        f"  <cachedir>{xml_escape(str(folder / 'cache'))}</cachedir>\n"
        "</fontconfig>\n"
    )
    try:
        if config.read_text(encoding="utf-8") == text:
            return config
    except OSError:
        pass
    from ..._util.files import write_atomic

    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomic(config, text)
    return config


def _user_tag() -> str:
    getuid = getattr(os, "getuid", None)
    return str(getuid()) if getuid is not None else (os.environ.get("USERNAME") or "user")


def dot_environment() -> dict[str, str]:
    """The environment to run ``dot`` in: this one, with fontconfig limited to the package's fonts."""
    env = dict(os.environ)
    env.pop("FONTCONFIG_PATH", None)
    env["FONTCONFIG_FILE"] = str(fontconfig_file())
    return env


_TEXT = re.compile(r"<text([^>]*)>(.*?)</text>", re.S)


def used_characters(svg: str) -> dict[str, set[str]]:
    """The characters each weight of the picture draws (``normal`` and ``bold``).

    >>> sorted(used_characters('<text x="1">w5</text><text font-weight="bold">&#160;δ</text>')["bold"])
    ['\\xa0', 'δ']
    """
    used: dict[str, set[str]] = {"normal": set(), "bold": set()}
    for attrs, content in _TEXT.findall(svg):
        weight = "bold" if 'font-weight="bold"' in attrs else "normal"
        used[weight].update(html.unescape(re.sub(r"<[^>]+>", "", content)))
    return used


@lru_cache(maxsize=64)
def _subset(path: Path, characters: frozenset[str]) -> bytes:
    """``path``'s font cut down to ``characters`` (and the glyphs they need), as WOFF (the same
    characters, the same bytes: kept for the next picture)."""
    from fontTools import subset  # a kept library; imported only when a picture is drawn

    options = subset.Options()
    options.flavor = "woff"
    options.hinting = False  # browsers lay out unhinted advances; hints only add size
    options.name_IDs = ["*"]  # keep the copyright and licence records (the licence asks for them)
    options.name_languages = ["*"]
    options.notdef_outline = True
    # No OpenType layout (kerning, ligatures): DejaVu's tables are large and slow to cut, the
    # labels need none of it, and unkerned text is what fit_runs measures (never narrower).
    options.layout_features = []
    options.drop_tables += ["FFTM", "GSUB", "GPOS", "GDEF", "kern"]  # FFTM: FontForge's timestamps
    font = subset.load_font(str(path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={ord(c) for c in characters})
    subsetter.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


def unicode_range(characters: set[str]) -> str:
    """A CSS ``unicode-range`` naming exactly ``characters`` (runs of neighbours joined).

    >>> unicode_range({"a", "b", "c", "δ"})
    'U+61-63,U+3B4'
    """
    points = sorted({ord(c) for c in characters})
    runs: list[list[int]] = []
    for point in points:
        if runs and point == runs[-1][1] + 1:
            runs[-1][1] = point
        else:
            runs.append([point, point])
    return ",".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in runs)


def font_face_css(svg: str) -> str:
    """The CSS that draws this SVG's text with the subsets of DejaVu Sans it needs.

    Each ``@font-face`` names its characters (``unicode-range``), so several diagrams in one page
    (whose rules are global there) add up instead of hiding one another. ``geometricPrecision``
    keeps a viewer from hinting the advances: Chromium on a machine set to full hinting would round
    each glyph's width to whole pixels, and a label could grow past the width Graphviz measured.
    """
    rules = ["text{text-rendering:geometricPrecision}"]
    for weight, characters in used_characters(svg).items():
        if not characters and weight == "bold":
            continue
        wanted = characters | set(ALWAYS)
        data = base64.b64encode(_subset(FONT_FILES[weight], frozenset(wanted))).decode("ascii")
        rules.append(
            f'@font-face{{font-family:"{FAMILY}";font-weight:{weight};font-style:normal;'
            f"unicode-range:{unicode_range(wanted)};"
            f'src:url(data:font/woff;base64,{data}) format("woff")}}'
        )
    return "\n".join(rules)


_SVG_OPEN = re.compile(rb"<svg\b[^>]*>")


def embed_font(svg: bytes) -> bytes:
    """Graphviz's SVG with the subset of the package's font it draws with, inside it.

    >>> svg = embed_font(b'<svg width="9pt"><text font-family="DejaVu Sans">w5</text></svg>')
    >>> b"@font-face" in svg and b'<text font-family="DejaVu Sans">w5</text>' in svg
    True
    """
    opening = _SVG_OPEN.search(svg)
    if opening is None:
        return svg
    css = font_face_css(svg.decode("utf-8"))
    style = (
        "\n<!-- DejaVu Sans subsets (Bitstream Vera licence; DejaVu changes public domain): "
        "the font the layout was measured with -->\n"
        f'<style type="text/css">\n{css}\n</style>'
    ).encode("ascii")
    return svg[: opening.end()] + style + svg[opening.end() :]


@cache
def _advances(weight: str) -> tuple[dict[int, int], int, int]:
    """The shipped font's advance widths by code point, its .notdef advance and its units per em."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(FONT_FILES[weight]), lazy=True)
    widths = font["hmtx"].metrics
    advances = {point: widths[glyph][0] for point, glyph in font.getBestCmap().items()}
    return advances, widths[".notdef"][0], font["head"].unitsPerEm


def natural_width(text: str, size: float, weight: str = "normal") -> float:
    """The width of ``text`` at ``size`` points in the shipped font, kerning left out (never less
    than a viewer draws it).

    >>> round(natural_width("0.0364", 10), 2), round(natural_width("0.0364", 10, "bold"), 2)
    (34.99, 38.59)
    """
    advances, notdef, units = _advances(weight)
    return sum(advances.get(ord(c), notdef) for c in text) * size / units


def _reserved_widths(layout: dict) -> dict[tuple[str, float, float], list[float]]:
    """Graphviz's width of each text run of its JSON output, by (text, x, y) as the SVG places it."""
    reserved: dict[tuple[str, float, float], list[float]] = {}
    pending: list[dict[str, Any] | list[Any]] = [layout]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            if item.get("op") == "T":
                x, y = item["pt"]
                key = (item["text"].replace("\xa0", " "), round(x, 1), round(-y, 1))
                reserved.setdefault(key, []).append(float(item["width"]))
            else:
                pending.extend(v for v in item.values() if isinstance(v, list | dict))
    return reserved


_RUN = re.compile(r'<text ([^>]*?)font-size="([\d.]+)"([^>]*)>([^<]*)</text>')


def fit_runs(svg: bytes, layout_json: bytes) -> bytes:
    """The SVG with each text run drawn no wider than the room Graphviz measured for it.

    ``layout_json`` is ``dot -Tjson`` of the same layout; a run whose true width (at its size, in the
    shipped font) exceeds its room gets a font size scaled down to fit.
    """
    reserved = _reserved_widths(json.loads(layout_json))

    def fit(match: re.Match[str]) -> str:
        before, size, after, content = match.groups()
        attrs = before + after
        text = html.unescape(content)
        x, y = re.search(r'\bx="([-\d.]+)"', attrs), re.search(r'\by="([-\d.]+)"', attrs)
        if x is None or y is None:
            return match[0]
        rooms = reserved.get((text.replace("\xa0", " "), round(float(x[1]), 1), round(float(y[1]), 1)))
        if not rooms:
            return match[0]
        weight = "bold" if 'font-weight="bold"' in attrs else "normal"
        natural = natural_width(text, float(size), weight)
        room = min(rooms)
        if natural <= room:
            return match[0]
        fitted = math.floor(float(size) * room / natural * 100) / 100
        return f'<text {before}font-size="{fitted:.2f}"{after}>{content}</text>'

    return _RUN.sub(fit, svg.decode("utf-8")).encode("utf-8")
