"""Classic slips that would land on the right answer by accident, and the other reasons a draw
of numbers makes a poor exercise.

Each slip is computed from the exact values of one step, next to the quantity it spoils: two
sources' values swapped in a net, a neighbour's weight, the bias left out, net written for out,
the derivative taken at net, a factor or a path left out, a shared parameter through one use,
one sample for the batch, the step taken uphill or without η. A draw is unsafe when one of them
comes within a few units of the 4th significant digit of the right value — the learner who
makes it would be marked right.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from ...model.graph import depths
from ..exercise.blanks import quantity_value, unit

MIN_ANSWER = 1e-3  # every asked quantity at least this large
SLIP_UNITS = 3  # a slip's value must lie more than this many units of the 4th digit away
MIN_TARGET_DISTANCE = 0.05  # |out − target| of every output


class _Slips:
    """What the classic slips give, from the exact values of one trace, each next to its quantity."""

    def __init__(self, net: Any, trace: Any) -> None:
        self.G, self.t = net.graph, trace
        self.inputs = list(self.G.graph["inputs"])
        self.outputs = list(self.G.graph["outputs"])
        self.values = trace.values
        self.n = trace.n_samples
        self.mean = self.G.graph["reduction"] == "mean"

    def out(self, u: str) -> float:
        return self.t.out(u, 0)

    def all(self) -> Iterator[tuple[str, str, float]]:
        """(slip, quantity, value the slip gives), for every slip that has a value here."""
        for rule in (self.swapped, self.wrong_weight, self.missing_bias, self.activation_slips):
            yield from rule()
        yield from self.missing_term()
        yield from self.gradient_slips()
        yield from self.update_slips()
        yield from self.batch_slips()

    def swapped(self) -> Iterator[tuple[str, str, float]]:
        """Two sources' values swapped in a net (the worked example's h2 slip)."""
        for v in self.G.nodes:
            edges = list(self.G.in_edges(v, data=True))
            net = self.t.net(v, 0) if edges else 0.0
            for j, (a, _, da) in enumerate(edges):
                for b, _, db in edges[j + 1 :]:
                    wa, wb = self.values[da["weight"]], self.values[db["weight"]]
                    yield "swapped", f"{v}.net", net + (wa - wb) * (self.out(b) - self.out(a))

    def wrong_weight(self) -> Iterator[tuple[str, str, float]]:
        """Another weight of the same layer taken for an edge's own."""
        weights_into: dict[str, list[tuple[str, float]]] = {}
        for u, v, d in self.G.edges(data=True):
            weights_into.setdefault(v, []).append((u, self.values[d["weight"]]))
        layer_weights = {v: [w for _, w in ws] for v, ws in weights_into.items()}
        depth = depths(self.G)
        for v, ws in weights_into.items():
            same_layer = [w for x, others in layer_weights.items() if depth[x] == depth[v] for w in others]
            for u, w in ws:
                for other in same_layer:
                    if other != w:
                        yield "wrong-weight", f"{v}.net", self.t.net(v, 0) + (other - w) * self.out(u)

    def missing_bias(self) -> Iterator[tuple[str, str, float]]:
        for v, attrs in self.G.nodes(data=True):
            if attrs.get("bias"):
                yield "missing-term", f"{v}.net", self.t.net(v, 0) - self.values[attrs["bias"]]

    def activation_slips(self) -> Iterator[tuple[str, str, float]]:
        """net written for out; the derivative evaluated at net; ∂out/∂net left out of δ."""
        for v, attrs in self.G.nodes(data=True):
            if v in self.inputs:
                continue
            act, params = attrs["activation"], attrs["activation_params"]
            net = self.t.net(v, 0)
            at_net = float(act.derivative_function(np.array([[net]]), np.array([[net]]), **params)[0, 0])
            yield "net-for-out", f"{v}.out", net
            yield "derivative-of-net", f"{v}.dact", at_net
            yield "missing-factor", f"{v}.dnet", self.t.dout(v, 0)

    def missing_term(self) -> Iterator[tuple[str, str, float]]:
        """∂E/∂out of a hidden node with one of its paths to the loss left out."""
        for v in self.G.nodes:
            edges = list(self.G.out_edges(v, data=True))
            if len(edges) < 2 or v in self.outputs:
                continue
            for _, w, d in edges:
                yield "missing-term", f"{v}.dout", self.t.dout(v, 0) - self.t.dnet(w, 0) * self.values[d["weight"]]

    def uses(self, p: str) -> list[tuple[str | None, str]]:
        uses: list[tuple[str | None, str]] = [(u, v) for u, v, d in self.G.edges(data=True) if d["weight"] == p]
        return uses + [(None, v) for v, a in self.G.nodes(data=True) if a.get("bias") == p]

    def part(self, use: tuple[str | None, str], sample: int) -> float:
        u, v = use
        return self.t.dnet(v, sample) * (1.0 if u is None else self.t.out(u, sample))

    def gradient_slips(self) -> Iterator[tuple[str, str, float]]:
        """The source's out left out of ∂E/∂w; a shared parameter through one use only."""
        for p in self.values:
            uses = self.uses(p)
            if any(u is not None for u, _ in uses):
                yield "missing-factor", f"grad.{p}", sum(self.t.dnet(v, s) for _, v in uses for s in range(self.n))
            if len(uses) > 1:
                for use in uses:
                    yield "shared", f"grad.{p}", sum(self.part(use, s) for s in range(self.n))

    def update_slips(self) -> Iterator[tuple[str, str, float]]:
        eta, grads = self.t.learning_rate, self.t.gradients
        for p, value in self.values.items():
            yield "uphill", f"updated.{p}", value + eta * grads[p]
            yield "learning-rate", f"updated.{p}", value - grads[p]
            yield "not-updated", f"updated.{p}", value

    def batch_slips(self) -> Iterator[tuple[str, str, float]]:
        """One sample's part for the batch's; the mean's 1/N forgotten."""
        if self.n == 1:
            return
        losses = np.asarray(self.t.sample_losses, dtype=float)
        yield "batch", "loss", float(losses[0])
        yield "batch", "loss", float(losses.sum())
        for p in self.values:
            mine = sum(self.part(use, 0) for use in self.uses(p))
            yield "batch", f"grad.{p}", mine
            if self.mean:
                yield "batch", f"grad.{p}", self.n * mine
                yield "batch", f"grad.{p}", self.n * self.t.gradients[p]
        if self.mean:
            for v in self.G.nodes:
                if v not in self.inputs:
                    yield "batch", f"{v}.dout", self.n * self.t.dout(v, 0)
                    yield "batch", f"{v}.dnet", self.n * self.t.dnet(v, 0)


def unsafe(net: Any, trace: Any, asked: list[str], given: list[float]) -> str | None:
    """Why this draw makes a poor exercise, or None when it is safe (every check but the
    learner-at-4-digits one, which needs :func:`graphengine.teach.exercise.grade.judge`)."""
    exact = {q: quantity_value(trace, q) for q in asked}
    for q, x in exact.items():
        if not math.isfinite(x) or abs(x) < MIN_ANSWER:
            return f"{q} = {x:.3g} is too close to zero"
    for o, t in zip(net.graph.graph["outputs"], trace.targets[0]):
        if abs(trace.out(o, 0) - t) < MIN_TARGET_DISTANCE:
            return f"{o}.out is too close to its target"
    for q, x in exact.items():
        for g in given:  # with either sign: a given number copied, or copied with a sign slip
            if abs(abs(x) - abs(g)) <= SLIP_UNITS * unit(x):
                return f"{q} looks like a given number ({g:g})"
    for slip, q, value in _Slips(net, trace).all():
        if q not in exact:
            continue
        x = exact[q]
        distance = abs(value - x)
        # A slip that equals the right value by construction (relu: out = net, ∂out/∂net = 1) is
        # no slip there; only a near miss is an accident. Swapped inputs must always show.
        by_construction = distance <= 1e-12 * max(1.0, abs(x)) and slip != "swapped"
        if not by_construction and distance <= SLIP_UNITS * unit(x):
            return f"the slip `{slip}` gives {q} by accident"
    return None
