"""The quantities of one training step a learner can write down, their exact values, and
the formula of each one in terms of the others.

``Quantities(net, trace, sample)`` names every quantity canonically (``h1.net``,
``o1.dact``, ``grad.w5``, …, see :mod:`graphengine.teach.notation`), lists them in an order
where each comes after everything its formula uses (the forward pass in
``nx.topological_sort`` order, then the backward pass in its reverse, each parameter's
gradient and update as soon as its last use is done: no recursion, so chains of
thousands of nodes work), and evaluates ``formula(q, get)`` — the right formula of
``q`` with the values of the quantities it uses taken from ``get`` (the learner's
values, when judging a sheet). Samples other than ``sample`` enter batch quantities
(``loss``, ``grad.*``) with their exact values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, NamedTuple

import networkx as nx
import numpy as np

from ..errors import GraphEngineError
from ..model.graph import ParameterUse, parameter_uses

if TYPE_CHECKING:
    from ..engine.network import Network
    from ..engine.trace import Trace

Getter = Callable[[str], float]

NODE_QUANTITIES = ("net", "out", "dout", "dnet", "dact")
INPUT_QUANTITIES = ("out", "dout")


class QuantityName(NamedTuple):
    """What a canonical name means: its kind (net, out, dact, dout, dnet, term, loss, grad,
    updated) and the node or parameter it is of ('' for the loss)."""

    kind: str
    of: str


class NetTerm(NamedTuple):
    """One term of a neuron's net: ``weight · value``."""

    parameter: str  # the weight's (or the bias's) parameter
    source: str | None  # the source node, None for the bias
    weight: float
    value: float  # the source's out (1 for the bias)


class PathPart(NamedTuple):
    """One path of a hidden ∂E/∂out_v: through the edge v → ``successor``."""

    successor: str
    parameter: str  # the edge's weight parameter
    part: float  # ∂E/∂net_successor · weight


def hand_name(name: str) -> QuantityName:
    """The meaning of a hand-file name, read from its shape alone (no network needed).

    >>> hand_name("h1.out"), hand_name("loss.o1"), hand_name("grad.w5"), hand_name("loss")
    (QuantityName(kind='out', of='h1'), QuantityName(kind='term', of='o1'), QuantityName(kind='grad', of='w5'), QuantityName(kind='loss', of=''))
    """
    head, _, tail = name.rpartition(".")
    if name == "loss":
        return QuantityName("loss", "")
    if head == "loss":
        return QuantityName("term", tail)
    if head in ("grad", "updated"):
        return QuantityName(head, tail)
    return QuantityName(tail, head)


def node_arrays(trace: Trace) -> dict[str, np.ndarray]:
    """The ``(samples, nodes)`` array of each node quantity (the trace joins its levels on each access: take them once)."""
    return {
        "net": trace.forward.net,
        "out": trace.forward.out,
        "dact": trace.forward.dact,
        "dnet": trace.backward.dnet,
        "dout": trace.backward.dout,
    }


def exact_value(
    trace: Trace, quantity: QuantityName, sample: int = 0, arrays: Mapping[str, np.ndarray] | None = None
) -> float:
    """The exact value of one quantity of ``trace`` in ``sample`` (batch quantities: the batch's);
    ``arrays``: :func:`node_arrays` of ``trace``, when the caller holds them."""
    kind, of = quantity
    if kind in NODE_QUANTITIES:
        arrays = node_arrays(trace) if arrays is None else arrays
        return float(arrays[kind][sample, trace.plan.index[of]])
    if kind == "loss":
        return float(trace.loss)
    if kind == "term":
        terms = trace.loss_terms(sample)
        if terms is None:
            raise GraphEngineError(f"`loss.{of}`: this loss does not split into per-output terms")
        return float(terms[of])
    if kind == "grad":
        return float(trace.gradients[of])
    return float(trace.updated[of])


class Quantities:
    """Names, exact values, evaluation order and formulas of one step's quantities."""

    def __init__(self, net: Network, trace: Trace, sample: int = 0) -> None:
        self.net, self.trace, self.sample = net, trace, sample
        G = self.graph = net.graph
        self.inputs, self.outputs = list(G.graph["inputs"]), list(G.graph["outputs"])
        self.loss, self.loss_params = G.graph["loss"], G.graph["loss_params"]
        self.mean = G.graph["reduction"] == "mean"
        self.samples = trace.n_samples
        self.values: dict[str, float] = dict(trace.values)
        self.grads: dict[str, float] = dict(trace.gradients)
        self.param_info = G.graph["parameters"]
        self.learning_rate = float(trace.learning_rate)
        self.targets = np.asarray(trace.targets, dtype=float)
        self.arrays = node_arrays(trace)
        self.column = dict(trace.plan.index)
        self.ambiguous: set[str] = set()
        self._others: dict[tuple[str, tuple[ParameterUse, ...]], float] = {}
        self.names: dict[str, QuantityName] = {}
        self.uses = parameter_uses(G)
        self.order = self._order()

    # ------------------------------------------------------------------ names and order
    def _add(self, name: str, meaning: QuantityName) -> None:
        # A node called `grad` and a parameter called `out` both give `grad.out`: such a
        # name cannot be checked, and is refused when a hand file uses it.
        if name in self.names:
            self.ambiguous.add(name)
        self.names[name] = meaning

    def _order(self) -> list[str]:
        order: list[str] = []
        topological = list(nx.topological_sort(self.graph))
        for v in topological:
            for q in INPUT_QUANTITIES if v in self.inputs else ("net", "out", "dact"):
                self._add(f"{v}.{q}", QuantityName(q, v))
                order.append(f"{v}.{q}")
        if self.loss.terms_function is not None:
            for o in self.outputs:
                self._add(f"loss.{o}", QuantityName("term", o))
                order.append(f"loss.{o}")
        self._add("loss", QuantityName("loss", ""))
        order.append("loss")
        remaining = {p: len({v for _, v in uses}) for p, uses in self.uses.items()}
        pending: dict[str, list[str]] = {}
        for p, uses in self.uses.items():
            for v in {v for _, v in uses}:
                pending.setdefault(v, []).append(p)
        for p in [p for p, k in remaining.items() if k == 0]:  # an unused parameter
            order.extend(self._parameter(p))
        for v in reversed(topological):
            for q in ("dout",) if v in self.inputs else ("dout", "dnet"):
                if q == "dnet":
                    self._add(f"{v}.dnet", QuantityName("dnet", v))
                else:
                    self._add(f"{v}.dout", QuantityName("dout", v))
                order.append(f"{v}.{q}")
            for p in pending.get(v, []):
                remaining[p] -= 1
                if remaining[p] == 0:
                    order.extend(self._parameter(p))
        return order

    def _parameter(self, p: str) -> list[str]:
        self._add(f"grad.{p}", QuantityName("grad", p))
        self._add(f"updated.{p}", QuantityName("updated", p))
        return [f"grad.{p}", f"updated.{p}"]

    # ------------------------------------------------------------------ exact values
    def exact(self, name: str) -> float:
        """The exact value of a canonical quantity."""
        return exact_value(self.trace, self.names[name], self.sample, self.arrays)

    # ------------------------------------------------------------------ formulas
    def formula(self, name: str, get: Getter) -> float:
        """``name`` by its right formula, from the values ``get`` gives for what it uses."""
        kind, arg = self.names[name]
        return float(getattr(self, f"_{kind}")(arg, get))

    def activation(self, v: str, x: float) -> float:
        node = self.graph.nodes[v]
        return float(node["activation"].function(np.array([[x]]), **node["activation_params"])[0, 0])

    def activation_derivative(self, v: str, x: float, y: float) -> float:
        node = self.graph.nodes[v]
        fn = node["activation"].derivative_function
        return float(fn(np.array([[x]]), np.array([[y]]), **node["activation_params"])[0, 0])

    def net_terms(self, v: str, get: Getter) -> list[NetTerm]:
        """The terms of net_v, its incoming edges' then its bias."""
        terms = [
            NetTerm(d["weight"], u, self.values[d["weight"]], get(f"{u}.out"))
            for u, _, d in self.graph.in_edges(v, data=True)
        ]
        bias = self.graph.nodes[v].get("bias")
        if bias:
            terms.append(NetTerm(bias, None, self.values[bias], 1.0))
        return terms

    def _net(self, v: str, get: Getter) -> float:
        return sum(term.weight * term.value for term in self.net_terms(v, get))

    def _out(self, v: str, get: Getter) -> float:
        if v in self.inputs:
            return self.exact(f"{v}.out")
        return self.activation(v, get(f"{v}.net"))

    def _dact(self, v: str, get: Getter) -> float:
        return self.activation_derivative(v, get(f"{v}.net"), get(f"{v}.out"))

    def _dnet(self, v: str, get: Getter) -> float:
        return get(f"{v}.dout") * (1.0 if v in self.inputs else get(f"{v}.dact"))

    def scale(self) -> float:
        """The batch factor of a per-sample derivative: 1/N for a mean loss."""
        return 1.0 / self.samples if self.mean else 1.0

    def loss_gradient(self, o: str, get: Getter) -> float:
        """∂(this sample's loss)/∂out_o at the learner's outputs, without the batch factor."""
        k = self.outputs.index(o)
        y = np.array([[get(f"{x}.out") for x in self.outputs]])
        t = self.targets[self.sample : self.sample + 1]
        return float(self.loss.gradient_function(y, t, **self.loss_params)[0, k])

    def paths(self, v: str, get: Getter, weight: Callable[[str], float] | None = None) -> list[PathPart]:
        """The paths of a hidden ∂E/∂out_v, one per edge out of v (``weight``: the weights to use, default the current)."""
        weight = weight or self.values.__getitem__
        return [
            PathPart(w, d["weight"], get(f"{w}.dnet") * weight(d["weight"]))
            for _, w, d in self.graph.out_edges(v, data=True)
        ]

    def _dout(self, v: str, get: Getter) -> float:
        value = self.loss_gradient(v, get) * self.scale() if v in self.outputs else 0.0
        return value + sum(path.part for path in self.paths(v, get))

    def _term(self, o: str, get: Getter) -> float:
        k = self.outputs.index(o)
        y = np.array([[get(f"{x}.out") for x in self.outputs]])
        return float(self.loss.terms_function(y, self.targets[self.sample : self.sample + 1], **self.loss_params)[0, k])

    def sample_loss(self, get: Getter) -> float:
        """This sample's loss from the learner's terms (or outputs)."""
        if self.loss.terms_function is not None:
            return sum(get(f"loss.{o}") for o in self.outputs)
        y = np.array([[get(f"{x}.out") for x in self.outputs]])
        return float(self.loss.function(y, self.targets[self.sample : self.sample + 1], **self.loss_params)[0])

    def batch_loss(self, mine: float) -> float:
        """The batch loss with this sample's loss ``mine`` and the others exact."""
        losses = np.asarray(self.trace.sample_losses, dtype=float)
        total = float(losses.sum() - losses[self.sample] + mine)
        return total / self.samples if self.mean else total

    def _loss(self, _: str, get: Getter) -> float:
        return self.batch_loss(self.sample_loss(get))

    def use_part(self, use: ParameterUse, get: Getter, source: str = "out") -> float:
        """One use's part of ∂E/∂p in this sample: ∂E/∂net_v · out_u (or · 1 for a bias)."""
        u, v = use
        return get(f"{v}.dnet") * (1.0 if u is None else get(f"{u}.{source}" if u not in self.inputs else f"{u}.out"))

    def exact_parts(self, use: ParameterUse) -> np.ndarray:
        """One use's exact part of ∂E/∂p in every sample: ∂E/∂net_v · out_u (or · 1 for a bias)."""
        u, v = use
        dnet = self.arrays["dnet"][:, self.column[v]]
        return dnet if u is None else dnet * self.arrays["out"][:, self.column[u]]

    def gradient(self, p: str, mine: float, uses: list[ParameterUse] | None = None) -> float:
        """∂E/∂p with this sample's part ``mine`` and the other samples' parts exact (over ``uses``)."""
        uses = self.uses[p] if uses is None else uses
        key = (p, tuple(uses))
        if key not in self._others:
            parts = sum((self.exact_parts(use) for use in uses), np.zeros(self.samples))
            self._others[key] = float(parts.sum() - parts[self.sample])
        return self._others[key] + mine

    def _grad(self, p: str, get: Getter) -> float:
        return self.gradient(p, sum(self.use_part(use, get) for use in self.uses[p]))

    def _updated(self, p: str, get: Getter) -> float:
        if not self.param_info[p]["trainable"]:
            return self.values[p]
        return self.values[p] - self.learning_rate * get(f"grad.{p}")
