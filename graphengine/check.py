"""Check hand-computed values against the exact ones, and say why a wrong one is wrong.

A hand file maps quantity names to the values a learner wrote down::

    sample: 0          # optional: node quantities are for this sample (default 0)
    h1.net: 0.3775
    h1.out: 0.593
    o1.dout: 0.741     # ∂L/∂out_o1
    grad.w5: 0.08216
    updated.w5: 0.3589

A value is right when it is within one unit of its last written digit of the exact
value, so both rounding and truncation pass (``0.593`` for 0.5932699…). The written
digits are read from the YAML source text, not from a float. A wrong value that does
follow from the learner's own written values (``o2.net`` from rounded ``h1.out`` and
``h2.out``) is reported as rounding drift, not as a mistake.
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .errors import SpecError, did_you_mean, valid_samples
from .graph import parameter_uses
from .yamldoc import compose

NODE_QUANTITIES = ("net", "out", "dout", "dnet", "dact")
INPUT_QUANTITIES = ("out", "dout")


@dataclass(frozen=True)
class Written:
    """One value as the learner wrote it."""

    name: str
    text: str
    value: float
    unit: float  # one unit of the last written digit
    line: int


@dataclass
class Verdict:
    name: str
    written: Written
    exact: float
    right: bool
    reason: str = ""  # "", "rounding drift", "sign", "mistake"
    note: str = ""
    from_written: list[str] = field(default_factory=list)
    recomputed: float | None = None  # from the learner's own written values

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "written": self.written.value,
            "written_text": self.written.text,
            "exact": self.exact,
            "right": self.right,
        }
        if self.reason:
            data["reason"] = self.reason
        if self.note:
            data["note"] = self.note
        if self.from_written:
            data["from_your_values"] = {"inputs": self.from_written, "value": self.recomputed}
        return data


@dataclass
class HandFile:
    values: dict[str, Written]
    sample: int | None
    file: str
    sample_line: int | None = None


def _unit(d: Decimal) -> float:
    exponent = d.as_tuple().exponent
    assert isinstance(exponent, int)
    return float(Decimal(1).scaleb(exponent))


def read_hand(path: str | Path) -> HandFile:
    """Read a hand file with the YAML composer, keeping each number's written text."""
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("no such file", file=file) from None
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"cannot read: {e}", file=file) from None
    root = compose(text, file)
    if root is None:
        raise SpecError("the file is empty; write one `quantity: value` per line (e.g. `h1.out: 0.593`)", file=file)
    if not isinstance(root, yaml.MappingNode):
        raise SpecError("expected a mapping of `quantity: value` lines (e.g. `h1.out: 0.593`)", file=file, line=1)
    values: dict[str, Written] = {}
    sample: int | None = None
    sample_line: int | None = None
    first_line: dict[str, int] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            raise SpecError("a quantity name must be plain text", file=file, line=line)
        key = str(key_node.value)
        if key in first_line:
            raise SpecError(
                f"duplicate quantity `{key}` (first on line {first_line[key]})", file=file, line=line, path=(key,)
            )
        first_line[key] = line
        if not isinstance(value_node, yaml.ScalarNode):
            raise SpecError("expected a number, got a list or mapping", file=file, line=line, path=(key,))
        raw = str(value_node.value).strip()
        if key == "sample":
            if not (raw.isascii() and raw.isdigit()):  # `²` and `٣` are digits to str.isdigit
                raise SpecError(
                    f"`sample` must be a sample number (0, 1, ...), got `{raw}`", file=file, line=line, path=(key,)
                )
            sample, sample_line = int(raw), line
            continue
        try:
            number = Decimal(raw.replace("_", ""))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or value_node.tag == "tag:yaml.org,2002:bool":
            shown = raw if raw else "nothing"
            raise SpecError(f"expected a number, got `{shown}`", file=file, line=line, path=(key,))
        if not math.isfinite(float(number)):
            raise SpecError(
                f"`{raw[:40]}{'…' if len(raw) > 40 else ''}` is too large for a float (at most about 1.8e308)",
                file=file,
                line=line,
                path=(key,),
            )
        values[key] = Written(key, raw, float(number), _unit(number), line)
    return HandFile(values, sample, file, sample_line)


class Checker:
    """Exact values from a trace, and the values that follow from the learner's own numbers."""

    def __init__(self, net: Any, trace: Any, hand: HandFile) -> None:
        self.net, self.trace, self.hand = net, trace, hand
        G = self.G = net.graph
        self.inputs, self.outputs = list(G.graph["inputs"]), list(G.graph["outputs"])
        self.loss, self.loss_params = G.graph["loss"], G.graph["loss_params"]
        self.mean = G.graph["reduction"] == "mean"
        self.n = trace.n_samples
        self.s = hand.sample or 0
        self.values, self.grads = trace.values, trace.gradients
        self.param_info = G.graph["parameters"]
        self.names = self._names()
        self._memo: dict[str, tuple[float, tuple[str, ...]]] = {}

    def _names(self) -> dict[str, tuple[str, str]]:
        names: dict[str, tuple[str, str]] = {}
        # A node called `grad` and a parameter called `out` both give `grad.out`: such a
        # name cannot be checked, and is refused when a hand file uses it.
        self.ambiguous: set[str] = set()

        def add(name: str, meaning: tuple[str, str]) -> None:
            if name in names:
                self.ambiguous.add(name)
            names[name] = meaning

        for v in self.trace.plan.nodes:
            for q in INPUT_QUANTITIES if v in self.inputs else NODE_QUANTITIES:
                add(f"{v}.{q}", (q, v))
        add("loss", ("loss", ""))
        if self.loss.terms_function is not None:
            for o in self.outputs:
                add(f"loss.{o}", ("term", o))
        for p in self.param_info:
            add(f"grad.{p}", ("grad", p))
            add(f"updated.{p}", ("updated", p))
        return names

    def validate(self) -> None:
        file = self.hand.file
        if self.hand.sample is not None and self.hand.sample >= self.n:
            raise SpecError(
                f"`sample` is {self.hand.sample} but the spec has {self.n} sample(s) (valid: {valid_samples(self.n)})",
                file=file,
                line=self.hand.sample_line,
                path=("sample",),
            )
        for name, w in self.hand.values.items():
            if name in self.ambiguous:
                raise SpecError(
                    f"quantity `{name}` is ambiguous in this network (a node and a parameter, or the loss, share "
                    "the name); rename the node or parameter in the spec to check it",
                    file=file,
                    line=w.line,
                    path=(name,),
                )
            if name not in self.names:
                hint = did_you_mean(name, self.names)
                if not hint and name.startswith("loss.") and self.loss.terms_function is None:
                    hint = f" (loss `{self.loss.name}` does not split into per-output terms)"
                raise SpecError(
                    f"unknown quantity `{name}`{hint} (quantities: NODE.net, NODE.out, NODE.dout, NODE.dnet, "
                    "NODE.dact, loss, loss.OUTPUT, grad.PARAM, updated.PARAM)",
                    file=file,
                    line=w.line,
                    path=(name,),
                )

    # ------------------------------------------------------------------ exact
    def exact(self, name: str) -> float:
        kind, arg = self.names[name]
        t, s = self.trace, self.s
        if kind in NODE_QUANTITIES:
            return float(getattr(t, kind)(arg, s))
        if kind == "loss":
            return float(t.loss)
        if kind == "term":
            return float(t.loss_terms(s)[arg])
        if kind == "grad":
            return float(self.grads[arg])
        return float(t.updated[arg])

    # ------------------------------------------------------------------ the learner's own chain
    def learner(self, name: str) -> tuple[float, tuple[str, ...]]:
        """The learner's value of ``name``: written, or computed from their written values."""
        if name in self.hand.values:
            return self.hand.values[name].value, (name,)
        return self.derive(name)

    def derive(self, name: str) -> tuple[float, tuple[str, ...]]:
        """``name`` computed from the learner's values of the quantities it is made of."""
        if name not in self._memo:
            self._memo[name] = self._derive(name)
        return self._memo[name]

    def _derive(self, name: str) -> tuple[float, tuple[str, ...]]:
        kind, arg = self.names[name]
        used: list[str] = []

        def get(q: str) -> float:
            value, from_ = self.learner(q)
            used.extend(u for u in from_ if u not in used)
            return value

        G, s = self.G, self.s
        if kind == "net":
            value = sum(self.values[d["weight"]] * get(f"{u}.out") for u, _, d in G.in_edges(arg, data=True))
            bias = G.nodes[arg].get("bias")
            value += self.values[bias] if bias else 0.0
        elif kind == "out":
            if arg in self.inputs:
                return self.exact(name), ()
            node = G.nodes[arg]
            value = float(
                node["activation"].function(np.array([[get(f"{arg}.net")]]), **node["activation_params"])[0, 0]
            )
        elif kind == "dact":
            node = G.nodes[arg]
            x, y = np.array([[get(f"{arg}.net")]]), np.array([[get(f"{arg}.out")]])
            value = float(node["activation"].derivative_function(x, y, **node["activation_params"])[0, 0])
        elif kind == "dnet":
            value = get(f"{arg}.dout") * (1.0 if arg in self.inputs else get(f"{arg}.dact"))
        elif kind == "dout":
            value = 0.0
            if arg in self.outputs:
                k = self.outputs.index(arg)
                g = self._of_outputs(lambda y, t: self.loss.gradient_function(y, t, **self.loss_params)[0, k], used)
                value += g / (self.n if self.mean else 1)
            for _, w, d in G.out_edges(arg, data=True):
                value += get(f"{w}.dnet") * self.values[d["weight"]]
        elif kind == "term":
            k = self.outputs.index(arg)
            value = self._of_outputs(lambda y, t: self.loss.terms_function(y, t, **self.loss_params)[0, k], used)
        elif kind == "loss":
            if self.loss.terms_function is not None:
                mine = sum(get(f"loss.{o}") for o in self.outputs)
            else:
                mine = self._of_outputs(lambda y, t: self.loss.function(y, t, **self.loss_params)[0], used)
            losses = np.array(self.trace.sample_losses, dtype=float)
            total = float(losses.sum() - losses[s] + mine)
            value = total / self.n if self.mean else total
        elif kind == "grad":
            # Other samples' contributions stay exact; the learner's sample is theirs.
            def contribution(getter: Any) -> float:
                total = 0.0
                for u, v in parameter_uses(G)[arg]:
                    total += getter(f"{v}.dnet") if u is None else getter(f"{v}.dnet") * getter(f"{u}.out")
                return total

            value = self.grads[arg] - contribution(self.exact) + contribution(get)
        else:  # updated
            value = self.values[arg]
            if self.param_info[arg]["trainable"]:
                value -= self.trace.learning_rate * get(f"grad.{arg}")
        return float(value), tuple(used)

    def _of_outputs(self, fn: Any, used: list[str]) -> float:
        """``fn(y, t)`` at the learner's outputs; only the written outputs that change it count as used."""
        s = self.s
        t = self.trace.targets[s : s + 1]
        values, sources = [], []
        for o in self.outputs:
            value, from_ = self.learner(f"{o}.out")
            values.append(value)
            sources.append(from_)
        result = float(fn(np.array([values]), t))
        for j, from_ in enumerate(sources):
            if from_:
                other = list(values)
                other[j] = self.exact(f"{self.outputs[j]}.out")
                if float(fn(np.array([other]), t)) != result:
                    used.extend(u for u in from_ if u not in used)
        return result

    # ------------------------------------------------------------------ verdicts
    def verdicts(self) -> list[Verdict]:
        self.validate()
        results = []
        for name, w in self.hand.values.items():
            exact = self.exact(name)
            tolerance = w.unit * (1 + 1e-9) + 1e-15
            right = abs(w.value - exact) <= tolerance
            mine, from_ = self.derive(name)
            verdict = Verdict(name, w, exact, right)
            own = bool(from_) and abs(mine - exact) > 1e-12 * max(1.0, abs(exact))
            if own:
                verdict.from_written, verdict.recomputed = list(from_), mine
            yours = ", ".join(from_)
            shown = _shown(mine, w)
            if right:
                if own and abs(w.value - mine) > tolerance:
                    verdict.note = f"right, although from your written {yours} it would be {shown}"
            elif own and abs(w.value - mine) <= tolerance:
                verdict.reason = "rounding drift"
                verdict.note = f"follows from your written {yours} (rounding drift): carry more digits"
            elif abs(w.value + exact) <= tolerance and exact != 0:
                verdict.reason = "sign"
                verdict.note = "the sign is wrong"
            else:
                verdict.reason = "mistake"
                verdict.note = self._slip(name, w.value, tolerance) or "arithmetic or formula mistake"
                if own:
                    verdict.note += f" (from your written {yours} it would be {shown})"
            results.append(verdict)
        return results

    def _slip(self, name: str, written: float, tolerance: float) -> str | None:
        """The usual slip that ``written`` is, if it is one: a batch quantity taken for one sample's,
        the mean's 1/N forgotten, one use of a shared parameter, the step taken uphill."""
        kind, arg = self.names[name]
        n, s = self.n, self.s

        def near(x: float) -> bool:
            return abs(written - x) <= tolerance and abs(x - self.exact(name)) > tolerance

        if kind == "loss" and n > 1:
            losses = np.asarray(self.trace.sample_losses, dtype=float)
            if near(float(losses[s])):
                return f"that is sample {s}'s loss; `loss` is the batch loss, the {'mean' if self.mean else 'sum'} over {n} samples"
            if self.mean and near(float(losses.sum())):
                return f"that is the sum over the {n} samples; the batch loss is their mean (divide by {n})"
        if self.mean and n > 1 and kind in ("dout", "dnet", "grad") and near(n * self.exact(name)):
            what = "∂L/∂p" if kind == "grad" else f"∂L/∂{kind[1:]}"
            return f"{n}× the exact value: the loss is the mean over {n} samples, so {what} carries the factor 1/{n}"
        if kind == "grad":
            uses = parameter_uses(self.G)[arg]

            def part(use: tuple[str | None, str], j: int) -> float:
                u, v = use
                return float(self.trace.dnet(v, j)) * (1.0 if u is None else float(self.trace.out(u, j)))

            factor = n if self.mean else 1
            if n > 1:
                mine = sum(part(use, s) for use in uses)
                if near(mine) or near(factor * mine):
                    return (
                        f"that is sample {s}'s part only; grad.{arg} is the gradient of the batch loss "
                        f"({'the mean' if self.mean else 'the sum'} over all {n} samples): "
                        f"`graphengine explain SPEC --param {shlex.quote(arg)}` shows every sample's part"
                    )
            if len(uses) > 1:
                for use in uses:
                    one = sum(part(use, j) for j in range(n))
                    per_sample = [part(use, s), factor * part(use, s)] if n > 1 else []
                    if near(one) or any(near(x) for x in per_sample):
                        where = f"bias of {use[1]}" if use[0] is None else f"{use[0]}→{use[1]}"
                        return (
                            f"that is the gradient through {where} only; {arg} is shared by {len(uses)} uses, "
                            "so its gradient is the sum over all of them"
                        )
        if kind == "updated" and self.param_info[arg]["trainable"]:
            value, grad = self.values[arg], self.grads[arg]
            if near(value + self.trace.learning_rate * grad):
                return f"the step went uphill: {arg}′ = {arg} − η·∂L/∂{arg} (minus, so the loss goes down)"
            if near(value - grad):
                return (
                    f"the learning rate is missing: {arg}′ = {arg} − η·∂L/∂{arg} with η = {self.trace.learning_rate:g}"
                )
        return None


def _shown(x: float, w: Written) -> str:
    decimals = max(0, -int(np.floor(np.log10(w.unit)))) + 2 if w.unit > 0 else 6
    return f"{x:.{decimals}f}"


def check(net: Any, trace: Any, hand: HandFile) -> list[Verdict]:
    """Every written value's verdict (raises :class:`SpecError` for an unknown quantity)."""
    return Checker(net, trace, hand).verdicts()


def to_json(verdicts: list[Verdict], sample: int = 0) -> dict[str, Any]:
    """The shape of ``graphengine check --json``."""
    return {
        "checked": len(verdicts),
        "wrong": [v.to_dict() for v in verdicts if not v.right],
        "sample": sample,
        "results": [v.to_dict() for v in verdicts],
    }
