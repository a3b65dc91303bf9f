"""The blanks of a worksheet: which quantities a learner computes by hand, in what order,
with which letters, their exact values and how a learner writes them.

Names are those of a hand file (:mod:`graphengine.teach.check`): ``NODE.net``, ``NODE.out``,
``NODE.dout`` (∂E/∂out), ``NODE.dact`` (∂out/∂net), ``NODE.dnet`` (∂E/∂net), ``loss.OUTPUT``,
``loss``, ``grad.PARAM``, ``updated.PARAM``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ...errors import GraphEngineError, did_you_mean
from ..claims import ASKED_DIGITS

if TYPE_CHECKING:
    import networkx as nx

    from ...engine.network import Network
    from ...engine.trace import Trace

SIGNIFICANT = ASKED_DIGITS  # the digits a learner is asked to write (claims.py: one rule)
CARRIED = 5  # the digits a learner is asked to carry in intermediate steps
ASK_LEVELS = ("forward", "output", "all", "update")


def unit(x: float, digits: int = SIGNIFICANT) -> float:
    """One unit of the last of ``digits`` significant digits of ``x``.

    >>> unit(0.5933), unit(0.08217), unit(1.225)
    (0.0001, 1e-05, 0.001)
    """
    return 10.0 ** (math.floor(math.log10(abs(x))) - digits + 1) if x else 0.0


def written(x: float, digits: int = SIGNIFICANT) -> str:
    """``x`` as a learner writes it: ``digits`` significant digits (the hand-file text).

    >>> written(0.593269992), written(0.0821670406), written(-1.22492), written(0.1000004)
    ('0.5933', '0.08217', '-1.225', '0.1000')
    """
    return f"{x:#.{digits}g}".rstrip(".")  # `#` keeps trailing zeros: 0.1000 claims four digits


def asked_quantities(net: Network, ask: str = "all") -> list[str]:
    """The hand-file names of the quantities a worksheet asks for, in the order it asks them.

    ``forward``: net and out of every neuron, the loss terms and the loss; ``output``: also
    ∂E/∂out, ∂out/∂net, ∂E/∂net of the outputs and the gradients of their parameters; ``all``:
    the same for every hidden layer, deepest first; ``update``: also every trainable
    parameter's updated value. Node values are those of sample 0.
    """
    if ask not in ASK_LEVELS:
        raise GraphEngineError(
            f"--blanks: unknown `{ask}`{did_you_mean(ask, ASK_LEVELS)} (choose from {', '.join(ASK_LEVELS)})"
        )
    G = net.graph
    inputs, outputs = list(G.graph["inputs"]), list(G.graph["outputs"])
    order = list(net.plan.nodes)
    neurons = [v for v in order if v not in inputs]
    asked = [f"{v}.{q}" for v in neurons for q in ("net", "out")]
    if G.graph["loss"].terms_function is not None:
        asked += [f"loss.{o}" for o in outputs]
    asked.append("loss")
    if ask == "forward":
        return asked
    seen: set[str] = set()

    def backward(nodes: list[str]) -> list[str]:
        names = [f"{v}.{q}" for v in nodes for q in ("dout", "dact", "dnet")]
        used = [p for v in nodes for p in parameters_at(G, v)]
        biases = {G.nodes[v].get("bias") for v in nodes}
        for p in sorted(dict.fromkeys(used), key=lambda p: p in biases):  # weights, then biases
            if p not in seen:
                seen.add(p)
                names.append(f"grad.{p}")
        return names

    asked += backward(outputs)
    if ask == "output":
        return asked
    from ...model.graph import backward_layers  # here: the CLI's --help imports this module, and stays light

    for layer in backward_layers(G):
        asked += backward([v for v in layer if v not in outputs])
    if ask == "update":
        info = G.graph["parameters"]
        asked += [f"updated.{p}" for p in net.plan.parameter_names if info[p]["trainable"] and p in seen]
    return asked


def parameters_at(G: nx.DiGraph[str], v: str) -> list[str]:
    """The parameters used at neuron ``v``: its incoming weights in spec order, then its bias."""
    edges = sorted(G.in_edges(v, data=True), key=lambda e: e[2].get("index", math.inf))
    params = [d["weight"] for _, _, d in edges]
    bias = G.nodes[v].get("bias")
    return params + ([bias] if bias else [])


def letters(n: int) -> list[str]:
    """Blank labels: a … z, then aa, ab, …

    >>> letters(3), letters(28)[-2:]
    (['a', 'b', 'c'], ['aa', 'ab'])
    """
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    labels = list(alphabet)
    for first in alphabet:
        if len(labels) >= n:
            break
        labels += [first + second for second in alphabet]
    return labels[:n]


def quantity_value(trace: Trace, name: str, sample: int = 0) -> float:
    """The exact value of a hand-file quantity (``h1.out``, ``loss.o1``, ``grad.w5`` …) in ``trace``."""
    from ..quantities import exact_value, hand_name  # here: the CLI's --help imports this module, and stays light

    return exact_value(trace, hand_name(name), sample)
