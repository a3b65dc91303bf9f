"""One escaper per output language, for text that comes from a user's file (names, keys, cells).

- HTML and SVG text: :func:`html_text`; data inside a ``<script>`` element: :func:`script_json`.
- Markdown with LaTeX maths (``$$…$$``): :func:`markdown_math` (the LaTeX text escaper is
  :func:`graphengine.views.derivation.mathfmt.escape_tex_text`).
- DOT: :mod:`graphengine.views.diagram.dotparts` (quoted IDs and HTML-like labels).
- The terminal: :func:`terminal`.

Every writer of a language calls its escaper; none rewrites the rules inline.
"""

from __future__ import annotations

import html
import json
import unicodedata
from typing import Any

# Characters a terminal acts on (C0 and C1 controls, DEL) or that reorder the text shown
# around them (bidirectional overrides and isolates): shown as visible escapes instead.
BIDI_CONTROLS = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}


def _visible(c: str) -> str:
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str, keep_newlines: bool = False) -> str:
    """``text`` safe to print on a terminal: control characters (escape sequences, carriage
    returns, bells) and bidirectional overrides become visible ``\\x1b``-style escapes.

    >>> terminal("Ann\\x1b]0;pwned\\x07")
    'Ann\\\\x1b]0;pwned\\\\x07'
    >>> terminal("Zoë σ₁")
    'Zoë σ₁'
    """
    if text.isprintable():
        return text
    out = []
    for c in text:
        if (c == "\n" and keep_newlines) or c == "\t":
            out.append(c)
        elif c in BIDI_CONTROLS or unicodedata.category(c) in ("Cc", "Zl", "Zp"):
            out.append(_visible(c))
        else:
            out.append(c)
    return "".join(out)


def html_text(text: str) -> str:
    """Text for HTML or SVG content or a quoted attribute (``&<>"'`` as entities).

    >>> html_text('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(text, quote=True)


def script_json(data: Any) -> str:
    """Strict JSON (no NaN) to put inside a ``<script>`` element: every ``<``, ``>`` and ``&``
    is a ``\\u`` escape, so no name (``</script>``, ``<!--<script>``) can end the element or
    switch the HTML parser's script state; U+2028/2029 are escaped for older JavaScript.

    >>> script_json({"name": "<!--<script>"})
    '{"name": "\\\\u003c!--\\\\u003cscript\\\\u003e"}'
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return text


def markdown_math(tex: str) -> str:
    """LaTeX maths to place between ``$$`` lines of a Markdown file: a Markdown renderer without
    a maths extension passes ``<…>`` through as HTML, so ``<`` and ``>`` left in the maths
    (the text escaper already writes names' ``<`` as ``\\textless{}``) become ``\\lt``/``\\gt``;
    a blank line (which would end the block) cannot occur.

    >>> markdown_math(r"a < b")
    'a \\\\lt{} b'
    """
    out = tex.replace("<", r"\lt{}").replace(">", r"\gt{}")
    while "\n\n" in out:
        out = out.replace("\n\n", "\n")
    return out
