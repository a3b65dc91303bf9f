"""The pieces of the chain rule for one node, with numbers: the equations ``explain`` assembles.

For node ``v`` of one sample: its forward pass (``net_v``, ``out_v`` substituted), its
``∂E/∂out`` (through the loss directly and over every edge out of it), ``∂out/∂net`` and
``∂E/∂net``; :meth:`ChainRule.downstream` orders the ``∂E/∂net`` a derivation needs.
Symbols (``out_h1``, ``net_h1``, parameter names) and rounding are decided here once, so
the explanation, the step-through page and the worksheets all write the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..._util.numfmt import derivation_number as number
from ...errors import GraphEngineError, valid_samples
from ...model.graph import ParameterUse, parameter_uses
from ..notation import LOSS
from .document import Eq, Para
from .mathfmt import SYMBOLS, M, escape_tex_text, m_number, name_tex, name_text, substitute

if TYPE_CHECKING:
    from ...engine.network import Network
    from ...engine.trace import Trace
    from ...plugins.registry import Activation

MAX_TERMS = 12  # longer sums show their first and last terms only


def _join(parts: list[M], sep_text: str, sep_tex: str) -> M:
    if len(parts) > MAX_TERMS:
        more = len(parts) - 4
        parts = parts[:3] + [M(f"… ({more} more)", rf"\cdots_{{({more}\ \text{{more}})}}")] + parts[-1:]
    return M(sep_text.join(p.text for p in parts), sep_tex.join(p.tex for p in parts))


def sum_of(parts: list[M]) -> M:
    return _join(parts, " + ", " + ") if parts else M("0", "0")


def product_of(parts: list[M], numeric: bool) -> M:
    return _join(parts, " × " if numeric else " · ", r" \times " if numeric else r" \cdot ")


def _paren(m: M) -> M:
    return M(f"({m.text})", rf"\left({m.tex}\right)")


class ChainRule:
    """The chain-rule equations of one network and one :class:`~graphengine.engine.trace.Trace`, per node."""

    def __init__(self, net: Network, trace: Trace, digits: int = 4, sample: int = 0) -> None:
        self.net, self.trace, self.digits = net, trace, digits
        G = self.graph = net.graph
        if not 0 <= sample < trace.n_samples:
            raise GraphEngineError(
                f"sample {sample} does not exist (the spec has {trace.n_samples} sample(s); "
                f"valid: {valid_samples(trace.n_samples)})"
            )
        self.sample = sample
        self.inputs: list[str] = list(G.graph["inputs"])
        self.outputs: list[str] = list(G.graph["outputs"])
        # Membership tests are per term of every sum: sets, or a wide layer's equations are quadratic.
        self.input_set, self.output_set = frozenset(self.inputs), frozenset(self.outputs)
        self.loss = G.graph["loss"]
        self.loss_params: dict[str, float] = G.graph["loss_params"]
        self.reduction: str = G.graph["reduction"]
        self.n_samples = trace.n_samples
        self.order: list[str] = list(trace.plan.nodes)
        self.position = {v: i for i, v in enumerate(self.order)}
        self.param_info: dict[str, dict[str, Any]] = G.graph["parameters"]
        self.values, self.grads, self.new = trace.values, trace.gradients, trace.updated
        self.derived: set[str] = set()  # nodes whose ∂E/∂net this document has written out

        # Every use of a parameter: (source node or None for a bias, target node).
        # Edges in the spec's order (hand-written edges, then layers, by their index), then
        # biases in plan order.
        def order(use: ParameterUse) -> tuple[int, float]:
            u, v = use
            if u is None:
                return (1, self.position[v])
            return (0, G.edges[u, v].get("index", math.inf))

        self.uses = {p: sorted(uses, key=order) for p, uses in parameter_uses(G).items()}

    # ------------------------------------------------------------------ symbols
    def num(self, x: float, wrap: bool = False) -> M:
        return m_number(x, self.digits, wrap_negative=wrap)

    def out(self, v: str) -> M:
        if v in self.input_set:
            return M(v, name_tex(v))
        return M(f"out_{v}", rf"\mathrm{{out}}_{{{name_tex(v, True)}}}")

    def netsym(self, v: str) -> M:
        return M(f"net_{v}", rf"\mathrm{{net}}_{{{name_tex(v, True)}}}")

    def param(self, p: str) -> M:
        return M(name_text(p), name_tex(p))

    @staticmethod
    def partial(a: M, b: M) -> M:
        return M(f"∂{a.text}/∂{b.text}", rf"\frac{{\partial {a.tex}}}{{\partial {b.tex}}}")

    LOSS_SYMBOL = M(LOSS, LOSS)  # the one loss symbol of every view (graphengine.views.notation)

    def target(self, v: str) -> M:
        return M(f"t_{v}", rf"t_{{{name_tex(v, True)}}}")

    def _call(self, fn: Activation, params: dict[str, float], arg: M, prime: bool = False) -> M:
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
        s, G = self.sample, self.graph
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
        eqs = [Eq([self.netsym(v), sum_of(sym), sum_of(nums), self.num(self.trace.net(v, s))])]
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
        if v not in self.output_set:
            return None
        s, k = self.sample, self.outputs.index(v)
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
        if self.reduction == "mean" and self.n_samples > 1:
            factor = M(f"(1/{self.n_samples})·", rf"\frac{{1}}{{{self.n_samples}}}")
            sym, numeric = factor + _paren(sym), factor + _paren(numeric)
        return sym, numeric

    def dout_eq(self, v: str, label: str = "", indent: int = 0) -> Eq:
        s = self.sample
        sym: list[M] = []
        nums: list[M] = []
        direct = self.loss_part(v)
        if direct:
            sym.append(direct[0])
            nums.append(direct[1])
        succ = sorted(self.graph.out_edges(v, data=True), key=lambda e: self.position[e[1]])
        for _, w, d in succ:
            sym.append(self.partial(self.LOSS_SYMBOL, self.netsym(w)) + M("·", r" \cdot ") + self.param(d["weight"]))
            nums.append(
                self.num(self.trace.dnet(w, s), True) + M(" × ", r" \times ") + self.num(self.values[d["weight"]], True)
            )
        lhs = self.partial(self.LOSS_SYMBOL, self.out(v))
        if not sym:
            return Eq([lhs, M("0 (nothing after this node reaches the loss)", r"0")], label, indent)
        parts = [lhs, sum_of(sym)] if len(sym) > 1 or not direct else [lhs, direct[0]]
        parts += [sum_of(nums), self.num(self.trace.dout(v, s))]
        return Eq(parts, label, indent)

    def dact_eq(self, v: str, label: str = "", indent: int = 0) -> Eq:
        s = self.sample
        act, params = self.graph.nodes[v]["activation"], self.graph.nodes[v]["activation_params"]
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
        s = self.sample
        return Eq(
            [
                self.partial(self.LOSS_SYMBOL, self.netsym(v)),
                self.partial(self.LOSS_SYMBOL, self.out(v))
                + M(" × ", r" \times ")
                + self.partial(self.out(v), self.netsym(v)),
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
            return iter(sorted(self.graph.successors(node), key=self.position.__getitem__))

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

    def local(self, p: str, use: ParameterUse, sample: int) -> tuple[M, float]:
        u, v = use
        if u is None:
            return M("1", "1"), 1.0
        return self.out(u), self.trace.out(u, sample)

    def describe_use(self, use: ParameterUse) -> str:
        u, v = use
        return f"bias of {v}" if u is None else f"weight of the edge {u} → {v}"

    # ------------------------------------------------------------------ per parameter
    def _sample_label(self) -> str:
        return f"sample {self.sample}'s contribution" if self.n_samples > 1 else ""

    def contribution(self, p: str, sample: int) -> float:
        return sum(self.trace.dnet(v, sample) * self.local(p, (u, v), sample)[1] for u, v in self.uses[p])


def _param_tex(name: str) -> str:
    r"""A plugin parameter's name in maths: a Greek letter's name as the letter (``alpha`` → ``\alpha``,
    as plugin formulas write it), any other name upright (``\mathrm{delta_2}``), never a product of italics."""
    letter = SYMBOLS.get(name, "")
    if len(letter) == 1 and "\u0370" <= letter <= "\u03ff":
        return rf"\{name}"
    return rf"\mathrm{{{escape_tex_text(name)}}}"
