"""The layer-level steps of one training step, for a network too big for a step per neuron:
one step per layer and pass (forward, loss, backward, gradients, update), each with a few
example equations and every value of the layer, and the same start and summary steps.
"""

from __future__ import annotations

from ..derivation.document import Eq
from .node_steps import StepBuilder
from .step import Step, equation_text

# Equations shown for one layer-level step.
EXAMPLES_PER_LAYER = 3
# Inputs, targets and changed parameters listed by layer-level steps (the page's summary table
# has one column per layer).
LISTED_CHANGES = 12


def neurons_by_layer(builder: StepBuilder) -> list[list[str]]:
    """The neurons by depth, first layer first."""
    by_depth: dict[int, list[str]] = {}
    for v in builder.neurons:
        by_depth.setdefault(builder.depth[v], []).append(v)
    return [by_depth[d] for d in sorted(by_depth)]


def layer_steps(builder: StepBuilder) -> list[Step]:
    """One step per layer and pass, each with a few example equations."""
    x, s, t = builder.explainer, builder.sample, builder.trace
    layers = neurons_by_layer(builder)
    steps = [builder.start(listed=LISTED_CHANGES)]

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
    steps += builder.loss(grouped=True)
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
    for p in builder.params:
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
                    [equation_text(builder.gradient_equations(p)[0][0]) for p in params[:EXAMPLES_PER_LAYER]],
                    len(params),
                ),
                nodes=tuple(layer),
                edges=tuple(e for v in layer for e in builder.in_edges(v)),
                reveals=tuple(("grad", p) for p in params),
                values={p: t.gradient(p) for p in params},
            )
        )
    unused = [p for p in builder.params if not x.uses[p]]
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
    some = builder.params[:EXAMPLES_PER_LAYER]
    eqs = [equation_text(e) if isinstance(e, Eq) else e.text for e in (x.update_item(p) for p in some)]
    steps.append(
        Step(
            "layer-update",
            f"Update: all {len(builder.params)} parameters",
            "update",
            examples(eqs, len(builder.params)),
            reveals=tuple(("update", p) for p in builder.params),
            values={p: t.updated[p] for p in builder.params},
        )
    )
    steps.append(builder.summary(examples=LISTED_CHANGES))
    return steps
