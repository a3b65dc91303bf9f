"""Which quantity each written chain of equalities is: from its left-hand side where the
notation says it (:mod:`graphengine.teach.audit.names`), otherwise from the arithmetic on the
right, matched to the network's own weights, inputs, targets and values.

A number in the arithmetic *is* a quantity when it is within one unit of its last written
digit of the exact value, or is the value the page wrote for it earlier. The patterns:

- a sum of weight × value terms (plus a bias): the ``net`` of the node whose weights they are;
- an activation (``1/(1 + e^{-x})``, ``\\tanh``, ``\\max(0, x)``) of a node's net: its ``out``;
- ``y(1 - y)`` or ``1 - y^2`` of a node's out (or, a slip, of its net): its ``∂out/∂net``;
- ``(t - y)^2`` of an output's target and out: its loss term; a sum of the terms: the loss;
- ``-(t - y)`` or ``(y - t)``: the output's ``∂E/∂out``; a sum of δ × weight over a node's
  outgoing edges: a hidden node's ``∂E/∂out``;
- ∂E/∂out × ∂out/∂net: ``∂E/∂net``; those (or δ) × an edge's input: that weight's gradient;
- ``p - η × g``: the update of the parameter whose value ``p`` is.

Ties go to the quantity the page has not written yet that comes next in the order of a
step (forward pass, loss, backward pass, updates). A value that nothing explains is left
unrecognised: it is listed, never guessed and marked wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..claims import RELATIVE_SLACK, matches, written_unit
from ..latex_math import Call, Expr, Frac, Neg, Num, Pow, Prod, Sum, numbers, symbols, walk
from ..quantities import Quantities
from .defined import SIGNLESS, defined_values, softmax_parts
from .factors import as_num, distinct, enough, is_one, plain_factors, signed_number, subject_of
from .names import Named, Names, lhs_text, shown
from .scan import Chain

PROBABILITY_WORDS = {"softmax", "p", "probs", "probabilities", "probability", "pred", "ypred", "yhat", "prob"}


def _key_words(text: str) -> set[str]:
    return {w.lower() for w in text.replace("_", " ").replace("^", " ").split()} | {
        text.replace("_", "").replace(" ", "").lower()
    }


def copied(value: float, unit: float, given: float) -> bool:
    """The second rule, for a *given* (a weight, an input, a target, η) copied onto the page
    rather than computed: within half a unit of its last written digit, so 0.07 is never the
    weight 0.08 (claims' rule, for computed values, allows a whole unit); an integer is exact.

    >>> copied(0.07, 0.01, 0.08), copied(0.8, 0.1, 0.8), copied(1.0, 0.0, 0.99)
    (False, True, False)
    """
    return abs(value - given) <= 0.5 * unit * (1 + RELATIVE_SLACK) + 1e-12 * max(1.0, abs(given))


SUM_SLACK = 0.005
"""A softmax's written denominator is a sum of rounded exponentials: it may be off by this
fraction of the exact sum and still be that sum (its numerator must match to its digits)."""
ACTIVATION_CALLS = {"exp", "tanh", "sigma", "max", "ln", "log", "sinh", "cosh"}


@dataclass
class Recognised:
    chain: Chain
    lhs: str  # the left-hand side as flat words ("" when the chain starts with `=`)
    quantity: str | None  # canonical, or None
    given: Named | None = None  # a parameter, input, target or the learning rate
    how: str = ""  # "notation", "arithmetic", "value": how the quantity was found
    why_not: str = ""  # when not recognised


class Recogniser:
    """Recognises chains one after the other, in the page's order."""

    def __init__(self, quantities: Quantities) -> None:
        self.quantities = quantities
        self.names = Names(quantities.graph, quantities.names)
        self.order = {q: k for k, q in enumerate(quantities.order)}
        self.written: dict[str, float] = {}  # quantity → the value the page wrote first
        self.units: dict[str, float] = {}  # quantity → the unit of its last digit there
        self.last = -1  # order index of the last quantity recognised
        G = quantities.graph
        self.edges = [(u, v, d["weight"]) for u, v, d in G.edges(data=True)]
        self.bias = {v: attrs["bias"] for v, attrs in G.nodes(data=True) if attrs.get("bias")}
        self.neurons = [v for v in quantities.graph.nodes if v not in quantities.inputs]
        self.identity = {v: G.nodes[v]["activation"].name == "identity" for v in self.neurons}
        s = quantities.sample
        self.targets = {o: float(quantities.targets[s, k]) for k, o in enumerate(quantities.outputs)}
        self.defined = defined_values(quantities)  # softmax.o, error.o, change.p: no node's
        self.softmax_parts = softmax_parts(quantities)

    # ------------------------------------------------------------------ matching numbers
    def exact(self, q: str) -> float | None:
        return self.quantities.exact(q) if q in self.quantities.names else self.defined.get(q)

    def near(self, num: Expr, value: float | None) -> bool:
        """``num`` is a given number (a weight, a target, η) copied to its digits (:func:`copied`)."""
        num = signed_number(num)
        if value is None or not isinstance(num, Num):
            return False
        return copied(num.value, written_unit(num.text), value)

    def is_q(self, num: Expr, q: str) -> float:
        """``num`` is the page's value of quantity ``q`` (exact to its digits, or as written earlier)."""
        num = signed_number(num)
        if not isinstance(num, Num):
            return 0.0
        return self._is_value(num.value, num, q)

    def _is_value(self, value: float, num: Num, q: str) -> float:
        """1 when ``value`` is what the page wrote for ``q``, 0.9 when it is ``q``'s exact value
        to its digits, else 0."""
        # claims' rule for a number inside written arithmetic: one unit of its last digit; an
        # integer (the 1 of `1 - y`, the 2 of ½) is a constant, not a rounded value
        unit = written_unit(num.text)
        if q.endswith(".out") and self.identity.get(q[:-4]) and q not in self.written:
            q = q[:-4] + ".net"  # an identity node's out is its net, written or not
        if q in self.written and matches(value, unit, self.written[q], asked=False):
            return 1.0  # the very value the page wrote for q: the strongest evidence
        exact = self.exact(q)
        if exact is not None and q.startswith(SIGNLESS):
            value, exact = abs(value), abs(exact)
        return 0.9 if exact is not None and matches(value, unit, exact, asked=False) else 0.0

    def is_param(self, num: Expr, p: str) -> bool:
        num = signed_number(num)
        if not isinstance(num, Num):
            return False
        return self.near(num, self.quantities.values[p])

    def value_of(self, symbol: str) -> float | None:
        """The page's value of a symbol it uses in its arithmetic (``net_{o1}``, ``w_5``,
        ``b_1``): what the page wrote for that quantity, else the spec's given; None when
        the symbol names nothing of the network (or a function: ``σ``)."""
        named = self.names.resolve(symbol.replace("_", " _").replace("{", "").replace("}", ""))
        if named.kind == "quantity" and named.name in self.quantities.names:
            return self.written.get(named.name, self.quantities.exact(named.name))
        if named.kind == "param":
            return float(self.quantities.values[named.name])
        if named.kind == "input":
            return float(self.quantities.exact(f"{named.name}.out"))
        if named.kind == "target" and named.name in self.targets:
            return self.targets[named.name]
        if named.kind == "rate":
            return float(self.quantities.learning_rate)
        return None

    # ------------------------------------------------------------------ one chain
    def recognise(self, chain: Chain) -> Recognised:
        text = lhs_text(chain.lhs)
        named = self.names.resolve(text) if text else Named("none")
        seen = shown(text)  # how messages quote it
        trees = [s.tree for s in chain.sides if s.tree is not None and s.number() is None]
        arithmetic = [t for t in trees if not symbols(t)]
        found = self._candidates(arithmetic)
        result = Recognised(chain, text, None)
        if named.note == "sum" and arithmetic and "loss" not in found:
            named = Named("none", note="a sum that is not the loss's")  # a softmax's denominator
        if named.kind == "quantity" and (named.name in self.quantities.names or named.name in self.defined):
            result.quantity, result.how = named.name, "notation"
        elif named.kind in ("param", "input", "target", "rate") and not found:
            result.given, result.how = named, "notation"
        elif named.kind in ("node", "param", "input") and found:
            mine = {q: s for q, s in found.items() if subject_of(q) == named.name}
            if not mine and named.kind == "node":
                mine = self._symbolic(named.name, trees)
            result.quantity = self._pick(mine)
            result.how = "notation and arithmetic"
            if result.quantity is None:
                result.why_not = f"`{seen}`: its arithmetic is none of {named.name}'s quantities"
        elif named.kind == "node":
            result.quantity = self._pick(self._symbolic(named.name, trees))
            result.how = "notation and arithmetic"
            if result.quantity is None:
                result.why_not = f"`{seen}` names node {named.name}, but not which of its quantities"
        elif named.kind == "none" and named.name in self.targets and (q := self._error_or_term(named.name, chain)):
            result.quantity, result.how = q, "notation and value"  # `e_1`: whichever of the two its value is
        elif named.kind == "none" and named.note.startswith("no node") and chain.element and found:
            result.quantity, result.how = self._pick(found), "arithmetic"  # `hidden_net` of a matrix: by position
        elif named.kind == "none" and named.note:
            result.why_not = f"`{seen}`: {named.note}"  # a known non-quantity: no arithmetic guess
        elif named.kind == "quantity":
            result.why_not = f"`{seen}` is not a quantity of this network"
        else:
            result.quantity = self._pick(found)
            result.how = "arithmetic"
            if result.quantity is None and not arithmetic and (q := self._by_position(text, chain)):
                result.quantity, result.how = q, "notation and position"
            if result.quantity is None and not arithmetic and named.kind == "none":  # `= 0.593`: nothing else says
                result.quantity = self._by_value(chain)
                result.how = "value"
            if result.quantity is None:
                result.why_not = (
                    f"`{seen}` is not a name of this network's quantities" if text else "no left-hand side"
                ) + (", and its arithmetic matches none" if arithmetic else "")
        if result.quantity is not None:
            self.last = max(self.last, self.order.get(result.quantity, -1))
            final = chain.final()
            if final is not None:
                self.written.setdefault(result.quantity, final.value)
                self.units.setdefault(result.quantity, written_unit(final.text))
        return result

    def _by_position(self, text: str, chain: Chain) -> str | None:
        """``Softmax: [0.836, 0.113, 0.051]``: the k-th element of a vector of probabilities is
        the k-th output's (when the vector has one element per output)."""
        element = chain.element
        if element is None or not any(q.startswith("softmax.") for q in self.defined):
            return None
        row, column, rows, columns = element
        if rows * columns != len(self.quantities.outputs) or _key_words(text) & PROBABILITY_WORDS == set():
            return None
        return f"softmax.{self.quantities.outputs[row * columns + column]}"

    def _error_or_term(self, output: str, chain: Chain) -> str | None:
        """Output ``output``'s error t − y or its loss term, whichever (one) the final value is."""
        final = chain.final()
        if final is None:
            return None
        fits = [q for q in (f"error.{output}", f"loss.{output}") if self._is_value(final.value, as_num(final), q)]
        return fits[0] if len(fits) == 1 else None

    def _pick(self, found: dict[str, float]) -> str | None:
        """The best-scoring candidate; ties go to an unwritten one next in the step's order."""
        if not found:
            return None
        best = max(found.values())
        tied = [q for q, s in found.items() if s >= best - 1e-9]

        def rank(q: str) -> tuple[int, int, int]:
            k = self.order.get(q, len(self.order))
            return (q in self.written, k < self.last, k)

        return min(tied, key=rank)

    def _by_value(self, chain: Chain) -> str | None:
        """A bare ``= number`` that is exactly one quantity: safe, since it can only be right.
        The page's own value of a quantity it wrote before (``y_pred = 0.098`` after the
        softmax) comes first, then the exact value of one it has not written."""
        final = chain.final()
        if final is None or "." not in final.text:
            return None
        unit = written_unit(final.text)
        again = [q for q, v in self.written.items() if v == final.value]
        if len(again) == 1:
            return again[0]
        everything = [
            *self.quantities.order,
            *(q for q in self.defined if not q.startswith("part.")),
        ]  # a part: by name only
        found = [
            q
            for q in everything
            if q not in self.written and matches(final.value, unit, self.exact(q) or math.inf) and not again
        ]
        return found[0] if len(found) == 1 else None

    def _symbolic(self, node: str, trees: list[Expr]) -> dict[str, float]:
        """``h_1 = w_{11}i_1 + w_{21}i_2 + b_1`` is a net; ``h_1 = 1/(1+e^{-z})`` an out."""
        for tree in trees:
            if any(isinstance(n, Call) and n.fn in ACTIVATION_CALLS for n in walk(tree)):
                return {f"{node}.out": 1.0}
            if isinstance(tree, Sum) and sum(isinstance(t, Prod) for t in tree.terms) >= 1:
                return {f"{node}.net": 1.0}
            weights = [p for _, w, p in self.edges if w == node]
            if any(self.is_param(x, p) for x in numbers(tree) for p in weights):
                return {f"{node}.net": 1.0}  # `h_2 = 0.53 × 0.12`: one of h2's own weights times a value
        return {}

    # ------------------------------------------------------------------ the arithmetic
    def _candidates(self, trees: list[Expr]) -> dict[str, float]:
        found: dict[str, float] = {}
        for tree in trees:
            if isinstance(tree, Neg):
                tree = tree.arg  # the sign slip: −(0.741 × 0.186 × 0.593) is still a gradient
            for test in (
                self._softmax,
                self._net,
                self._out,
                self._dact,
                self._term,
                self._loss,
                self._dout,
                self._backward,
                self._bias_gradient,
            ):
                for q, score in test(tree).items():
                    if q in self.quantities.names or q in self.defined:
                        found[q] = max(found.get(q, 0.0), score)
            if found:
                break  # the first arithmetic that says what it is decides
        return found

    def _softmax(self, tree: Expr) -> dict[str, float]:
        """``e^{z_o} / Σ e^{z_k}`` (or shifted by the largest logit): the probability of o."""
        if isinstance(tree, Frac):
            top, bottom = signed_number(tree.numerator), signed_number(tree.denominator)
        elif isinstance(tree, Prod) and len(tree.factors) == 2 and tree.divide == (False, True):
            top, bottom = (signed_number(f) for f in tree.factors)
        else:
            return {}
        if not isinstance(top, Num) or not isinstance(bottom, Num):
            return {}
        for o, numerator, total in self.softmax_parts:
            near_top = abs(top.value - numerator) <= max(top.unit, 1e-12) * (1 + 1e-9)
            near_bottom = abs(bottom.value - total) <= max(bottom.unit, SUM_SLACK * total)
            if near_top and near_bottom:
                return {f"softmax.{o}": 1.0}
        return {}

    def _net(self, tree: Expr) -> dict[str, float]:
        terms = tree.terms if isinstance(tree, Sum) else (tree,)
        factors = [plain_factors(t) for t in terms]
        if any(f is None or len(f) > 2 for f in factors) or not any(f and len(f) == 2 for f in factors):
            return {}
        found: dict[str, float] = {}
        for v in self.neurons:
            weights = [p for u, w, p in self.edges if w == v]
            bias = self.bias.get(v)
            matched = 0
            left = list(weights)
            for f in factors:
                assert f is not None
                if (
                    len(f) == 2
                    and bias is not None
                    and any(self.is_param(x, bias) for x in f)
                    and 1.0 in [x.value for x in f]
                ):
                    matched += 1  # b × 1
                    continue
                hit = next((p for p in left if any(self.is_param(x, p) for x in f)), None)
                if hit is not None:
                    left.remove(hit)
                    matched += 1
                elif len(f) == 1 and bias is not None and self.is_param(f[0], bias):
                    matched += 1
            expected = len(weights) + (1 if bias else 0)
            every_weight = weights and not left  # all of the node's weights, the bias perhaps forgotten
            if len(terms) <= expected + 1 and (enough(matched, expected) or every_weight):
                found[f"{v}.net"] = matched / max(expected, len(terms))
        return found

    def _out(self, tree: Expr) -> dict[str, float]:
        if not any(isinstance(n, Call) and n.fn in ACTIVATION_CALLS for n in walk(tree)):
            return {}
        if isinstance(tree, Call) and tree.fn == "exp":
            return {}  # e^{z} alone is a softmax's numerator, no node's activation
        # either sign: e^{-(-0.9779)} is the activation of the net −0.9779
        signed = [x for n in numbers(tree) for x in (n, Num("-" + n.text, -n.value, n.start, n.end))]
        found = {f"{v}.out": max(self.is_q(x, f"{v}.net") for x in signed) for v in self.neurons}
        return {q: score for q, score in found.items() if score}

    def _dact(self, tree: Expr) -> dict[str, float]:
        if any(isinstance(n, Call) for n in walk(tree)):
            return {}
        found: dict[str, float] = {}
        for node in walk(tree):
            if (
                isinstance(node, Sum)
                and len(node.terms) == 2
                and is_one(node.terms[0])
                and isinstance(node.terms[1], Neg)
            ):
                x = node.terms[1].arg
                x = x.base if isinstance(x, Pow) else x
                for v in self.neurons:
                    if score := self.is_q(x, f"{v}.out"):
                        found[f"{v}.dact"] = score
                    elif score := self.is_q(x, f"{v}.net"):  # the slip σ′ = net(1 − net): less likely
                        found.setdefault(f"{v}.dact", score / 2)
        return found

    def _differences(self, tree: Expr) -> list[tuple[str, bool]]:
        """(output, squared?) for each ``t - y`` / ``y - t`` of an output's target and value."""
        found = []
        for node in walk(tree):
            if isinstance(node, Sum) and len(node.terms) == 2 and isinstance(node.terms[1], Neg):
                a, b = node.terms[0], node.terms[1].arg
                for o, t in self.targets.items():
                    y = f"softmax.{o}" if f"softmax.{o}" in self.defined else f"{o}.out"
                    pair = (self.near(a, t) and self.is_q(b, y)) or (self.near(b, t) and self.is_q(a, y))
                    if pair:
                        squared = any(isinstance(p, Pow) and p.base is node for p in walk(tree))
                        squared = squared or any(isinstance(p, Prod) and p.factors.count(node) == 2 for p in walk(tree))
                        found.append((o, squared))
        return found

    def _term(self, tree: Expr) -> dict[str, float]:
        return {f"loss.{o}": 1.0 for o, squared in self._differences(tree) if squared}

    def _dout(self, tree: Expr) -> dict[str, float]:
        found = {f"{o}.dout": 1.0 for o, squared in self._differences(tree) if not squared}
        terms = tree.terms if isinstance(tree, Sum) else (tree,)
        factors = [plain_factors(t) for t in terms]
        if found or any(f is None for f in factors):
            return found
        for v in self.neurons:  # a hidden node: Σ δ_w × w over its outgoing edges
            out_edges = [(w, p) for u, w, p in self.edges if u == v]
            matched = 0
            for f in factors:
                assert f is not None
                for w, p in out_edges:
                    # the weight (as given, or as the page updated it) and δ are two different factors
                    weights = [k for k, x in enumerate(f) if self.is_param(x, p) or self.is_q(x, f"updated.{p}")]
                    deltas = [k for k, x in enumerate(f) if self.is_q(x, f"{w}.dnet") or self.is_q(x, f"{w}.dout")]
                    if any(a != b for a in weights for b in deltas):
                        matched += 1
                        break
            if out_edges and len(terms) <= len(out_edges) and enough(matched, len(out_edges)):
                found[f"{v}.dout"] = matched / len(out_edges)
        return found

    def _bias_gradient(self, tree: Expr) -> dict[str, float]:
        """Σ δ over the nodes a (shared) bias feeds: that bias's gradient."""
        terms = [signed_number(t) for t in (tree.terms if isinstance(tree, Sum) else ())]
        if len(terms) < 2 or not all(isinstance(t, Num) for t in terms):
            return {}
        found = {}
        for p in set(self.bias.values()):
            users = [v for v, b in self.bias.items() if b == p]
            if len(terms) <= len(users) and all(any(self.is_q(t, f"{v}.dnet") for v in users) for t in terms):
                found[f"grad.{p}"] = len(terms) / len(users)
        return found

    def _loss(self, tree: Expr) -> dict[str, float]:
        body = tree.numerator if isinstance(tree, Frac) else tree
        if not isinstance(body, Sum) or not all(isinstance(t, Num) for t in body.terms):
            return {}
        outputs = set()
        for t in body.terms:
            hit = next((o for o in self.targets if o not in outputs and self.is_q(t, f"loss.{o}")), None)
            if hit is None:
                return {}
            outputs.add(hit)
        return {"loss": 1.0}

    def _backward(self, tree: Expr) -> dict[str, float]:
        """∂E/∂net, gradients and updates: products of the backward pass's pieces."""
        found: dict[str, float] = {}
        if isinstance(tree, Sum) and len(tree.terms) == 2:
            value, step = tree.terms
            uphill = not isinstance(step, Neg)
            step = step if uphill else step.arg  # type: ignore[union-attr]
            pieces = plain_factors(step) or []
            for p in self.quantities.values:
                if not self.is_param(value, p) or not self.quantities.param_info[p]["trainable"]:
                    continue
                score = 1.0
                score += any(self.near(x, self.quantities.learning_rate) for x in pieces)
                score += any(self.is_q(x, f"grad.{p}") for x in pieces)
                found[f"updated.{p}"] = score / 3
            if found:
                return found
        if isinstance(tree, Sum):
            return self._shared_gradient(tree)
        factors = plain_factors(tree)
        if not factors or len(factors) < 2:
            return {}
        pieces = factors
        for v in self.neurons:
            roles = self._roles(pieces, v)
            if len(pieces) == 2 and distinct(roles["dout"], roles["dact"]):
                found[f"{v}.dnet"] = 1.0
            for u, w, p in self.edges:
                if w == v and self._part(pieces, u, v):
                    found[f"grad.{p}"] = 1.0
        return found

    def _roles(self, pieces: list[Num], v: str) -> dict[str, set[int]]:
        """Which factors can be node ``v``'s ∂E/∂out, ∂out/∂net and δ."""
        return {q: {k for k, x in enumerate(pieces) if self.is_q(x, f"{v}.{q}")} for q in ("dout", "dact", "dnet")}

    def _part(self, pieces: list[Num], u: str, v: str) -> bool:
        """``pieces`` multiply to one use's part of a gradient, δ_v × out_u (or the slip net_u),
        each piece a different factor (the 0.07 that is i2 is not δ as well)."""
        roles = self._roles(pieces, v)
        sources = {k for k, x in enumerate(pieces) if self.is_q(x, f"{u}.out") or self.is_q(x, f"{u}.net")}
        for k in sources:
            if roles["dnet"] - {k} or distinct(roles["dout"] - {k}, roles["dact"] - {k}):
                return True
        return False

    def _shared_gradient(self, tree: Sum) -> dict[str, float]:
        """Σ δ_v × out_u over the edges a shared weight is on: its gradient."""
        parts = [plain_factors(t) for t in tree.terms]
        if any(p is None or len(p) < 2 for p in parts):
            return {}
        found = {}
        for p in {p for _, _, p in self.edges}:
            uses = [(u, v) for u, v, q in self.edges if q == p]
            if len(uses) < 2 or len(parts) > len(uses):
                continue
            if all(any(self._part(part, u, v) for u, v in uses) for part in parts if part is not None):
                found[f"grad.{p}"] = len(parts) / len(uses)
        return found
