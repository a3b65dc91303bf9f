"""Hand sheets written as a learner would, generated from the reference implementation.

``random_network(rng, ...)`` makes a small random spec (layers of sigmoid/tanh/relu/…,
the ``scaled_tanh`` plugin, several losses, several samples, optionally a shared
weight or a shared bias). ``write_sheet(case, plant)`` fills in every quantity of
sample 0 the way a learner does: each value computed by hand formulas (written out
here, independently of graphengine's judge) from the *written* values before it,
rounded to 4 significant digits; ``plant`` replaces one quantity's formula by a slip
(its value still from the written values before it), so everything after it is
carried forward from the slip. The exact values of the other samples come from
``reference.forward``/``reference.backward``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import reference

from graphengine.engine.network import Network
from graphengine.plugins.discovery import discover
from graphengine.spec.load import parse_spec
from helpers.networks import hand_sized, hundredths, learner_digits

REGISTRY = discover(
    [Path(__file__).parents[2] / "plugins" / "scaled_tanh.py"], environ={}, entry_points=False, repository=False
)
SCALED_A, SCALED_B = 1.7159, 2.0 / 3.0
ACTIVATIONS = ["sigmoid", "tanh", "relu", "softplus", "leaky_relu", "identity", "scaled_tanh"]
SQUARED = ("half_squared_error", "mse")


def four(x: float) -> str:
    """``x`` as a learner writes it: 4 significant digits, trailing zeros kept."""
    return learner_digits(x, 4)


@dataclass
class Case:
    net: Network
    G: nx.DiGraph
    text: str
    loss: str
    n: int
    values: dict[str, float]
    inputs: list[dict[str, float]]
    targets: list[dict[str, float]]
    eta: float
    shared: str | None = None
    activations: dict[str, str] = field(default_factory=dict)


def random_network(
    rng: random.Random,
    *,
    samples: int = 1,
    loss: str | None = None,
    shared: bool = False,
    layers: tuple[int, ...] | None = None,
    activations: list[str] | None = None,
) -> Case:
    loss = loss or rng.choice(["half_squared_error", "mse", "binary_cross_entropy", "softmax_cross_entropy"])
    layers = layers or (2, rng.choice([2, 3]), 2 if loss == "softmax_cross_entropy" else rng.choice([1, 2]))
    names = [[f"i{k + 1}" for k in range(layers[0])]]
    names += [[f"h{d}{k + 1}" for k in range(width)] for d, width in enumerate(layers[1:-1], 1)]
    names += [[f"o{k + 1}" for k in range(layers[-1])]]
    used: set[float] = set()

    def number() -> float:
        return hundredths(rng, -0.9, 0.9, used)

    nodes, edges, params = [], [], {}
    chosen: dict[str, str] = {}
    for layer in names[1:]:
        for v in layer:
            if layer is names[-1]:
                act = {"binary_cross_entropy": "sigmoid", "softmax_cross_entropy": "identity"}.get(loss)
                act = act or rng.choice(["sigmoid", "tanh", "identity", "scaled_tanh"])
            else:
                act = rng.choice(activations or ACTIVATIONS)
            chosen[v] = act
            params[f"b_{v}"] = number()
            nodes.append(f"  {v}: {{activation: {act}, bias: b_{v}}}")
    weight_names = []
    for u, v in hand_sized(names):
        p = f"w_{u}_{v}"
        params[p] = number()
        weight_names.append((p, u, v))
    shared_name = None
    if shared:
        (p1, u1, v1), (p2, u2, v2) = rng.sample(weight_names, 2)
        shared_name = "ws"
        params["ws"] = params.pop(p1)
        params.pop(p2)
        weight_names = [(shared_name if p in (p1, p2) else p, u, v) for p, u, v in weight_names]
    for p, u, v in weight_names:
        edges.append(f"  - {{from: {u}, to: {v}, weight: {p}}}")
    data = []
    for _ in range(samples):
        x = {i: round(rng.uniform(-1, 1), 2) for i in names[0]}
        if loss == "binary_cross_entropy":
            t = {o: rng.choice([0.0, 1.0, 0.2, 0.9]) for o in names[-1]}
        elif loss == "softmax_cross_entropy":
            hot = rng.choice(names[-1])
            t = {o: 1.0 if o == hot else 0.0 for o in names[-1]}
        else:
            t = {o: round(rng.uniform(-0.5, 0.9), 2) for o in names[-1]}
        data.append((x, t))
    eta = rng.choice([0.1, 0.5, 0.3])
    text = "\n".join(
        [
            "name: sheet",
            f"inputs: [{', '.join(names[0])}]",
            f"outputs: [{', '.join(names[-1])}]",
            "nodes:",
            *nodes,
            "edges:",
            *edges,
            "parameters:",
            *[f"  {p}: {x}" for p, x in params.items()],
            f"loss: {loss}",
            "data:",
            *[
                f"  - inputs: {{{', '.join(f'{k}: {v}' for k, v in x.items())}}}\n"
                f"    targets: {{{', '.join(f'{k}: {v}' for k, v in t.items())}}}"
                for x, t in data
            ],
            f"training: {{learning_rate: {eta}}}",
        ]
    )
    net = Network(parse_spec(text, "<sheet>"), REGISTRY)
    return Case(
        net,
        net.graph,
        text,
        loss,
        samples,
        params,
        [x for x, _ in data],
        [t for _, t in data],
        eta,
        shared_name,
        chosen,
    )


# ------------------------------------------------------------------ hand formulas


def act(case: Case, v: str, x: float) -> float:
    name = case.activations[v]
    if name == "scaled_tanh":
        return SCALED_A * math.tanh(SCALED_B * x)
    return reference.activate(name, x)


def act_derivative(case: Case, v: str, net: float, out: float) -> float:
    """f′ as a learner computes it: from out where the formula is in out (σ(1 − σ), 1 − tanh²)."""
    name = case.activations[v]
    if name == "sigmoid":
        return out * (1 - out)
    if name == "tanh":
        return 1 - out * out
    if name == "scaled_tanh":
        return SCALED_B * (SCALED_A - out * out / SCALED_A)
    return reference.activate_derivative(name, net)


def loss_terms(case: Case, y: list[float], t: list[float]) -> list[float]:
    n = len(y)
    if case.loss == "half_squared_error":
        return [0.5 * (tk - yk) ** 2 for yk, tk in zip(y, t)]
    if case.loss == "mse":
        return [(tk - yk) ** 2 / n for yk, tk in zip(y, t)]
    if case.loss == "binary_cross_entropy":
        return [-(tk * math.log(yk) + (1 - tk) * math.log(1 - yk)) / n for yk, tk in zip(y, t)]
    top = max(y)
    log_z = top + math.log(sum(math.exp(yk - top) for yk in y))
    return [-tk * (yk - log_z) for yk, tk in zip(y, t)]


@dataclass
class Exact:
    out: dict[str, float]
    dnet: dict[str, float]
    loss: float


def exact_sample(case: Case, j: int) -> Exact:
    """One sample's exact outs, ∂E/∂net (with the batch's 1/N) and loss, node by node."""
    G, P = case.G, case.values
    order = list(nx.topological_sort(G))
    outputs = G.graph["outputs"]
    net, out = {}, dict(case.inputs[j])
    for v in order:
        if v not in out:
            net[v] = sum(P[d["weight"]] * out[u] for u, _, d in G.in_edges(v, data=True)) + P[G.nodes[v]["bias"]]
            out[v] = act(case, v, net[v])
    y, t = [out[o] for o in outputs], [case.targets[j][o] for o in outputs]
    dout = dict.fromkeys(order, 0.0)
    for o, g in zip(outputs, reference.sample_loss_gradient(case.loss, y, t)):
        dout[o] = g / case.n
    dnet = {}
    for v in reversed(order):
        if v in net:
            dnet[v] = dout[v] * act_derivative(case, v, net[v], out[v])
            for u, _, d in G.in_edges(v, data=True):
                dout[u] += dnet[v] * P[d["weight"]]
    return Exact(out, dnet, sum(loss_terms(case, y, t)))


Written = dict[str, float]
Plant = Callable[[Case, str, Written, Callable[[], float]], float | None]


def write_sheet(case: Case, plant: tuple[str, Plant] | None = None) -> tuple[dict[str, str], str | None]:
    """Every quantity of sample 0 as a learner writes it, with ``plant = (quantity, slip)`` planted.

    A slip gets the learner's written values so far and the right formula (a thunk); it
    returns the slipped value, or None when it does not apply there. Returns the sheet
    (canonical name → written text) and the planted quantity (None when the slip gave
    nothing or gave the right value).
    """
    G, s = case.G, 0
    inputs, outputs = G.graph["inputs"], G.graph["outputs"]
    P = case.values
    exact = [exact_sample(case, j) for j in range(case.n)]
    scale = 1.0 / case.n
    sheet: dict[str, str] = {}
    w: Written = {}
    planted: list[str] = []

    def write(q: str, right: Callable[[], float]) -> None:
        value = right()
        if plant is not None and plant[0] == q:
            slipped = plant[1](case, q, w, right)
            if slipped is not None and abs(slipped - value) > 5e-3 * max(abs(value), 1e-2):
                value = slipped
                planted.append(q)
        sheet[q] = four(value)
        w[q] = float(sheet[q])

    order = list(nx.topological_sort(G))
    for i in inputs:
        w[f"{i}.out"] = case.inputs[s][i]
    for v in order:
        if v in inputs:
            continue
        bias = G.nodes[v]["bias"]
        write(
            f"{v}.net",
            lambda v=v, bias=bias: (
                sum(P[d["weight"]] * w[f"{u}.out"] for u, _, d in G.in_edges(v, data=True)) + P[bias]
            ),
        )
        write(f"{v}.out", lambda v=v: act(case, v, w[f"{v}.net"]))
        write(f"{v}.dact", lambda v=v: act_derivative(case, v, w[f"{v}.net"], w[f"{v}.out"]))
    y = lambda: [w[f"{o}.out"] for o in outputs]  # noqa: E731
    t = [case.targets[s][o] for o in outputs]
    for k, o in enumerate(outputs):
        write(f"loss.{o}", lambda k=k: loss_terms(case, y(), t)[k])
    others = sum(e.loss for j, e in enumerate(exact) if j != s)
    write("loss", lambda: (others + sum(w[f"loss.{o}"] for o in outputs)) / case.n)
    uses: dict[str, list[tuple[str | None, str]]] = {p: [] for p in P}
    for u, v, d in G.edges(data=True):
        uses[d["weight"]].append((u, v))
    for v in G.nodes:
        if G.nodes[v].get("bias"):
            uses[G.nodes[v]["bias"]].append((None, v))
    done: set[str] = set()
    for v in reversed(order):
        if v in inputs:
            continue

        def dout(v: str = v) -> float:
            value = 0.0
            if v in outputs:
                value += reference.sample_loss_gradient(case.loss, y(), t)[outputs.index(v)] * scale
            return value + sum(w[f"{x}.dnet"] * P[d["weight"]] for _, x, d in G.out_edges(v, data=True))

        write(f"{v}.dout", dout)
        write(f"{v}.dnet", lambda v=v: w[f"{v}.dout"] * w[f"{v}.dact"])
        done.add(v)
        for p, its in uses.items():
            if f"grad.{p}" in sheet or not all(x in done for _, x in its):
                continue

            def grad(p: str = p, its: list = its) -> float:
                mine = sum(w[f"{x}.dnet"] * (1.0 if u is None else w[f"{u}.out"]) for u, x in its)
                other = sum(
                    exact[j].dnet[x] * (1.0 if u is None else exact[j].out[u])
                    for u, x in its
                    for j in range(case.n)
                    if j != s
                )
                return other + mine

            write(f"grad.{p}", grad)
            write(f"updated.{p}", lambda p=p: P[p] - case.eta * w[f"grad.{p}"])
    return sheet, (planted[0] if planted else None)
