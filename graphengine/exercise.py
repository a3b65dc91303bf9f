"""Exercises: a generated network with nice numbers, and the quantities a learner is asked for.

:func:`generate` draws inputs, weights, biases and targets with at most two decimals from a
seeded numpy Generator and keeps the first draw that is safe to set as an exercise: no
zeros, no two parameters equal, every asked quantity at least 1e-3 in size, no classic slip
(swapped inputs, a neighbour's weight, the bias left out, a forgotten factor, the step taken
uphill …) landing on the right answer by accident, and a learner who carries 5 significant
digits and writes every answer to 4 marked right throughout. The result is an ordinary
spec; the same options (and student name) give the same exercise, byte for byte.

>>> from graphengine.exercise import Options, generate
>>> ex = generate(Options(shape=(2, 2, 2), seed=7))       # doctest: +SKIP
>>> ex.asked[:3]                                           # doctest: +SKIP
['h1.net', 'h1.out', 'h2.net']
"""

from __future__ import annotations

import hashlib
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import GraphEngineError, did_you_mean

SIGNIFICANT = 4  # the digits a learner is asked to write
CARRIED = 5  # the digits a learner is asked to carry in intermediate steps
ASK_LEVELS = ("forward", "output", "all", "update")
# Activations an exercise may use, with the range its targets are drawn from (a target the
# output can reach, so the learner never meets a target outside the activation's range).
TARGET_RANGE = {"sigmoid": (0.01, 0.99), "tanh": (-0.99, 0.99), "relu": (0.01, 1.5), "identity": (-1.5, 1.5)}
LOSSES = ("half_squared_error", "mse", "binary_cross_entropy")
LEARNING_RATES = (0.1, 0.2, 0.5)  # η = 1 would hide the forgotten learning rate
MAX_WIDTH, MAX_LAYERS = 4, 5  # more is no longer a hand exercise
HIDDEN_PREFIXES = ("h", "k", "m")  # hidden layers; inputs are i1…, outputs o1…
MAX_DRAWS = 4000
MIN_ANSWER = 1e-3  # every asked quantity at least this large
SLIP_UNITS = 3  # a slip's value must lie more than this many units of the 4th digit away
MIN_TARGET_DISTANCE = 0.05  # |out − target| of every output


def unit(x: float, digits: int = SIGNIFICANT) -> float:
    """One unit of the last of ``digits`` significant digits of ``x``.

    >>> unit(0.5933), unit(0.08217), unit(1.225)
    (0.0001, 1e-05, 0.001)
    """
    return 10.0 ** (math.floor(math.log10(abs(x))) - digits + 1) if x else 0.0


def written(x: float, digits: int = SIGNIFICANT) -> str:
    """``x`` as a learner writes it: ``digits`` significant digits (the hand-file text).

    >>> written(0.593269992), written(0.0821670406), written(-1.22492), written(0.1000004)
    ('0.5933', '0.08217', '-1.225', '0.1000')
    """
    return f"{x:#.{digits}g}".rstrip(".")  # `#` keeps trailing zeros: 0.1000 claims four digits


# ---------------------------------------------------------------------- options


@dataclass(frozen=True)
class Options:
    shape: tuple[int, ...] = (2, 2, 2)
    activation: str = "sigmoid"
    loss: str = "half_squared_error"
    samples: int = 1
    shared_bias: bool = False
    ask: str = "all"
    seed: int = 0

    def __post_init__(self) -> None:
        if not 2 <= len(self.shape) <= MAX_LAYERS or not all(1 <= n <= MAX_WIDTH for n in self.shape):
            raise GraphEngineError(
                f"--shape: `{'-'.join(map(str, self.shape))}` is not a hand-sized network "
                f"(2 to {MAX_LAYERS} layers of 1 to {MAX_WIDTH} neurons, e.g. 2-2-2)"
            )
        for flag, value, choices in (
            ("--activation", self.activation, TARGET_RANGE),
            ("--loss", self.loss, LOSSES),
            ("--ask", self.ask, ASK_LEVELS),
        ):
            if value not in choices:
                raise GraphEngineError(
                    f"{flag}: unknown `{value}`{did_you_mean(value, choices)} (choose from {', '.join(choices)})"
                )
        if self.loss == "binary_cross_entropy" and self.activation != "sigmoid":
            raise GraphEngineError(
                "--loss binary_cross_entropy needs outputs in (0, 1): use it with --activation sigmoid"
            )
        if self.samples not in (1, 2):
            raise GraphEngineError(f"--samples: {self.samples} is not 1 or 2")
        if self.seed < 0:
            raise GraphEngineError(f"--seed: {self.seed} is negative (give 0, 1, 2, …)")

    def command(self) -> str:
        """The command line that makes this exercise."""
        return (
            f"graphengine exercise --shape {'-'.join(map(str, self.shape))} --activation {self.activation} "
            f"--loss {self.loss} --samples {self.samples}{' --shared-bias' if self.shared_bias else ''} "
            f"--ask {self.ask} --seed {self.seed}"
        )


def parse_shape(text: str) -> tuple[int, ...]:
    """``"2-3-2"`` → ``(2, 3, 2)``.

    >>> parse_shape("3-2-1")
    (3, 2, 1)
    """
    parts = text.split("-")
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise GraphEngineError(f"--shape: `{text}` is not layer sizes joined by `-` (e.g. 2-2-2)")
    return tuple(int(p) for p in parts)


# ---------------------------------------------------------------------- the network


@dataclass(frozen=True)
class Layout:
    """Names of a layered network: nodes per layer, edges with their weight, biases."""

    layers: list[list[str]]
    edges: list[tuple[str, str, str]]  # (from, to, weight parameter)
    biases: dict[str, str]  # neuron → bias parameter

    @property
    def weights(self) -> list[str]:
        return [w for _, _, w in self.edges]

    @property
    def bias_parameters(self) -> list[str]:
        return list(dict.fromkeys(self.biases.values()))


def layout(options: Options) -> Layout:
    """Weights numbered as in the worked example: w1 = i1→h1, w2 = i2→h1, w3 = i1→h2, …"""
    shape = options.shape
    prefixes = ["i", *HIDDEN_PREFIXES[: len(shape) - 2], "o"]
    layers = [[f"{prefix}{k + 1}" for k in range(n)] for prefix, n in zip(prefixes, shape)]
    edges, biases = [], {}
    for sources, targets in zip(layers, layers[1:]):
        for v in targets:
            for u in sources:
                edges.append((u, v, f"w{len(edges) + 1}"))
    neurons = [v for layer in layers[1:] for v in layer]
    if options.shared_bias:
        biases = {v: f"b{depth}" for depth, layer in enumerate(layers[1:], 1) for v in layer}
    else:
        biases = {v: f"b{k + 1}" for k, v in enumerate(neurons)}
    return Layout(layers, edges, biases)


@dataclass(frozen=True)
class Numbers:
    """One draw, in hundredths (so every number has at most two decimals, exactly)."""

    parameters: dict[str, int]
    inputs: list[list[int]]  # per sample, in input order
    targets: list[list[int]]  # per sample, in output order
    learning_rate: float


def _decimal(hundredths: int) -> str:
    """``35`` → ``0.35``, ``-10`` → ``-0.1``, ``150`` → ``1.5``."""
    sign = "-" if hundredths < 0 else ""
    whole, part = divmod(abs(hundredths), 100)
    return f"{sign}{whole}" + (f".{part:02d}".rstrip("0") if part else "")


def spec_text(options: Options, lay: Layout, numbers: Numbers, student: str | None = None) -> str:
    """The exercise as a spec, written out like specs/doc_example.yaml."""
    shape = "-".join(map(str, options.shape))
    name = f"exercise-{options.seed}"
    who = f" for {student}" if student else ""
    lines = [
        f"# Made by `{options.command()}`{who}.",
        "# An ordinary spec: `graphengine run`, `explain`, `render` and `check` work on it.",
        f"name: {name}",
        f"description: {shape} {options.activation} network, exercise seed {options.seed}{_yaml_text(who)}",
        "",
        f"inputs: [{', '.join(lay.layers[0])}]",
        f"outputs: [{', '.join(lay.layers[-1])}]",
        "",
        "nodes:",
    ]
    lines += [f"  {v}: {{activation: {options.activation}, bias: {b}}}" for v, b in lay.biases.items()]
    lines += ["", "edges:"]
    lines += [f"  - {{from: {u}, to: {v}, weight: {w}}}" for u, v, w in lay.edges]
    lines += ["", "parameters:"]
    lines += [f"  {p}: {_decimal(numbers.parameters[p])}" for p in lay.weights + lay.bias_parameters]
    lines += ["", f"loss: {options.loss}", "", "data:"]
    for xs, ts in zip(numbers.inputs, numbers.targets):
        ins = ", ".join(f"{i}: {_decimal(x)}" for i, x in zip(lay.layers[0], xs))
        outs = ", ".join(f"{o}: {_decimal(t)}" for o, t in zip(lay.layers[-1], ts))
        lines += [f"  - inputs: {{{ins}}}", f"    targets: {{{outs}}}"]
    lines += ["", "training:", f"  learning_rate: {numbers.learning_rate:g}", ""]
    return "\n".join(lines)


def _yaml_text(text: str) -> str:
    """A student's name inside a plain YAML scalar: characters YAML would read as syntax dropped."""
    return "".join(c for c in text if c.isalnum() or c in " .'-")


# ---------------------------------------------------------------------- what is asked


def asked_quantities(net: Any, ask: str = "all") -> list[str]:
    """The hand-file names of the quantities a worksheet asks for, in the order it asks them.

    ``forward``: net and out of every neuron, the loss terms and the loss; ``output``: also
    ∂E/∂out, ∂out/∂net, ∂E/∂net of the outputs and the gradients of their parameters; ``all``:
    the same for every hidden layer, deepest first; ``update``: also every trainable
    parameter's updated value. Node values are those of sample 0.
    """
    if ask not in ASK_LEVELS:
        raise GraphEngineError(f"--blanks: unknown `{ask}`{did_you_mean(ask, ASK_LEVELS)} (choose from {', '.join(ASK_LEVELS)})")
    G = net.graph
    inputs, outputs = list(G.graph["inputs"]), list(G.graph["outputs"])
    order = list(net.plan.nodes)
    neurons = [v for v in order if v not in inputs]
    asked = [f"{v}.{q}" for v in neurons for q in ("net", "out")]
    if G.graph["loss"].terms_function is not None:
        asked += [f"loss.{o}" for o in outputs]
    asked.append("loss")
    if ask == "forward":
        return asked
    seen: set[str] = set()

    def backward(nodes: list[str]) -> list[str]:
        names = [f"{v}.{q}" for v in nodes for q in ("dout", "dact", "dnet")]
        for v in nodes:
            for p in parameters_at(G, v):
                if p not in seen:
                    seen.add(p)
                    names.append(f"grad.{p}")
        return names

    asked += backward(outputs)
    if ask == "output":
        return asked
    depth = _depths(G)
    hidden = [v for v in neurons if v not in outputs]
    for d in sorted({depth[v] for v in hidden}, reverse=True):
        asked += backward([v for v in hidden if depth[v] == d])
    if ask == "update":
        info = G.graph["parameters"]
        asked += [f"updated.{p}" for p in net.plan.parameters if info[p]["trainable"] and p in seen]
    return asked


def parameters_at(G: Any, v: str) -> list[str]:
    """The parameters used at neuron ``v``: its incoming weights in spec order, then its bias."""
    edges = sorted(G.in_edges(v, data=True), key=lambda e: e[2].get("index", math.inf))
    params = [d["weight"] for _, _, d in edges]
    bias = G.nodes[v].get("bias")
    return params + ([bias] if bias else [])


def _depths(G: Any) -> dict[str, int]:
    import networkx as nx

    return {v: d for d, generation in enumerate(nx.topological_generations(G)) for v in generation}


def letters(n: int) -> list[str]:
    """Blank labels: a … z, then aa, ab, …

    >>> letters(3), letters(28)[-2:]
    (['a', 'b', 'c'], ['aa', 'ab'])
    """
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    labels = list(alphabet)
    for first in alphabet:
        if len(labels) >= n:
            break
        labels += [first + second for second in alphabet]
    return labels[:n]


def quantity_value(trace: Any, name: str, sample: int = 0) -> float:
    """The exact value of a hand-file quantity (``h1.out``, ``loss.o1``, ``grad.w5`` …) in ``trace``."""
    head, _, tail = name.rpartition(".")
    if name == "loss":
        return float(trace.loss)
    if head == "loss":
        return float(trace.loss_terms(sample)[tail])
    if head == "grad":
        return float(trace.gradients[tail])
    if head == "updated":
        return float(trace.updated[tail])
    return float(getattr(trace, tail)(head, sample))


# ---------------------------------------------------------------------- accidents


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
        depth = _depths(self.G)
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
            net, out = self.t.net(v, 0), self.out(v)
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
    learner-at-4-digits one, which needs :func:`graphengine.grade.judge`)."""
    exact = {q: quantity_value(trace, q) for q in asked}
    for q, x in exact.items():
        if not math.isfinite(x) or abs(x) < MIN_ANSWER:
            return f"{q} = {x:.3g} is too close to zero"
    for o, t in zip(net.graph.graph["outputs"], trace.targets[0]):
        if abs(trace.out(o, 0) - t) < MIN_TARGET_DISTANCE:
            return f"{o}.out is too close to its target"
    for q, x in exact.items():
        for g in given:
            if abs(x - g) <= SLIP_UNITS * unit(x):
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


def carried_digits_safe(net: Any, trace: Any, asked: list[str], scratch: Path) -> bool:
    """True when a learner who carries 5 significant digits, computing every value from their
    own earlier ones, and writes each answer to 4 is marked right throughout (no rounding drift).

    Carrying only 4 digits is not enough for most networks: a loss term ½(t − y)² loses digits
    to the subtraction, so the worksheet asks for 5 in intermediate steps.
    """
    from .grade import judge

    lines = ["sample: 0"] if trace.n_samples > 1 else []
    lines += [f"{q}: {written(quantity_value(trace, q), CARRIED)}" for q in asked]
    scratch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for mark in judge(net, trace, scratch):
        if not mark.right or mark.exact is None:
            return False
        if mark.own is not None:
            theirs = float(written(mark.own))
            if abs(theirs - mark.exact) > unit(theirs) * (1 + 1e-9):
                return False
    return True


# ---------------------------------------------------------------------- drawing


def student_seed(seed: int, student: str | None) -> np.random.SeedSequence:
    """The seed of one student's numbers: the class seed and the name (stable across platforms)."""
    if student is None:
        return np.random.SeedSequence(seed)
    digest = hashlib.sha256(student.encode("utf-8")).digest()
    return np.random.SeedSequence([seed, int.from_bytes(digest[:8], "big")])


def draw(rng: np.random.Generator, options: Options, lay: Layout) -> Numbers:
    """Inputs, parameters and targets on a grid of 0.01 (inputs, targets) and 0.05 (parameters)."""
    names = lay.weights + lay.bias_parameters
    top = 95 if len(names) <= 30 else 195
    grid = np.array([k for k in range(-top, top + 1, 5) if k != 0])
    values = rng.choice(grid, size=len(names), replace=False)  # no two parameters equal
    inputs_grid = np.array([k for k in range(-95, 96) if abs(k) >= 5])
    n_in, n_out = options.shape[0], options.shape[-1]
    inputs = [rng.choice(inputs_grid, size=n_in, replace=False).tolist() for _ in range(options.samples)]
    low, high = TARGET_RANGE[options.activation]
    targets_grid = np.array([k for k in range(round(low * 100), round(high * 100) + 1) if k != 0])
    targets = [rng.choice(targets_grid, size=n_out, replace=False).tolist() for _ in range(options.samples)]
    eta = float(rng.choice(LEARNING_RATES))
    return Numbers(dict(zip(names, (int(v) for v in values))), inputs, targets, eta)


@dataclass
class Exercise:
    """One generated exercise: its spec text, the loaded network, its step and what is asked."""

    options: Options
    student: str | None
    spec: str  # the YAML text of spec.yaml
    net: Any
    trace: Any
    asked: list[str]
    draws: int  # how many draws it took

    @property
    def blanks(self) -> dict[str, str]:
        """Asked quantity → its letter on the worksheet."""
        return dict(zip(self.asked, letters(len(self.asked))))

    def answer(self, quantity: str) -> float:
        return quantity_value(self.trace, quantity)


def generate(options: Options, student: str | None = None, registry: Any = None) -> Exercise:
    """The first safe draw of the seeded stream for ``options`` (and ``student``)."""
    from .network import Network

    lay = layout(options)
    rng = np.random.default_rng(student_seed(options.seed, student))
    first = draw(rng, options, lay)
    net = Network.from_yaml(spec_text(options, lay, first, student), registry, file="exercise.yaml")
    asked = asked_quantities(net, options.ask)
    index = net.plan.parameter_index
    with tempfile.TemporaryDirectory(prefix="graphengine-exercise-") as scratch:
        numbers = first
        for attempt in range(1, MAX_DRAWS + 1):
            if attempt > 1:
                numbers = draw(rng, options, lay)
            for p, k in numbers.parameters.items():
                net.theta[index[p]] = k / 100
            net.X[:] = np.array(numbers.inputs, dtype=float) / 100
            net.T[:] = np.array(numbers.targets, dtype=float) / 100
            trace = net.trace(numbers.learning_rate)
            given = [k / 100 for k in numbers.parameters.values()]
            given += [x / 100 for row in numbers.inputs + numbers.targets for x in row] + [numbers.learning_rate]
            if unsafe(net, trace, asked, given) is not None:
                continue
            if not carried_digits_safe(net, trace, asked, Path(scratch) / "carried.yaml"):
                continue
            text = spec_text(options, lay, numbers, student)
            final = Network.from_yaml(text, registry, file="spec.yaml")
            final_trace = final.trace()
            # The written spec must give exactly the numbers that were judged safe.
            assert np.array_equal(final_trace.backward.grad, trace.backward.grad)
            return Exercise(options, student, text, final, final_trace, asked, attempt)
    raise GraphEngineError(
        f"no safe exercise in {MAX_DRAWS} draws for --shape {'-'.join(map(str, options.shape))} "
        f"--activation {options.activation} --ask {options.ask}; try another --seed, a smaller shape or --ask"
    )
