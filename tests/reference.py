"""A second, deliberately simple implementation of graphengine's semantics, for tests.

It shares nothing with the engine except the validated graph: every node is evaluated
one at a time in ``nx.topological_sort`` order, one sample at a time, with scalar
``math`` formulas written out by hand (activations, their derivatives, the losses and
their gradients). Slow and obvious on purpose, so that it is easy to believe.

``perturb`` adds a small number to one node's net or out value in one sample, which is
how the tests take finite differences with respect to a node.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

# --------------------------------------------------------------------------- activations


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def activate(name: str, x: float, alpha: float = 0.01) -> float:
    """``f(x)`` for a built-in activation."""
    if name == "identity":
        return x
    if name == "sigmoid":
        return _sigmoid(x)
    if name == "tanh":
        return math.tanh(x)
    if name == "relu":
        return x if x > 0 else 0.0
    if name == "leaky_relu":
        return x if x > 0 else alpha * x
    if name == "softplus":
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))
    raise ValueError(name)


def activate_derivative(name: str, x: float, alpha: float = 0.01) -> float:
    """``f'(x)`` for a built-in activation (relu'(0) = 0, leaky_relu'(0) = alpha)."""
    if name == "identity":
        return 1.0
    if name == "sigmoid":
        s = _sigmoid(x)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - math.tanh(x) ** 2
    if name == "relu":
        return 1.0 if x > 0 else 0.0
    if name == "leaky_relu":
        return 1.0 if x > 0 else alpha
    if name == "softplus":
        return _sigmoid(x)
    raise ValueError(name)


# --------------------------------------------------------------------------- losses


def sample_loss(name: str, y: Sequence[float], t: Sequence[float]) -> float:
    """The per-sample loss over the outputs ``y`` with targets ``t``."""
    n = len(y)
    if name == "half_squared_error":
        return sum(0.5 * (tk - yk) ** 2 for yk, tk in zip(y, t))
    if name == "mse":
        return sum((tk - yk) ** 2 for yk, tk in zip(y, t)) / n
    if name == "binary_cross_entropy":
        return -sum(tk * math.log(yk) + (1 - tk) * math.log(1 - yk) for yk, tk in zip(y, t)) / n
    if name == "softmax_cross_entropy":
        top = max(y)
        log_z = top + math.log(sum(math.exp(yk - top) for yk in y))
        return -sum(tk * (yk - log_z) for yk, tk in zip(y, t))
    raise ValueError(name)


def sample_loss_gradient(name: str, y: Sequence[float], t: Sequence[float]) -> list[float]:
    """``∂(per-sample loss)/∂y_k``, written out by hand."""
    n = len(y)
    if name == "half_squared_error":
        return [yk - tk for yk, tk in zip(y, t)]
    if name == "mse":
        return [2 * (yk - tk) / n for yk, tk in zip(y, t)]
    if name == "binary_cross_entropy":
        return [(-tk / yk + (1 - tk) / (1 - yk)) / n for yk, tk in zip(y, t)]
    if name == "softmax_cross_entropy":
        top = max(y)
        e = [math.exp(yk - top) for yk in y]
        z = sum(e)
        total_t = sum(t)
        return [ek / z * total_t - tk for ek, tk in zip(e, t)]
    raise ValueError(name)


# --------------------------------------------------------------------------- network


@dataclass
class Result:
    """Per-sample node values and the loss; gradients when :func:`backward` filled them."""

    net: list[dict[str, float]]
    out: list[dict[str, float]]
    sample_losses: list[float]
    loss: float


def _alpha(G: nx.DiGraph, node: str) -> float:
    return float(G.nodes[node]["activation_params"].get("alpha", 0.01))


def forward(
    G: nx.DiGraph,
    values: Mapping[str, float],
    inputs: Sequence[Mapping[str, float]],
    targets: Sequence[Mapping[str, float]],
    perturb: tuple[int, str, str, float] | None = None,
) -> Result:
    """Evaluate the network sample by sample; ``perturb = (sample, node, "net"|"out", h)``."""
    order = list(nx.topological_sort(G))
    outputs = G.graph["outputs"]
    loss_name = G.graph["loss"].name
    nets: list[dict[str, float]] = []
    outs: list[dict[str, float]] = []
    losses: list[float] = []
    for s, (x, t) in enumerate(zip(inputs, targets)):
        net: dict[str, float] = {}
        out: dict[str, float] = {}
        for v in order:
            attrs = G.nodes[v]
            if attrs["kind"] == "input":
                net[v] = float(x[v])
            else:
                total = 0.0
                for u in G.predecessors(v):
                    total += values[G.edges[u, v]["weight"]] * out[u]
                if attrs["bias"] is not None:
                    total += values[attrs["bias"]]
                net[v] = total
            if perturb is not None and perturb[:3] == (s, v, "net"):
                net[v] += perturb[3]
            if attrs["kind"] == "input":
                out[v] = net[v]
            else:
                out[v] = activate(attrs["activation"].name, net[v], _alpha(G, v))
            if perturb is not None and perturb[:3] == (s, v, "out"):
                out[v] += perturb[3]
        nets.append(net)
        outs.append(out)
        losses.append(sample_loss(loss_name, [out[o] for o in outputs], [t[o] for o in outputs]))
    total = sum(losses) if G.graph["reduction"] == "sum" else sum(losses) / len(losses)
    return Result(nets, outs, losses, total)


@dataclass
class Gradients:
    dnet: list[dict[str, float]]
    dout: list[dict[str, float]]
    grad: dict[str, float]


def backward(
    G: nx.DiGraph, values: Mapping[str, float], result: Result, targets: Sequence[Mapping[str, float]]
) -> Gradients:
    """The chain rule, node by node in reverse topological order, sample by sample."""
    order = list(nx.topological_sort(G))
    outputs = G.graph["outputs"]
    loss_name = G.graph["loss"].name
    n = len(targets)
    scale = 1.0 if G.graph["reduction"] == "sum" else 1.0 / n
    grad = dict.fromkeys(G.graph["parameters"], 0.0)
    dnets, douts = [], []
    for s, t in enumerate(targets):
        net, out = result.net[s], result.out[s]
        dy = sample_loss_gradient(loss_name, [out[o] for o in outputs], [t[o] for o in outputs])
        dout = dict.fromkeys(order, 0.0)
        dnet = dict.fromkeys(order, 0.0)
        for o, d in zip(outputs, dy):
            dout[o] += scale * d
        for v in reversed(order):
            attrs = G.nodes[v]
            if attrs["kind"] == "input":
                dnet[v] = dout[v]
                continue
            dnet[v] = dout[v] * activate_derivative(attrs["activation"].name, net[v], _alpha(G, v))
            if attrs["bias"] is not None:
                grad[attrs["bias"]] += dnet[v]
            for u in G.predecessors(v):
                w = G.edges[u, v]["weight"]
                grad[w] += dnet[v] * out[u]
                dout[u] += dnet[v] * values[w]
        dnets.append(dnet)
        douts.append(dout)
    return Gradients(dnets, douts, grad)
