"""Random networks for the tests, and how a learner writes their numbers.

- :func:`random_case`: a hypothesis strategy drawing whole specs (YAML text) over every
  activation, loss and sharing pattern, used by the engine, export, alias, step and page tests;
- :func:`hand_sized`: the one generator of hand-sized layered networks that the sheet writer
  (:mod:`helpers.sheets`) and the page writer (:mod:`helpers.page_writer`) build theirs on —
  the layers' edges in the order a learner works them, and distinct two-decimal numbers;
- :func:`learner_digits`: the one learner-digits formatter (4 significant digits, trailing
  zeros kept) that the sheet writer, the page writer and the simulated class
  (:mod:`helpers.classroom`) write with.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from hypothesis import strategies as st

ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus"]
LOSSES = ["half_squared_error", "mse", "binary_cross_entropy", "softmax_cross_entropy"]
KINKED = {"relu", "leaky_relu"}
STEP = 1e-6  # finite-difference step
KINK_MARGIN = 1e-3  # |net| of a ReLU must stay this far from 0 (>> STEP × any slope here)


def num(x: float) -> str:
    """A YAML float (always with a dot, so YAML 1.1 reads it as a number)."""
    return f"{x:.4f}"


@dataclass
class Case:
    text: str
    inputs: list[dict[str, float]]
    targets: list[dict[str, float]]
    learning_rate: float


# --------------------------------------------------------------------------- hand-sized networks


def hundredths(rng: random.Random, low: float, high: float, taken: set[float]) -> float:
    """A number of [low, high] with two decimals, as an exercise gives it: never 0, ±1, below 0.05
    in size, or one already ``taken`` (so another edge's weight is always a different number)."""
    while True:
        x = round(rng.uniform(low, high), 2)
        if abs(x) >= 0.05 and abs(x) != 1.0 and x not in taken:
            taken.add(x)
            return x


def hand_sized(layers: list[list[str]]) -> list[tuple[str, str]]:
    """The edges of a dense layered network (``layers``: the inputs, the hidden layers, the
    outputs): every neuron's sources in order, neuron by neuron, the order a learner works them.

    >>> hand_sized([["i1", "i2"], ["h1"], ["o1", "o2"]])
    [('i1', 'h1'), ('i2', 'h1'), ('h1', 'o1'), ('h1', 'o2')]
    """
    return [(u, v) for sources, targets in zip(layers, layers[1:]) for v in targets for u in sources]


def learner_digits(x: float, digits: int = 4, *, fixed: bool = False) -> str:
    """``x`` as a learner writes it: ``digits`` significant digits, trailing zeros kept (0.1000
    claims four digits); ``fixed``: never an exponent (0.00001234, as on a written page; 0 is "0").

    >>> learner_digits(0.593269992), learner_digits(0.1), learner_digits(-1.22492), learner_digits(0.0)
    ('0.5933', '0.1000', '-1.225', '0.000')
    >>> learner_digits(0.0000123456), learner_digits(0.0000123456, fixed=True), learner_digits(0.00001, 3, fixed=True)
    ('1.235e-05', '0.00001235', '0.0000100')
    """
    if not fixed:
        return f"{x or 0.0:#.{digits}g}".rstrip(".")  # `or`: -0.0 is written 0.000
    if x == 0 or not math.isfinite(x):
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    text = f"{x:.{decimals}f}"
    return "0" if float(text) == 0 else text


# --------------------------------------------------------------------------- random specs


@st.composite
def random_case(draw: st.DrawFn, loss: str | None = None, reduction: str | None = None) -> Case:
    n_in = draw(st.integers(1, 3))
    n_nodes = draw(st.integers(1, 6))
    inputs = [f"x{i}" for i in range(n_in)]
    nodes = [f"n{i}" for i in range(n_nodes)]
    loss = loss or draw(st.sampled_from(LOSSES))
    reduction = reduction or draw(st.sampled_from(["mean", "sum", None]))
    outputs = draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=min(3, n_nodes), unique=True))

    small = st.integers(-100, 100).map(lambda k: k / 100)
    pool = [
        (f"p{i}", draw(small), draw(st.booleans()))  # name, value, trainable
        for i in range(draw(st.integers(0, 3)))
    ]

    def weight_or_bias() -> str:
        if pool and draw(st.booleans()):
            return draw(st.sampled_from(pool))[0]  # a shared, named parameter
        return num(draw(small))

    lines = [f"name: random {loss}", f"inputs: [{', '.join(inputs)}]", f"outputs: [{', '.join(outputs)}]", "nodes:"]
    edges = []
    for k, node in enumerate(nodes):
        name = "sigmoid" if loss == "binary_cross_entropy" and node in outputs else draw(st.sampled_from(ACTIVATIONS))
        if name == "leaky_relu" and draw(st.booleans()):
            activation = f"{{name: leaky_relu, alpha: {num(draw(st.integers(1, 50).map(lambda a: a / 100)))}}}"
        elif draw(st.booleans()):
            activation = name
        else:
            activation = f"{{name: {name}}}"
        entry = []
        if name != "identity" or draw(st.booleans()):
            entry.append(f"activation: {activation}")
        if draw(st.integers(0, 2)):
            entry.append(f"bias: {weight_or_bias()}")
        lines.append(f"  {node}: {{{', '.join(entry)}}}")
        # Any earlier node may feed this one: skip connections and fan-out come for free.
        earlier = inputs + nodes[:k]
        for source in draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=min(3, len(earlier)), unique=True)):
            edges.append(f"  - {{from: {source}, to: {node}, weight: {weight_or_bias()}}}")
    lines += ["edges:", *edges]
    if pool:
        lines.append("parameters:")
        for name, value, trainable in pool:
            if trainable and draw(st.booleans()):
                lines.append(f"  {name}: {num(value)}")
            else:
                lines.append(f"  {name}: {{value: {num(value)}, trainable: {str(trainable).lower()}}}")
    lines.append(f"loss: {{name: {loss}, reduction: {reduction}}}" if reduction else f"loss: {loss}")

    lines.append("data:")
    xs, ts = [], []
    nonzero = st.integers(-200, 200).filter(bool).map(lambda k: k / 100)
    for _ in range(draw(st.integers(1, 4))):
        x = {i: draw(nonzero) for i in inputs}
        if loss == "binary_cross_entropy":
            t = {o: draw(st.integers(5, 95)) / 100 for o in outputs}
        else:
            t = {o: draw(small) for o in outputs}
        xs.append(x)
        ts.append(t)
        lines.append(f"  - inputs: {{{', '.join(f'{k}: {num(v)}' for k, v in x.items())}}}")
        lines.append(f"    targets: {{{', '.join(f'{k}: {num(v)}' for k, v in t.items())}}}")
    lr = draw(st.integers(1, 100)) / 100
    lines += ["training:", f"  learning_rate: {num(lr)}"]
    return Case("\n".join(lines) + "\n", xs, ts, lr)


# --------------------------------------------------------------------------- the checks
