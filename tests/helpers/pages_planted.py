"""Planted-slip variants of the real pages of tests/fixtures/pages/ (issue 21, generated variants).

For every number the manifest calls a right quantity (h1.net, o1.out, grad.w5, …), each slip code
the slip library (graphengine.teach.slips) can give for that quantity is planted: the number is
replaced by the slip's value, written with as many decimals as the page wrote it. The variant is
audited with the page's spec: the planted number must be marked wrong with that code, or as
`arithmetic` / `carried` (the page's own steps around it no longer add up), and no other number
may be marked wrong that was not wrong on the real page (except, after the plant, a step that no
longer follows from the planted number: `arithmetic` or `carried`, since the page goes on with the
right value).

The slipped values come from the slip library's own formulas applied to the exact values (the
same detectors `check` uses to name a slip); whether `audit` finds them on a real page's layout,
notation and steps is what is measured. Run ``python tests/helpers/pages_planted.py`` for the table.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from helpers.pages_audit import MANIFEST, PAGES, _offsets

FINE = {"right", "rounding"}


@dataclass
class Plant:
    page: str
    line: int
    text: str  # the number as the page wrote it
    planted: str  # what replaced it
    quantity: str
    code: str


@dataclass
class PlantFigures:
    page: str
    planted: list[Plant] = field(default_factory=list)
    found: list[tuple[Plant, str]] = field(default_factory=list)  # (plant, audit's verdict word)
    missed: list[Plant] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)


def _written(value: float, like: str) -> str:
    digits = like.lstrip("-−–+")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return f"{value:.{decimals}f}"


def plants(name: str, net, trace) -> list[tuple[Plant, int]]:
    """Every (plant, offset in the page) for page ``name``: one per right quantity and slip code."""
    from graphengine.teach.quantities import Quantities
    from graphengine.teach.slips.library import candidates

    Q = Quantities(net, trace, 0)
    text = (PAGES / f"{name}.md").read_text(encoding="utf-8")
    entries = MANIFEST[name]["numbers"]
    found = []
    seen: set[tuple[int, str]] = set()
    for entry, at in zip(entries, _offsets(text, entries), strict=True):
        q = entry["name"]
        if entry["kind"] != "quantity" or entry["verdict"] not in FINE or q not in Q.names:
            continue
        if text[at : at + len(entry["text"])] != entry["text"]:
            continue
        unit = 10.0 ** -(len(entry["text"].split(".")[1]) if "." in entry["text"] else 0)
        exact = Q.exact(q)
        codes: set[str] = set()
        for c in candidates(Q, q):
            if c.code in codes or c.code in ("batch", "shared"):
                continue
            try:
                value = c.compute(Q.exact)
            except (ArithmeticError, KeyError, ValueError):
                continue
            written = _written(value, entry["text"])
            # a slip that shows: clearly away from the exact value at the page's precision
            if not abs(value - exact) > 5 * unit or written.lstrip("-") == entry["text"].lstrip("-−"):
                continue
            if (at, written) in seen:
                continue
            seen.add((at, written))
            codes.add(c.code)
            found.append((Plant(name, entry["line"], entry["text"], written, q, c.code), at))
    return found


def measure(name: str) -> PlantFigures:
    import graphengine
    from graphengine.teach.audit.audit import audit, verdict_word
    from graphengine.teach.audit.scan import read_chains

    net = graphengine.load(str(PAGES / MANIFEST[name]["spec"]))
    trace = net.trace()
    text = (PAGES / f"{name}.md").read_text(encoding="utf-8")
    base = audit(net, trace, read_chains(text, name))
    wrong_before = {r.number.start for r in base.rows if verdict_word(r.verdict) not in FINE}
    figures = PlantFigures(name)
    for plant, at in plants(name, net, trace):
        variant = text[:at] + plant.planted + text[at + len(plant.text) :]
        shift = len(plant.planted) - len(plant.text)
        result = audit(net, trace, read_chains(variant, name))
        figures.planted.append(plant)
        hit = None
        for row in result.rows:
            word = verdict_word(row.verdict)
            start = row.number.start
            if at - 1 <= start <= at + 1 or (row.line == plant.line and row.number.text == plant.planted):
                hit = word if hit is None or hit in FINE else hit
                continue
            original = start - shift if start > at else start
            # after the plant, a step that no longer follows from the planted number is the
            # page's own inconsistency now (it kept writing the right value): arithmetic, carried
            consequence = start > at and word in ("arithmetic", "carried")
            if word not in FINE and not consequence and original not in wrong_before:
                figures.false_alarms.append(
                    f"{plant.line} {plant.text}→{plant.planted} ({plant.code}): {row.line} {row.number.text} {word}"
                )
        if hit is not None and hit not in FINE:
            figures.found.append((plant, hit))
        else:
            figures.missed.append(plant)
    return figures


def main() -> int:
    print(f"{'page':24} {'planted':>7} {'found':>6} {'named':>6} {'false':>5}")
    for name in sorted(MANIFEST):
        f = measure(name)
        named = sum(1 for p, w in f.found if w in (p.code, "arithmetic", "carried"))
        print(f"{name:24} {len(f.planted):>7} {len(f.found):>6} {named:>6} {len(f.false_alarms):>5}")
        if "-v" in sys.argv:
            for x in f.false_alarms:
                print("   FALSE", x)
            for p in f.missed:
                print("   missed", p.line, p.text, "→", p.planted, p.quantity, p.code)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
