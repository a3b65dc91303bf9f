"""A number in prose the page's own arithmetic names: ``the product of the three: 0.04969``,
then ``0.1 \\times 0.04969 = 0.005``.

A worked example sometimes states a value in a sentence, with no name beside it, and uses it
in the next step. A prose number is read only when the page goes on to write ``η × N`` with
N's very digits (η as the spec has it): N is then a gradient, the one trainable parameter's
whose size it has at its digits (none or two: not read). Its sign is the page's claim, and is
judged. Every other prose number (a date, a price, a section number) is not read.

>>> import graphengine
>>> from graphengine.teach.quantities import Quantities
>>> from graphengine.teach.audit.scan import read_chains
>>> net = graphengine.load("specs/doc_example.yaml")
>>> page = read_chains("The three multiplied: 0.08217\\n\\n$$0.5 \\\\times 0.08217 = 0.04108$$")
>>> [(chain.final().text, q) for chain, q in named_by_use(page, Quantities(net, net.trace()))]
[('0.08217', 'grad.w5')]
"""

from __future__ import annotations

import re

from ..claims import matches
from ..latex_tokens import Token
from ..mathtree import Expr, Neg, Num, Prod, walk
from ..quantities import Quantities
from .recognise import copied
from .scan import Chain, Page, Side

NAMED_BY_USE = "prose, named by η × it"  # how such a number is recognised (``recognised_by``)
_PROSE_NUMBER = re.compile(r"(?<![\w.^_{])[-−]?\d+\.\d{3,}(?![\w.])")


def _steps_of(page: Page, learning_rate: float) -> dict[str, int]:
    """The digits of each N in ``η × N`` the page writes (η as the spec has it), with the
    offset where that arithmetic is written."""
    found: dict[str, int] = {}
    for chain in page.chains:
        for side in chain.sides:
            for node in walk(side.tree) if side.tree is not None else ():
                if not (isinstance(node, Prod) and len(node.factors) == 2 and not any(node.divide)):
                    continue
                a, b = (f.arg if isinstance(f, Neg) else f for f in node.factors)
                for rate, n in ((a, b), (b, a)):
                    if isinstance(rate, Num) and isinstance(n, Num) and "." in n.text:
                        if copied(rate.value, 10.0**-rate.decimals, learning_rate):
                            found.setdefault(n.text, n.start)
    return found


def named_by_use(page: Page, Q: Quantities) -> list[tuple[Chain, str]]:
    """(a one-number chain, ``grad.p``) for each prose number the page's later ``η × N`` names
    (see the module docstring): N's digits are the prose number's, and its size is the
    gradient of exactly one trainable parameter at those digits (its sign is the page's claim)."""
    used = _steps_of(page, Q.learning_rate)
    if not used:
        return []
    taken = {t.start for c in page.chains for t in c.lhs + [t for s in c.sides for t in s.tokens]}
    taken |= {t.start for loose in page.loose for t in loose.numbers}
    gradients = {
        p: abs(Q.exact(f"grad.{p}")) for p, info in Q.param_info.items() if info["trainable"] and f"grad.{p}" in Q.names
    }
    found: list[tuple[Chain, str]] = []
    for m in _PROSE_NUMBER.finditer(page.text):
        text = m.group().replace("−", "-")
        digits = text.lstrip("-")
        start = m.start() + (len(text) - len(digits))
        if start in taken or m.start() in taken or used.get(digits, -1) <= m.end():
            continue
        unit = 10.0 ** -len(digits.split(".")[1])
        fits = [p for p, g in gradients.items() if matches(float(digits), unit, g)]
        if len(fits) != 1:
            continue
        token = Token("num", m.group(), m.start(), m.end())
        tree: Expr = Num(digits, float(digits), start, m.end(), 0)
        if text.startswith("-"):
            tree = Neg(tree)
        found.append((Chain([], [Side([token], tree)], display=False), f"grad.{fits[0]}"))
    return found
