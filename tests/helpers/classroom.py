"""A simulated class filling in the blank sheets of ``graphengine exercise --students``.

Test material for issue 22 (grade as an examiner marks). Nothing here imports graphengine:
an exercise folder is made by the ``graphengine exercise`` command, its ``spec.yaml`` and
``blank.yaml`` are read as plain data, and every value is computed again by hand formulas
written out below (float64, one neuron and one sample at a time), the way a student does it:

* **in derivation order**, each blank from the student's *own* earlier values: the ones they
  wrote, and the ones they never wrote (sample 1 of a two-sample exercise), computed from
  those in their head with the same habit;
* **a rounding habit** per student: carry 3, 4 or 5 significant figures, 2 decimals (a value
  below 0.05 in size then gets 2 significant figures: nobody writes 0.00 for a gradient), or
  full calculator values (written to 10 significant figures, kept whole in memory); every
  value is rounded as it is written and read back from the page;
* **one or two events** for two thirds of the class (:data:`KINDS`): a classic slip (the
  thirteen codes of :data:`CODES`), two slips in one value (:data:`PAIRS`), a value written in
  the neighbouring blank, placeholder zeros in the blanks never worked out, an empty blank,
  and the mess of real sheets (decimal comma, ``≈``, ``~``, a leading ``=``, a Unicode minus,
  a key typo such as ``h2.uot``).

Every blank gets a ground truth (:class:`Truth`): ``right`` (within one unit of its last written
digit, or of the 4th significant digit the sheet asks for), ``rounding`` (only the student's
rounding makes it miss), ``carried`` (the step is right, on an earlier slip: ``because_of``
names the slipped blanks), ``unanswered``, ``placeholder``, ``misplaced``, a slip code, or a pair
of codes. A slip is planted only where its value is clear of the right one and of every
other single slip's value at that blank, so the truth is unambiguous.

>>> folder, truths = make_class("sigmoid", 4, seed=1, root=tmp)        # doctest: +SKIP
"""

from __future__ import annotations

import csv
import math
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from helpers.networks import learner_digits

ASKED_DIGITS = 4  # the sheet asks for 4 significant digits

# name → the `graphengine exercise` options that make it
SETTINGS: dict[str, list[str]] = {
    "sigmoid": ["--shape", "2-2-2", "--activation", "sigmoid"],
    "tanh": ["--shape", "2-2-2", "--activation", "tanh"],
    "relu": ["--shape", "2-3-2", "--activation", "relu", "--loss", "mse"],
    "shared-bias": ["--shape", "2-2-2", "--shared-bias"],
    "bce": ["--shape", "2-2-1", "--loss", "binary_cross_entropy"],
    "two-samples": ["--shape", "2-2-2", "--samples", "2"],
    "deep": ["--shape", "2-2-2-1", "--activation", "tanh", "--samples", "2", "--shared-bias"],
}

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
)
# two slips in one value, by the kind of blank they are made in
PAIRS = {
    "updated": [("uphill", "learning-rate")],
    "net": [("swapped", "missing-term"), ("net-for-out", "missing-term"), ("wrong-weight", "missing-term")],
    "dout-output": [("sign", "factor-2"), ("sign", "batch")],
    "dout-hidden": [("missing-term", "updated-weights")],
    "grad": [("missing-factor", "batch"), ("sign", "missing-factor"), ("net-for-out", "batch")],
}
FORMS = ("decimal-comma", "approx", "tilde", "equals", "unicode-minus", "key-typo")
KINDS = (*CODES, "pair", "misplaced", "placeholder", "unanswered", *FORMS)
# slips, pairs and misplaced values twice as often as each kind of mess
KIND_WEIGHTS = {k: 2.0 for k in (*CODES, "pair", "misplaced")}
HABITS = ("sig3", "sig4", "sig5", "dec2", "full")
HABIT_WEIGHTS = (0.2, 0.25, 0.25, 0.15, 0.15)

FIRST = (
    "Ana", "Łukasz", "Søren", "Jürgen", "Ayşe", "Zoë", "José", "Anh", "Ingrid", "Kwame", "Mei", "Olu",
    "Priya", "Siobhán", "Tomás", "Yuki", "Émilie", "Dmitri", "Fatima", "Lars", "Noa", "Ravi", "Ilse", "Chen",
)  # fmt: skip
LAST = (
    "Groß", "Kjær", "Nowak", "Yıldız", "Nguyễn", "García", "Okafor", "Müller", "Dubois", "Sato", "Haddad",
    "O'Brien", "Kowalczyk", "Andersen", "Silva", "Patel", "Ivanova", "Rossi", "Lindqvist", "Mensah",
)  # fmt: skip


# ---------------------------------------------------------------------- the exercise as data


@dataclass
class Exercise:
    """One exercise folder read as data: the network, its data and the blanks in sheet order."""

    folder: Path
    spec: Path
    inputs: list[str]
    outputs: list[str]
    order: list[str]  # neurons in topological order
    activation: dict[str, str]
    bias: dict[str, str]
    in_edges: dict[str, list[tuple[str, str]]]  # v → [(u, weight)]
    out_edges: dict[str, list[tuple[str, str]]]  # u → [(v, weight)]
    params: dict[str, float]
    loss: str
    x: list[dict[str, float]]
    t: list[dict[str, float]]
    eta: float
    blanks: list[str]  # hand-file keys in the sheet's order
    template: str  # blank.yaml as handed out

    @property
    def n(self) -> int:
        return len(self.x)

    def uses(self, p: str) -> list[tuple[str | None, str]]:
        """(source or None for a bias, neuron) for every use of parameter ``p``."""
        found: list[tuple[str | None, str]] = [(u, v) for v in self.order for u, w in self.in_edges[v] if w == p]
        return found + [(None, v) for v in self.order if self.bias.get(v) == p]


def read_exercise(folder: Path, key: Path | None = None) -> Exercise:
    """``folder/blank.yaml`` and the exercise's ``spec.yaml`` and ``answers.yaml`` (in ``key``
    when the answers are kept apart from the student's folder) as plain data (no graphengine)."""
    key = key or folder
    spec = yaml.safe_load((key / "spec.yaml").read_text(encoding="utf-8"))
    template = (folder / "blank.yaml").read_text(encoding="utf-8")
    nodes = spec["nodes"]
    in_edges: dict[str, list[tuple[str, str]]] = {v: [] for v in nodes}
    out_edges: dict[str, list[tuple[str, str]]] = {v: [] for v in [*spec["inputs"], *nodes]}
    for e in spec["edges"]:
        in_edges[e["to"]].append((e["from"], e["weight"]))
        out_edges[e["from"]].append((e["to"], e["weight"]))
    order, done = [], set(spec["inputs"])
    while len(order) < len(nodes):  # topological, in spec order
        for v in nodes:
            if v not in done and all(u in done for u, _ in in_edges[v]):
                order.append(v)
                done.add(v)
    # the blanks in the sheet's order: the answer key's lines (the handed-out sheet may be filled in)
    answers = key / "answers.yaml"
    listing = answers.read_text(encoding="utf-8") if answers.is_file() else template
    blanks = [m[1] for m in re.finditer(r"(?m)^([^#\s:][^:]*):[^#\n]*#\s*\([a-z]+\)", listing)]
    return Exercise(
        folder,
        key / "spec.yaml",
        list(spec["inputs"]),
        list(spec["outputs"]),
        order,
        {v: d["activation"] for v, d in nodes.items()},
        {v: d["bias"] for v, d in nodes.items() if d.get("bias")},
        in_edges,
        out_edges,
        {p: float(x) for p, x in spec["parameters"].items()},
        spec["loss"],
        [{k: float(x) for k, x in d["inputs"].items()} for d in spec["data"]],
        [{k: float(x) for k, x in d["targets"].items()} for d in spec["data"]],
        float(spec["training"]["learning_rate"]),
        blanks,
        template,
    )


# ---------------------------------------------------------------------- writing numbers


def sig_round(x: float, digits: int) -> float:
    return float(f"{x:.{digits - 1}e}") if x else 0.0


def write_number(x: float, habit: str) -> str:
    """``x`` as a student with ``habit`` writes it (their rounding, trailing zeros kept)."""
    if x == 0:
        return "0"
    if habit == "full":
        return f"{x:.10g}"
    if habit == "dec2":
        return f"{x:.2f}" if abs(x) >= 0.05 else f"{x:#.2g}"
    return learner_digits(x, int(habit[3:]))


def written_unit(text: str) -> float:
    """One unit of the last written digit; 0 for a number written without a decimal part."""
    d = Decimal(text)
    exponent = d.as_tuple().exponent
    assert isinstance(exponent, int)
    if "." not in text and "e" not in text.lower():
        return 0.0
    return float(Decimal(1).scaleb(exponent))


def asked_unit(x: float) -> float:
    """One unit of the 4th significant digit of ``x`` (the precision the sheet asks for)."""
    return 10.0 ** (math.floor(math.log10(abs(x))) - ASKED_DIGITS + 1) if x else 0.0


def tolerance(text: str, x: float) -> float:
    return max(written_unit(text), asked_unit(x)) * (1 + 1e-9) + 1e-15


def is_right(text: str, x: float) -> bool:
    """Right at the written precision (or at the precision the sheet asks for)."""
    return abs(float(text) - x) <= tolerance(text, x)


# ---------------------------------------------------------------------- a student's computation

Key = tuple[str, int | None]  # (quantity, sample), None for batch quantities (loss, grad, updated)


def kind_of(ex: Exercise, q: str) -> str:
    """The kind of blank ``q`` is, for the slips that can be made in it."""
    head, _, tail = q.rpartition(".")
    if head in ("grad", "updated"):
        return head
    if q == "loss" or head == "loss":
        return q if q == "loss" else "loss-term"
    if tail == "dout":
        return "dout-output" if head in ex.outputs else "dout-hidden"
    return tail


def applicable(ex: Exercise, q: str) -> list[str]:
    """The single slip codes that can be made in blank ``q`` of this exercise."""
    k = kind_of(ex, q)
    head = q.rpartition(".")[0]
    two = ex.n == 2
    if k == "net":
        codes = ["missing-term"]
        if len(ex.in_edges[head]) >= 2:
            codes.append("swapped")
        if any(len(ex.out_edges[u]) >= 2 for u, _ in ex.in_edges[head]):
            codes.append("wrong-weight")
        if any(u in ex.activation for u, _ in ex.in_edges[head]):
            codes.append("net-for-out")
        return codes
    if k == "dact":
        return ["derivative-of-net"] if ex.activation[head] in ("sigmoid", "tanh") else []
    if k == "loss-term":
        return ["factor-2"] if ex.loss == "half_squared_error" else []
    if k == "loss":
        return (["missing-term"] if len(ex.outputs) >= 2 else []) + (["batch"] if two else [])
    if k == "dout-output":
        return ["sign"] + (["factor-2"] if ex.loss != "binary_cross_entropy" else []) + (["batch"] if two else [])
    if k == "dout-hidden":
        codes = ["updated-weights"]
        if len(ex.out_edges[head]) >= 2:
            codes.append("missing-term")
        if any(len(ex.in_edges[v]) >= 2 for v, _ in ex.out_edges[head]):
            codes.append("wrong-weight")
        return codes
    if k == "dnet":
        return ["missing-factor"]
    if k == "grad":
        p = q.partition(".")[2]
        uses = ex.uses(p)
        codes = ["sign"]
        if any(u is not None for u, _ in uses):
            codes.append("missing-factor")
        if any(u in ex.activation for u, _ in uses):
            codes.append("net-for-out")
        if two:
            codes.append("batch")
        if len(uses) >= 2:
            codes.append("shared")
        return codes
    if k == "updated":
        return ["uphill", "learning-rate"]
    return []


class Student:
    """One student working through an exercise with a rounding habit.

    ``held`` is what they hold for every value so far (written values read back from the page,
    unwritten ones in their head); ``roots`` the slipped blanks each value depends on, through
    values that are not right (with ``exact``, the student who makes no slip and rounds nothing).
    """

    def __init__(self, ex: Exercise, habit: str, exact: Student | None = None) -> None:
        self.ex, self.habit, self.exact = ex, habit, exact
        self.held: dict[Key, float] = {}
        self.roots: dict[Key, frozenset[str]] = {}
        self._reads: list[set[Key]] = []

    # values ----------------------------------------------------------------

    def keep(self, x: float) -> float:
        """The value as the student holds it after rounding it their way."""
        return x if self.habit == "full" else float(write_number(x, self.habit))

    def get(self, q: str, s: int | None = 0) -> float:
        key: Key = (q, s)
        if self._reads:
            self._reads[-1].add(key)
        if key not in self.held:
            node, _, tail = q.rpartition(".")
            if tail == "out" and node in self.ex.inputs:
                self.held[key], self.roots[key] = self.ex.x[s or 0][node], frozenset()
            else:
                value, reads = self.compute(q, s)
                self.held[key] = self.keep(value)
                roots = self.roots_of(reads)
                if roots and self.exact is not None:
                    # a slip whose effect stays within the precision the value is written to is
                    # gone: what follows from a right value is right or rounding, never carried
                    if is_right(write_number(self.held[key], self.habit), self.exact.get(q, s)):
                        roots = frozenset()
                self.roots[key] = roots
        return self.held[key]

    def compute(self, q: str, s: int | None, flags: frozenset[str] = frozenset()) -> tuple[float, set[Key]]:
        """What the student gets for ``q`` from the values they hold, with slips ``flags``."""
        self._reads.append(set())
        try:
            value = self.formula(q, s, flags)
        finally:
            reads = self._reads.pop()
        return value, reads

    def band(self, q: str, s: int | None, flags: frozenset[str] = frozenset()) -> float:
        """How far ``q`` may move when each value it is computed from moves by one unit of its
        last written digit (the rounding a grader must allow for, propagated to first order)."""
        value, reads = self.compute(q, s, flags)
        total = 0.0
        for k in reads:
            node, _, tail = k[0].rpartition(".")
            if tail == "out" and node in self.ex.inputs:
                continue  # given numbers are exact
            held = self.held[k]
            unit = written_unit(write_number(held, self.habit)) or asked_unit(held)
            self.held[k] = held + unit
            try:
                total += abs(self.compute(q, s, flags)[0] - value)
            finally:
                self.held[k] = held
        return total

    def roots_of(self, reads: set[Key]) -> frozenset[str]:
        return frozenset().union(*(self.roots[k] for k in reads)) if reads else frozenset()

    # the hand formulas ----------------------------------------------------

    def formula(self, q: str, s: int | None, flags: frozenset[str]) -> float:
        ex, get = self.ex, self.get
        head, _, tail = q.rpartition(".")
        if q == "loss":
            if "batch" in flags:  # sample 0's loss for the batch's
                return sum(get(f"loss.{o}", 0) for o in ex.outputs)
            terms = [(o, j) for j in range(ex.n) for o in ex.outputs]
            if "missing-term" in flags:  # an output's loss term of sample 0 left out
                terms.remove((ex.outputs[-1], 0))
            return sum(get(f"loss.{o}", j) for o, j in terms) / ex.n
        if head == "loss":
            y, t = get(f"{tail}.out", s), ex.t[s or 0][tail]
            m = len(ex.outputs)
            if ex.loss == "half_squared_error":
                return (t - y) ** 2 * (1.0 if "factor-2" in flags else 0.5)
            if ex.loss == "mse":
                return (t - y) ** 2 / m
            return -(t * math.log(y) + (1 - t) * math.log(1 - y)) / m
        if head == "grad":
            uses = ex.uses(tail)
            if "shared" in flags:
                uses = uses[:1]
            samples = [0] if "batch" in flags else list(range(ex.n))
            total = 0.0
            for j in samples:
                for u, v in uses:
                    if u is None or "missing-factor" in flags:
                        factor = 1.0
                    elif "net-for-out" in flags and u in ex.activation:
                        factor = get(f"{u}.net", j)
                    else:
                        factor = get(f"{u}.out", j)
                    total += get(f"{v}.dnet", j) * factor
            return -total if "sign" in flags else total
        if head == "updated":
            eta = 1.0 if "learning-rate" in flags else ex.eta
            step = eta * get(q.replace("updated.", "grad.", 1), None)
            return ex.params[tail] + step if "uphill" in flags else ex.params[tail] - step
        v = head
        if tail == "net":
            edges = ex.in_edges[v]
            sources = [u for u, _ in edges]
            weights = [w for _, w in edges]
            if "swapped" in flags:
                sources = sources[1:] + sources[:1] if len(sources) > 2 else sources[::-1]
            if "wrong-weight" in flags:  # the first term uses the weight of the same source's next edge
                k = next(k for k, u in enumerate(sources) if len(ex.out_edges[u]) >= 2)
                targets = ex.out_edges[sources[k]]
                mine = next(i for i, (x, _) in enumerate(targets) if x == v)
                weights[k] = targets[(mine + 1) % len(targets)][1]
            total = 0.0
            for u, w in zip(sources, weights):
                which = "net" if "net-for-out" in flags and u in ex.activation else "out"
                total += ex.params[w] * get(f"{u}.{which}", s)
            return total + (0.0 if "missing-term" in flags else ex.params[ex.bias[v]])
        if tail == "out":
            z = get(f"{v}.net", s)
            return activate(ex.activation[v], z)
        if tail == "dact":
            act = ex.activation[v]
            if act in ("sigmoid", "tanh"):
                y = get(f"{v}.net" if "derivative-of-net" in flags else f"{v}.out", s)
                return y * (1 - y) if act == "sigmoid" else 1 - y * y
            if act == "relu":
                return 1.0 if get(f"{v}.net", s) > 0 else 0.0
            return 1.0
        if tail == "dout":
            if v in ex.outputs:
                y, t, m = get(f"{v}.out", s), ex.t[s or 0][v], len(ex.outputs)
                if ex.loss == "half_squared_error":
                    g = (y - t) * (2.0 if "factor-2" in flags else 1.0)
                elif ex.loss == "mse":
                    g = (y - t) * (1.0 if "factor-2" in flags else 2.0) / m
                else:
                    g = (y - t) / (y * (1 - y)) / m
                g = g if "batch" in flags else g / ex.n
                return -g if "sign" in flags else g
            paths = list(ex.out_edges[v])
            if "missing-term" in flags:
                paths = paths[:-1]
            total = 0.0
            for k, (x, w) in enumerate(paths):
                if "wrong-weight" in flags and k == next(
                    i for i, (y, _) in enumerate(paths) if len(ex.in_edges[y]) >= 2
                ):
                    incoming = ex.in_edges[x]
                    mine = next(i for i, (u, _) in enumerate(incoming) if u == v)
                    w = incoming[(mine + 1) % len(incoming)][1]
                weight = ex.params[w]
                if "updated-weights" in flags:
                    weight -= ex.eta * get(f"grad.{w}", None)
                total += get(f"{x}.dnet", s) * weight
            return total
        if tail == "dnet":
            dout = get(f"{v}.dout", s)
            return dout if "missing-factor" in flags else dout * get(f"{v}.dact", s)
        raise ValueError(q)


def activate(name: str, z: float) -> float:
    if name == "sigmoid":
        return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
    if name == "tanh":
        return math.tanh(z)
    if name == "relu":
        return z if z > 0 else 0.0
    return z


def exact_values(ex: Exercise) -> dict[str, float]:
    """Every blank's exact value: a student with full precision who makes no slip."""
    s = Student(ex, "full")
    return {q: s.get(q, None if batch(q) else 0) for q in ex.blanks}


def batch(q: str) -> bool:
    return q == "loss" or q.startswith(("grad.", "updated."))


# ---------------------------------------------------------------------- events and truths


@dataclass(frozen=True)
class Event:
    kind: str  # one of KINDS
    blank: str
    codes: tuple[str, ...] = ()  # the slip code(s) for a slip or a pair


@dataclass
class Truth:
    """The ground truth of one blank of one student's sheet."""

    student: str
    folder: str  # the student's folder name in the class folder
    key: str  # the blank's quantity (canonical, even when the key was mistyped)
    written: str | None  # the text on the sheet (None: left empty)
    truth: str | tuple[str, ...]  # right|rounding|carried|unanswered|placeholder|misplaced|CODE|(CODE1, CODE2)
    because_of: tuple[str, ...] = ()  # carried: the slipped blanks it follows from
    exact: float = 0.0
    form: str = ""  # how the text is messy (decimal-comma, approx, tilde, equals, unicode-minus, key-typo)
    written_key: str = ""  # the key as written (differs for a key typo)
    belongs_to: str = ""  # misplaced: the blank whose value it is
    habit: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data["truth"] = list(self.truth) if isinstance(self.truth, tuple) else self.truth
        data["because_of"] = list(self.because_of)
        return data


@dataclass
class Sheet:
    student: str
    folder: str
    habit: str
    events: list[Event]
    text: str  # the filled blank.yaml
    truths: list[Truth] = field(default_factory=list)


def _apart(a: float, b: float, text: str, x: float) -> bool:
    """``a`` and ``b`` are told apart at the precision the value is written (3 units, and 0.5 %)."""
    margin = 3 * max(written_unit(text), asked_unit(x), asked_unit(b) if b else 0.0)
    return abs(a - b) > margin and abs(a - b) > 5e-3 * max(abs(b), 1e-3)


def _clear(text: str, x: float, others: list[float], band: float) -> bool:
    """A wrong written value told apart from the right one and from every other candidate, by
    more than the student's rounding could explain (twice its propagated band)."""
    if is_right(text, x):
        return False
    return all(_apart(float(text), y, text, x) and abs(float(text) - y) > 2 * band for y in others)


def key_typo(q: str) -> str:
    """A key typo with one clear did-you-mean: two adjacent letters of the last part swapped."""
    head, _, tail = q.rpartition(".")
    swaps = {"out": "uot", "net": "nte", "dact": "dcat", "dout": "duot", "dnet": "dent"}
    if tail in swaps:
        return f"{head}.{swaps[tail]}"
    if head == "grad":
        return f"gard.{tail}"
    if head == "updated":
        return f"upadted.{tail}"
    if head == "loss":
        return f"lsos.{tail}"
    return "lsos"


def messy(text: str, form: str) -> str:
    if form == "decimal-comma":
        return text.replace(".", ",")
    if form == "approx":
        return "≈" + text
    if form == "tilde":
        return "~" + text
    if form == "equals":
        return "= " + text
    if form == "unicode-minus":
        return text.replace("-", "−")
    return text


def simulate(ex: Exercise, habit: str, events: list[Event]) -> tuple[dict[str, str | None], list[Truth]] | None:
    """The student's sheet (blank → text, None when empty) and the truths, or None when an
    event cannot be planted clearly (its value too close to the right one or another slip's)."""
    reference = Student(ex, "full")
    exact = {q: reference.get(q, None if batch(q) else 0) for q in ex.blanks}
    me = Student(ex, habit, reference)
    at = {e.blank: e for e in events}
    tail_from = next((ex.blanks.index(e.blank) for e in events if e.kind == "placeholder"), len(ex.blanks))
    texts: dict[str, str | None] = {}
    truths: list[Truth] = []
    for index, q in enumerate(ex.blanks):
        s = None if batch(q) else 0
        key: Key = (q, s)
        x = exact[q]
        event = at.get(q)
        truth: str | tuple[str, ...]
        because: tuple[str, ...] = ()
        belongs = ""
        if index >= tail_from:
            texts[q] = "0"
            truths.append(Truth("", "", q, "0", "placeholder", exact=x, habit=habit))
            continue
        if event is not None and event.kind in ("slip", "pair"):
            own, _ = me.compute(q, s)
            value, reads = me.compute(q, s, frozenset(event.codes))
            text = write_number(value, habit)
            others = [me.compute(q, s, frozenset([c]))[0] for c in applicable(ex, q) if (c,) != event.codes]
            if event.kind == "pair":
                others += [me.compute(q, s, frozenset([c]))[0] for c in event.codes]
                # and every other pair made in this kind of blank: two pairs that give one value
                # (sign with batch or with factor-2 when the batch factor is 2) have no single truth
                others += [
                    me.compute(q, s, frozenset(p))[0]
                    for p in PAIRS.get(kind_of(ex, q), ())
                    if p != event.codes and set(p) <= set(applicable(ex, q))
                ]
            if not _clear(text, x, [own, *others], me.band(q, s) + me.band(q, s, frozenset(event.codes))):
                return None
            me.held[key] = float(text) if habit != "full" else value
            me.roots[key] = frozenset([q]) | me.roots_of(reads)
            truth = event.codes[0] if event.kind == "slip" else event.codes
        elif event is not None and event.kind == "misplaced":
            before = ex.blanks[index - 1]
            text = write_number(me.held[(before, None if batch(before) else 0)], habit)  # as on its own line
            own = me.get(q, s)
            del me.held[key]
            others = [me.compute(q, s, frozenset([c]))[0] for c in applicable(ex, q)]
            if not _clear(text, x, [own, *others], me.band(q, s)):
                return None
            me.held[key], me.roots[key] = float(text), frozenset([q])
            truth, belongs = "misplaced", before
        else:
            value = me.get(q, s)
            text = write_number(value, habit)
            if is_right(text, x):
                truth = "right"
            elif me.roots[key]:
                truth, because = "carried", tuple(b for b in ex.blanks if b in me.roots[key])
            else:
                truth = "rounding"
        form = ""
        if event is not None and event.kind in FORMS:
            form = event.kind
            if form == "unicode-minus" and not text.startswith("-"):
                return None
            if form == "decimal-comma" and "." not in text:
                return None
        if event is not None and event.kind == "unanswered":
            texts[q] = None
            truths.append(Truth("", "", q, None, "unanswered", exact=x, habit=habit))
            continue
        texts[q] = messy(text, form) if form != "key-typo" else text
        truths.append(Truth("", "", q, texts[q], truth, because, x, form, belongs_to=belongs, habit=habit))
    return texts, truths


def fill(template: str, texts: dict[str, str | None], typos: dict[str, str]) -> str:
    """The blank sheet with the student's values written after the keys (comments kept)."""
    out = []
    for line in template.splitlines():
        m = re.match(r"^([^#\s:][^:]*):(\s*)(#.*)?$", line)
        if m and m[1] in texts:
            q, pad, comment = m[1], m[2], m[3] or ""
            value = texts[q]
            shown = typos.get(q, q)
            if value is None:
                line = f"{shown}:{pad}{comment}".rstrip()
            else:
                line = f"{shown}: {value}".ljust(len(q) + 1 + len(pad)) + (f" {comment}" if comment else "")
        out.append(line.rstrip())
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------- planning a student


def plan(ex: Exercise, rng: np.random.Generator, count: int) -> list[Event]:
    """``count`` events at different blanks (a placeholder tail after every other event)."""
    events: list[Event] = []
    for _ in range(count):
        for _attempt in range(20):
            event = _draw(ex, rng)
            if event is None or any(e.blank == event.blank for e in events):
                continue
            placeholder = [e for e in [*events, event] if e.kind == "placeholder"]
            if placeholder:
                start = ex.blanks.index(placeholder[0].blank)
                if len(placeholder) > 1 or any(
                    ex.blanks.index(e.blank) >= start for e in [*events, event] if e.kind != "placeholder"
                ):
                    continue
            events.append(event)
            break
    return events


def _draw(ex: Exercise, rng: np.random.Generator) -> Event | None:
    kinds = [
        k
        for k in KINDS
        if k in ("pair", "misplaced", "placeholder", "unanswered", *FORMS)
        or any(k in applicable(ex, q) for q in ex.blanks)
    ]
    weights = np.array([KIND_WEIGHTS.get(k, 1.0) for k in kinds])
    kind = str(rng.choice(kinds, p=weights / weights.sum()))
    if kind in CODES:
        blank = str(rng.choice([q for q in ex.blanks if kind in applicable(ex, q)]))
        return Event("slip", blank, (kind,))
    if kind == "pair":
        options = [(q, p) for q in ex.blanks for p in PAIRS.get(kind_of(ex, q), ()) if set(p) <= set(applicable(ex, q))]
        q, p = options[int(rng.integers(len(options)))]
        return Event("pair", q, p)
    if kind == "placeholder":  # the student gave up: every blank from here on is 0
        start = int(rng.integers(len(ex.blanks) // 2, len(ex.blanks) - 3))
        return Event("placeholder", ex.blanks[start])
    if kind == "misplaced":
        return Event("misplaced", str(rng.choice(ex.blanks[1:])))
    return Event(kind, str(rng.choice(ex.blanks)))


def student_sheet(ex: Exercise, student: str, folder: str, rng: np.random.Generator) -> Sheet:
    habit = str(rng.choice(HABITS, p=HABIT_WEIGHTS))
    roll = rng.random()  # two thirds of the class make one or two slips
    count = 0 if roll < 1 / 3 else (1 if roll < 2 / 3 else 2)
    for _ in range(200):
        events = plan(ex, rng, count)
        if len(events) < count:
            continue
        done = simulate(ex, habit, events)
        if done is not None:
            break
    else:  # pragma: no cover - a plan that can always be planted exists (no events)
        events = []
        done = simulate(ex, habit, events)
        assert done is not None
    texts, truths = done
    typos = {e.blank: key_typo(e.blank) for e in events if e.kind == "key-typo"}
    for t in truths:
        t.student, t.folder, t.written_key = student, folder, typos.get(t.key, t.key)
    return Sheet(student, folder, habit, events, fill(ex.template, texts, typos), truths)


# ---------------------------------------------------------------------- a class


def class_names(n: int, rng: np.random.Generator) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in names:
            names.append(name)
    return names


def run_exercise(folder: Path, setting: str, names: list[str], seed: int) -> None:
    """``graphengine exercise`` for the class (its own command line, in a subprocess)."""
    folder.mkdir(parents=True, exist_ok=True)
    roster = folder.parent / f"{folder.name}-students.txt"
    roster.write_text("\n".join(names) + "\n", encoding="utf-8")
    command = [sys.executable, "-m", "graphengine", "exercise", *SETTINGS[setting], "--ask", "update"]
    command += ["--seed", str(seed), "--students", str(roster), "--no-pdf", "-o", str(folder)]
    subprocess.run(command, check=True, capture_output=True)


def make_class(
    setting: str, n_students: int, seed: int, root: Path | None = None, on_sheet: Callable[[Sheet], None] | None = None
) -> tuple[Path, list[Truth]]:
    """A class of ``n_students`` for ``setting``: the exercise folders made by
    ``graphengine exercise``, every ``blank.yaml`` filled in as the student would, and the
    ground truth of every blank."""
    import tempfile

    root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="classroom-"))
    index = list(SETTINGS).index(setting)
    rng = np.random.default_rng([seed, index])
    folder = root / f"{setting}-{seed}"
    run_exercise(folder, setting, class_names(n_students, rng), seed)
    truths: list[Truth] = []
    for sub, student, sheet_folder, key_folder in class_folders(folder):
        ex = read_exercise(sheet_folder, key_folder)
        sheet = student_sheet(ex, student, sub, rng)
        (sheet_folder / "blank.yaml").write_text(sheet.text, encoding="utf-8")
        truths += sheet.truths
        if on_sheet is not None:
            on_sheet(sheet)
    return folder, truths


def class_folders(folder: Path) -> list[tuple[str, str, Path, Path]]:
    """(folder name, student, the student's folder, the folder of their spec and answers) for
    every student of a class folder: ``DIR/NAME/`` with ``DIR/key.csv``, or the layout that
    keeps the answers apart (``DIR/students/NAME/``, ``DIR/key/NAME/``, ``DIR/key/key.csv``)."""
    key_csv = next(p for p in (folder / "key.csv", folder / "key" / "key.csv") if p.is_file())
    with key_csv.open(encoding="utf-8", newline="") as f:
        rows = dict.fromkeys((row["folder"], row["student"]) for row in csv.DictReader(f))
    found = []
    for sub, student in rows:
        sheet = next(p for p in (folder / sub, folder / "students" / sub) if (p / "blank.yaml").is_file())
        key = next((p for p in (sheet, folder / "key" / sub) if (p / "spec.yaml").is_file()), sheet)
        found.append((sub, student, sheet, key))
    return found
