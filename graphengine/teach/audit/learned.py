"""The page's own notation learned from its definitions, for `audit` with a spec.

``z_2 = a_1 \\cdot w_2`` and ``a_2 = \\text{Sigmoid}(z_2)`` on a page whose spec calls the node o1:
w2 feeds o1, so z_2 is o1.net and a_2 is o1.out, whatever the spec's names.
"""

from __future__ import annotations

import re

import networkx as nx

from .definitions import Reader as _Reader
from .definitions import key
from .definitions import numeric_defs as _numeric_defs
from .names import Names, _key
from .scan import Page


def page_notation(page: Page, graph: nx.DiGraph, names: Names) -> dict[str, str]:
    """The page's own symbols for a network's quantities, learned from its definitions: the node a
    definition names is the one its weights feed (``z_2 = a_1 \\cdot w_2``: w2 feeds o1, so
    z_2 is o1.net and a_2 = σ(z_2) o1.out). Names the network has already keep their meaning."""
    r = _Reader(page)
    _numeric_defs(r)
    feeds = {_key(str(d["weight"])): v for _, v, d in graph.edges(data=True)}
    taken = set(names.nodes) | set(names.param_keys)
    found: dict[str, str] = {}
    for d in r.defs.values():
        targets = {feeds.get(_key(w)) for w, _ in d.terms}
        if len(targets) != 1 or None in targets:
            continue
        node = targets.pop()
        net = key(d.written)
        symbols = {net: f"{node}.net"}
        if net in r.outs:
            if r.outs[net][1] == net:
                continue  # `\hat{y1} = σ(y1)` read as y1 = σ(y1): which is which is not clear
            symbols[r.outs[net][1]] = f"{node}.out"
        for symbol, quantity in symbols.items():
            k = _key(symbol)
            mine = k == _key(str(node))  # the node's own name, used by the page for one of its quantities
            if k and (mine or k not in taken) and found.get(k, quantity) == quantity:
                found[k] = quantity
    return _siblings(found, list(graph.nodes))


def _siblings(found: dict[str, str], nodes: list[object]) -> dict[str, str]:
    """A node's bare name the page uses for its out (``h1 = σ(z1)``) means the out of its
    siblings too (``h2 = 0.5969``): nodes named with the same letters, the page defining none
    of them otherwise."""
    keys = {_key(str(v)): str(v) for v in nodes}
    for k, quantity in list(found.items()):
        node, _, kind = quantity.rpartition(".")
        if keys.get(k) != node:
            continue
        letters = re.match(r"[^\W\d_]+", k)
        if letters is None:
            continue
        for other, name in keys.items():
            if other not in found and re.fullmatch(rf"{re.escape(letters.group())}\d+", other):
                found[other] = f"{name}.{kind}"
    return found
