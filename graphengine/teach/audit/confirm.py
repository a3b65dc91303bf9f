"""A parameter the page never writes, taken from a candidate only when the page's own numbers confirm it.

Mazur's example and its copies often write some weights only in the figure (``w_3``, ``w_7``),
while every weight they do write is Mazur's. The classic value is then a candidate, never a
given: it is taken only if the page's numbers that depend on it (found by moving the value
and seeing which judged numbers move) are reproduced — at least one of them exactly, as
written, for each parameter, and more of them right than wrong (a page's own slip further on
does not veto what its other numbers confirm). Otherwise the page leaves it open, and says so.
"""

from __future__ import annotations

import copy
from typing import NamedTuple

from ...errors import GraphEngineError
from .audit import audit, verdict_word
from .scan import Page

FINE = {"right", "rounding"}
NUDGE = 0.0137  # a move of a candidate value far larger than any written digit's unit, and no round number


class Confirmation(NamedTuple):
    values: dict[str, float]  # the candidates taken
    evidence: list[str]  # the page's numbers that reproduce them, as `line: text`


def _with(spec: dict, values: dict[str, float]) -> dict:
    changed = copy.deepcopy(spec)
    for name, value in values.items():
        entry = changed["parameters"][name]
        if isinstance(entry, dict):
            entry["value"] = value
        else:
            changed["parameters"][name] = value
    return changed


def _judged(spec: dict, page: Page) -> dict[int, tuple[float, str, str]]:
    """(exact, verdict word, `line: text`) of each judged network quantity, by where it is written."""
    import yaml

    from ...engine.network import Network
    from ...spec.load import parse_spec

    net = Network(parse_spec(yaml.safe_dump(spec, sort_keys=False)))
    result = audit(net, net.trace(), page)
    return {
        row.number.start: (row.verdict.exact, verdict_word(row.verdict), f"line {row.line}: {row.text}")
        for row in result.rows
        if row.quantity != "arithmetic" and row.how != "value"
    }


def confirm(spec: dict, candidates: dict[str, float], page: Page) -> Confirmation | None:
    """``candidates`` for the unwritten parameters of ``spec``, if the page's numbers confirm every one."""
    try:
        base = _judged(_with(spec, candidates), page)
    except GraphEngineError:  # a candidate network that cannot be built confirms nothing
        return None
    evidence: list[str] = []
    right = wrong = 0
    moved_any: set[int] = set()
    for name, value in candidates.items():
        moved = _judged(_with(spec, candidates | {name: value + NUDGE * max(abs(value), 1.0)}), page)
        depends = [at for at, (exact, _, _) in base.items() if at in moved and abs(moved[at][0] - exact) > 1e-12]
        exact_hits = [at for at in depends if base[at][1] == "right"]
        if not exact_hits:
            return None
        evidence += [base[at][2] for at in exact_hits if at not in moved_any]
        moved_any |= set(depends)
    for at in moved_any:
        if base[at][1] in FINE:
            right += 1
        else:
            wrong += 1
    if right <= wrong:
        return None
    return Confirmation(dict(candidates), sorted(set(evidence), key=lambda e: int(e.split(":")[0].split()[1])))
