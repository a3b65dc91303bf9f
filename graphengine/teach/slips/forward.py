"""Slips of the forward pass (net) and of the activation's derivative (in ∂out/∂net and δ)."""

from __future__ import annotations

from collections.abc import Callable

from ..quantities import Getter, Quantities
from .registry import MAX_PAIRS, Candidate, hidden, nearby_weights, slip

# ---------------------------------------------------------------------- net


@slip("swapped", "net")
def swapped(Q: Quantities, v: str) -> list[Candidate]:
    """Two terms of net pair their weights with each other's inputs (w3·i2 + w4·i1)."""
    edges = [(d["weight"], u) for u, _, d in Q.graph.in_edges(v, data=True)]
    pairs = [(i, j) for i in range(len(edges)) for j in range(i + 1, len(edges)) if edges[i][1] != edges[j][1]]
    found = []
    for i, j in pairs[:MAX_PAIRS]:

        def compute(get: Getter, i: int = i, j: int = j) -> float:
            terms = Q.net_terms(v, get)
            xs = [term.value for term in terms]
            xs[i], xs[j] = xs[j], xs[i]
            return sum(term.weight * x for term, x in zip(terms, xs))

        (wi, ui), (wj, uj) = edges[i], edges[j]
        found.append(
            Candidate(
                "swapped",
                compute,
                f"the inputs are swapped: {wi}·{uj} + {wj}·{ui}, but {wi} belongs to the edge {ui} → {v} "
                f"and {wj} to {uj} → {v}",
                (Q.values[wi], Q.values[wj]),
            )
        )
    if len(edges) >= 3:  # the inputs one place off: every weight with the next edge's input (or the previous)
        for shift in (1, -1):

            def rotated(get: Getter, shift: int = shift) -> float:
                terms = Q.net_terms(v, get)
                xs = [term.value for term in terms]
                k = len(edges)
                xs[:k] = xs[shift:k] + xs[:shift] if shift > 0 else xs[k + shift : k] + xs[: k + shift]
                return sum(term.weight * x for term, x in zip(terms, xs))

            names = " + ".join(f"{w}·{edges[(i + shift) % len(edges)][1]}" for i, (w, _) in enumerate(edges))
            found.append(
                Candidate(
                    "swapped",
                    rotated,
                    f"the inputs are one place off: {names}",
                    tuple(Q.values[w] for w, _ in edges),
                )
            )
    return found


@slip("wrong-weight", "net")
def wrong_weight_in_net(Q: Quantities, v: str) -> list[Candidate]:
    """A term of net uses another edge's weight."""
    found = []
    for i, (u, _, d) in enumerate(Q.graph.in_edges(v, data=True)):
        own = d["weight"]
        for other in nearby_weights(Q, u, v):
            if Q.values[other] == Q.values[own]:
                continue

            def compute(get: Getter, i: int = i, other: str = other) -> float:
                terms = Q.net_terms(v, get)
                return sum((Q.values[other] if k == i else term.weight) * term.value for k, term in enumerate(terms))

            found.append(
                Candidate(
                    "wrong-weight",
                    compute,
                    f"the term of {u} → {v} uses {other} = {Q.values[other]:g} instead of its weight "
                    f"{own} = {Q.values[own]:g}",
                    (Q.values[other],),
                )
            )
    return found


@slip("missing-term", "net")
def missing_term_in_net(Q: Quantities, v: str) -> list[Candidate]:
    """A term of net (a weighted input or the bias) left out."""
    terms = Q.net_terms(v, lambda q: 0.0)
    if len(terms) < 2:
        return []
    found = []
    for i, term in enumerate(terms):

        def compute(get: Getter, i: int = i) -> float:
            return sum(part.weight * part.value for k, part in enumerate(Q.net_terms(v, get)) if k != i)

        what = f"the bias {term.parameter}" if term.source is None else f"the term {term.parameter}·out_{term.source}"
        found.append(Candidate("missing-term", compute, f"{what} is missing from net_{v}"))
    return found


@slip("net-for-out", "net")
def net_for_out_in_net(Q: Quantities, v: str) -> list[Candidate]:
    """net_u used in place of out_u for a source u of v."""
    sources = [u for u in Q.graph.predecessors(v) if hidden(Q, u)]
    groups = [sources] + ([[u] for u in sources] if len(sources) > 1 else [])
    found = []
    for group in groups if sources else []:

        def compute(get: Getter, group: list[str] = group) -> float:
            return Q.formula(
                f"{v}.net", lambda q: get(f"{q[:-4]}.net") if q[:-4] in group and q.endswith(".out") else get(q)
            )

        names = ", ".join(f"net_{u}" for u in group)
        found.append(
            Candidate(
                "net-for-out", compute, f"{names} used where out belongs (the input of an edge is its source's out)"
            )
        )
    return found


# ---------------------------------------------------------------------- activation derivative


def _derivative_of_net(Q: Quantities, v: str) -> list[tuple[Callable[[Getter], float], str]]:
    name = Q.graph.nodes[v]["activation"].name
    formula = "σ′ = net(1 − net)" if name == "sigmoid" else f"{name}′ with net_{v} where out_{v} belongs"
    return [
        (
            lambda get: Q.activation_derivative(v, get(f"{v}.net"), get(f"{v}.net")),
            f"the derivative is evaluated with net in place of out ({formula})",
        ),
        (
            lambda get: Q.activation_derivative(v, get(f"{v}.out"), Q.activation(v, get(f"{v}.out"))),
            f"the derivative is taken at out_{v} instead of at net_{v}",
        ),
    ]


@slip("derivative-of-net", "dact")
def derivative_of_net(Q: Quantities, v: str) -> list[Candidate]:
    """The activation's derivative evaluated with net in place of out (σ′ = net(1 − net))."""
    return [Candidate("derivative-of-net", compute, sentence) for compute, sentence in _derivative_of_net(Q, v)]


@slip("derivative-of-net", "dnet")
def derivative_of_net_in_delta(Q: Quantities, v: str) -> list[Candidate]:
    """δ = ∂E/∂out · f′ with f′ evaluated with net in place of out."""
    if not hidden(Q, v):
        return []
    return [
        Candidate("derivative-of-net", lambda get, c=compute: get(f"{v}.dout") * c(get), sentence)
        for compute, sentence in _derivative_of_net(Q, v)
    ]


@slip("missing-factor", "dnet")
def missing_derivative_in_delta(Q: Quantities, v: str) -> list[Candidate]:
    """∂E/∂net without the factor ∂out/∂net."""
    if not hidden(Q, v):
        return []
    return [
        Candidate(
            "missing-factor",
            lambda get: get(f"{v}.dout"),
            f"the factor ∂out_{v}/∂net_{v} is missing: ∂E/∂net_{v} = ∂E/∂out_{v} · ∂out_{v}/∂net_{v}",
        )
    ]
