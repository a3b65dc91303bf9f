"""A page's givens and definitions, read from its chains (for ``audit`` without ``--spec``, infer.py).

``i_1 = 0.05`` is a given; ``net_{h1} = w_1 i_1 + w_2 i_2 + b_1`` a definition (which weight joins
which source, which bias); ``out_{h1} = σ(net_{h1})`` or ``1/(1+e^{-net_{h1}})`` says the node's
activation; a symbolic side followed by a numeric side of the same shape gives the symbols' values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..latex_math import Call, Const, Expr, Frac, Neg, Num, Pow, Prod, Sum, Sym
from .names import lhs_text
from .pagefacts import code_chains
from .scan import Page
from .wiring import numeric_wiring

NET_PREFIX = re.compile(r"^(?:net|sum|z|in|input)(?=[A-Za-z]\w*\d)|^(?:net|sum|in)")
OUT_PREFIX = re.compile(r"^(?:out|output|a|hat)(?=[A-Za-z])")
NUMBERED = re.compile(r"^([A-Za-z]+)(\d+)$")
_WEIGHT = re.compile(r"^(?:w|W|θ|theta)")
_FUNCTIONS = {"σ", "sigma", "sigmoid", "relu", "tanh", "softmax", "exp", "max", "f", "g"}
_ACTIVATION_WORDS = {"σ": "sigmoid", "sigma": "sigmoid", "sigmoid": "sigmoid", "relu": "relu", "tanh": "tanh"}


def key(text: str) -> str:
    """A symbol as a name: ``w_{1}`` → ``w1``, ``out_{h1}`` → ``outh1``, ``w_{H11.I1}`` → ``wH11_I1``."""
    text = re.sub(r"\\(?:text|mathrm|operatorname|mathit|hat)\b", "", text)
    text = re.sub(r"\^?\{?\+\}?|\^\{?\(?new\)?\}?", "new", text)
    text = re.sub(r"[\s_{}\\^]", "", text)
    return re.sub(r"\W", "_", text).strip("_")


@dataclass
class Definition:
    node: str
    terms: list[tuple[str, str]]  # (weight, source symbol)
    bias: str | None
    written: str


def _number(tree: Expr | None) -> float | None:
    if isinstance(tree, Num):
        return tree.value
    if isinstance(tree, Neg) and isinstance(tree.arg, Num):
        return -tree.arg.value
    return None


def _symbolic(tree: Expr | None) -> bool:
    if isinstance(tree, Sym):
        return True
    if isinstance(tree, Num | Const) or tree is None:
        return False
    parts = {
        Neg: lambda t: (t.arg,),
        Sum: lambda t: t.terms,
        Prod: lambda t: t.factors,
        Frac: lambda t: (t.numerator, t.denominator),
        Pow: lambda t: (t.base, t.exponent),
        Call: lambda t: t.args,
    }
    return any(_symbolic(c) for c in parts[type(tree)](tree))


def _align(sym: Expr, num: Expr, found: dict[str, float]) -> None:
    """Walk a symbolic side and a numeric side of the same shape: each symbol gets its number."""
    value = _number(num)
    if isinstance(sym, Sym) and value is not None:
        found.setdefault(key(sym.name), value)
        return
    if isinstance(sym, Sum) and isinstance(num, Sum):
        pass
    elif type(sym) is not type(num):
        return
    if isinstance(sym, Neg) and isinstance(num, Neg):
        _align(sym.arg, num.arg, found)
    elif isinstance(sym, Sum) and isinstance(num, Sum) and len(_flatten_sum(sym)) == len(_flatten_sum(num)):
        for a, b in zip(_flatten_sum(sym), _flatten_sum(num), strict=True):
            _align(a, b, found)
    elif isinstance(sym, Prod) and isinstance(num, Prod) and len(sym.factors) == len(num.factors):
        for a, b in zip(sym.factors, num.factors, strict=True):
            _align(a, b, found)
    elif isinstance(sym, Frac) and isinstance(num, Frac):
        _align(sym.numerator, num.numerator, found)
        _align(sym.denominator, num.denominator, found)


def _flatten_sum(tree: Expr) -> list[Expr]:
    if isinstance(tree, Sum):
        return [t for term in tree.terms for t in _flatten_sum(term)]
    return [tree]


def _linear(node: str, tree: Expr, written: str) -> Definition | None:
    """``w_1 i_1 + w_2 i_2 + b_1`` (``b_1 \\cdot 1``, ``out_h 1`` read as ``out_h1``)."""
    terms: list[tuple[str, str]] = []
    bias = None
    for term in _flatten_sum(tree):
        if isinstance(term, Sym):
            if bias is not None:
                return None
            bias = key(term.name)
            continue
        if not isinstance(term, Prod) or any(term.divide):
            return None
        factors = list(term.factors)
        if (
            len(factors) == 3
            and isinstance(factors[2], Num)
            and factors[2].text.isdigit()
            and isinstance(factors[1], Sym)
        ):
            factors = [factors[0], Sym(factors[1].name + factors[2].text)]  # plain `out_h1` read as out_h × 1
        symbols = [f for f in factors if isinstance(f, Sym)]
        if len(factors) == 2 and len(symbols) == 2:
            names = [key(f.name) for f in symbols]
            if any(n.lower() in _FUNCTIONS for n in names):
                return None  # `ReLU(z_1)`, `σ(z)`: an activation, not a weight times a source
            if _WEIGHT.match(names[1]) and not _WEIGHT.match(names[0]):
                names.reverse()  # `x \cdot w_1`: the weight is written second
            terms.append((names[0], names[1]))
        elif len(factors) == 2 and isinstance(factors[0], Sym) and _number(factors[1]) == 1.0:
            if bias is not None:
                return None
            bias = key(factors[0].name)
        else:
            return None
    return Definition(node, terms, bias, written) if terms else None


def node_name(lhs: str) -> str:
    name = key(lhs)
    stripped = NET_PREFIX.sub("", name)
    return stripped or name


def _activation_of(tree: Expr) -> tuple[str, str] | None:
    """(activation, the symbol it is applied to) of ``σ(z1)``, ``1/(1+e^{-net_{h1}})``, ``tanh(z)``, ``max(0, z)``."""
    if isinstance(tree, Call) and len(tree.args) >= 1:
        names = {"sigma": "sigmoid", "tanh": "tanh", "max": "relu", "relu": "relu"}
        arg = tree.args[-1]
        if tree.fn in names and isinstance(arg, Sym):
            return names[tree.fn], key(arg.name)
    if isinstance(tree, Prod) and len(tree.factors) == 2 and isinstance(tree.factors[0], Sym):
        word = key(tree.factors[0].name).lower()
        if word in _ACTIVATION_WORDS and isinstance(tree.factors[1], Sym):
            return _ACTIVATION_WORDS[word], key(tree.factors[1].name)
    if isinstance(tree, Frac | Prod):
        den = tree.denominator if isinstance(tree, Frac) else (tree.factors[1] if len(tree.factors) == 2 else None)
        if isinstance(den, Sum) and len(den.terms) == 2 and isinstance(den.terms[1], Call) and den.terms[1].fn == "exp":
            arg = den.terms[1].args[0]
            if isinstance(arg, Neg) and isinstance(arg.arg, Sym):
                return "sigmoid", key(arg.arg.name)
    return None


RATE_KEYS = ("η", "eta", "alpha", "α", "lr", "learningrate")
RATE = set(RATE_KEYS)
_PROSE_GIVEN = re.compile(
    r"(inputs?|targets?|desired outputs?|expected outputs?|target outputs?)\s*(?:of|are|is|:|=)?\s*"
    r"(-?\d+(?:\.\d+)?(?:\s*(?:,|and)\s*-?\d+(?:\.\d+)?)*)",
    re.I,
)


def target_of(name: str, outputs: list[str]) -> str | None:
    """``targeto1``/``target_o1`` → o1, ``t1``/``T_1``/``y1true`` → the first output."""
    if len(outputs) == 1 and name.lower() in ("ytrue", "target", "t", "ytarget", "desired"):
        return outputs[0]
    m = re.match(r"^(?:target|t|y)(\w+?)(?:true)?$", name, re.I)
    if name.lower().startswith("target") and name[6:] in outputs:
        return name[6:]
    if m and m.group(1).isdigit() and name[0] in "tT" and 0 < int(m.group(1)) <= len(outputs):
        return outputs[int(m.group(1)) - 1]
    return None


class Reader:
    def __init__(self, page: Page):
        self.givens: dict[str, float] = {}
        self.defs: dict[str, Definition] = {}
        self.outs: dict[str, tuple[str, str]] = {}  # net symbol -> (activation, out symbol)
        self.named: list[str] = []  # lhs keys in order
        self.numeric: list[tuple[str, Expr]] = []  # (lhs, a net written only in numbers)
        self.values: dict[str, float] = {}  # an out symbol's written value
        last_symbolic: dict[str, Expr] = {}
        for chain in code_chains(page.text) + page.chains:
            lhs = lhs_text(chain.lhs) if chain.lhs else ""
            name = key(lhs)
            trees = [s.tree for s in chain.sides if s.tree is not None]
            if not name or not trees:
                continue
            self.named.append(name)
            value = _number(trees[0]) if len(trees) == 1 else None
            if value is not None:
                self.givens.setdefault(name.lower() if name.lower() in RATE else name, value)
                if name in last_symbolic:
                    _align(last_symbolic[name], trees[0], self.givens)
                continue
            start = last_symbolic.get(name)
            for tree in trees:
                if _symbolic(tree) and not any(isinstance(n, Num) and not n.text.isdigit() for n in _nums(tree)):
                    start = tree
                    if (found := _linear(node_name(lhs), tree, lhs)) and found.node not in self.defs:
                        self.defs[found.node] = found
                    if act := _activation_of(tree):
                        self.outs.setdefault(act[1], (act[0], name))
                        if (last := chain.final()) is not None:
                            self.values.setdefault(name, last.value)
                elif start is not None:
                    _align(start, tree, self.givens)
                    start = None
                elif tree is trees[0] and len(trees) > 1:
                    self.numeric.append((lhs, tree))
            if start is not None:
                last_symbolic[name] = start
        self.prose: list[tuple[str, list[float]]] = [
            (m.group(1).lower(), [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", m.group(2))])
            for m in _PROSE_GIVEN.finditer(page.text)
        ]


def _nums(tree: Expr) -> list[Num]:
    if isinstance(tree, Num):
        return [tree]
    if isinstance(tree, Neg):
        return _nums(tree.arg)
    kids: tuple = ()
    if isinstance(tree, Sum):
        kids = tree.terms
    elif isinstance(tree, Prod):
        kids = tree.factors
    elif isinstance(tree, Frac):
        kids = (tree.numerator, tree.denominator)
    elif isinstance(tree, Pow):
        kids = (tree.base, tree.exponent)
    elif isinstance(tree, Call):
        kids = tree.args
    return [n for k in kids for n in _nums(k)]


def _symbols(tree: Expr) -> list[str]:
    if isinstance(tree, Sym):
        return [tree.name]
    kids: tuple = ()
    if isinstance(tree, Neg):
        kids = (tree.arg,)
    elif isinstance(tree, Sum):
        kids = tree.terms
    elif isinstance(tree, Prod):
        kids = tree.factors
    elif isinstance(tree, Frac):
        kids = (tree.numerator, tree.denominator)
    return [s for k in kids for s in _symbols(k)]


def _weighted_sum(tree: Expr) -> bool:
    """``0.15 × 0.05 + 0.20 × 0.10 + b_1``: a sum with a product of two numbers in it."""
    return isinstance(tree, Sum) and any(
        isinstance(t, Prod) and len(t.factors) == 2 and all(isinstance(f, Num) for f in t.factors) for t in tree.terms
    )


def nothing_defined(page: Page, givens: dict[str, float]) -> str:
    """What the page lacks when no node is defined: its sums written without a name for their
    node, and the symbols in them it never gives."""
    lines: list[int] = []
    unknown: list[str] = []
    for chain in page.chains:
        named = chain.lhs and re.search(r"[A-Za-z]", lhs_text(chain.lhs))
        sums = [s for s in chain.sides if s.tree is not None and _weighted_sum(s.tree)]
        if named or not sums:
            continue
        lines.append(page.line(sums[0].start))
        for side in sums:
            for name in _symbols(side.tree):  # type: ignore[arg-type]
                if key(name) not in givens and key(name).lower() not in _FUNCTIONS and key(name) not in unknown:
                    unknown.append(key(name))
    what = "no node is defined on the page (as net_h1 = w_1 i_1 + w_2 i_2 + b_1, or [X]·[W] in matrix form)"
    if lines:
        where = ", ".join(str(n) for n in sorted(set(lines)))
        what += f"; the weighted sums on line{'s' if len(set(lines)) > 1 else ''} {where} do not say which node"
        what += " (or which weights) they are"
    if unknown:
        what += f"; {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} never given"
    return what + ": pass --spec"


def numeric_defs(r: Reader) -> None:
    """Nets the page writes only in numbers, wired by matching the given values (wiring.py)."""
    if r.defs:
        return
    used: set[str] = set()
    net_of = {out_sym: net for net, (_, out_sym) in r.outs.items()}
    for lhs, tree in r.numeric:
        node = node_name(lhs)
        if node in r.defs:
            continue
        sources = {n: v for n, v in r.givens.items() if not re.match(r"^(?:w|W|b|t|T|y|θ)", n) and n not in RATE}
        sources |= {out_sym: v for out_sym, v in r.values.items() if out_sym in net_of}
        found = numeric_wiring(tree, r.givens, sources, used)
        if found:
            r.defs[node] = Definition(node, list(found[0]), found[1], lhs)
