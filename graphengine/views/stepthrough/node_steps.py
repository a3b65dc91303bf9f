"""The node-level steps of one training step: the inputs, each neuron's net and out (forward),
each loss term and the total, each neuron's ∂E/∂out, ∂out/∂net and δ (backward, output layer
first), each parameter's ∂E/∂p and update, and a before/after summary.

Every equation is the one :mod:`graphengine.views.derivation.explain` writes (the same
:class:`~graphengine.views.derivation.explain.Explainer`, so the same symbols and rounding);
every ``value`` is the exact float64 number from the :class:`~graphengine.engine.trace.Trace`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._util.numfmt import derivation_number as number
from ...model.graph import backward_layers, depths
from ..derivation.document import Derivation, Eq
from ..derivation.explain import Explainer
from ..derivation.mathfmt import M
from .softmax import probabilities, softmax_equations, term_equation
from .step import Focus, Step, chains

if TYPE_CHECKING:
    from ...engine.network import Network
    from ...engine.trace import Trace


class StepBuilder:
    """The node-level steps of one training step, in the worked example's order, and the pieces
    (edges, a parameter's uses, a gradient's chain) that the layer-level steps share."""

    def __init__(self, net: Network, trace: Trace, digits: int, sample: int) -> None:
        self.explainer = Explainer(net, trace, digits, sample)
        self.trace, self.sample, self.digits = trace, sample, digits
        self.graph = self.explainer.graph
        self.neurons = [v for v in self.explainer.order if v not in self.explainer.input_set]
        self.depth = depths(self.graph)
        # Output layer first, each layer in the order the forward pass takes it.
        self.backward_order = [v for layer in backward_layers(self.graph) for v in layer]
        self.params = list(self.explainer.param_info)

    # ---------------------------------------------------------------- pieces
    def in_edges(self, v: str) -> tuple[tuple[str, str], ...]:
        return tuple((u, v) for u in self.graph.predecessors(v))

    def out_edges(self, v: str) -> tuple[tuple[str, str], ...]:
        return tuple((v, w) for w in self.graph.successors(v))

    def parameter_edges(self, p: str) -> tuple[tuple[str, str], ...]:
        return tuple((u, v) for u, v in self.explainer.uses[p] if u is not None)

    def parameter_nodes(self, p: str) -> tuple[str, ...]:
        return tuple(v for u, v in self.explainer.uses[p] if u is None)

    def gradient_equations(self, p: str) -> tuple[tuple[Eq, ...], str]:
        """∂E/∂p's chain rule with numbers (the sum over uses for a shared one), and a note."""
        items = self.explainer.parameter_block(p)
        uses = self.explainer.uses[p]
        eqs = [item for item in items if isinstance(item, Eq)]
        if not uses:
            return (
                Eq([self.explainer.partial(self.explainer.LOSS_SYMBOL, self.explainer.param(p)), M("0", "0")]),
            ), f"{p} is not used by any edge or bias: its gradient is 0."
        chain = next(eq for eq in eqs if eq.label.startswith("chain rule"))
        final = next(eq for eq in reversed(eqs) if eq.label in ("", self.explainer._sample_label()))
        lines = [Eq([chain.parts[0], chain.parts[1], *final.parts[1:]])]
        if self.explainer.n_samples > 1:
            lines.append(eqs[-1])  # the sum over the samples
        note = ""
        if len(uses) > 1:
            note = f"{p} is shared by {len(uses)} uses ({', '.join(self.explainer.describe_use(u) for u in uses)}): ∂E/∂{p} is the sum of the terms of all uses."
        return tuple(lines), note

    # ---------------------------------------------------------------- node-level steps
    def start(self, listed: int | None = None) -> Step:
        """The inputs and targets (the first ``listed`` of each, and how many more)."""
        x, s = self.explainer, self.sample

        def listing(pairs: list[str]) -> str:
            more = f", … and {len(pairs) - listed} more" if listed is not None and len(pairs) > listed else ""
            return ", ".join(pairs[:listed]) + more

        ins = listing([f"{i} = {number(self.trace.out(i, s), self.digits)}" for i in x.inputs])
        outs = listing([f"t_{o} = {number(float(t), self.digits)}" for o, t in zip(x.outputs, self.trace.targets[s])])
        which = f"sample {s} of {x.n_samples}" if x.n_samples > 1 else "the sample"
        return Step(
            "start",
            "The network before the step",
            "start",
            equations=(f"inputs: {ins}", f"targets: {outs}"),
            nodes=tuple(x.inputs),
            note=f"Weights, biases, inputs and targets of {which}; learning rate η = {self.trace.learning_rate:g}. "
            "Every other number appears when it is computed.",
        )

    def forward(self) -> list[Step]:
        steps = []
        for v in self.neurons:
            net_eq, out_eq = self.explainer.forward_eqs(v)
            steps.append(
                Step(
                    "net",
                    f"Forward: net of {v}",
                    "forward",
                    value=self.trace.net(v, self.sample),
                    **chains(net_eq),
                    node=v,
                    nodes=(v,),
                    edges=self.in_edges(v),
                    reveals=(("net", v),),
                )
            )
            steps.append(
                Step(
                    "out",
                    f"Forward: out of {v}",
                    "forward",
                    value=self.trace.out(v, self.sample),
                    **chains(out_eq),
                    node=v,
                    nodes=(v,),
                    reveals=(("out", v),),
                )
            )
        return steps

    def softmax_step(self) -> list[Step]:
        eqs = softmax_equations(self.explainer, self.trace, self.sample)
        if eqs is None:
            return []
        return [
            Step(
                "softmax",
                "Loss: softmax probabilities of the outputs",
                "loss",
                nodes=tuple(self.explainer.outputs),
                note="p_k = e^{y_k} / Σ_j e^{y_j} (each exponential shifted by the largest y: the same ratios). "
                "They sum to 1.",
                values=dict(zip(self.explainer.outputs, probabilities(self.explainer, self.trace, self.sample))),
                **chains(*eqs),
            )
        ]

    def loss(self, grouped: bool = False) -> list[Step]:
        doc = Derivation("")
        self.explainer.loss_section(doc)
        eqs = [item for item in doc.items if isinstance(item, Eq)]
        terms = self.trace.loss_terms(self.sample)
        steps = self.softmax_step()
        if terms is not None:
            # The loss formula, then one equation per output's term, then the sample's sum.
            by_output = {f"E_{o}": o for o in self.explainer.outputs}
            term_eqs = [
                (
                    by_output[eq.parts[0].text],
                    term_equation(
                        self.explainer,
                        self.trace,
                        self.sample,
                        by_output[eq.parts[0].text],
                        terms[by_output[eq.parts[0].text]],
                        eq,
                    ),
                )
                for eq in eqs
                if eq.parts[0].text in by_output
            ]
            if grouped:
                steps.append(
                    Step(
                        "layer-terms",
                        f"Loss: the {len(term_eqs)} terms",
                        "loss",
                        nodes=tuple(self.explainer.outputs),
                        reveals=tuple(("term", o) for o, _ in term_eqs),
                        values={o: terms[o] for o, _ in term_eqs},
                        **chains(*(eq for _, eq in term_eqs)),
                    )
                )
            else:
                for o, eq in term_eqs:
                    steps.append(
                        Step(
                            "term",
                            f"Loss: the term of {o}",
                            "loss",
                            value=terms[o],
                            node=o,
                            nodes=(o,),
                            reveals=(("term", o),),
                            **chains(eq),
                        )
                    )
        outputs = {f"E_{o}" for o in self.explainer.outputs}
        total_eqs = [eq for eq in eqs if eq.parts[0].text not in outputs]
        steps.append(
            Step(
                "loss",
                "Loss: the total",
                "loss",
                value=self.trace.loss,
                reveals=(("loss", ""),),
                note=self.explainer.loss.description or "",
                **chains(*(total_eqs[-2:] if self.explainer.n_samples > 1 else total_eqs[-1:])),
            )
        )
        return steps

    def backward(self) -> list[Step]:
        steps = []
        for v in self.backward_order:
            common = Focus(node=v, nodes=(v,))
            downstream = self.out_edges(v)
            steps.append(
                Step(
                    "dout",
                    f"Backward: ∂E/∂out of {v}",
                    "backward",
                    value=self.trace.dout(v, self.sample),
                    **chains(self.explainer.dout_eq(v)),
                    edges=downstream,
                    reveals=(("dout", v),),
                    note="through the loss"
                    if not downstream
                    else f"summed over the {len(downstream)} edge(s) out of {v}",
                    **common,
                )
            )
            steps.append(
                Step(
                    "dact",
                    f"Backward: ∂out/∂net of {v}",
                    "backward",
                    value=self.trace.dact(v, self.sample),
                    **chains(self.explainer.dact_eq(v)),
                    reveals=(("dact", v),),
                    **common,
                )
            )
            steps.append(
                Step(
                    "delta",
                    f"Backward: δ of {v}",
                    "backward",
                    value=self.trace.dnet(v, self.sample),
                    **chains(self.explainer.dnet_eq(v)),
                    reveals=(("delta", v),),
                    note="δ = ∂E/∂net = ∂E/∂out × ∂out/∂net",
                    **common,
                )
            )
        return steps

    def gradients(self) -> list[Step]:
        steps = []
        for p in self.params:
            equations, note = self.gradient_equations(p)
            shared = len(self.explainer.uses[p]) > 1
            steps.append(
                Step(
                    "gradient",
                    f"Gradient: ∂E/∂{p}" + (f" (shared ×{len(self.explainer.uses[p])}, summed)" if shared else ""),
                    "gradients",
                    value=self.trace.gradient(p),
                    **chains(*equations),
                    parameter=p,
                    nodes=self.parameter_nodes(p),
                    edges=self.parameter_edges(p),
                    reveals=(("grad", p),),
                    note=note,
                )
            )
        return steps

    def updates(self) -> list[Step]:
        steps = []
        for p in self.params:
            item = self.explainer.update_item(p)
            text = chains(item) if isinstance(item, Eq) else {"equations": (item.text,)}
            steps.append(
                Step(
                    "update",
                    f"Update: {p}" + ("" if self.explainer.param_info[p]["trainable"] else " (frozen)"),
                    "update",
                    value=self.trace.updated[p],
                    **text,
                    parameter=p,
                    nodes=self.parameter_nodes(p),
                    edges=self.parameter_edges(p),
                    reveals=(("update", p),),
                )
            )
        return steps

    def summary(self, examples: int | None = None) -> Step:
        """Each changed parameter, before → after (the first ``examples`` of them, and how many more)."""
        changed = [p for p in self.params if self.trace.updated[p] != self.trace.values[p]]
        shown = changed if examples is None else changed[:examples]
        lines = tuple(
            f"{p}: {number(self.trace.values[p], self.digits)} → {number(self.trace.updated[p], self.digits)}"
            for p in shown
        ) + ((f"… and {len(changed) - len(shown)} more",) if len(shown) < len(changed) else ())
        return Step(
            "summary",
            "Before and after the step",
            "summary",
            lines,
            note=f"{len(changed)} of {len(self.params)} parameters changed; toggle before/after to compare the diagram.",
            values={p: self.trace.updated[p] for p in changed},
        )
