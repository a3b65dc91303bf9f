"""The network a worked example is about, reconstructed from the page alone (``audit`` without ``--spec``).

The page states givens (``i_1 = 0.05``, a table of weights, ``η = 0.5``) and reveals its wiring by
its definitions: ``net_{h1} = w_1 i_1 + w_2 i_2 + b_1`` says i1 →w1→ h1, i2 →w2→ h1, bias b1.
A symbolic side followed by a numeric side of the same shape (``= 0.15 * 0.05 + …``) gives the
symbols' values. The page's conventions are followed and said: a bias named once per layer is
shared, a bias the page never updates is not trainable, every node of a layer is fed by the
nodes of the layer before it (a written definition that repeats a source takes the sibling it
leaves out), an output the page does not define is wired like its sibling with the next weights
in the page's numbering. What the page leaves open is named, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..latex_math import Call, Const, Expr, Frac, Neg, Num, Pow, Prod, Sum, Sym
from .names import lhs_text
from .pagefacts import classic_weights, code_chains, list_targets, page_activation, page_loss
from .scan import Page

_PREFIX = re.compile(r"^(?:net|sum|z|in|input)(?=[A-Za-z]\w*\d)|^(?:net|sum|in)")
_OUT_PREFIX = re.compile(r"^(?:out|output|a|hat)(?=[A-Za-z])")
_NUMBERED = re.compile(r"^([A-Za-z]+)(\d+)$")
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
class Inferred:
    spec: dict = field(default_factory=dict)  # a normal spec (YAML-able)
    notes: list[str] = field(default_factory=list)  # the conventions followed
    missing: list[str] = field(default_factory=list)  # what the page leaves open


@dataclass
class _Def:
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


def _linear(node: str, tree: Expr, written: str) -> _Def | None:
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
    return _Def(node, terms, bias, written) if terms else None


def _node_name(lhs: str) -> str:
    name = key(lhs)
    stripped = _PREFIX.sub("", name)
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


_RATE = {"η", "eta", "alpha", "α", "lr", "learningrate"}
_PROSE_GIVEN = re.compile(
    r"(inputs?|targets?|desired outputs?|expected outputs?|target outputs?)\s*(?:of|are|is|:|=)?\s*"
    r"(-?\d+(?:\.\d+)?(?:\s*(?:,|and)\s*-?\d+(?:\.\d+)?)*)",
    re.I,
)


def _target_of(name: str, outputs: list[str]) -> str | None:
    """``targeto1``/``target_o1`` → o1, ``t1``/``T_1``/``y1true`` → the first output."""
    if len(outputs) == 1 and name.lower() in ("ytrue", "target", "t", "ytarget", "desired"):
        return outputs[0]
    m = re.match(r"^(?:target|t|y)(\w+?)(?:true)?$", name, re.I)
    if name.lower().startswith("target") and name[6:] in outputs:
        return name[6:]
    if m and m.group(1).isdigit() and name[0] in "tT" and 0 < int(m.group(1)) <= len(outputs):
        return outputs[int(m.group(1)) - 1]
    return None


class _Reader:
    def __init__(self, page: Page):
        self.givens: dict[str, float] = {}
        self.defs: dict[str, _Def] = {}
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
                self.givens.setdefault(name.lower() if name.lower() in _RATE else name, value)
                if name in last_symbolic:
                    _align(last_symbolic[name], trees[0], self.givens)
                continue
            start = last_symbolic.get(name)
            for tree in trees:
                if _symbolic(tree) and not any(isinstance(n, Num) and not n.text.isdigit() for n in _nums(tree)):
                    start = tree
                    if (found := _linear(_node_name(lhs), tree, lhs)) and found.node not in self.defs:
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


def infer(page: Page, settings: dict[str, float] | None = None) -> Inferred:
    """The network of ``page`` as a spec, with the conventions followed and what is missing."""
    r = _Reader(page)
    out = Inferred()
    settings = {key(k) if not k.startswith("target.") else k: v for k, v in (settings or {}).items()}
    _numeric_defs(r)
    if not r.defs:
        out.missing.append("no node is defined on the page (as net_h1 = w_1 i_1 + w_2 i_2 + b_1): pass --spec")
        return out
    # every name a node goes by: its net symbol, its out symbol, its bare name
    alias: dict[str, str] = {}
    nodes = list(r.defs)
    for node in list(nodes):
        d = r.defs[node]
        net = key(d.written)
        alias[net] = alias[node] = node
        if net in r.outs:
            act, out_sym = r.outs[net]
            alias[out_sym] = node
            bare = _OUT_PREFIX.sub("", out_sym)
            alias[bare] = node
            if bare != out_sym or not _PREFIX.match(net):
                pass
            if net == node and bare != node and bare not in r.defs:  # melfm: z1 = …, h1 = σ(z1)
                _rename(r, alias, nodes, node, bare)
    nodes = list(r.defs)
    for node in nodes:
        alias.setdefault("out" + node, node)
    layer: dict[str, int] = {}

    def depth(n: str, seen: tuple = ()) -> int:
        if n not in r.defs or n in seen:
            return 0
        if n not in layer:
            layer[n] = 1 + max(depth(alias.get(s, s), (*seen, n)) for _, s in r.defs[n].terms)
        return layer[n]

    for node in nodes:
        depth(node)
    _fill_layers(r, alias, layer, out)
    inputs: list[str] = []
    for node in r.defs:
        for _, src in r.defs[node].terms:
            if alias.get(src, src) not in r.defs and src not in inputs:
                inputs.append(src)
    nodes = sorted(r.defs, key=lambda n: (layer[n], _order(n)))
    fed = {alias.get(s, s) for n in nodes for _, s in r.defs[n].terms}
    outputs = [n for n in nodes if n not in fed]
    # activations: the page's own, the page's single one for the nodes it does not show
    acts = {}
    for node in nodes:
        net = key(r.defs[node].written)
        acts[node] = r.outs.get(net, r.outs.get(node, (None,)))[0]
    shown = {a for a in acts.values() if a} or page_activation(page.text)
    loss = page_loss(page.text)
    for node, a in acts.items():
        if loss == "softmax_cross_entropy" and node in outputs:
            continue  # the softmax is the loss's: the outputs are its logits
        if a is None:
            only = shown.pop() if len(shown) == 1 else None
            acts[node] = only
            if only:
                shown.add(only)
    if acts and any(a is None for a in acts.values()) and shown:
        out.notes.append("nodes whose activation the page does not show take the page's own")
    # givens
    given = dict(r.givens) | {k: v for k, v in settings.items() if not k.startswith("target.")}
    for word, values in r.prose:
        group = inputs if word.startswith("input") else outputs
        names = [f"target{n}" for n in outputs] if not word.startswith("input") else inputs
        if len(values) == len(group):
            for n, v in zip(names, values, strict=True):
                given.setdefault(n, v)
    params: dict[str, object] = {}
    edges = []
    spec_nodes: dict[str, dict] = {}
    updated = {key(re.sub(r"\^\+|new|updated|\+", "", n)) for n in r.named if re.search(r"\+|new|updated", n)}
    for node in nodes:
        d = r.defs[node]
        entry: dict[str, object] = {"activation": acts[node]} if acts[node] else {}
        if d.bias:
            entry["bias"] = d.bias
        spec_nodes[node] = entry
        for w, src in d.terms:
            edges.append({"from": alias.get(src, src), "to": node, "weight": w})
            params[w] = given.get(w)
    biases = {bias for n in nodes if (bias := r.defs[n].bias)}
    for b in sorted(biases):
        params[b] = {"value": given.get(b), "trainable": b in updated}
    shared = [b for b in biases if sum(r.defs[n].bias == b for n in nodes) > 1]
    if shared:
        out.notes.append(f"a bias shared by the nodes of a layer ({', '.join(sorted(shared))}), as the page writes")
    if biases and not biases & updated:
        out.notes.append("biases not updated (the page updates none)")
    for name in inputs:
        if name not in given:
            out.missing.append(f"input {name} is never given: pass --spec or --set {name}=VALUE")
    classic = classic_weights(given)
    unset = [n for n, v in params.items() if (v["value"] if isinstance(v, dict) else v) is None]
    if unset and all(n in classic for n in unset):
        sets = " ".join(f"--set {n}={classic[n]}" for n in unset)
        out.missing.append(
            f"{', '.join(unset)} {'is' if len(unset) == 1 else 'are'} never given: pass --spec or {sets}"
            " (Mazur's classic values, as the page's other weights are)"
        )
    else:
        out.missing += [f"{n} is never given: pass --spec or --set {n}=VALUE" for n in unset]
    targets: dict[str, float] = {}
    listed = list_targets(page.text)
    if len(listed) == len(outputs):
        targets = dict(zip(outputs, listed, strict=True))
    for name, value in given.items():
        if (o := _target_of(name, outputs)) is not None:
            targets.setdefault(o, value)
    for k, v in settings.items():
        if k.startswith("target."):
            targets[k[7:]] = v
    if loss is None:
        if targets:
            out.missing.append("the loss is never written: pass --spec")
        else:
            loss = "half_squared_error"
            out.notes.append("the page computes no loss: targets 0 as placeholders")
            targets = dict.fromkeys(outputs, 0.0)
    for o in outputs:
        if o not in targets:
            out.missing.append(f"the target of {o} is never given: pass --spec or --set target.{o}=VALUE")
    rate = next((given[k] for k in ("η", "eta", "alpha", "α", "lr", "learningrate") if k in given), None)
    spec: dict[str, object] = {"name": "inferred", "inputs": inputs, "outputs": outputs, "nodes": spec_nodes}
    spec |= {"edges": edges, "parameters": params, "loss": loss}
    spec["data"] = [{"inputs": {i: given.get(i) for i in inputs}, "targets": {o: targets.get(o) for o in outputs}}]
    if rate is not None:
        spec["training"] = {"learning_rate": rate}
    out.spec = spec
    return out


def _numeric_defs(r: _Reader) -> None:
    """Nets the page writes only in numbers, wired by matching the given values (wiring.py)."""
    from .wiring import numeric_wiring

    if r.defs:
        return
    used: set[str] = set()
    net_of = {out_sym: net for net, (_, out_sym) in r.outs.items()}
    for lhs, tree in r.numeric:
        node = _node_name(lhs)
        if node in r.defs:
            continue
        sources = {n: v for n, v in r.givens.items() if not re.match(r"^(?:w|W|b|t|T|y|θ)", n) and n not in _RATE}
        sources |= {out_sym: v for out_sym, v in r.values.items() if out_sym in net_of}
        found = numeric_wiring(tree, r.givens, sources, used)
        if found:
            r.defs[node] = _Def(node, list(found[0]), found[1], lhs)


def _order(name: str) -> tuple:
    m = _NUMBERED.match(name)
    return (m.group(1), int(m.group(2))) if m else (name, 0)


def _rename(r: _Reader, alias: dict[str, str], nodes: list[str], old: str, new: str) -> None:
    d = r.defs.pop(old)
    d.node = new
    r.defs[new] = d
    for k, v in list(alias.items()):
        if v == old:
            alias[k] = new
    alias[new] = new


def _fill_layers(r: _Reader, alias: dict[str, str], layer: dict[str, int], out: Inferred) -> None:
    """Dense layers: a repeated source takes the sibling left out; a node the page names but
    never defines (``out_{o2} = …``) is wired like its sibling with the next unused weights."""
    _new_siblings(r, alias, layer, out)
    by_layer: dict[int, list[str]] = {}
    for n, k in layer.items():
        by_layer.setdefault(k, []).append(n)
    for node, d in r.defs.items():
        srcs = [alias.get(s, s) for _, s in d.terms]
        if len(set(srcs)) < len(srcs):
            k = layer[node] - 1
            pool = sorted(by_layer.get(k, []), key=_order)
            left = [p for p in pool if p not in srcs]
            if len(left) == 1:
                dup = next(s for s in srcs if srcs.count(s) > 1)
                i = len(srcs) - 1 - srcs[::-1].index(dup)
                d.terms[i] = (d.terms[i][0], left[0])
                out.notes.append(f"{d.written}'s definition repeats {dup}: taken as {left[0]} (dense layers)")


def _new_siblings(r: _Reader, alias: dict[str, str], layer: dict[str, int], out: Inferred) -> None:
    matches = [_NUMBERED.match(w) for d in r.defs.values() for w, _ in d.terms]
    numbered = [m for m in matches if m is not None]
    if not numbered or len(numbered) < len(matches):
        return
    letter = numbered[0].group(1)
    if any(m.group(1) != letter for m in numbered):
        return
    used = {int(m.group(2)) for m in numbered}
    known = set(r.defs)
    candidates = []
    for name in r.named:
        bare = _OUT_PREFIX.sub("", name)
        m = _NUMBERED.match(bare)
        if m and bare not in known and bare not in alias and m.group(1) != letter:
            sib = next(
                (
                    n
                    for n in sorted(known, key=_order)
                    if (other := _NUMBERED.match(n)) and other.group(1) == m.group(1)
                ),
                None,
            )
            if sib and bare not in candidates:
                candidates.append(bare)
    for bare in sorted(
        candidates, key=lambda b: (layer[next(n for n in known if _order(n)[0] == _order(b)[0])], _order(b))
    ):
        sib = min((n for n in known if _order(n)[0] == _order(bare)[0]), key=_order)
        free = (k for k in range(1, 10_000) if k not in used)
        terms = []
        for _, src in r.defs[sib].terms:
            k = next(free)
            used.add(k)
            terms.append((f"{letter}{k}", src))
        r.defs[bare] = _Def(bare, terms, r.defs[sib].bias, bare)
        alias[bare] = alias["out" + bare] = bare
        layer[bare] = layer[sib]
        out.notes.append(f"{bare} is not defined on the page: wired like {sib} with {', '.join(w for w, _ in terms)}")
