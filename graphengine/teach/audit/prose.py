"""Results stated in prose: ``w5 becomes 0.3589``, ``w_5 is updated to 0.35891648``.

A sentence that gives a parameter its value after the update is a value to check, read as
``w5_{new} = 0.3589``. A loss "now" or "after" the update (``the total error is now down to
0.291027924``) belongs to the next forward pass, which the page does not work: it is not read.

A number in prose with no name beside it (``the product of the three: 0.04969``) is read
only when the page's own arithmetic names it (:func:`graphengine.teach.audit.used.named_by_use`): the page goes on to
write ``η × 0.04969`` with the same digits, so it is a gradient — the one trainable
parameter's whose size it has. Any other prose number (a date, a price, a section) is not
read.
"""

from __future__ import annotations

import re

from ..latex_math import parse
from ..latex_tokens import Token, tokenize
from ..mathtree import Expr

_UPDATED = re.compile(
    r"(?<![\w\\])(?P<name>[A-Za-zθ][A-Za-z]?(?:_\{?\w{1,6}\}?|\d{1,3}|[₀-₉]{1,3}))"
    r"[ \t]+(?P<verb>becomes|is[ \t]+updated[ \t]+to|is[ \t]+now|changes[ \t]+to|goes[ \t]+to)"
    r"[ \t]+(?P<num>[-−]?\d+\.\d+)(?!\d)"
)


def prose_results(text: str, masked: str) -> list[tuple[list[Token], list[Token], Expr]]:
    """(lhs tokens, value tokens, value tree) for each updated value stated in prose."""
    found: list[tuple[list[Token], list[Token], Expr]] = []
    for m in _UPDATED.finditer(masked):
        try:
            lhs = tokenize(text, m.start("name"), m.end("name"))
            value = tokenize(text, m.start("num"), m.end("num"))
            tree = parse(value)
        except Exception:  # noqa: BLE001 - prose that is not maths after all is simply not read
            continue
        lhs.append(Token("word", "new", m.start("verb"), m.end("verb")))
        found.append((lhs, value, tree))
    return found
