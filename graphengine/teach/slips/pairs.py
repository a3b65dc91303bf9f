"""Two slips in one value, named as the pair (``uphill+learning-rate``).

A pair is two single slips of one quantity made together. Two ways of laying one over the
other cover the pairs a learner makes:

* **overlaid on the whole value**: ``sign`` (the value negated, every kind but ``out`` and
  ``updated``) and ``uphill`` (the step reversed: from ``w − s`` to ``w + s``, that is
  ``2w − value``, for ``updated``) act on any computation: ``uphill`` over a wrong η is
  ``uphill+learning-rate``;
* **composed from their effects**: two slips in different parts of a sum (a missing term and
  a wrong weight in ``net``, a path left out and the updated weights in ``∂E/∂out``, one
  sample's part with a factor left out) add their changes, ``A + B − right``; two slips that
  scale the value (a factor 2 and the batch's 1/N, ``sign`` over a missing factor) multiply
  them, ``A · B / right``. Both are tried for every two slips of different codes.

The judge tries pairs only when no single slip explains a value.
"""

from __future__ import annotations

from ..quantities import Getter, Quantities
from .registry import Candidate

OVERLAID = ("sign", "uphill")  # laid over a whole value (pairs above), not composed
MAX_PAIRED = 1600  # candidates a quantity's pairs may add


def pair_code(first: str, second: str) -> str:
    """The pair's code: its two slip codes joined by ``+``, the overlaid one first."""
    return f"{first}+{second}"


def pairs(Q: Quantities, name: str, singles: list[Candidate]) -> list[Candidate]:
    """Every single candidate of ``name`` with ``sign`` or ``uphill`` laid over it."""
    kind, arg = Q.names[name]
    found: list[Candidate] = []
    for c in singles:
        if "+" in c.code:
            continue
        if kind == "updated" and c.code != "uphill":
            w = Q.values[arg]

            def reversed_step(get: Getter, c: Candidate = c, w: float = w) -> float:
                return 2 * w - c.compute(get)

            found.append(
                Candidate(pair_code("uphill", c.code), reversed_step, f"{c.sentence}, and the step added", c.needs)
            )
        elif kind not in ("out", "updated") and c.code != "sign":

            def negated(get: Getter, c: Candidate = c) -> float:
                return -c.compute(get)

            found.append(
                Candidate(pair_code("sign", c.code), negated, f"{c.sentence}, and the sign is flipped", c.needs)
            )
        if len(found) >= MAX_PAIRED:
            break
    return found + composed(Q, name, singles, MAX_PAIRED - len(found))


def composed(Q: Quantities, name: str, singles: list[Candidate], room: int) -> list[Candidate]:
    """Every two singles of different codes composed from their effects: added (``A + B − right``)
    and multiplied (``A · B / right``); at most ``room`` of them."""
    if Q.names[name][0] == "updated":
        return []  # an update's slips are the step's sign and size: overlaid above
    found: list[Candidate] = []
    plain = [c for c in singles if "+" not in c.code and c.code not in OVERLAID]
    if any(c.code == "updated-weights" for c in plain):
        found += with_updated_weights(Q, name, [c for c in plain if c.code != "updated-weights"])
    for i, a in enumerate(plain):
        for b in plain[i + 1 :]:
            if a.code == b.code or len(found) >= room:
                continue
            code = pair_code(*sorted((a.code, b.code)))
            sentence = f"{a.sentence}; and {b.sentence}"
            needs = tuple(dict.fromkeys(a.needs + b.needs))

            def added(get: Getter, a: Candidate = a, b: Candidate = b) -> float:
                return a.compute(get) + b.compute(get) - Q.formula(name, get)

            def multiplied(get: Getter, a: Candidate = a, b: Candidate = b) -> float:
                return a.compute(get) * b.compute(get) / Q.formula(name, get)

            found += [Candidate(code, added, sentence, needs), Candidate(code, multiplied, sentence, needs)]
    return found


def with_updated_weights(Q: Quantities, name: str, singles: list[Candidate]) -> list[Candidate]:
    """A slip of ``∂E/∂out_v`` made with the already-updated weights of v's edges (``missing-term``
    with ``updated-weights``: a path left out of a sum of updated-weight paths)."""
    _, v = Q.names[name]
    weights = [d["weight"] for _, _, d in Q.graph.out_edges(v, data=True) if Q.param_info[d["weight"]]["trainable"]]
    found = []
    for c in singles:
        for written in (True, False):  # the learner's written updates, or their gradients' steps

            def compute(get: Getter, c: Candidate = c, written: bool = written) -> float:
                saved = Q.values
                step = {
                    p: get(f"updated.{p}") if written else saved[p] - Q.learning_rate * get(f"grad.{p}")
                    for p in weights
                }
                Q.values = dict(saved) | step
                try:
                    return c.compute(get)
                finally:
                    Q.values = saved

            code = pair_code(*sorted((c.code, "updated-weights")))
            sentence = f"{c.sentence}, with the already-updated {', '.join(weights)}"
            found.append(Candidate(code, compute, sentence, c.needs))
    return found
