"""One step of the step-through: what it computes, where on the diagram, and its value.

A :class:`Step` is a record the page shows one at a time; its equations are the chains
:mod:`graphengine.views.derivation.explain` writes, as text and as LaTeX (for MathML).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from ..derivation.document import Eq, _dedupe

# A reveal names what a step puts on the diagram: (part, name) with part one of
# net, out, dout, dact, delta (a node), grad, update (a parameter: every edge and bias using it),
# term (an output's loss node) and loss (the total, name "").
Reveal = tuple[str, str]


@dataclass(frozen=True)
class Step:
    """One moment of the step-through: what is computed, where, and its value."""

    kind: str  # start, net, out, term, loss, dout, dact, delta, gradient, update, summary (+ layer-…)
    title: str
    phase: str  # forward, loss, backward, gradients, update, summary
    equations: tuple[str, ...] = ()  # the substituted chains, `net_h1 = w1·i1 + … = 0.15×0.05 + … = 0.3775`
    value: float | None = None  # the exact value the step computes (None for layer-level steps)
    node: str | None = None
    parameter: str | None = None
    nodes: tuple[str, ...] = ()  # highlighted nodes
    edges: tuple[tuple[str, str], ...] = ()  # highlighted edges
    reveals: tuple[Reveal, ...] = ()
    note: str = ""
    values: dict[str, float] = field(default_factory=dict)  # layer-level: each node's or parameter's value
    tex: tuple[str, ...] = ()  # the equations as LaTeX (same order as ``equations``), for MathML

    @property
    def formula(self) -> str:
        """The first equation up to its first substitution (``net_h1 = w1·i1 + w2·i2 + b1``)."""
        if not self.equations:
            return ""
        parts = self.equations[0].split(" = ")
        return " = ".join(parts[:2])

    @property
    def text(self) -> str:
        return self.equations[0] if self.equations else ""


def equation_text(eq: Eq) -> str:
    """An equation chain as one line of text, as `explain` prints it."""
    return " = ".join(p.text for p in _dedupe(eq.parts))


def equation_tex(eq: Eq) -> str:
    """The same chain as LaTeX (the page turns it into MathML)."""
    return " = ".join(p.tex for p in _dedupe(eq.parts))


class Focus(TypedDict):
    """The node a step is about and the nodes it highlights (``Step(..., **common)``)."""

    node: str
    nodes: tuple[str, ...]


class Chains(TypedDict):
    """A step's ``equations`` and ``tex`` (``Step(..., **chains(eq))``)."""

    equations: tuple[str, ...]
    tex: tuple[str, ...]


def chains(*eqs: Eq) -> Chains:
    """A step's ``equations`` and ``tex`` from the same chains."""
    return {"equations": tuple(equation_text(eq) for eq in eqs), "tex": tuple(equation_tex(eq) for eq in eqs)}
