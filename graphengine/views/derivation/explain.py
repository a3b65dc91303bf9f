"""The chain rule written out, with numbers, for any network: what a teacher writes by hand.

>>> import graphengine
>>> from graphengine.views.derivation.explain import explain
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

import shlex
from typing import TYPE_CHECKING

from ..._util.numfmt import derivation_number as number
from ...model.aliases import resolve_node, resolve_parameter
from .chain_rule import MAX_TERMS, ChainRule, product_of, sum_of
from .document import Derivation, Eq, Heading, Item, Para, Table
from .mathfmt import M, m_number, name_tex, name_text, substitute, tex_to_text

if TYPE_CHECKING:
    from ...engine.network import Network
    from ...engine.trace import Trace

SUMMARY_ABOVE = 30  # parameters; past this an unfocused explanation is a summary


class Explainer(ChainRule):
    """Builds a :class:`Derivation` from a network and one :class:`~graphengine.engine.network.Trace`."""

    def parameter_block(self, p: str) -> list[Item]:
        s, uses = self.sample, self.uses[p]
        pm = self.param(p)
        lhs = self.partial(self.LOSS_SYMBOL, pm)
        items: list[Item] = [Heading(f"∂E/∂{name_text(p)}", 2)]
        if not uses:
            return items + [Para(f"{p} is not used by any edge or bias: its gradient is 0.")]
        items.append(Para(f"{p} is the " + " and the ".join(self.describe_use(u) for u in uses) + "."))
        seen: set[str] = set()
        if len(uses) == 1:
            u, v = uses[0]
            chain = [
                self.partial(self.LOSS_SYMBOL, self.out(v)),
                self.partial(self.out(v), self.netsym(v)),
                self.partial(self.netsym(v), pm),
            ]
            items.append(Eq([lhs, product_of(chain, False)], "chain rule"))
            if self.graph.out_degree(v):
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
            items.append(Eq([lhs, product_of(numbers, True), self.num(contribution)], self._sample_label()))
        else:
            terms = [
                self.partial(self.LOSS_SYMBOL, self.netsym(v)) + M(" · ", r" \cdot ") + self.partial(self.netsym(v), pm)
                for _, v in uses
            ]
            items.append(Eq([lhs, sum_of(terms)], f"chain rule, summed over the {len(uses)} uses of {p}"))
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
            items.append(Eq([lhs, sum_of(numbers), self.num(contribution)], self._sample_label()))
        if self.n_samples > 1:
            items.append(self.batch_eq(p))
        return items

    def batch_eq(self, p: str) -> Eq:
        n = self.n_samples
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
                self.partial(self.LOSS_SYMBOL, self.param(p)),
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
                pm + M(" − ", " - ") + eta + M("·", r" \cdot ") + self.partial(self.LOSS_SYMBOL, pm),
                self.num(self.values[p])
                + M(" − ", " - ")
                + self.num(self.trace.learning_rate)
                + M(" × ", r" \times ")
                + self.num(self.grads[p], True),
                self.num(self.new[p]),
            ]
        )

    def table(self, params: list[str]) -> Table:
        def shown(value: float) -> str:
            return number(value, self.digits)

        rows = []
        for p in params:
            notes = []
            if not self.param_info[p]["trainable"]:
                notes.append("frozen")
            if len(self.uses[p]) > 1:
                notes.append(f"shared ×{len(self.uses[p])}")
            rows.append(
                [name_text(p), shown(self.values[p]), shown(self.grads[p]), shown(self.new[p]), ", ".join(notes)]
            )
        return Table(["parameter", "value", "∂E/∂p", "updated", ""], rows)

    # ------------------------------------------------------------------ sections
    def header(self, doc: Derivation) -> None:
        G, n_params = self.graph, len(self.param_info)
        trainable = sum(1 for p in self.param_info.values() if p["trainable"])
        neurons = len(self.order) - len(self.inputs)
        spec = self.net.spec
        if spec.description:
            doc.add(Para(spec.description))
        doc.add(
            Para(
                f"Inputs {_listing(self.inputs)}; outputs {_listing(self.outputs)}; {neurons} neurons, "
                f"{G.number_of_edges()} edges, {n_params} parameters ({trainable} trainable). Loss {self.loss.name} "
                f"({f'{self.reduction} over {self.n_samples} samples' if self.n_samples > 1 else 'one sample'}); one gradient-descent step with learning rate "
                f"η = {self.trace.learning_rate:g}."
            )
        )
        doc.add(
            Para(
                f"Numbers are rounded to {self.digits} decimals (at least {self.digits - 1} significant digits); "
                "every step starts from the exact values, so a product of rounded numbers may differ in its last digit."
            )
        )
        s = self.sample
        ins = _listing([f"{i} = {number(self.trace.out(i, s), self.digits)}" for i in self.inputs])
        outs = _listing(
            [f"{o} = {number(float(self.trace.targets[s, k]), self.digits)}" for k, o in enumerate(self.outputs)]
        )
        which = f"Sample {s} of {self.n_samples}" if self.n_samples > 1 else "The sample"
        doc.add(Para(f"{which}: inputs {ins}; targets {outs}."))

    def loss_section(self, doc: Derivation) -> None:
        s, loss = self.sample, self.loss
        doc.add(Heading("Loss"))
        doc.add(Para(f"{loss.name}: {loss.description}" if loss.description else loss.name))
        E_s = M(f"E_{s}", f"E_{{{s}}}") if self.n_samples > 1 else self.LOSS_SYMBOL
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
            numbers = [self.num(terms[o], i > 0) for i, o in enumerate(self.outputs)]
            doc.add(Eq([E_s, sum_of(names), sum_of(numbers), self.num(float(self.trace.sample_losses[s]))]))
        else:
            doc.add(Eq([E_s, self.num(float(self.trace.sample_losses[s]))]))
        if self.n_samples > 1:
            shown = list(range(self.n_samples)) if self.n_samples <= 6 else [0, 1, self.n_samples - 1]
            vals = [self.num(float(self.trace.sample_losses[j])) for j in shown]
            if self.n_samples > 6:
                vals = vals[:2] + [M("…", r"\cdots")] + vals[2:]
            total = M(" + ".join(v.text for v in vals), " + ".join(v.tex for v in vals))
            if self.reduction == "mean":
                sym = M(f"(1/{self.n_samples}) Σ_s E_s", rf"\frac{{1}}{{{self.n_samples}}}\sum_s E_s")
                total = M(f"({total.text})/{self.n_samples}", rf"\frac{{{total.tex}}}{{{self.n_samples}}}")
            else:
                sym = M("Σ_s E_s", r"\sum_s E_s")
            doc.add(
                Eq(
                    [self.LOSS_SYMBOL, sym, total, self.num(self.trace.loss)],
                    f"the batch loss ({self.reduction} over samples)",
                )
            )
            if self.reduction == "mean":
                doc.add(Para(f"Because of the mean, ∂E/∂out of an output below carries the factor 1/{self.n_samples}."))


def explain(
    net: Network,
    trace: Trace,
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
                doc.add(Para(f"{node} is an input: {node} = {number(trace.out(node, x.sample), digits)}."))
            else:
                doc.add(Heading(f"Forward pass at {node}"))
                for eq in x.forward_eqs(node):
                    doc.add(eq)
            doc.add(Heading(f"Backward pass at {node}"))
            for item in x.downstream(node, set(), 0):
                doc.add(item)
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
    if x.n_samples > 1:
        doc.add(
            Para(
                f"The pieces are for sample {x.sample}; a parameter's gradient is the sum of the contributions of all "
                f"{x.n_samples} samples (use `--sample K` to see another sample's pieces)."
            )
        )
    for p in focus:
        for piece in x.parameter_block(p):
            doc.add(piece)
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
    doc.add(Eq([x.LOSS_SYMBOL, x.num(x.trace.loss)], f"loss ({x.loss.name}, {x.reduction} over {x.n_samples} samples)"))
    doc.add(Para("The 10 parameters with the largest gradients:"))
    doc.add(x.table(top))
    return doc
