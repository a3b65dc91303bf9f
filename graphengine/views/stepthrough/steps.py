"""One training step as an ordered list of small steps, in the worked example's order.

Forward (net, then out, of each neuron in topological order), each loss term and the
total, backward (∂E/∂out, ∂out/∂net and δ = ∂E/∂net of each neuron, output layer
first), ∂E/∂p of each parameter (a shared one summed over its uses), each update, and a
before/after summary. Every equation is the one :mod:`graphengine.views.derivation.explain` writes (the
same :class:`~graphengine.views.derivation.explain.Explainer`, so the same symbols and rounding); every
``value`` is the exact float64 number from the :class:`~graphengine.engine.network.Trace`.

Big networks (more than :data:`NODE_STEPS_UP_TO` neurons) get layer-level steps instead:
one step per layer and pass, each with a few example equations.

>>> import graphengine
>>> net = graphengine.load("specs/doc_example.yaml")           # doctest: +SKIP
>>> steps = build_steps(net, net.trace())                       # doctest: +SKIP
>>> steps[1].text                                               # doctest: +SKIP
'net_h1 = w1·i1 + w2·i2 + b1 = 0.15×0.05 + 0.2×0.1 + 0.35 = 0.3775'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from ..._util.numfmt import derivation_number as number
from ...model.graph import backward_layers, depths
from ..derivation.document import Derivation, Eq, _dedupe
from ..derivation.explain import Explainer
from ..derivation.mathfmt import M
from .softmax import probabilities, softmax_equations, term_equation

if TYPE_CHECKING:
    from ...engine.network import Network
    from ...engine.trace import Trace

# Past this many neurons a step per neuron is too many clicks: one step per layer instead.
NODE_STEPS_UP_TO = 30
# Equations shown for one layer-level step.
EXAMPLES_PER_LAYER = 3
# Inputs, targets and changed parameters listed by layer-level steps (the page's summary table
# has one column per layer).
LISTED_CHANGES = 12

# A reveal names what a step puts on the diagram: (part, name) with part one of
# net, out, dout, dact, delta (a node), grad, update (a parameter: every edge and bias using it),
# term (an output's loss node) and loss (the total, name "").
Reveal = tuple[str, str]


@dataclass(frozen=True)
class Step:
    """One moment of the step-through: what is computed, where, and its value."""

    kind: str  # start, net, out, term, loss, dout, dact, delta, gradient, update, summary (+ layer-…)
    title: str
    phase: str  # forward, loss, backward, gradients, update, summary
    equations: tuple[str, ...] = ()  # the substituted chains, `net_h1 = w1·i1 + … = 0.15×0.05 + … = 0.3775`
    value: float | None = None  # the exact value the step computes (None for layer-level steps)
    node: str | None = None
    parameter: str | None = None
    nodes: tuple[str, ...] = ()  # highlighted nodes
    edges: tuple[tuple[str, str], ...] = ()  # highlighted edges
    reveals: tuple[Reveal, ...] = ()
    note: str = ""
    values: dict[str, float] = field(default_factory=dict)  # layer-level: each node's or parameter's value
    tex: tuple[str, ...] = ()  # the equations as LaTeX (same order as ``equations``), for MathML

    @property
    def formula(self) -> str:
        """The first equation up to its first substitution (``net_h1 = w1·i1 + w2·i2 + b1``)."""
        if not self.equations:
            return ""
        parts = self.equations[0].split(" = ")
        return " = ".join(parts[:2])

    @property
    def text(self) -> str:
        return self.equations[0] if self.equations else ""


def equation_text(eq: Eq) -> str:
    """An equation chain as one line of text, as `explain` prints it."""
    return " = ".join(p.text for p in _dedupe(eq.parts))


def equation_tex(eq: Eq) -> str:
    """The same chain as LaTeX (the page turns it into MathML)."""
    return " = ".join(p.tex for p in _dedupe(eq.parts))


class Focus(TypedDict):
    """The node a step is about and the nodes it highlights (``Step(..., **common)``)."""

    node: str
    nodes: tuple[str, ...]


class Chains(TypedDict):
    """A step's ``equations`` and ``tex`` (``Step(..., **chains(eq))``)."""

    equations: tuple[str, ...]
    tex: tuple[str, ...]


def chains(*eqs: Eq) -> Chains:
    """A step's ``equations`` and ``tex`` from the same chains."""
    return {"equations": tuple(equation_text(eq) for eq in eqs), "tex": tuple(equation_tex(eq) for eq in eqs)}


class _Builder:
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

    # ---------------------------------------------------------------- layer-level steps
    def layers(self) -> list[list[str]]:
        by_depth: dict[int, list[str]] = {}
        for v in self.neurons:
            by_depth.setdefault(self.depth[v], []).append(v)
        return [by_depth[d] for d in sorted(by_depth)]

    def layer_steps(self) -> list[Step]:
        x, s, t = self.explainer, self.sample, self.trace
        layers = self.layers()
        steps = [self.start(listed=LISTED_CHANGES)]

        def examples(eqs: list[str], total: int) -> tuple[str, ...]:
            more = total - len(eqs)
            return tuple(eqs) + ((f"… and {more} more",) if more > 0 else ())

        for k, layer in enumerate(layers, 1):
            some = layer[:EXAMPLES_PER_LAYER]
            eqs = [equation_text(e) for v in some for e in x.forward_eqs(v)]
            steps.append(
                Step(
                    "layer-forward",
                    f"Forward: layer {k} of {len(layers)} ({len(layer)} nodes): net and out",
                    "forward",
                    examples(eqs, 2 * len(layer)),
                    nodes=tuple(layer),
                    reveals=tuple((part, v) for v in layer for part in ("net", "out")),
                    values={v: t.out(v, s) for v in layer},
                )
            )
        steps += self.loss(grouped=True)
        for k, layer in reversed(list(enumerate(layers, 1))):
            some = layer[:EXAMPLES_PER_LAYER]
            eqs = [equation_text(x.dnet_eq(v)) for v in some]
            steps.append(
                Step(
                    "layer-backward",
                    f"Backward: layer {k} of {len(layers)} ({len(layer)} nodes): ∂E/∂out, ∂out/∂net, δ",
                    "backward",
                    examples(eqs, len(layer)),
                    nodes=tuple(layer),
                    reveals=tuple((part, v) for v in layer for part in ("dout", "dact", "delta")),
                    values={v: t.dnet(v, s) for v in layer},
                )
            )
        # A parameter shared across layers is summed once, at its last layer (one pass over the uses).
        layer_of = {v: k for k, layer in enumerate(layers, 1) for v in layer}
        used_in: dict[int, list[str]] = {}
        for p in self.params:
            if x.uses[p]:
                used_in.setdefault(max(layer_of[v] for _, v in x.uses[p]), []).append(p)
        for k, layer in reversed(list(enumerate(layers, 1))):
            params = used_in.get(k, [])
            if not params:
                continue
            steps.append(
                Step(
                    "layer-gradient",
                    f"Gradients: the {len(params)} parameters used in layer {k}",
                    "gradients",
                    examples(
                        [equation_text(self.gradient_equations(p)[0][0]) for p in params[:EXAMPLES_PER_LAYER]],
                        len(params),
                    ),
                    nodes=tuple(layer),
                    edges=tuple(e for v in layer for e in self.in_edges(v)),
                    reveals=tuple(("grad", p) for p in params),
                    values={p: t.gradient(p) for p in params},
                )
            )
        unused = [p for p in self.params if not x.uses[p]]
        if unused:
            steps.append(
                Step(
                    "layer-gradient",
                    f"Gradients: {len(unused)} unused parameters",
                    "gradients",
                    (f"∂E/∂{unused[0]} = 0",),
                    values=dict.fromkeys(unused, 0.0),
                )
            )
        some = self.params[:EXAMPLES_PER_LAYER]
        eqs = [equation_text(e) if isinstance(e, Eq) else e.text for e in (x.update_item(p) for p in some)]
        steps.append(
            Step(
                "layer-update",
                f"Update: all {len(self.params)} parameters",
                "update",
                examples(eqs, len(self.params)),
                reveals=tuple(("update", p) for p in self.params),
                values={p: t.updated[p] for p in self.params},
            )
        )
        steps.append(self.summary(examples=LISTED_CHANGES))
        return steps


def build_steps(
    net: Network, trace: Trace, *, digits: int = 4, sample: int = 0, layered: bool | None = None
) -> list[Step]:
    """The ordered steps of one training step on ``net`` (``trace`` from ``net.trace()``).

    ``layered`` forces layer-level steps (True) or node-level steps (False); by default a
    network of more than :data:`NODE_STEPS_UP_TO` neurons gets layer-level steps.
    """
    b = _Builder(net, trace, digits, sample)
    if layered is None:
        layered = len(b.neurons) > NODE_STEPS_UP_TO
    if layered:
        return b.layer_steps()
    return [b.start(), *b.forward(), *b.loss(), *b.backward(), *b.gradients(), *b.updates(), b.summary()]
