"""The chain rule written out, with numbers, for any network: what a teacher writes by hand.

>>> import graphengine
>>> from graphengine.explain import explain
>>> net = graphengine.load("specs/doc_example.yaml")            # doctest: +SKIP
>>> print(explain(net, net.trace(), params=["w5"]).render("text"))  # doctest: +SKIP

The derivation follows the worked example of backpropagation: the forward pass with
numbers substituted, each output's loss term, then for every parameter
``∂E/∂out × ∂out/∂net × ∂net/∂p`` with each piece's formula and value (a hidden
node's ``∂E/∂out`` expanded over every edge out of it, a shared parameter summed over
its uses), the update and a final table. Values are rounded for reading only; every
step starts from the exact values.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Iterator
from typing import Any

from .document import Derivation, Eq, Heading, Para, Table
from .errors import GraphEngineError, valid_samples
from .graph import parameter_uses
from .mathfmt import SYMBOLS, M, escape_tex_text, m_number, name_tex, name_text, substitute, tex_to_text
from .names import resolve_node, resolve_parameter
from .numfmt import derivation_number as number

SUMMARY_ABOVE = 30  # parameters; past this an unfocused explanation is a summary
MAX_TERMS = 12  # longer sums show their first and last terms only


def _join(parts: list[M], sep_text: str, sep_tex: str) -> M:
    if len(parts) > MAX_TERMS:
        more = len(parts) - 4
        parts = parts[:3] + [M(f"… ({more} more)", rf"\cdots_{{({more}\ \text{{more}})}}")] + parts[-1:]
    return M(sep_text.join(p.text for p in parts), sep_tex.join(p.tex for p in parts))


def _sum(parts: list[M]) -> M:
    return _join(parts, " + ", " + ") if parts else M("0", "0")


def _product(parts: list[M], numeric: bool) -> M:
    return _join(parts, " × " if numeric else " · ", r" \times " if numeric else r" \cdot ")


def _paren(m: M) -> M:
    return M(f"({m.text})", rf"\left({m.tex}\right)")


class Explainer:
    """Builds a :class:`Derivation` from a network and one :class:`~graphengine.network.Trace`."""

    def __init__(self, net: Any, trace: Any, digits: int = 4, sample: int = 0) -> None:
        self.net, self.trace, self.digits = net, trace, digits
        G = self.G = net.graph
        if not 0 <= sample < trace.n_samples:
            raise GraphEngineError(
                f"sample {sample} does not exist (the spec has {trace.n_samples} sample(s); "
                f"valid: {valid_samples(trace.n_samples)})"
            )
        self.s = sample
        self.inputs: list[str] = list(G.graph["inputs"])
        self.outputs: list[str] = list(G.graph["outputs"])
        self.loss = G.graph["loss"]
        self.loss_params: dict[str, float] = G.graph["loss_params"]
        self.reduction: str = G.graph["reduction"]
        self.n = trace.n_samples
        self.order: list[str] = list(trace.plan.nodes)
        self.position = {v: i for i, v in enumerate(self.order)}
        self.param_info: dict[str, dict[str, Any]] = G.graph["parameters"]
        self.values, self.grads, self.new = trace.values, trace.gradients, trace.updated
        self.derived: set[str] = set()  # nodes whose ∂E/∂net this document has written out

        # Every use of a parameter: (source node or None for a bias, target node).
        # Edges in the spec's order (hand-written edges, then layers, by their index), then
        # biases in plan order.
        def order(use: tuple[str | None, str]) -> tuple[int, float]:
            u, v = use
            if u is None:
                return (1, self.position[v])
            return (0, G.edges[u, v].get("index", math.inf))

        self.uses = {p: sorted(uses, key=order) for p, uses in parameter_uses(G).items()}

    # ------------------------------------------------------------------ symbols
    def num(self, x: float, wrap: bool = False) -> M:
        return m_number(x, self.digits, wrap_negative=wrap)

    def out(self, v: str) -> M:
        if v in self.inputs:
            return M(v, name_tex(v))
        return M(f"out_{v}", rf"\mathrm{{out}}_{{{name_tex(v, True)}}}")

    def netsym(self, v: str) -> M:
        return M(f"net_{v}", rf"\mathrm{{net}}_{{{name_tex(v, True)}}}")

    def param(self, p: str) -> M:
        return M(name_text(p), name_tex(p))

    @staticmethod
    def partial(a: M, b: M) -> M:
        return M(f"∂{a.text}/∂{b.text}", rf"\frac{{\partial {a.tex}}}{{\partial {b.tex}}}")

    E = M("E", "E")

    def target(self, v: str) -> M:
        return M(f"t_{v}", rf"t_{{{name_tex(v, True)}}}")

    def _call(self, fn: Any, params: dict[str, float], arg: M, prime: bool = False) -> M:
        tick = "′" if prime else ""
        extra = "".join(f"; {k}={number(v, self.digits)}" for k, v in params.items())
        tex_extra = "".join(rf";\ {_param_tex(k)}={number(v, self.digits)}" for k, v in params.items())
        name = escape_tex_text(fn.name)
        return M(
            f"{fn.name}{tick}({arg.text}{extra})",
            rf"\operatorname{{{name}}}{chr(39) if prime else ''}({arg.tex}{tex_extra})",
        )

    # ------------------------------------------------------------------ forward
    def forward_eqs(self, v: str) -> list[Eq]:
        s, G = self.s, self.G
        edges = sorted(G.in_edges(v, data=True), key=lambda e: e[2].get("index", math.inf))
        sym = [self.param(d["weight"]) + M("·", r" \cdot ") + self.out(u) for u, _, d in edges]
        nums = [
            self.num(self.values[d["weight"]], i > 0) + M("×", r" \times ") + self.num(self.trace.out(u, s), True)
            for i, (u, _, d) in enumerate(edges)
        ]
        bias = G.nodes[v].get("bias")
        if bias:
            sym.append(self.param(bias))
            nums.append(self.num(self.values[bias], True))
        eqs = [Eq([self.netsym(v), _sum(sym), _sum(nums), self.num(self.trace.net(v, s))])]
        act, params = G.nodes[v]["activation"], G.nodes[v]["activation_params"]
        net_value, out_value = self.trace.net(v, s), self.trace.out(v, s)
        call = self._call(act, params, self.netsym(v))
        parts = [self.out(v), call]
        if act.formula and r"\begin" not in act.formula:
            parts.append(substitute(act.formula, {"x": self.netsym(v)}))
            numbers = {"x": self.num(net_value, True), **{k: self.num(p, True) for k, p in params.items()}}
            parts.append(substitute(act.formula, numbers, numeric=True))
        else:
            if act.formula:
                parts.append(substitute(act.formula, {"x": self.netsym(v)}))
            parts.append(self._call(act, params, self.num(net_value)))
        parts.append(self.num(out_value))
        eqs.append(Eq(parts))
        return eqs

    # ------------------------------------------------------------------ backward pieces
    def loss_part(self, v: str) -> tuple[M, M] | None:
        """∂E/∂out_v through the loss directly: (formula, numbers), or None when v is no output."""
        if v not in self.outputs:
            return None
        s, k = self.s, self.outputs.index(v)
        y, t = self.trace.out(v, s), float(self.trace.targets[s, k])
        g = self.loss.gradient_formula
        n_out = len(self.outputs)
        if g:
            sym = substitute(g, {"y": self.out(v), "t": self.target(v)})
            values = {"y": self.num(y, True), "t": self.num(t, True), "n": self.num(n_out)}
            values.update({name: self.num(p, True) for name, p in self.loss_params.items()})
            numeric = substitute(g, values, numeric=True)
        else:
            sym = M(
                f"∂{self.loss.name}/∂{self.out(v).text}",
                rf"\frac{{\partial\,\operatorname{{{escape_tex_text(self.loss.name)}}}}}{{\partial {self.out(v).tex}}}",
            )
            numeric = sym
        if self.reduction == "mean" and self.n > 1:
            factor = M(f"(1/{self.n})·", rf"\frac{{1}}{{{self.n}}}")
            sym, numeric = factor + _paren(sym), factor + _paren(numeric)
        return sym, numeric

    def dout_eq(self, v: str, label: str = "", indent: int = 0) -> Eq:
        s = self.s
        sym: list[M] = []
        nums: list[M] = []
        direct = self.loss_part(v)
        if direct:
            sym.append(direct[0])
            nums.append(direct[1])
        succ = sorted(self.G.out_edges(v, data=True), key=lambda e: self.position[e[1]])
        for _, w, d in succ:
            sym.append(self.partial(self.E, self.netsym(w)) + M("·", r" \cdot ") + self.param(d["weight"]))
            nums.append(
                self.num(self.trace.dnet(w, s), True) + M(" × ", r" \times ") + self.num(self.values[d["weight"]], True)
            )
        lhs = self.partial(self.E, self.out(v))
        if not sym:
            return Eq([lhs, M("0 (nothing after this node reaches the loss)", r"0")], label, indent)
        parts = [lhs, _sum(sym)] if len(sym) > 1 or not direct else [lhs, direct[0]]
        parts += [_sum(nums), self.num(self.trace.dout(v, s))]
        return Eq(parts, label, indent)

    def dact_eq(self, v: str, label: str = "", indent: int = 0) -> Eq:
        s = self.s
        act, params = self.G.nodes[v]["activation"], self.G.nodes[v]["activation_params"]
        lhs = self.partial(self.out(v), self.netsym(v))
        x, y = self.trace.net(v, s), self.trace.out(v, s)
        f = act.derivative_formula
        if f:  # f(x) in a derivative formula is the activation's own output
            f = f.replace("f(x)", "y")
        if f and r"\begin" not in f:
            sym = substitute(f, {"x": self.netsym(v), "y": self.out(v)})
            values = {
                "x": self.num(x, True),
                "y": self.num(y, True),
                **{k: self.num(p, True) for k, p in params.items()},
            }
            parts = [lhs, sym, substitute(f, values, numeric=True)]
        else:
            parts = [lhs, self._call(act, params, self.netsym(v), prime=True)]
            if f:
                parts.append(substitute(f, {"x": self.netsym(v), "y": self.out(v)}))
            parts.append(self._call(act, params, self.num(x), prime=True))
        return Eq(parts + [self.num(self.trace.dact(v, s))], label, indent)

    def dnet_eq(self, v: str, label: str = "", indent: int = 0) -> Eq:
        s = self.s
        return Eq(
            [
                self.partial(self.E, self.netsym(v)),
                self.partial(self.E, self.out(v)) + M(" × ", r" \times ") + self.partial(self.out(v), self.netsym(v)),
                self.num(self.trace.dout(v, s), True) + M(" × ", r" \times ") + self.num(self.trace.dact(v, s), True),
                self.num(self.trace.dnet(v, s)),
            ],
            label,
            indent,
        )

    def downstream(self, v: str, seen: set[str], indent: int) -> list[Eq | Para]:
        """The ∂E/∂net of every node after ``v``, deepest first, each once per document.

        A depth-first walk with its own stack, not Python recursion, so a chain of thousands of
        nodes works: a node's equations follow those of everything after it (its ∂E/∂out needs
        their ∂E/∂net); ``seen`` and ``self.derived`` keep each node to one derivation.
        """

        def successors(node: str) -> Iterator[str]:
            return iter(sorted(self.G.successors(node), key=self.position.__getitem__))

        # One frame per node being walked: (node, its successors still to visit, its equations,
        # the successors already derived elsewhere in the document).
        stack: list[tuple[str, Iterator[str], list[Eq | Para], list[str]]] = [(v, successors(v), [], [])]
        while True:
            node, pending, eqs, above = stack[-1]
            for w in pending:
                if w in seen:
                    continue
                seen.add(w)
                if w in self.derived:
                    above.append(w)
                    continue
                stack.append((w, successors(w), [], []))
                break
            else:  # every successor of `node` is done
                stack.pop()
                if above:
                    names = ", ".join(f"∂E/∂net_{w}" for w in above)
                    if len(above) > 4:
                        names = f"∂E/∂net_{above[0]}, …, ∂E/∂net_{above[-1]} ({len(above)} nodes)"
                    eqs.insert(0, Para(f"{names}: derived above.", indent))
                if not stack:
                    return eqs
                parent_eqs = stack[-1][2]
                parent_eqs += eqs
                parent_eqs += [self.dout_eq(node, indent=indent), self.dact_eq(node, indent=indent)]
                parent_eqs.append(self.dnet_eq(node, indent=indent))
                self.derived.add(node)

    def local(self, p: str, use: tuple[str | None, str], sample: int) -> tuple[M, float]:
        u, v = use
        if u is None:
            return M("1", "1"), 1.0
        return self.out(u), self.trace.out(u, sample)

    def describe_use(self, use: tuple[str | None, str]) -> str:
        u, v = use
        return f"bias of {v}" if u is None else f"weight of the edge {u} → {v}"

    # ------------------------------------------------------------------ per parameter
    def parameter_block(self, p: str) -> list[Any]:
        s, uses = self.s, self.uses[p]
        pm = self.param(p)
        lhs = self.partial(self.E, pm)
        items: list[Any] = [Heading(f"∂E/∂{name_text(p)}", 2)]
        if not uses:
            return items + [Para(f"{p} is not used by any edge or bias: its gradient is 0.")]
        items.append(Para(f"{p} is the " + " and the ".join(self.describe_use(u) for u in uses) + "."))
        seen: set[str] = set()
        if len(uses) == 1:
            u, v = uses[0]
            chain = [
                self.partial(self.E, self.out(v)),
                self.partial(self.out(v), self.netsym(v)),
                self.partial(self.netsym(v), pm),
            ]
            items.append(Eq([lhs, _product(chain, False)], "chain rule"))
            if self.G.out_degree(v):
                items.append(Para(f"∂E/∂out_{v} sums over every edge out of {v}; the ∂E/∂net it needs:", 1))
                items += self.downstream(v, seen, 1)
            local_sym, local_value = self.local(p, uses[0], s)
            items += [
                self.dout_eq(v, "piece 1"),
                self.dact_eq(v, "piece 2"),
                Eq([self.partial(self.netsym(v), pm), local_sym, self.num(local_value)], "piece 3"),
            ]
            numbers = [self.num(self.trace.dout(v, s), True), self.num(self.trace.dact(v, s), True)]
            numbers.append(self.num(local_value, True))
            contribution = self.trace.dnet(v, s) * local_value
            items.append(Eq([lhs, _product(numbers, True), self.num(contribution)], self._sample_label()))
        else:
            terms = [
                self.partial(self.E, self.netsym(v)) + M(" · ", r" \cdot ") + self.partial(self.netsym(v), pm)
                for _, v in uses
            ]
            items.append(Eq([lhs, _sum(terms)], f"chain rule, summed over the {len(uses)} uses of {p}"))
            numbers, contribution = [], 0.0
            for i, use in enumerate(uses, 1):
                u, v = use
                items.append(Para(f"use {i}: {self.describe_use(use)}", 1))
                items += self.downstream(v, seen, 1)
                local_sym, local_value = self.local(p, use, s)
                items += [
                    self.dout_eq(v, indent=1),
                    self.dact_eq(v, indent=1),
                    self.dnet_eq(v, indent=1),
                    Eq([self.partial(self.netsym(v), pm), local_sym, self.num(local_value)], indent=1),
                ]
                numbers.append(
                    self.num(self.trace.dnet(v, s), True) + M(" × ", r" \times ") + self.num(local_value, True)
                )
                contribution += self.trace.dnet(v, s) * local_value
            items.append(Eq([lhs, _sum(numbers), self.num(contribution)], self._sample_label()))
        if self.n > 1:
            items.append(self.batch_eq(p))
        return items

    def _sample_label(self) -> str:
        return f"sample {self.s}'s contribution" if self.n > 1 else ""

    def contribution(self, p: str, sample: int) -> float:
        return sum(self.trace.dnet(v, sample) * self.local(p, (u, v), sample)[1] for u, v in self.uses[p])

    def batch_eq(self, p: str) -> Eq:
        n = self.n
        shown = list(range(n)) if n <= 6 else [0, 1, n - 1]
        # Terms that cancel (0.0304 − 0.0306) need the result's decimals, or their sum looks wrong.
        total = number(self.grads[p], self.digits)
        decimals = len(total.split(".")[1]) if "." in total and "e" not in total else 0
        digits = max(self.digits, min(decimals, self.digits + 4))
        terms = [m_number(self.contribution(p, j), digits, wrap_negative=j > 0) for j in shown]
        if n > 6:
            terms = terms[:2] + [M(f"… ({n - 3} more)", r"\cdots")] + terms[2:]
        return Eq(
            [
                self.partial(self.E, self.param(p)),
                M(f"Σ over the {n} samples", rf"\sum_{{s=0}}^{{{n - 1}}} \text{{(contribution of sample }} s)"),
                M(" + ".join(t.text for t in terms), " + ".join(t.tex for t in terms)),
                self.num(self.grads[p]),
            ],
            "all samples",
        )

    def update_item(self, p: str) -> Eq | Para:
        if not self.param_info[p]["trainable"]:
            return Para(f"{p} is frozen (trainable: false): it keeps its value {number(self.values[p], self.digits)}.")
        pm = self.param(p)
        eta = M("η", r"\eta")
        return Eq(
            [
                M(f"{pm.text}'", pm.tex + "'"),
                pm + M(" − ", " - ") + eta + M("·", r" \cdot ") + self.partial(self.E, pm),
                self.num(self.values[p])
                + M(" − ", " - ")
                + self.num(self.trace.learning_rate)
                + M(" × ", r" \times ")
                + self.num(self.grads[p], True),
                self.num(self.new[p]),
            ]
        )

    def table(self, params: list[str]) -> Table:
        rows = []
        for p in params:
            notes = []
            if not self.param_info[p]["trainable"]:
                notes.append("frozen")
            if len(self.uses[p]) > 1:
                notes.append(f"shared ×{len(self.uses[p])}")
            f = lambda x: number(x, self.digits)  # noqa: E731
            rows.append([name_text(p), f(self.values[p]), f(self.grads[p]), f(self.new[p]), ", ".join(notes)])
        return Table(["parameter", "value", "∂E/∂p", "updated", ""], rows)

    # ------------------------------------------------------------------ sections
    def header(self, doc: Derivation) -> None:
        G, n_params = self.G, len(self.param_info)
        trainable = sum(1 for p in self.param_info.values() if p["trainable"])
        neurons = len(self.order) - len(self.inputs)
        spec = self.net.spec
        if spec.description:
            doc.add(Para(spec.description))
        doc.add(
            Para(
                f"Inputs {_listing(self.inputs)}; outputs {_listing(self.outputs)}; {neurons} neurons, "
                f"{G.number_of_edges()} edges, {n_params} parameters ({trainable} trainable). Loss {self.loss.name} "
                f"({f'{self.reduction} over {self.n} samples' if self.n > 1 else 'one sample'}); one gradient-descent step with learning rate "
                f"η = {self.trace.learning_rate:g}."
            )
        )
        doc.add(
            Para(
                f"Numbers are rounded to {self.digits} decimals (at least {self.digits - 1} significant digits); "
                "every step starts from the exact values, so a product of rounded numbers may differ in its last digit."
            )
        )
        s = self.s
        ins = _listing([f"{i} = {number(self.trace.out(i, s), self.digits)}" for i in self.inputs])
        outs = _listing(
            [f"{o} = {number(float(self.trace.targets[s, k]), self.digits)}" for k, o in enumerate(self.outputs)]
        )
        which = f"Sample {s} of {self.n}" if self.n > 1 else "The sample"
        doc.add(Para(f"{which}: inputs {ins}; targets {outs}."))

    def loss_section(self, doc: Derivation) -> None:
        s, loss = self.s, self.loss
        doc.add(Heading("Loss"))
        doc.add(Para(f"{loss.name}: {loss.description}" if loss.description else loss.name))
        E_s = M(f"E_{s}", f"E_{{{s}}}") if self.n > 1 else self.E
        if loss.formula:
            doc.add(Eq([E_s, M(tex_to_text(loss.formula), loss.formula)]))
        terms = self.trace.loss_terms(s)
        if terms is not None:
            names = []
            for k, o in enumerate(self.outputs):
                Ek = M(f"E_{o}", rf"E_{{{name_tex(o, True)}}}")
                names.append(Ek)
                parts = [Ek]
                if loss.term_formula:
                    y, t = self.trace.out(o, s), float(self.trace.targets[s, k])
                    parts.append(substitute(loss.term_formula, {"y": self.out(o), "t": self.target(o)}))
                    values = {"y": self.num(y, True), "t": self.num(t, True), "n": self.num(len(self.outputs))}
                    values.update({name: self.num(p, True) for name, p in self.loss_params.items()})
                    parts.append(substitute(loss.term_formula, values, numeric=True))
                doc.add(Eq(parts + [self.num(terms[o])]))
            values = [self.num(terms[o], i > 0) for i, o in enumerate(self.outputs)]
            doc.add(Eq([E_s, _sum(names), _sum(values), self.num(float(self.trace.sample_losses[s]))]))
        else:
            doc.add(Eq([E_s, self.num(float(self.trace.sample_losses[s]))]))
        if self.n > 1:
            shown = list(range(self.n)) if self.n <= 6 else [0, 1, self.n - 1]
            vals = [self.num(float(self.trace.sample_losses[j])) for j in shown]
            if self.n > 6:
                vals = vals[:2] + [M("…", r"\cdots")] + vals[2:]
            total = M(" + ".join(v.text for v in vals), " + ".join(v.tex for v in vals))
            if self.reduction == "mean":
                sym = M(f"(1/{self.n}) Σ_s E_s", rf"\frac{{1}}{{{self.n}}}\sum_s E_s")
                total = M(f"({total.text})/{self.n}", rf"\frac{{{total.tex}}}{{{self.n}}}")
            else:
                sym = M("Σ_s E_s", r"\sum_s E_s")
            doc.add(
                Eq([self.E, sym, total, self.num(self.trace.loss)], f"the batch loss ({self.reduction} over samples)")
            )
            if self.reduction == "mean":
                doc.add(Para(f"Because of the mean, ∂E/∂out of an output below carries the factor 1/{self.n}."))


def explain(
    net: Any,
    trace: Any,
    params: list[str] | tuple[str, ...] = (),
    node: str | None = None,
    digits: int = 4,
    sample: int = 0,
    full: bool = False,
) -> Derivation:
    """The derivation of one training step; focused on ``params`` / ``node`` when given.

    Without a focus, a network with more than ``SUMMARY_ABOVE`` parameters gets a
    summary that says how to focus (``full=True`` explains everything anyway).
    """
    x = Explainer(net, trace, digits, sample)
    all_params = list(x.param_info)
    params = [resolve_parameter(p, x.param_info) for p in params]
    if node is not None:
        node = resolve_node(node, x.order)
    title = f"Backpropagation worked out: {net.spec.name or net.spec.file or 'network'}"
    doc = Derivation(title)
    x.header(doc)
    neurons = [v for v in x.order if v not in x.inputs]

    if not params and node is None:
        if len(all_params) > SUMMARY_ABOVE and not full:
            return _summary(x, doc)
        doc.add(Heading("Forward pass"))
        for v in neurons:
            for eq in x.forward_eqs(v):
                doc.add(eq)
        x.loss_section(doc)
        focus = all_params
    else:
        focus = list(dict.fromkeys(params))
        if node is not None:
            if node in x.inputs:
                doc.add(Para(f"{node} is an input: {node} = {number(trace.out(node, x.s), digits)}."))
            else:
                doc.add(Heading(f"Forward pass at {node}"))
                for eq in x.forward_eqs(node):
                    doc.add(eq)
            doc.add(Heading(f"Backward pass at {node}"))
            for eq in x.downstream(node, set(), 0):
                doc.add(eq)
            doc.add(x.dout_eq(node))
            if node not in x.inputs:
                doc.add(x.dact_eq(node))
                doc.add(x.dnet_eq(node))
            at_node = [p for p, uses in x.uses.items() if any(v == node for _, v in uses) and p not in focus]
            if len(at_node) > MAX_TERMS:
                doc.add(
                    Para(
                        f"{len(at_node)} parameters are used at {node}; below are the {MAX_TERMS} with the largest "
                        "gradients (`--param P` shows any other)."
                    )
                )
                at_node = sorted(at_node, key=lambda p: -abs(x.grads[p]))[:MAX_TERMS]
            focus += at_node
    if not focus:
        return doc

    doc.add(Heading("Backward pass: the gradient of every parameter" if focus == all_params else "Backward pass"))
    doc.add(
        Para(
            "Chain rule: ∂E/∂p = ∂E/∂out × ∂out/∂net × ∂net/∂p at the node where p is used; a hidden node's "
            "∂E/∂out is the sum over the edges out of it; a shared parameter sums over its uses."
        )
    )
    if x.n > 1:
        doc.add(
            Para(
                f"The pieces are for sample {x.s}; a parameter's gradient is the sum of the contributions of all "
                f"{x.n} samples (use `--sample K` to see another sample's pieces)."
            )
        )
    for p in focus:
        for item in x.parameter_block(p):
            doc.add(item)
    doc.add(Heading("Update"))
    doc.add(Para(f"Gradient descent with learning rate η = {trace.learning_rate:g}: p' = p − η·∂E/∂p."))
    for p in focus:
        doc.add(x.update_item(p))
    doc.add(Heading("Summary"))
    doc.add(x.table(focus))
    return doc


def _listing(items: list[str], limit: int = 12) -> str:
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[: limit - 2]) + f", … ({len(items) - limit + 1} more), " + items[-1]


def _param_tex(name: str) -> str:
    r"""A plugin parameter's name in maths: a Greek letter's name as the letter (``alpha`` → ``\alpha``,
    as plugin formulas write it), any other name upright (``\mathrm{delta_2}``), never a product of italics."""
    letter = SYMBOLS.get(name, "")
    if len(letter) == 1 and "\u0370" <= letter <= "\u03ff":
        return rf"\{name}"
    return rf"\mathrm{{{escape_tex_text(name)}}}"


def _summary(x: Explainer, doc: Derivation) -> Derivation:
    # Quoted for the shell: an edge weight's generated name `a->b` holds a `>`.
    spec = shlex.quote(x.net.spec.file or "SPEC")
    top = sorted(x.param_info, key=lambda p: -abs(x.grads[p]))[:10]
    some_param = top[0]
    some_node = next((v for u, v in x.uses[some_param] if v not in x.inputs), None)
    some_node = some_node or next(v for v in x.order if v not in x.inputs)
    doc.add(Heading("Summary"))
    doc.add(
        Para(
            f"This network has {len(x.param_info)} parameters, too many to write every derivation usefully. "
            f"Focus on one parameter or one neuron: `graphengine explain {spec} --param {shlex.quote(some_param)}` "
            f"(repeatable) or `graphengine explain {spec} --node {shlex.quote(some_node)}`; `--all` writes everything."
        )
    )
    doc.add(Eq([x.E, x.num(x.trace.loss)], f"loss ({x.loss.name}, {x.reduction} over {x.n} samples)"))
    doc.add(Para("The 10 parameters with the largest gradients:"))
    doc.add(x.table(top))
    return doc
