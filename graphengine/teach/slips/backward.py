"""Slips of the backward pass: ∂E/∂out, the loss, ∂E/∂p and the update."""

from __future__ import annotations

import shlex

from ..quantities import Getter, Quantities
from .registry import Candidate, hidden, nearby_weights, slip, squared_loss

# ---------------------------------------------------------------------- ∂E/∂out


def _loss_part(Q: Quantities, v: str, get: Getter) -> float:
    return Q.loss_gradient(v, get) * Q.scale() if v in Q.outputs else 0.0


@slip("missing-term", "dout")
def missing_path(Q: Quantities, v: str) -> list[Candidate]:
    """One path of a hidden ∂E/∂out (an edge out of the node, or its own loss term) left out."""
    paths = list(Q.graph.out_edges(v, data=True))
    if len(paths) + (v in Q.outputs) < 2:
        return []
    found = []
    for i, (_, w, d) in enumerate(paths):

        def compute(get: Getter, i: int = i) -> float:
            return _loss_part(Q, v, get) + sum(path.part for k, path in enumerate(Q.paths(v, get)) if k != i)

        found.append(
            Candidate("missing-term", compute, f"the path through {w} ({v} → {w}, weight {d['weight']}) is left out")
        )
    if v in Q.outputs:
        found.append(
            Candidate(
                "missing-term",
                lambda get: sum(path.part for path in Q.paths(v, get)),
                f"the loss's own term ∂E/∂out_{v} is left out",
            )
        )
    return found


@slip("wrong-weight", "dout")
def wrong_weight_in_path(Q: Quantities, v: str) -> list[Candidate]:
    """A path of ∂E/∂out uses another edge's weight (w6 for w5)."""
    found = []
    for i, (_, w, d) in enumerate(Q.graph.out_edges(v, data=True)):
        own = d["weight"]
        for other in nearby_weights(Q, v, w):
            if Q.values[other] == Q.values[own]:
                continue

            def compute(get: Getter, i: int = i, other: str = other) -> float:
                parts = Q.paths(v, get)
                return _loss_part(Q, v, get) + sum(
                    (get(f"{path.successor}.dnet") * Q.values[other] if k == i else path.part)
                    for k, path in enumerate(parts)
                )

            found.append(
                Candidate(
                    "wrong-weight",
                    compute,
                    f"the path {v} → {w} uses {other} = {Q.values[other]:g} instead of its weight {own} = {Q.values[own]:g}",
                    (Q.values[other],),
                )
            )
    return found


@slip("missing-factor", "dout")
def dout_for_dnet_in_path(Q: Quantities, v: str) -> list[Candidate]:
    """A hidden ∂E/∂out built from the successors' ∂E/∂out instead of their ∂E/∂net."""
    successors = [w for w in Q.graph.successors(v) if hidden(Q, w)]
    if not successors:
        return []

    def compute(get: Getter) -> float:
        return Q.formula(f"{v}.dout", lambda q: get(f"{q[:-5]}.dout") if q.endswith(".dnet") else get(q))

    names = ", ".join(successors)
    return [
        Candidate(
            "missing-factor",
            compute,
            f"the factor ∂out/∂net of {names} is missing: each path is ∂E/∂net · w, not ∂E/∂out · w",
        )
    ]


@slip("updated-weights", "dout")
def updated_weights(Q: Quantities, v: str) -> list[Candidate]:
    """A hidden ∂E/∂out computed with the already-updated weights."""
    weights = [d["weight"] for _, _, d in Q.graph.out_edges(v, data=True)]
    if not any(Q.param_info[p]["trainable"] for p in weights):
        return []

    def compute(get: Getter) -> float:
        return _loss_part(Q, v, get) + sum(path.part for path in Q.paths(v, get, lambda p: get(f"updated.{p}")))

    def stepped(get: Getter) -> float:  # updated from the learner's gradients, before they wrote the update
        return _loss_part(Q, v, get) + sum(path.part for path in Q.paths(v, get, lambda p: _stepped(Q, p, get)))

    sentence = (
        f"computed with the already-updated {', '.join(weights)}: the backward pass uses the weights before the step"
    )
    return [Candidate("updated-weights", compute, sentence), Candidate("updated-weights", stepped, sentence)]


def _stepped(Q: Quantities, p: str, get: Getter) -> float:
    """``p`` after the step, from the learner's gradient (what they would write as ``updated.p``)."""
    return Q.values[p] - Q.learning_rate * get(f"grad.{p}") if Q.param_info[p]["trainable"] else Q.values[p]


@slip("factor-2", "dout")
def factor_two_in_gradient(Q: Quantities, v: str) -> list[Candidate]:
    """The loss derivative with the ½ of the squared error forgotten (2×) or doubled (½×)."""
    if v not in Q.outputs or not squared_loss(Q):
        return []
    return [
        Candidate(
            "factor-2",
            lambda get, f=f: f * _loss_part(Q, v, get) + sum(path.part for path in Q.paths(v, get)),
            sentence,
        )
        for f, sentence in (
            (2.0, "2× the loss derivative: the ½ of ½(t − out)² cancels the 2 of the square"),
            (0.5, "half the loss derivative: the 2 of the square cancels the ½, it does not halve again"),
        )
    ]


@slip("batch", "dout")
def batch_factor_in_gradient(Q: Quantities, v: str) -> list[Candidate]:
    """The batch factor of ∂E/∂out_output: the mean's 1/N forgotten (or a 1/N the sum does not have)."""
    if v not in Q.outputs or Q.samples < 2:
        return []
    f = float(Q.samples) if Q.mean else 1.0 / Q.samples
    what = (
        f"the 1/{Q.samples} of the mean over {Q.samples} samples is missing"
        if Q.mean
        else f"divided by {Q.samples}, but the loss is the sum over the samples, not the mean"
    )
    return [
        Candidate("batch", lambda get: f * _loss_part(Q, v, get) + sum(path.part for path in Q.paths(v, get)), what)
    ]


# ---------------------------------------------------------------------- loss


@slip("factor-2", "term", "loss")
def factor_two_in_loss(Q: Quantities, arg: str) -> list[Candidate]:
    """The ½ of the squared error forgotten (2×) or doubled (½×)."""
    if not squared_loss(Q):
        return []
    name = f"loss.{arg}" if arg else "loss"
    if not arg:
        return [
            Candidate("factor-2", lambda get, f=f: Q.batch_loss(f * Q.sample_loss(get)), s)
            for f, s in ((2.0, "2× the loss: the ½ of ½(t − out)² is forgotten"), (0.5, "half the loss: ½ taken twice"))
        ]
    return [
        Candidate("factor-2", lambda get, f=f: f * Q.formula(name, get), s)
        for f, s in ((2.0, "the ½ of ½(t − out)² is forgotten"), (0.5, "the ½ is taken twice"))
    ]


@slip("missing-term", "loss")
def missing_loss_term(Q: Quantities, _: str) -> list[Candidate]:
    """One output's term left out of the loss."""
    if Q.loss.terms_function is None or len(Q.outputs) < 2:
        return []
    return [
        Candidate(
            "missing-term",
            lambda get, o=o: Q.batch_loss(sum(get(f"loss.{x}") for x in Q.outputs if x != o)),
            f"the term of {o} is left out of the loss",
        )
        for o in Q.outputs
    ]


@slip("batch", "loss")
def batch_loss(Q: Quantities, _: str) -> list[Candidate]:
    """One sample's loss for the batch's, or the sum for the mean (and back)."""
    if Q.samples < 2:
        return []
    found = [
        Candidate(
            "batch",
            Q.sample_loss,
            f"that is sample {Q.sample}'s loss; `loss` is the batch loss, the {'mean' if Q.mean else 'sum'} over {Q.samples} samples",
        )
    ]
    if Q.mean:
        found.append(
            Candidate(
                "batch",
                lambda get: Q.samples * Q.batch_loss(Q.sample_loss(get)),
                f"that is the sum over the {Q.samples} samples; the batch loss is their mean (divide by {Q.samples})",
            )
        )
    else:
        found.append(
            Candidate(
                "batch",
                lambda get: Q.batch_loss(Q.sample_loss(get)) / Q.samples,
                f"that is the mean over the {Q.samples} samples; this loss is their sum",
            )
        )
    return found


# ---------------------------------------------------------------------- ∂E/∂p


@slip("missing-factor", "grad")
def missing_input_factor(Q: Quantities, p: str) -> list[Candidate]:
    """∂E/∂w without the factor ∂net/∂w (the input out_u)."""
    if not any(u is not None for u, _ in Q.uses[p]):
        return []

    def compute(get: Getter) -> float:
        return Q.gradient(p, sum(get(f"{v}.dnet") for _, v in Q.uses[p]))

    sources = ", ".join(f"out_{u}" for u, _ in Q.uses[p] if u is not None)
    sentence = f"the factor ∂net/∂{p} = {sources} (the edge's input) is missing"
    found = [Candidate("missing-factor", compute, sentence)]
    if Q.samples > 1:  # and in every sample's part, as a learner who forgets it does
        others = _other_parts(Q, p, None)
        found.append(
            Candidate("missing-factor", lambda get: others + sum(get(f"{v}.dnet") for _, v in Q.uses[p]), sentence)
        )
    return found


def _other_parts(Q: Quantities, p: str, source: str | None) -> float:
    """The other samples' exact parts of ∂E/∂p with the slip made in them too: each use's ∂E/∂net
    times its source's ``source`` value (``net`` for net-for-out; ``None``: the factor left out)."""
    total = 0.0
    for u, v in Q.uses[p]:
        part = Q.arrays["dnet"][:, Q.column[v]]
        if u is not None and source is not None:
            part = part * Q.arrays[source if hidden(Q, u) else "out"][:, Q.column[u]]
        total += float(part.sum() - part[Q.sample])
    return total


@slip("net-for-out", "grad")
def net_for_out_in_gradient(Q: Quantities, p: str) -> list[Candidate]:
    """∂net/∂w taken as net_u instead of out_u."""
    if not any(u is not None and hidden(Q, u) for u, _ in Q.uses[p]):
        return []
    sources = ", ".join(f"net_{u}" for u, _ in Q.uses[p] if u is not None and hidden(Q, u))

    def mine(get: Getter) -> float:
        return sum(Q.use_part(use, get, "net") for use in Q.uses[p])

    sentence = f"∂net/∂{p} is the source's out, not {sources}"
    found = [Candidate("net-for-out", lambda get: Q.gradient(p, mine(get)), sentence)]
    if Q.samples > 1:  # and in every sample's part
        others = _other_parts(Q, p, "net")
        found.append(Candidate("net-for-out", lambda get: others + mine(get), sentence))
    return found


@slip("batch", "grad")
def one_sample_gradient(Q: Quantities, p: str) -> list[Candidate]:
    """Only this sample's part of a batch gradient."""
    if Q.samples < 2:
        return []

    def mine(get: Getter) -> float:
        return sum(Q.use_part(use, get) for use in Q.uses[p])

    sentence = (
        f"that is sample {Q.sample}'s part only; grad.{p} is the gradient of the batch loss "
        f"({'the mean' if Q.mean else 'the sum'} over all {Q.samples} samples): "
        f"`graphengine explain SPEC --param {shlex.quote(p)}` shows every sample's part"
    )
    found = [Candidate("batch", mine, sentence)]
    if Q.mean:
        found.append(Candidate("batch", lambda get: Q.samples * mine(get), sentence))
        found.append(
            Candidate(
                "batch",
                lambda get: Q.samples * Q.formula(f"grad.{p}", get),
                f"{Q.samples}× the gradient: the loss is the mean over {Q.samples} samples, so ∂E/∂{p} carries the factor 1/{Q.samples}",
            )
        )
    return found


@slip("shared", "grad")
def one_use_of_shared(Q: Quantities, p: str) -> list[Candidate]:
    """The gradient through one use of a shared parameter only."""
    uses = Q.uses[p]
    if len(uses) < 2:
        return []
    found = []
    for use in uses:
        where = f"the bias of {use[1]}" if use[0] is None else f"{use[0]}→{use[1]}"
        found.append(
            Candidate(
                "shared",
                lambda get, use=use: Q.gradient(p, Q.use_part(use, get), [use]),
                f"that is the gradient through {where} only; {p} is shared by {len(uses)} uses, "
                "so its gradient is the sum over all of them",
            )
        )
    return found


# ---------------------------------------------------------------------- the update


@slip("uphill", "updated")
def uphill(Q: Quantities, p: str) -> list[Candidate]:
    """The step added the gradient."""
    if not Q.param_info[p]["trainable"]:
        return []
    return [
        Candidate(
            "uphill",
            lambda get: Q.values[p] + Q.learning_rate * get(f"grad.{p}"),
            f"the step added the gradient: {p}′ = {p} − η·∂E/∂{p} (minus, so the loss goes down)",
        )
    ]


COMMON_RATES = (1.0, 0.5, 0.1, 0.05, 0.01, 0.25, 0.2, 0.001)


@slip("learning-rate", "updated")
def learning_rate(Q: Quantities, p: str) -> list[Candidate]:
    """η forgotten, or another η used."""
    if not Q.param_info[p]["trainable"]:
        return []
    eta = Q.learning_rate
    found = []
    for rate in COMMON_RATES:
        if abs(rate - eta) <= 1e-12 * max(1.0, eta):
            continue
        what = "the learning rate is missing" if rate == 1.0 else f"η = {rate:g} is used"
        found.append(
            Candidate(
                "learning-rate",
                lambda get, rate=rate: Q.values[p] - rate * get(f"grad.{p}"),
                f"{what}: {p}′ = {p} − η·∂E/∂{p} with η = {eta:g}",
            )
        )
    return found
