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

from typing import TYPE_CHECKING

from .layer_steps import layer_steps
from .node_steps import StepBuilder
from .step import Step

if TYPE_CHECKING:
    from ...engine.network import Network
    from ...engine.trace import Trace

__all__ = ["NODE_STEPS_UP_TO", "Step", "build_steps"]

# Past this many neurons a step per neuron is too many clicks: one step per layer instead.
NODE_STEPS_UP_TO = 30


def build_steps(
    net: Network, trace: Trace, *, digits: int = 4, sample: int = 0, layered: bool | None = None
) -> list[Step]:
    """The ordered steps of one training step on ``net`` (``trace`` from ``net.trace()``).

    ``layered`` forces layer-level steps (True) or node-level steps (False); by default a
    network of more than :data:`NODE_STEPS_UP_TO` neurons gets layer-level steps.
    """
    builder = StepBuilder(net, trace, digits, sample)
    if layered is None:
        layered = len(builder.neurons) > NODE_STEPS_UP_TO
    if layered:
        return layer_steps(builder)
    return [
        builder.start(),
        *builder.forward(),
        *builder.loss(),
        *builder.backward(),
        *builder.gradients(),
        *builder.updates(),
        builder.summary(),
    ]
