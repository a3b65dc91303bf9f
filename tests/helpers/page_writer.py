"""Worked-example pages written programmatically, as a learner writes them, for the audit tests.

``random_spec`` makes a small layered network (several shapes, sigmoid/tanh/identity,
shared or per-node biases, sometimes a weight shared by two edges). ``Learner`` works one
step through it the way a person does: every value computed from the values already
*written* (rounded to 4 significant digits), each with its arithmetic, so a clean page is
right or rounding everywhere, and a planted slip is carried into everything after it.
``page`` writes the learner's values in one of several notations (Mazur's
``\\text{net}_{h1}``, the founding page's ``h_1`` / ``\\text{out } H_1`` /
``E_{\\text{total}_1}``, plain ``net_h1`` text maths, a LaTeX document, and no names at all,
so that only the arithmetic says what each value is).

The exact values come from the engine only for choosing where a slip shows; what the
learner writes comes from this file's own arithmetic (a second implementation).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from graphengine.teach.slips.registry import CODES
from helpers.networks import hand_sized, hundredths, learner_digits

NOTATIONS = ("mazur", "founding", "plain", "tex", "anonymous")
# the slip codes a single-sample page can show (batch needs several samples on one page)
PAGE_SLIPS = tuple(code for code in CODES if code != "batch")


def fmt(x: float, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits, fixed-point, as a learner writes it."""
    return learner_digits(x, digits, fixed=True)


def two(rng: random.Random, low: float, high: float, taken: set[float]) -> str:
    """A distinct two-decimal number in [low, high] (never 0, ±1 or one already taken), as written."""
    return f"{hundredths(rng, low, high, taken):.2f}"


@dataclass
class Net:
    inputs: list[str]
    layers: list[list[str]]  # hidden layers, then the outputs
    activation: dict[str, str]
    edges: list[tuple[str, str, str]]  # (from, to, parameter)
    bias: dict[str, str]  # node → bias parameter
    values: dict[str, str]  # parameter → written value
    trainable: dict[str, bool]
    x: dict[str, str]
    targets: dict[str, str]
    learning_rate: str = "0.5"

    @property
    def outputs(self) -> list[str]:
        return self.layers[-1]

    @property
    def neurons(self) -> list[str]:
        return [v for layer in self.layers for v in layer]

    def yaml(self) -> str:
        lines = ["name: page", f"inputs: [{', '.join(self.inputs)}]", f"outputs: [{', '.join(self.outputs)}]", "nodes:"]
        for v in self.neurons:
            lines.append(f"  {v}: {{activation: {self.activation[v]}, bias: {self.bias[v]}}}")
        lines.append("edges:")
        lines += [f"  - {{from: {u}, to: {v}, weight: {p}}}" for u, v, p in self.edges]
        lines.append("parameters:")
        for p, text in self.values.items():
            lines.append(f"  {p}: {{value: {text}, trainable: {'true' if self.trainable[p] else 'false'}}}")
        lines.append("loss: half_squared_error")
        lines.append("data:")
        lines.append("  - inputs: {" + ", ".join(f"{i}: {v}" for i, v in self.x.items()) + "}")
        lines.append("    targets: {" + ", ".join(f"{o}: {v}" for o, v in self.targets.items()) + "}")
        lines.append(f"training: {{learning_rate: {self.learning_rate}}}")
        return "\n".join(lines) + "\n"


SHAPES = ((2, 2, 2), (3, 2, 1), (2, 3, 2), (2, 2, 2, 1), (1, 2, 2))


def random_spec(seed: int, shape: tuple[int, ...] | None = None, negative: bool = True) -> Net:
    """A random layered network; ``negative=False`` keeps every weight and bias positive."""
    rng = random.Random(seed)
    low = -0.9 if negative else 0.05
    shape = shape or SHAPES[seed % len(SHAPES)]
    taken: set[float] = set()
    inputs = [f"i{k + 1}" for k in range(shape[0])]
    letters = ["h", "g", "o"] if len(shape) == 4 else ["h", "o"]
    layers = [[f"{letters[j]}{k + 1}" for k in range(n)] for j, n in enumerate(shape[1:])]
    hidden_act = rng.choice(["sigmoid", "tanh"])
    out_act = rng.choice(["sigmoid", "sigmoid", "tanh", "identity"])
    activation = {v: hidden_act for layer in layers[:-1] for v in layer} | {v: out_act for v in layers[-1]}
    edges, values, trainable, bias = [], {}, {}, {}
    for u, v in hand_sized([inputs, *layers]):
        p = f"w{len(edges) + 1}"
        edges.append((u, v, p))
        values[p] = two(rng, low, 0.9, taken)
        trainable[p] = True
    if rng.random() < 0.5:  # one bias per layer, frozen, as on the founding page
        for j, layer in enumerate(layers):
            p = f"b{j + 1}"
            values[p], trainable[p] = two(rng, 0.1, 0.9, taken), False
            bias.update({v: p for v in layer})
    else:
        for k, v in enumerate([v for layer in layers for v in layer]):
            p = f"b{k + 1}"
            values[p], trainable[p] = two(rng, max(low, -0.6), 0.6, taken), True
            bias[v] = p
    if rng.random() < 0.4 and len(layers[-1]) > 1:  # one weight shared by two edges into the outputs
        into = [k for k, (u, v, p) in enumerate(edges) if v in layers[-1]]
        a, b = into[0], into[-1]
        shared = edges[a][2]
        del values[edges[b][2]], trainable[edges[b][2]]
        edges[b] = (edges[b][0], edges[b][1], shared)
    x = {i: two(rng, 0.05, 0.95, taken) for i in inputs}
    targets = {o: f"{rng.uniform(0.01, 0.99):.2f}" for o in layers[-1]}
    return Net(inputs, layers, activation, edges, bias, values, trainable, x, targets)


# ---------------------------------------------------------------------- the learner's step


@dataclass
class Value:
    quantity: str  # canonical (h1.net, grad.w5, …)
    arithmetic: str  # LaTeX of the arithmetic from written values ("" for none)
    text: str  # the written result
    slip: str = ""  # the code planted here


@dataclass
class Learner:
    net: Net
    slip: str = ""
    at: str = ""  # the quantity to plant it in
    written: dict[str, Value] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    def put(self, q: str, arithmetic: str, value: float, slip: str = "") -> None:
        self.written[q] = Value(q, arithmetic, fmt(value), slip)
        self.order.append(q)

    def w(self, q: str) -> float:
        return float(self.written[q].text)

    def t(self, q: str) -> str:
        text = self.written[q].text
        return f"({text})" if text.startswith("-") else text

    def out_of(self, u: str) -> tuple[str, float]:
        if u in self.net.x:
            return self.net.x[u], float(self.net.x[u])
        return self.t(f"{u}.out"), self.w(f"{u}.out")

    def planted(self, q: str, code: str) -> bool:
        return self.slip == code and self.at == q

    def work(self) -> Learner:
        n = self.net
        par = {p: float(v) for p, v in n.values.items()}
        for v in n.neurons:
            into = [(u, p) for u, to, p in n.edges if to == v]
            pairs = [(n.values[p], *self.out_of(u)) for u, p in into]
            if self.planted(f"{v}.net", "swapped"):
                outs = [(a, b) for _, a, b in pairs]
                outs = [outs[1], outs[0], *outs[2:]]  # the first two inputs exchanged
                pairs = [(w, a, b) for (w, _, _), (a, b) in zip(pairs, outs)]
            if self.planted(f"{v}.net", "wrong-weight"):
                pairs = [(pairs[1][0], pairs[0][1], pairs[0][2]), *pairs[1:]]
            terms = [f"{_p(w)} \\times {a}" for w, a, _ in pairs]
            total = sum(float(w) * b for w, _, b in pairs)
            slip = "swapped" if self.planted(f"{v}.net", "swapped") else ""
            slip = slip or ("wrong-weight" if self.planted(f"{v}.net", "wrong-weight") else "")
            if not self.planted(f"{v}.net", "missing-term"):
                terms.append(_p(n.values[n.bias[v]]))
                total += par[n.bias[v]]
            else:
                slip = "missing-term"
            self.put(f"{v}.net", " + ".join(terms), total, slip)
            x, xt = self.w(f"{v}.net"), self.t(f"{v}.net")
            act = n.activation[v]
            if act == "sigmoid":
                self.put(f"{v}.out", f"\\frac{{1}}{{1 + e^{{-{xt}}}}}", 1 / (1 + math.exp(-x)))
            elif act == "tanh":
                self.put(f"{v}.out", f"\\tanh({xt})", math.tanh(x))
            else:
                self.put(f"{v}.out", "", x)
        for o in n.outputs:
            y, yt, t = self.w(f"{o}.out"), self.t(f"{o}.out"), n.targets[o]
            if self.planted(f"loss.{o}", "factor-2"):
                self.put(f"loss.{o}", f"({t} - {yt})^2", (float(t) - y) ** 2, "factor-2")
            else:
                self.put(f"loss.{o}", f"\\frac{{1}}{{2}} ({t} - {yt})^2", 0.5 * (float(t) - y) ** 2)
        terms = [self.t(f"loss.{o}") for o in n.outputs]
        self.put("loss", " + ".join(terms) if len(terms) > 1 else "", sum(self.w(f"loss.{o}") for o in n.outputs))
        for layer in reversed(n.layers):
            for v in layer:
                if v in n.outputs:
                    y, yt, t = self.w(f"{v}.out"), self.t(f"{v}.out"), n.targets[v]
                    if self.planted(f"{v}.dout", "sign"):
                        self.put(f"{v}.dout", f"{t} - {yt}", float(t) - y, "sign")
                    else:
                        self.put(f"{v}.dout", f"-({t} - {yt})", -(float(t) - y))
                else:
                    out_edges = [(w, p) for u, w, p in n.edges if u == v]
                    stale = self.planted(f"{v}.dout", "updated-weights")
                    terms = []
                    total = 0.0
                    for w, p in out_edges:
                        weight_text = self.t(f"updated.{p}") if stale else _p(n.values[p])
                        weight = self.w(f"updated.{p}") if stale else par[p]
                        terms.append(f"{self.t(f'{w}.dnet')} \\times {weight_text}")
                        total += self.w(f"{w}.dnet") * weight
                    self.put(f"{v}.dout", " + ".join(terms), total, "updated-weights" if stale else "")
                self._dact(v)
                if self.planted(f"{v}.dnet", "missing-factor"):  # δ = ∂E/∂out, ∂out/∂net forgotten
                    self.put(f"{v}.dnet", "", self.w(f"{v}.dout"), "missing-factor")
                else:
                    product = f"{self.t(f'{v}.dout')} \\times {self.t(f'{v}.dact')}"
                    self.put(f"{v}.dnet", product, self.w(f"{v}.dout") * self.w(f"{v}.dact"))
            for p in self._parameters_of(layer):
                self._gradient(p)
                if n.trainable[p]:
                    self._update(p)
        return self

    def _dact(self, v: str) -> None:
        act = self.net.activation[v]
        y, yt = self.w(f"{v}.out"), self.t(f"{v}.out")
        if self.planted(f"{v}.dact", "derivative-of-net"):
            y, yt = self.w(f"{v}.net"), self.t(f"{v}.net")
        slip = "derivative-of-net" if self.planted(f"{v}.dact", "derivative-of-net") else ""
        if act == "sigmoid":
            self.put(f"{v}.dact", f"({yt})(1 - {yt})", y * (1 - y), slip)
        elif act == "tanh":
            self.put(f"{v}.dact", f"1 - {yt}^2", 1 - y * y, slip)
        else:
            self.put(f"{v}.dact", "", 1.0)

    def _parameters_of(self, layer: list[str]) -> list[str]:
        """The parameters whose every use ends in this layer or later (their gradient is ready)."""
        n = self.net
        done = {v for lay in n.layers[n.layers.index(layer) :] for v in lay}
        found = []
        for p in n.values:
            uses = [v for _, v, q in n.edges if q == p] + [v for v, b in n.bias.items() if b == p]
            if uses and all(v in done for v in uses) and any(v in layer for v in uses):
                found.append(p)
        return found

    def _gradient(self, p: str) -> None:
        n = self.net
        uses = [(u, v) for u, v, q in n.edges if q == p] + [(None, v) for v, b in n.bias.items() if b == p]
        if self.planted(f"grad.{p}", "shared"):
            uses, slip = uses[:1], "shared"
        else:
            slip = ""
        terms, total = [], 0.0
        for u, v in uses:
            if u is None:
                terms.append(self.t(f"{v}.dnet"))
                total += self.w(f"{v}.dnet")
                continue
            source_text, source = self.out_of(u)
            delta_text, delta = self.t(f"{v}.dnet"), self.w(f"{v}.dnet")
            if self.planted(f"grad.{p}", "net-for-out"):
                source_text, source, slip = self.t(f"{u}.net"), self.w(f"{u}.net"), "net-for-out"
            terms.append(f"{delta_text} \\times {source_text}")
            total += delta * source
        arithmetic = " + ".join(terms) if len(terms) > 1 or uses[0][0] is not None else ""
        if self.planted(f"grad.{p}", "arithmetic"):
            total, slip = total * 1.37 + 0.01, "arithmetic"
        self.put(f"grad.{p}", arithmetic, total, slip)

    def _update(self, p: str) -> None:
        n = self.net
        g, gt = self.w(f"grad.{p}"), self.t(f"grad.{p}")
        value, eta = float(n.values[p]), float(n.learning_rate)
        if self.planted(f"updated.{p}", "uphill"):
            self.put(f"updated.{p}", f"{_p(n.values[p])} + {n.learning_rate} \\times {gt}", value + eta * g, "uphill")
        elif self.planted(f"updated.{p}", "learning-rate"):
            self.put(f"updated.{p}", f"{_p(n.values[p])} - {gt}", value - g, "learning-rate")
        else:
            self.put(f"updated.{p}", f"{_p(n.values[p])} - {n.learning_rate} \\times {gt}", value - eta * g)


def _p(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


# ---------------------------------------------------------------------- notations


def _sub(name: str) -> str:
    return f"{{{name}}}"


def name(q: str, notation: str, net: Net, counter: int) -> str:
    """The left-hand side for quantity ``q`` in a notation."""
    head, _, tail = q.partition(".")
    if notation == "anonymous":
        return f"q_{{{counter}}}"  # says nothing: only the arithmetic tells
    if notation == "plain":
        return {
            "net": f"net_{head}",
            "out": f"out_{head}",
            "dout": f"dE/dout_{head}",
            "dact": f"dout_{head}/dnet_{head}",
            "dnet": f"dE/dnet_{head}",
        }.get(tail) or {"loss": f"E_{tail}" if tail else "E_total", "grad": f"dE/d{tail}", "updated": f"{tail}_new"}[
            head
        ]
    if notation == "founding":
        k = {"net": None}
        letter = head[0].upper() + "_" + head[1:] if head not in ("loss", "grad", "updated") else ""
        if tail == "net":
            return f"{head[0]}_{head[1:]}"  # the page's own h_1 for net_h1
        if tail == "out":
            return f"\\text{{out }} {letter}"
        if tail == "dout":
            return f"\\frac{{\\partial \\text{{total}}}}{{\\partial {head[0]}_{head[1:]}^{{\\text{{out}}}}}}"
        if tail == "dact":
            return f"\\frac{{\\partial \\text{{out}}_{{{head}}}}}{{\\partial \\text{{net}}_{{{head}}}}}"
        if tail == "dnet":
            return f"\\delta_{{{head}}}"
        if head == "loss":
            if not tail:
                return "\\text{Sum}"
            return f"E_{{\\text{{total}}_{net.outputs.index(tail) + 1}}}"
        if head == "grad":
            return f"\\frac{{\\partial \\text{{total}}}}{{\\partial {tail[0]}_{{{tail[1:]}}}}}"
        del k
        return f"{tail[0].upper()}{tail[1:]}_{{\\text{{new}}}}"
    # mazur (and tex)
    if tail in ("net", "out"):
        return f"\\text{{{tail}}}_{{{head}}}"
    if tail == "dout":
        return f"\\frac{{\\partial E_{{total}}}}{{\\partial \\text{{out}}_{{{head}}}}}"
    if tail == "dact":
        return f"\\frac{{\\partial \\text{{out}}_{{{head}}}}}{{\\partial \\text{{net}}_{{{head}}}}}"
    if tail == "dnet":
        return f"\\frac{{\\partial E_{{total}}}}{{\\partial \\text{{net}}_{{{head}}}}}"
    if head == "loss":
        return f"E_{{{tail}}}" if tail else "E_{total}"
    if head == "grad":
        return f"\\frac{{\\partial E_{{total}}}}{{\\partial {tail[0]}_{{{tail[1:]}}}}}"
    return f"{tail[0]}_{{{tail[1:]}}}^{{+}}"


def page(learner: Learner, notation: str) -> tuple[str, dict[str, int]]:
    """The page's text, and the line each quantity's written value is on."""
    net = learner.net
    lines = ["# A worked example, 2026-12-01", "", "## 1. Forward pass", ""]
    if notation == "tex":
        lines = ["\\documentclass{article}", "\\usepackage{amsmath}", "\\begin{document}", "\\section{Forward pass}"]
    lines.append(f"We use a learning rate of {net.learning_rate} and {len(net.inputs)} inputs, as in section 3.2.")
    lines.append("")
    where: dict[str, int] = {}
    for k, q in enumerate(learner.order):
        v = learner.written[q]
        lhs = name(q, notation, net, k + 1)
        if notation == "anonymous" and not v.arithmetic:
            continue  # nothing would say what it is
        rhs = f"{v.arithmetic} = {v.text}" if v.arithmetic else v.text
        if notation == "plain":
            plain = rhs.replace("\\times", "*").replace("\\tanh", "tanh").replace("\\frac{1}{2}", "½")
            plain = plain.replace("\\frac{1}{1 + e^{-", "1/(1 + e^(-")
            if "1/(1 + e^(-" in plain:
                plain = plain.replace("}}", "))", 1)
            lines.append(f"Then ${lhs} = {plain}$.")
            where[q] = len(lines)
        elif notation == "founding" and v.arithmetic:
            lines.append(f"$${lhs} = {v.arithmetic}$$")
            lines.append("")
            lines.append(f"$$= {v.text}$$")
            where[q] = len(lines)
        elif notation == "tex":
            lines.append("\\begin{align*}")
            lines.append(f"{lhs} &= {v.arithmetic} \\\\" if v.arithmetic else f"{lhs} &= {v.text}")
            if v.arithmetic:
                lines.append(f"&= {v.text}")
            where[q] = len(lines)
            lines.append("\\end{align*}")
        else:
            lines.append(f"$${lhs} = {rhs}$$")
            where[q] = len(lines)
        lines.append("")
    if notation == "tex":
        lines.append("\\end{document}")
    return "\n".join(lines) + "\n", where


# ---------------------------------------------------------------------- where a slip can go


def slip_sites(net: Net, code: str) -> list[str]:
    """The quantities a slip with this code can be planted in, on this network."""
    hidden = [v for layer in net.layers[:-1] for v in layer]
    into = {v: [(u, p) for u, w, p in net.edges if w == v] for v in net.neurons}
    uses = {p: [v for _, v, q in net.edges if q == p] for p in net.values}
    trainable_weights = [p for p in net.values if net.trainable[p] and any(q == p for _, _, q in net.edges)]
    if code == "swapped":
        return [f"{v}.net" for v in net.neurons if len({out for out in into[v]}) >= 2 and len(into[v]) >= 2]
    if code == "wrong-weight":
        return [f"{v}.net" for v in net.neurons if len({net.values[p] for _, p in into[v]}) >= 2]
    if code == "missing-term":
        return [f"{v}.net" for v in net.neurons]
    if code == "missing-factor":
        return [f"{v}.dnet" for v in net.neurons if net.activation[v] != "identity"]
    if code == "arithmetic":
        return [f"grad.{p}" for p in trainable_weights if len(uses[p]) == 1]
    if code == "net-for-out":
        return [
            f"grad.{p}"
            for p in trainable_weights
            if len(uses[p]) == 1 and any(u in hidden for u, _, q in net.edges if q == p)
        ]
    if code == "derivative-of-net":
        return [f"{v}.dact" for v in net.neurons if net.activation[v] in ("sigmoid", "tanh")]
    if code == "updated-weights":
        return [f"{v}.dout" for v in hidden if all(net.trainable[p] for u, _, p in net.edges if u == v)]
    if code == "factor-2":
        return [f"loss.{o}" for o in net.outputs]
    if code == "sign":
        return [f"{o}.dout" for o in net.outputs]
    if code in ("uphill", "learning-rate"):
        return [f"updated.{p}" for p in trainable_weights]
    if code == "shared":
        return [f"grad.{p}" for p in trainable_weights if len(uses[p]) >= 2]
    raise ValueError(code)
