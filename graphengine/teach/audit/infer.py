"""The network a worked example is about, reconstructed from the page alone (``audit`` without ``--spec``).

The page states givens (``i_1 = 0.05``, a table of weights, ``η = 0.5``) and reveals its wiring by
its definitions: ``net_{h1} = w_1 i_1 + w_2 i_2 + b_1`` says i1 →w1→ h1, i2 →w2→ h1, bias b1.
A symbolic side followed by a numeric side of the same shape (``= 0.15 * 0.05 + …``) gives the
symbols' values. The page's conventions are followed and said: a bias named once per layer is
shared, a bias the page never updates is not trainable, every node of a layer is fed by the
nodes of the layer before it (a written definition that repeats a source takes the sibling it
leaves out), an output the page does not define is wired like its sibling with the next weights
in the page's numbering. What the page leaves open is named, never guessed: a weight it never
writes is taken from a candidate (Mazur's) only when its own numbers reproduce it (confirm.py).
Pages in matrix form (``[X] · [W]``) and softmaxes of given scores are read by matrixform.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .definitions import (
    NET_PREFIX,
    NUMBERED,
    OUT_PREFIX,
    RATE_KEYS,
    Definition,
    Reader,
    key,
    nothing_defined,
    numeric_defs,
    target_of,
)
from .matrixform import layer_product, softmax_of_scores
from .pagefacts import classic_weights, list_targets, page_activation, page_loss
from .scan import Page


@dataclass
class Inferred:
    spec: dict = field(default_factory=dict)  # a normal spec (YAML-able)
    notes: list[str] = field(default_factory=list)  # the conventions followed
    missing: list[str] = field(default_factory=list)  # what the page leaves open


def infer(page: Page, settings: dict[str, float] | None = None) -> Inferred:
    """The network of ``page`` as a spec, with the conventions followed and what is missing."""
    r = Reader(page)
    out = Inferred()
    settings = {key(k) if not k.startswith("target.") else k: v for k, v in (settings or {}).items()}
    rate = next((r.givens[k] for k in RATE_KEYS if k in r.givens), None)
    if found := layer_product(page.text, rate):  # `[X] · [W]`: the layer in matrix form
        return Inferred(found.spec, found.notes, found.missing)
    numeric_defs(r)
    if not r.defs and (found := softmax_of_scores(page.text, rate)):
        return Inferred(found.spec, found.notes)
    if not r.defs:
        out.missing.append(nothing_defined(page, r.givens))
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
            bare = OUT_PREFIX.sub("", out_sym)
            alias[bare] = node
            if bare != out_sym or not NET_PREFIX.match(net):
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
    more_targets = 0  # targets for outputs the page never computes
    for word, values in r.prose:
        group = inputs if word.startswith("input") else outputs
        names = [f"target{n}" for n in outputs] if not word.startswith("input") else inputs
        if len(values) == len(group):
            for n, v in zip(names, values, strict=True):
                given.setdefault(n, v)
        elif group is outputs and len(values) > len(outputs):
            more_targets = len(values)
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
    candidates: dict[str, float] = {}
    if unset and all(n in classic for n in unset):
        candidates = {n: float(classic[n]) for n in unset}
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
        if (o := target_of(name, outputs)) is not None:
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
            if more_targets:
                out.notes.append(
                    f"the page gives {more_targets} targets but computes only {', '.join(outputs)}: the outputs"
                    " it never computes are left out (no number it writes depends on them)"
                )
            targets = dict.fromkeys(outputs, 0.0)
    for o in outputs:
        if o not in targets:
            out.missing.append(f"the target of {o} is never given: pass --spec or --set target.{o}=VALUE")
    rate = next((given[k] for k in RATE_KEYS if k in given), None)
    spec: dict[str, object] = {"name": "inferred", "inputs": inputs, "outputs": outputs, "nodes": spec_nodes}
    spec |= {"edges": edges, "parameters": params, "loss": loss}
    spec["data"] = [{"inputs": {i: given.get(i) for i in inputs}, "targets": {o: targets.get(o) for o in outputs}}]
    if rate is not None:
        spec["training"] = {"learning_rate": rate}
    out.spec = spec
    if candidates and len(out.missing) == 1:
        _confirm_classic(out, candidates, page)
    return out


def _confirm_classic(out: Inferred, candidates: dict[str, float], page: Page) -> None:
    """Mazur's values for the weights the page never writes, when its own numbers reproduce them (confirm.py)."""
    from .confirm import confirm

    found = confirm(out.spec, candidates, page)
    if found is None:
        out.missing[0] = out.missing[0].replace(
            "as the page's other weights are)",
            "as the page's other weights are; its own numbers do not reproduce them)",
        )
        return
    for name, value in found.values.items():
        entry = out.spec["parameters"][name]
        if isinstance(entry, dict):
            entry["value"] = value
        else:
            out.spec["parameters"][name] = value
    taken = ", ".join(f"{n} = {v:g}" for n, v in found.values.items())
    out.notes.append(
        f"{', '.join(found.values)} never written: Mazur's classic {taken} (as the page's other weights are),"
        f" confirmed by the page's own numbers ({'; '.join(found.evidence[:3])}"
        + (f"; {len(found.evidence) - 3} more" if len(found.evidence) > 3 else "")
        + ")"
    )
    out.missing = []


def _order(name: str) -> tuple:
    m = NUMBERED.match(name)
    return (m.group(1), int(m.group(2))) if m else (name, 0)


def _rename(r: Reader, alias: dict[str, str], nodes: list[str], old: str, new: str) -> None:
    d = r.defs.pop(old)
    d.node = new
    r.defs[new] = d
    for k, v in list(alias.items()):
        if v == old:
            alias[k] = new
    alias[new] = new


def _fill_layers(r: Reader, alias: dict[str, str], layer: dict[str, int], out: Inferred) -> None:
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


def _new_siblings(r: Reader, alias: dict[str, str], layer: dict[str, int], out: Inferred) -> None:
    matches = [NUMBERED.match(w) for d in r.defs.values() for w, _ in d.terms]
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
        bare = OUT_PREFIX.sub("", name)
        m = NUMBERED.match(bare)
        if m and bare not in known and bare not in alias and m.group(1) != letter:
            sib = next(
                (n for n in sorted(known, key=_order) if (other := NUMBERED.match(n)) and other.group(1) == m.group(1)),
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
        r.defs[bare] = Definition(bare, terms, r.defs[sib].bias, bare)
        alias[bare] = alias["out" + bare] = bare
        layer[bare] = layer[sib]
        out.notes.append(f"{bare} is not defined on the page: wired like {sib} with {', '.join(w for w, _ in terms)}")
