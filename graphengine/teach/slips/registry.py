"""The registry of slip detectors: the stable codes, what a detector returns, and how it registers.

A detector is a small function ``(Quantities, arg) -> list[Candidate]`` registered with
``@slip(code, *kinds)`` for the kinds of quantity it explains (``net``, ``out``,
``dact``, ``dout``, ``dnet``, ``term``, ``loss``, ``grad``, ``updated``); ``arg`` is the
node or parameter. The detectors live in :mod:`graphengine.teach.slips.forward` and
:mod:`graphengine.teach.slips.backward`; :mod:`graphengine.teach.slips.library` asks them all.

Two users ask the library: ``check`` (which slip gives the learner's wrong value) and the
exercise safety check (:mod:`graphengine.teach.slips.accidents`: no slip may give the right
value by accident). A detector registered with ``named_by_check=False`` is asked by the safety
check only: ``check`` judges that value another way (a net written for out is ``arithmetic``
there), and naming it would change ``check``'s verdicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from ..quantities import Getter, Quantities

CODES = (
    "swapped",
    "wrong-weight",
    "missing-term",
    "missing-factor",
    "net-for-out",
    "derivative-of-net",
    "updated-weights",
    "factor-2",
    "sign",
    "uphill",
    "learning-rate",
    "batch",
    "shared",
    "arithmetic",
)
MAX_PAIRS = 66  # swapped: the pairs of a fan-in of 12
MAX_WEIGHTS = 30  # wrong-weight: beyond this, only the weights next to the edge
MAX_PER_DETECTOR = 120  # candidates one detector may propose for one quantity (wide layers)


@dataclass(frozen=True)
class Candidate:
    """What one slip gives, from the learner's values, and the sentence that names it."""

    code: str
    compute: Callable[[Getter], float]
    sentence: str
    # Values the learner's written arithmetic must contain for this slip to fit it
    # (the weights a swapped or wrong-weight term uses): arithmetic without them rules it out.
    needs: tuple[float, ...] = ()


Detector = Callable[[Quantities, str], list[Candidate]]


class Registered(NamedTuple):
    """One registered detector: its slip code, the kinds of quantity it explains, the function."""

    code: str
    kinds: tuple[str, ...]
    detector: Detector
    named_by_check: bool  # False: asked by the exercise safety check only


DETECTORS: list[Registered] = []


def slip(code: str, *kinds: str, named_by_check: bool = True) -> Callable[[Detector], Detector]:
    """Register a detector of ``code`` for quantities of these kinds (net, out, dact, dout, dnet, term, loss, grad, updated)."""
    assert code in CODES, code

    def register(fn: Detector) -> Detector:
        DETECTORS.append(Registered(code, kinds, fn, named_by_check))
        return fn

    return register


def hidden(quantities: Quantities, v: str) -> bool:
    """Not an input node (it has an activation)."""
    return v not in quantities.inputs


def squared_loss(quantities: Quantities) -> bool:
    """A squared-error loss, whose ½ or 2 a learner can forget."""
    return "squared" in quantities.loss.name or quantities.loss.name == "mse"


def edge_weights(quantities: Quantities) -> list[str]:
    """Every parameter that is the weight of an edge."""
    return sorted({d["weight"] for _, _, d in quantities.graph.edges(data=True)})


def nearby_weights(quantities: Quantities, u: str, v: str) -> list[str]:
    """Weights a learner may take for the edge u → v: all of a small network's, else those sharing u or v."""
    every = edge_weights(quantities)
    if len(every) <= MAX_WEIGHTS:
        return every
    near = {d["weight"] for _, _, d in quantities.graph.out_edges(u, data=True)} | {
        d["weight"] for _, _, d in quantities.graph.in_edges(v, data=True)
    }
    return sorted(near)
