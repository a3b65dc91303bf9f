"""Quantities a page writes that the network does not store, but that have exact definitions.

A worked example writes values graphengine's trace has no name for:

- ``softmax.o``: under softmax cross-entropy, the probability ``p_o = e^{z_o} / Σ_k e^{z_k}``
  of each output (the trace stores the logits ``z_o`` as the outputs' ``out``);
- ``error.o``: the error ``t_o − y_o`` of an output under a squared error (a page writes it
  with either sign, so it is matched up to its sign);
- ``change.p``: the step ``−η · ∂E/∂p`` of a trainable parameter.

They are recognised as such and checked against their definition; never forced onto a node.

>>> import graphengine
>>> from graphengine.teach.quantities import Quantities
>>> net = graphengine.load("specs/doc_example.yaml")
>>> values = defined_values(Quantities(net, net.trace()))
>>> round(values["error.o1"], 6), round(values["change.w5"], 6)
(-0.741365, -0.041084)
"""

from __future__ import annotations

import math

from ..claims import matches, truncated
from ..quantities import Quantities
from .scan import WrittenNumber
from .steps import TRUNCATED, Step, truncation_note

SIGNLESS = ("error.",)  # written as t − y or y − t: only the size is the page's claim


def is_softmax(Q: Quantities) -> bool:
    """The loss applies a softmax to the outputs before its cross-entropy."""
    return "softmax" in str(getattr(Q.loss, "name", ""))


def defined_values(Q: Quantities) -> dict[str, float]:
    """Each defined quantity's exact value (see the module docstring)."""
    found: dict[str, float] = {}
    s = Q.sample
    logits = [Q.exact(f"{o}.out") for o in Q.outputs]
    if is_softmax(Q) and logits:
        top = max(logits)
        exps = [math.exp(z - top) for z in logits]
        total = sum(exps)
        for o, e in zip(Q.outputs, exps):
            found[f"softmax.{o}"] = e / total
    elif "squared" in str(getattr(Q.loss, "name", "")):
        for k, o in enumerate(Q.outputs):
            found[f"error.{o}"] = float(Q.targets[s, k]) - Q.exact(f"{o}.out")
    for p, info in Q.param_info.items():
        if info["trainable"] and f"grad.{p}" in Q.names:
            found[f"change.{p}"] = -Q.learning_rate * Q.exact(f"grad.{p}")
    for v, o, data in Q.graph.edges(data=True):
        if o in Q.outputs and f"{o}.dnet" in Q.names:
            found[f"part.{o}.{v}"] = Q.exact(f"{o}.dnet") * Q.values[data["weight"]]
    return found


def from_page(name: str, Q: Quantities, written: dict[str, tuple[float, float]]) -> tuple[float, float] | None:
    """``name``'s value from the page's own written numbers (``written``: quantity → (value,
    unit)), exact where the page wrote none, and how far their last digits can move it."""
    kind, _, subject = name.partition(".")

    def page(q: str) -> tuple[float, float]:
        return written.get(q, (Q.exact(q), 0.0))

    if kind == "error":
        k = Q.outputs.index(subject)
        y, unit = page(f"{subject}.out")
        return float(Q.targets[Q.sample, k]) - y, unit
    if kind == "change":
        g, unit = page(f"grad.{subject}")
        return -Q.learning_rate * g, Q.learning_rate * unit
    if kind == "part":
        o, _, v = subject.partition(".")
        weight = next(Q.values[d["weight"]] for u, w, d in Q.graph.edges(data=True) if (u, w) == (v, o))
        delta, unit = page(f"{o}.dnet")
        return delta * weight, abs(weight) * unit
    return None


def through_page(name: str, Q: Quantities, written: dict[str, tuple[float, float]]) -> float | None:
    """``name``'s value from the page's own written numbers carried through the network's
    formulas (a quantity the page did not write is computed from those it did, in the
    step's order), or None when ``name`` has no such definition."""
    values: dict[str, float] = {}
    for q in Q.order:
        if q in written:
            values[q] = written[q][0]
        else:
            values[q] = Q.formula(q, lambda x: values[x] if x in values else Q.exact(x))
    found = from_page(name, Q, {q: (v, 0.0) for q, v in values.items()})
    return None if found is None else found[0]


def softmax_parts(Q: Quantities) -> list[tuple[str, float, float]]:
    """(output, e^{z_o − shift}, Σ_k e^{z_k − shift}) for shift 0 and the largest logit: the
    numerator and denominator a page writes for each probability, either way."""
    if not is_softmax(Q):
        return []
    logits = [Q.exact(f"{o}.out") for o in Q.outputs]
    parts = []
    for shift in {0.0, max(logits)}:
        try:
            exps = [math.exp(z - shift) for z in logits]
        except OverflowError:
            continue
        parts += [(o, e, sum(exps)) for o, e in zip(Q.outputs, exps)]
    return parts


def describe(name: str) -> str:
    """What a defined quantity is, for a note: ``softmax.c1`` → ``the softmax probability of c1``."""
    kind, _, subject = name.partition(".")
    if kind == "part":
        output, _, node = subject.partition(".")
        return f"the part ∂E_{output}/∂out_{node} through {output}"
    return {
        "softmax": f"the softmax probability of {subject}",
        "error": f"the error t − y of {subject}",
        "change": f"the step −η·∂E/∂{subject}",
    }.get(kind, name)


ROUGHLY = 0.02
"""A defined quantity written without the arithmetic that gives it, off its exact value by
no more than this fraction, is taken as following from the page's earlier rounding."""


def defined_verdict(
    name: str,
    number: WrittenNumber,
    exact: float,
    step: Step | None,
    page: tuple[float, float] | None = None,
    carried: float | None = None,
) -> Step:
    """The verdict on a written defined quantity: right at its written precision; else what its
    own chain's arithmetic says (``arithmetic``, ``carried``; ``rounding`` when the page's
    numbers give it); without arithmetic, ``rounding`` when the page's own numbers give it
    (``page``: that value and its spread, see :func:`from_page`), ``arithmetic`` when not.
    A right number cut at its last digit is ``truncated`` unless the page's own numbers give
    it (``carried``: those numbers through the network's formulas, :func:`through_page`)."""
    value = abs(number.value) if name.startswith(SIGNLESS) else number.value
    target = abs(exact) if name.startswith(SIGNLESS) else exact
    what = describe(name)
    if matches(value, number.unit, target):
        values = [target] + ([step.exact] if step is not None and (step.right or step.reason == TRUNCATED) else [])
        for mine in (page[0] if page is not None else None, carried):
            if mine is not None:
                values.append(abs(mine) if name.startswith(SIGNLESS) else mine)
        if truncated(value, number.unit, *values):
            return Step(what, number, exact, False, TRUNCATED, truncation_note(number, exact), quantity=name)
        return Step(what, number, exact, True, quantity=name)
    if step is not None:
        reason = step.reason if not step.right else "rounding"
        note = step.note if not step.right else f"follows from the page's own numbers; {what} is {exact:.6g}"
        return Step(what, number, exact, False, reason, note, quantity=name)
    if page is not None:
        mine = abs(page[0]) if name.startswith(SIGNLESS) else page[0]
        if abs(value - mine) <= (page[1] + number.unit) * (1 + 1e-9):
            return Step(
                what,
                number,
                exact,
                False,
                "rounding",
                f"follows from the page's own numbers; {what} is {exact:.6g}",
                quantity=name,
            )
        return Step(
            what,
            number,
            exact,
            False,
            "arithmetic",
            f"the page's own numbers give {mine:.6g}, not {number.text}",
            quantity=name,
        )
    if abs(value - target) <= ROUGHLY * abs(target) + number.unit:
        return Step(what, number, exact, False, "rounding", f"{what} is {exact:.6g}", quantity=name)
    return Step(what, number, exact, False, "arithmetic", f"{what} is {exact:.6g}, not {number.text}", quantity=name)
