"""Exercises: a generated network with nice numbers, and the quantities a learner is asked for.

:func:`generate` draws inputs, weights, biases and targets with at most two decimals from a
seeded numpy Generator and keeps the first draw that is safe to set as an exercise: no
zeros, no two parameters equal, every asked quantity at least 1e-3 in size, no classic slip
(swapped inputs, a neighbour's weight, the bias left out, a forgotten factor, the step taken
uphill …) landing on the right answer by accident, and a learner who carries 5 significant
digits and writes every answer to 4 marked right throughout. The result is an ordinary
spec; the same options (and student name) give the same exercise, byte for byte.

>>> from graphengine.teach.exercise.generate import Options, generate
>>> ex = generate(Options(shape=(2, 2, 2), seed=7))       # doctest: +SKIP
>>> ex.asked[:3]                                           # doctest: +SKIP
['h1.net', 'h1.out', 'h2.net']
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ...errors import GraphEngineError, did_you_mean
from ..slips.accidents import unsafe
from .blanks import ASK_LEVELS, CARRIED, asked_quantities, letters, quantity_value, unit, written

if TYPE_CHECKING:
    from ...engine.network import Network
    from ...engine.trace import Trace
    from ...plugins.registry import Registry

# Activations an exercise may use, with the range its targets are drawn from (a target the
# output can reach, so the learner never meets a target outside the activation's range).
TARGET_RANGE = {"sigmoid": (0.01, 0.99), "tanh": (-0.99, 0.99), "relu": (0.01, 1.5), "identity": (-1.5, 1.5)}
LOSSES = ("half_squared_error", "mse", "binary_cross_entropy")
LEARNING_RATES = (0.1, 0.2, 0.5)  # η = 1 would hide the forgotten learning rate
MAX_WIDTH, MAX_LAYERS = 4, 5  # more is no longer a hand exercise
HIDDEN_PREFIXES = ("h", "k", "m")  # hidden layers; inputs are i1…, outputs o1…
MAX_DRAWS = 2000  # about 5 s; the shapes a class uses need at most a few hundred


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
    edges: list[tuple[str, str, str]] = []
    biases: dict[str, str] = {}
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


def carried_digits_safe(net: Network, trace: Trace, asked: list[str], scratch: Path) -> bool:
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


TARGET_GAP = 10  # hundredths: a target at least 0.1 from the output it belongs to


def draw(
    rng: np.random.Generator,
    options: Options,
    lay: Layout,
    outputs_of: Callable[[dict[str, int], list[list[int]]], np.ndarray],
) -> Numbers:
    """Parameters on a grid of 0.05, inputs on one of 0.01, then targets (0.01) at least 0.1 from
    the outputs those give; ``outputs_of(parameters, inputs)`` is the forward pass in hundredths."""
    names = lay.weights + lay.bias_parameters
    # ±0.05 … ±0.95, widened in steps of 1 while there are fewer than 1.5 values per parameter
    top = 95
    while 2 * top // 5 < 1.5 * len(names):
        top += 100
    grid = np.array([k for k in range(-top, top + 1, 5) if k != 0])
    parameters = dict(zip(names, (int(v) for v in rng.choice(grid, size=len(names), replace=False))))
    inputs_grid = np.array([k for k in range(-95, 96) if abs(k) >= 5])
    n_in = options.shape[0]
    inputs = [rng.choice(inputs_grid, size=n_in, replace=False).tolist() for _ in range(options.samples)]
    low, high = TARGET_RANGE[options.activation]
    targets_grid = np.array([k for k in range(round(low * 100), round(high * 100) + 1) if k != 0])
    targets = []
    for outputs in outputs_of(parameters, inputs):
        for_outputs: list[int] = []
        for y in outputs:
            apart = targets_grid[np.abs(targets_grid - y) >= TARGET_GAP]
            apart = np.setdiff1d(apart, for_outputs)  # no two targets of a sample equal
            for_outputs.append(int(rng.choice(apart if len(apart) else targets_grid)))
        targets.append(for_outputs)
    eta = float(rng.choice(LEARNING_RATES))
    return Numbers(parameters, inputs, targets, eta)


@dataclass
class Exercise:
    """One generated exercise: its spec text, the loaded network, its step and what is asked."""

    options: Options
    student: str | None
    spec: str  # the YAML text of spec.yaml
    net: Network
    trace: Trace
    asked: list[str]
    draws: int  # how many draws it took

    @property
    def blanks(self) -> dict[str, str]:
        """Asked quantity → its letter on the worksheet."""
        return dict(zip(self.asked, letters(len(self.asked))))

    def answer(self, quantity: str) -> float:
        return quantity_value(self.trace, quantity)


def generate(options: Options, student: str | None = None, registry: Registry | None = None) -> Exercise:
    """The first safe draw of the seeded stream for ``options`` (and ``student``)."""
    from ...engine.network import Network

    lay = layout(options)
    rng = np.random.default_rng(student_seed(options.seed, student))
    # The structure, compiled once; each draw's numbers are put into it.
    names = lay.weights + lay.bias_parameters
    placeholder = Numbers(
        {p: 5 * (k + 1) for k, p in enumerate(names)},
        [[k + 1 for k in range(options.shape[0])]] * options.samples,
        [[k + 1 for k in range(options.shape[-1])]] * options.samples,
        LEARNING_RATES[0],
    )
    net = Network.from_yaml(spec_text(options, lay, placeholder, student), registry, file="exercise.yaml")
    asked = asked_quantities(net, options.ask)
    index = net.plan.parameter_index

    def outputs_of(parameters: dict[str, int], inputs: list[list[int]]) -> np.ndarray:
        for p, k in parameters.items():
            net.theta[index[p]] = k / 100
        return 100 * net.predict(np.array(inputs, dtype=float) / 100)

    with tempfile.TemporaryDirectory(prefix="graphengine-exercise-") as scratch:
        for attempt in range(1, MAX_DRAWS + 1):
            numbers = draw(rng, options, lay, outputs_of)
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


# ---------------------------------------------------------------------- a class


def read_students(path: str | Path) -> list[str]:
    """Student names, one a line (blank lines and `#` comments skipped); a name given twice is an error."""
    from ..._util.reading import read_text

    file = str(path)
    text = read_text(path, error=GraphEngineError, what="the list of students, one name a line", bom=True)
    names: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), 1):
        name = unicodedata.normalize("NFC", " ".join(line.split()))  # é typed on any system: one name
        if not name or name.startswith("#"):
            continue
        problem = student_name_problem(name)
        if problem is not None:
            raise GraphEngineError(problem, file=file, line=number)
        if name in names:
            raise GraphEngineError(
                f"`{name[:60]}` is listed twice (first on line {names[name]})", file=file, line=number
            )
        names[name] = number
    if not names:
        raise GraphEngineError("no student names in the file (one name a line)", file=file)
    return list(names)


#: A student's name goes into a diagram's title (Graphviz) and the worksheet (pdflatex): well
#: below both renderers' limits, and longer than any real name.
MAX_STUDENT_NAME = 200


def student_name_problem(name: str) -> str | None:
    r"""What is wrong with a student's name (one line of a ``--students`` file), or None.

    >>> student_name_problem("Ana\x1b[2J")
    "the name `Ana\\x1b[2J` contains the control character '\\x1b'; a name is one line of text"
    """
    from ..._util.escape import BIDI_CONTROLS, terminal

    bad = next((c for c in name if c in BIDI_CONTROLS or unicodedata.category(c) in ("Cc", "Zl", "Zp", "Cs")), None)
    if bad is not None:
        return f"the name `{terminal(name[:60])}` contains the control character {bad!r}; a name is one line of text"
    if len(name) > MAX_STUDENT_NAME:
        return f"the name `{name[:20]}…` is {len(name):,} characters long; at most {MAX_STUDENT_NAME}"
    return None


#: Names Windows keeps for devices, whatever the extension (a folder `con` cannot be made there).
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{k}" for k in range(10)), *(f"lpt{k}" for k in range(10))})
FOLDER_NAME_CHARACTERS = 40
_GAP = {"Cf": ""}  # an invisible character (a joiner, a direction mark) is no gap in a name


def folder_names(students: list[str]) -> list[str]:
    """One folder name per student: the name in lower case (NFC) with its letters as written,
    every run of what is not a letter, mark or digit (spaces, punctuation, `/`, `\\`, `:`,
    invisible characters) one dash, at most 40 characters; made unique, also where a file system
    ignores case or Unicode normalization (macOS, Windows), by a number.

    >>> folder_names(["Ana María", "Bo Li", "bo li!", "Łukasz", "Søren Kjær", "Nguyễn Văn An", "../..", "CON"])
    ['ana-maría', 'bo-li', 'bo-li-2', 'łukasz', 'søren-kjær', 'nguyễn-văn-an', 'student', 'con-student']
    """
    taken: set[str] = set()
    folders = []
    for name in students:
        lower = unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).lower().replace("i\u0307", "i"))
        kept = "".join(
            c if unicodedata.category(c)[0] in "LMN" else _GAP.get(unicodedata.category(c), "-") for c in lower
        )
        base = re.sub(r"-+", "-", kept).strip("-")[:FOLDER_NAME_CHARACTERS].rstrip("-") or "student"
        if unicodedata.category(base[0])[0] == "M":  # a lone accent cannot start a name
            base = "student-" + base
        if base in _RESERVED:
            base += "-student"
        folder, k = base, 1
        while _same(folder) in taken:
            k += 1
            folder = f"{base}-{k}"
        taken.add(_same(folder))
        folders.append(folder)
    return folders


def _same(folder: str) -> str:
    """What a case- and normalization-insensitive file system sees of a folder name."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKD", folder).casefold())
