"""The values a learner works out but never writes: how far their own rounding can take them.

A sheet of a batch exercise asks for one sample's values, but ``loss`` and every ``grad.*``
need every sample's: the learner works the other samples out on the side, rounding as they
write (their habit, :func:`graphengine.teach.claims.rounding_habit`), and each rounding flows
on through the values computed from it. :func:`other_samples_spread` follows that flow
through every other sample's forward and backward pass, from the exact inputs and weights:
each value's spread is half a unit of the learner's last digit on it plus what the spreads
of the values it is computed from do to it (first order, each moved by its spread), walked in
the quantities' order (topological, then reversed), never by recursion. The spread of a
batch quantity's other-sample part is what the judge allows on top of the learner's written
values (:mod:`graphengine.teach.check`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from ..model.graph import ParameterUse
from .quantities import Getter, Quantities

if TYPE_CHECKING:
    from ..engine.network import Network
    from ..engine.trace import Trace

MAX_SAMPLES_FOLLOWED = 16  # other samples followed value by value; beyond, none (a sheet asks for few)
CHAIN_KINDS = frozenset({"net", "out", "dact", "dout", "dnet"})


def spread_of(
    compute: Callable[[Getter], float], values: dict[str, float], spreads: dict[str, float]
) -> tuple[float, float]:
    """``compute`` on ``values`` and how far it moves when each value it uses moves by its spread
    (the moves added: a bound, to first order)."""
    used: list[str] = []

    def get(q: str) -> float:
        if q not in used:
            used.append(q)
        return values[q]

    value = float(compute(get))
    total = 0.0
    for d in used:
        step = spreads.get(d, 0.0)
        if step:

            def moved(q: str, d: str = d, x: float = values[d] + step) -> float:
                return x if q == d else values[q]

            total += abs(float(compute(moved)) - value)
    return value, total


def other_samples_spread(
    net: Network, trace: Trace, sample: int, half_unit: Callable[[float], float]
) -> dict[str, float]:
    """``loss`` and ``grad.P`` → how far the other samples' part of it can be off when the learner
    works those samples out rounding as ``half_unit`` says (0 for a single sample)."""
    found: dict[str, float] = {}
    others = [s for s in range(trace.n_samples) if s != sample][:MAX_SAMPLES_FOLLOWED]
    for s in others:
        for q, spread in _one_sample(Quantities(net, trace, s), half_unit).items():
            found[q] = found.get(q, 0.0) + spread
    return found


def _one_sample(quantities: Quantities, half_unit: Callable[[float], float]) -> dict[str, float]:
    """The spreads of one sample's parts of ``loss`` and of every ``grad.P``."""
    values: dict[str, float] = {}
    spreads: dict[str, float] = {}
    for q in quantities.order:
        kind, v = quantities.names[q]
        if kind not in CHAIN_KINDS:
            continue
        values[q] = quantities.exact(q)
        if v in quantities.inputs:
            continue  # given numbers: exact
        _, moved = spread_of(partial(quantities.formula, q), values, spreads)
        spreads[q] = moved + half_unit(values[q])
    found: dict[str, float] = {}
    for p, uses in quantities.uses.items():
        if uses:
            part, moved = spread_of(partial(_uses_part, quantities, uses), values, spreads)
            found[f"grad.{p}"] = moved + half_unit(part)
    loss, moved = _sample_loss_spread(quantities, values, spreads, half_unit)
    found["loss"] = (moved + half_unit(loss)) * (1.0 / quantities.samples if quantities.mean else 1.0)
    return found


def _uses_part(quantities: Quantities, uses: list[ParameterUse], get: Getter) -> float:
    return sum(quantities.use_part(use, get) for use in uses)


def _sample_loss_spread(
    quantities: Quantities, values: dict[str, float], spreads: dict[str, float], half_unit: Callable[[float], float]
) -> tuple[float, float]:
    """One sample's loss from its outputs (through its per-output terms, each rounded, when the loss has them)."""
    if quantities.loss.terms_function is None:
        return spread_of(quantities.sample_loss, values, spreads)
    for o in quantities.outputs:
        term, moved = spread_of(partial(quantities.formula, f"loss.{o}"), values, spreads)
        values[f"loss.{o}"], spreads[f"loss.{o}"] = term, moved + half_unit(term)
    return spread_of(quantities.sample_loss, values, spreads)
