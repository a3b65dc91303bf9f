"""Slips the exercise safety check guards against that ``check`` judges another way.

Registered with ``named_by_check=False``: :func:`graphengine.teach.slips.library.accidents`
asks them, :func:`~graphengine.teach.slips.library.candidates` (``check``'s) does not. A draw
where one of them lands on the right value would mark a learner who made it right; ``check``
names such a wrong value ``arithmetic``, ``misplaced`` or ``carried`` instead, and naming it
here would change its verdicts. Registering one of them with ``named_by_check=True`` makes
``check`` name it too.
"""

from __future__ import annotations

from ..quantities import Getter, Quantities
from .registry import Candidate, hidden, slip


@slip("net-for-out", "out", named_by_check=False)
def net_written_for_out(quantities: Quantities, v: str) -> list[Candidate]:
    """out_v written as net_v (the activation left out)."""
    if not hidden(quantities, v):
        return []
    return [Candidate("net-for-out", lambda get: get(f"{v}.net"), f"that is net_{v}: out_{v} = f(net_{v})")]


@slip("learning-rate", "updated", named_by_check=False)
def step_left_out(quantities: Quantities, p: str) -> list[Candidate]:
    """No step taken: the parameter written as it was (η taken as 0)."""
    if not quantities.param_info[p]["trainable"]:
        return []
    return [Candidate("learning-rate", lambda get: quantities.values[p], f"{p}′ written as {p}: the step is missing")]


def _mean_forgotten(quantities: Quantities, name: str) -> list[Candidate]:
    if quantities.samples < 2 or not quantities.mean:
        return []
    return [
        Candidate(
            "batch",
            lambda get: quantities.samples * quantities.formula(name, get),
            f"the 1/{quantities.samples} of the mean is missing",
        )
    ]


@slip("batch", "dout", named_by_check=False)
def mean_forgotten_in_dout(quantities: Quantities, v: str) -> list[Candidate]:
    """This sample's ∂E/∂out of a neuron without the mean's 1/N."""
    return _mean_forgotten(quantities, f"{v}.dout") if hidden(quantities, v) else []


@slip("batch", "dnet", named_by_check=False)
def mean_forgotten_in_dnet(quantities: Quantities, v: str) -> list[Candidate]:
    """This sample's ∂E/∂net of a neuron without the mean's 1/N."""
    return _mean_forgotten(quantities, f"{v}.dnet") if hidden(quantities, v) else []


@slip("missing-factor", "grad", named_by_check=False)
def input_factor_missing_in_every_sample(quantities: Quantities, p: str) -> list[Candidate]:
    """∂E/∂w of a batch without the factor out_u in any sample (check's slip leaves it out of this sample's part only)."""
    if quantities.samples < 2 or not any(u is not None for u, _ in quantities.uses[p]):
        return []

    def compute(get: Getter) -> float:
        dnet = quantities.arrays["dnet"]
        others = sum(
            float(dnet[:, quantities.column[v]].sum() - dnet[quantities.sample, quantities.column[v]])
            for _, v in quantities.uses[p]
        )
        return others + sum(get(f"{v}.dnet") for _, v in quantities.uses[p])

    return [Candidate("missing-factor", compute, f"the factor ∂net/∂{p} is missing in every sample")]
