"""Which quantity the left-hand side of a written equation names.

Worked examples name their quantities in many ways; each is reduced to words and matched
to the network's own nodes, outputs and parameters (case and ``_`` do not matter)::

    \\text{net}_{h1}, net_h1, z_{h1}, h_1^{net}            → h1.net
    \\text{out } H_1, out_{o1}, o_1^{\\text{out}}, a_{h1}     → h1.out / o1.out
    E_{o1}, E_{\\text{total}_1}, E_total, \\text{Sum}         → loss.o1 / loss
    \\frac{\\partial E}{\\partial w_5}, dE/dw5               → grad.w5
    \\frac{\\partial E}{\\partial out_{o1}}, \\delta_{o1}      → o1.dout / o1.dnet
    \\frac{\\partial out_{o1}}{\\partial net_{o1}}            → o1.dact
    \\frac{\\partial net_{o1}}{\\partial w_5}                 → h1.out (the input of w5's edge)
    W5_{new}, w_5^{+}, w_5', w_5^{(1)}                     → updated.w5
    h_1 (a node alone): net or out, from the arithmetic on the right

The result is a :class:`Named`: a canonical quantity (``h1.net``, the names ``check``
uses), a node whose quantity the arithmetic must tell, a given (a parameter, an input, a
target, the learning rate), or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

import networkx as nx

from ..latex_tokens import Token
from ..notation import canonical

NET_WORDS = {"net", "z", "in", "input", "sum"}
OUT_WORDS = {"out", "a", "output", "act", "activation", "y", "pred", "predicted", "yhat", "σ"}
LOSS_WORDS = {"e", "l", "loss", "error", "err", "c", "j", "total", "etotal", "cost"}
NEW_WORDS = {"new", "+", "'", "*", "updated", "next", "after", "t+1", "1", "(1)", "′"}
RATE_WORDS = {"η", "eta", "lr", "α", "alpha", "learning rate", "learningrate", "μ"}
GRADIENT_WORDS = {"gradient", "grad", "∇"}
TARGET_WORDS = {"t", "target", "true", "y*"}


_CODE_DERIVATIVE = re.compile(r"(d[A-Za-z]\w*?)_(d[A-Za-z]\w*)")


@dataclass(frozen=True)
class Named:
    kind: str  # quantity, node, param, input, target, rate, none
    name: str = ""  # the canonical quantity, node, parameter, input or output
    note: str = ""


def lhs_text(tokens: list[Token]) -> str:
    """The left-hand side as flat words: ``\\text{out } H_1`` → ``out H_1``,
    ``\\frac{\\partial E}{\\partial w_5}`` → ``∂ E / ∂ w_5``."""
    parts: list[str] = []
    frac_groups: list[int] = []  # brace depths at which a \frac's numerator closes
    depth = 0
    pending_frac = False
    previous: Token | None = None
    for token in tokens:
        if token.kind == "frac":
            pending_frac = True
            continue
        if token.kind == "open":
            depth += 1
            if pending_frac:
                frac_groups.append(depth)
                pending_frac = False
            if token.text == "(" and parts and parts[-1] in ("^", "_"):
                continue
            continue
        if token.kind == "close":
            if frac_groups and frac_groups[-1] == depth:
                frac_groups.pop()
                parts.append(" / ")
            depth -= 1
            continue
        if token.kind == "sub":
            parts.append("_")
        elif token.kind == "sup":
            parts.append("^")
        elif token.kind == "cmd":
            parts.append(
                " "
                + {"partial": "∂", "delta": "δ", "eta": "η", "alpha": "α", "sigma": "σ"}.get(token.text, token.text)
                + " "
            )
        elif token.kind == "text":
            parts.append(" " + " ".join(token.text.split()) + " ")
        elif token.kind == "op" and token.text == "/":
            parts.append(" / ")
        else:
            if token.kind in ("word", "num") and previous is not None and previous.end < token.start:
                parts.append(" ")  # `d net_o1`: two words, not `dnet`
            parts.append(token.text)
        previous = token
    text = "".join(parts)
    text = re.sub(r"\s*([_^])\s*", r"\1", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(/ )+$", "", text).strip()


LONGEST_ECHO = 40
"""The most characters of one number a report prints back; a longer one is cut with "…"."""

_LONG_NUMBER = re.compile(rf"[-−]?\d[\d.]{{{LONGEST_ECHO - 1},}}")


def brief(text: str) -> str:
    """``text`` with every number longer than :data:`LONGEST_ECHO` characters shortened
    (a page's 100,000-digit number is not printed back in full).

    >>> brief("net_h1 = 0." + "3" * 60)
    'net_h1 = 0.3333333333333333333333333333333333333…'
    """
    return _LONG_NUMBER.sub(lambda m: m.group()[: LONGEST_ECHO - 1] + "…", text)


def shown(text: str) -> str:
    """A left-hand side as a reader scans it: ``∂ total / ∂ w_5`` → ``∂total/∂w_5``."""
    text = text.replace(" / ", "/").replace("∂ ", "∂")
    return text if len(text) <= 40 else text[:39] + "…"


# The most words one node name is read from (`H 1`, `o o1`, `hidden unit 1`).
MAX_NAME_WORDS = 32


def _key(text: str) -> str:
    return re.sub(r"[\s_^{}()\\]", "", text).lower()


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s_^,]+", text) if w]


class Names:
    """Name matching for one network: nodes, outputs, parameters by a forgiving key."""

    def __init__(self, graph: nx.DiGraph, known: Collection[str] = ()) -> None:
        self.graph = graph
        self.known = known  # canonical quantity names: check's own notation is tried first
        self.inputs = list(graph.graph["inputs"])
        self.outputs = list(graph.graph["outputs"])
        self.params = list(graph.graph["parameters"])
        self.nodes = {_key(str(v)): v for v in graph.nodes}
        self.longest_node = max(map(len, self.nodes), default=0)
        self.aliases: dict[str, str] = {}  # the page's own symbols (a_1, z^{(2)}) → quantity, see infer.py
        self.param_keys = {_key(str(p)): p for p in self.params}
        for u, v, data in graph.edges(data=True):  # w_{11}-style double indices are not names
            self.param_keys.setdefault(_key(f"w{u}{v}"), data["weight"])

    def node(self, words: list[str]) -> str | None:
        """The node these words name (``H 1`` → ``h1``; ``o o1`` → ``o1``).

        Only runs of words no longer than the longest node name are tried (a key's length is
        the sum of its words' keys'), so 5,000 nested subscripts cost no cubic search."""
        longest = self.longest_node
        sizes = [len(_key(w)) for w in words]
        for k in range(len(words)):
            end, total = k, 0
            while end < len(words) and end - k < MAX_NAME_WORDS and total + sizes[end] <= longest:
                total += sizes[end]
                end += 1
            for j in range(end, k, -1):
                found = self.nodes.get(_key("".join(words[k:j])))
                if found is not None:
                    return found
        return None

    def param(self, words: list[str]) -> str | None:
        joined = _key("".join(words))
        if joined in self.param_keys:
            return self.param_keys[joined]
        return None

    def resolve(self, text: str) -> Named:
        """What a left-hand side names (see the module docstring)."""
        text = text.strip()
        if self.known and (q := canonical(text.replace(" ", ""), self.known)) is not None:
            return Named("quantity", q)  # `check`'s names: net_h1, dE/dw5, w5⁺, h1.net …
        if self.aliases and (q := self.aliases.get(_key(text))) is not None:
            return Named("quantity", q)  # a symbol the page defines for one of this network's quantities
        if (m := _CODE_DERIVATIVE.fullmatch(text)) is not None:
            return self._fraction(m.group(1), m.group(2))  # `dE_dw1`, code's name for ∂E/∂w1
        if "/" in text:
            top, _, bottom = text.partition("/")
            return self._fraction(top.strip(), bottom.strip())
        primed = text.endswith(("'", "′"))
        words = _words(text.rstrip("'′"))
        if not words:
            return Named("none")
        lowered = [w.lower() for w in words]
        if " ".join(lowered) in RATE_WORDS or "".join(lowered) in RATE_WORDS:
            return Named("rate")
        if lowered[0] in ("δ", "delta") and (node := self.node(words[1:])):
            return Named("quantity", f"{node}.dnet")
        if (param := self.param(words)) is not None:
            return Named("quantity", f"updated.{param}") if primed else Named("param", param)
        if len(words) > 1 and lowered[0] in GRADIENT_WORDS and (param := self.param(words[1:])) is not None:
            return Named("quantity", f"grad.{param}")  # a table's `Gradient` column of `w2`
        if len(words) > 1 and lowered[-1] in NEW_WORDS and (param := self.param(words[:-1])) is not None:
            return Named("quantity", f"updated.{param}")  # W5_new, w_5^{+}, w_5^{(1)}
        if len(words) > 1 and lowered[0] in NEW_WORDS - {"1", "(1)"} and (param := self.param(words[1:])):
            return Named("quantity", f"updated.{param}")  # new w5
        if len(words) > 1 and lowered[-1] in ("new", "+", "updated"):
            return Named("none", note=f"no parameter `{''.join(words[:-1])}` in this network")
        return self._thing(words)

    def _thing(self, words: list[str]) -> Named:
        lowered = [w.lower() for w in words]
        kinds = [w for w in lowered if w in NET_WORDS | OUT_WORDS | LOSS_WORDS | TARGET_WORDS]
        others = [w for w, low in zip(words, lowered) if low not in NET_WORDS | OUT_WORDS | LOSS_WORDS | TARGET_WORDS]
        node = self.node(words)  # a whole word list that is a node's name wins (`out` may be one)
        if node is not None and _key("".join(words)) == _key(str(node)):
            return Named("input", node) if node in self.inputs else Named("node", node)
        node = self.node(others) if others else None
        if lowered == ["sum"]:
            return Named("quantity", "loss", note="sum")  # the founding page's `Sum = 0.2748 + 0.0235`
        if words == ["j"]:
            # lowercase j alone: an index (`o_{j=1}`, `j = 1`) as often as the cost J
            return Named("none", note="`j` alone is an index as often as the cost J: not clear which")
        if words[0] == "e" and len(words) > 1 and self.node(words[1:]) is None:
            # lowercase e_1: the error t − y as often as a loss term, and its sign is the page's own
            index = "".join(words[1:])
            output = self.outputs[int(index) - 1] if index.isdigit() and 0 < int(index) <= len(self.outputs) else ""
            return Named("none", output, note=f"`e_{index}` is an error t − y or a loss term: not clear which")
        if kinds and kinds[0] in LOSS_WORDS:
            if (
                node is None
                and others
                and others[-1].isascii()
                and others[-1].isdigit()
                and 1 <= int(others[-1]) <= len(self.outputs)
            ):
                node = self.outputs[int(others[-1]) - 1]  # E_{total_1}: the first output's term
            if node is None and not others:
                return Named("quantity", "loss")
            if node in self.outputs:
                return Named("quantity", f"loss.{node}")
            if node is None and others and others[-1].isascii() and others[-1].isdigit():
                n = len(self.outputs)
                return Named("none", note=f"loss term {others[-1]}, but the network has {n} output{'s' * (n != 1)}")
            return Named("none", note="a loss term of a node that is not an output")
        if node is None and kinds and kinds[0] in TARGET_WORDS and len(others) == 1:
            position = int(others[0]) if others[0].isascii() and others[0].isdigit() else 0
            if 1 <= position <= len(self.outputs):
                return Named("target", self.outputs[position - 1])  # t_1: the first output's target
        if node is None:
            if self.node(words) is not None:
                return Named("node", self.node(words))  # type: ignore[arg-type]
            if input_ := self.param(words):
                return Named("param", input_)
            if kinds and kinds[0] in ("net", "out") and others:  # clearly a net or an out, of nothing here
                return Named("none", note=f"no node `{''.join(others)}` in this network")
            return Named("none")
        if node in self.inputs:
            return Named("input", node) if not kinds or kinds[0] in OUT_WORDS else Named("none")
        if kinds and kinds[0] in TARGET_WORDS:
            return Named("target", node) if node in self.outputs else Named("none")
        if kinds and kinds[0] in NET_WORDS:
            return Named("quantity", f"{node}.net")
        if kinds and kinds[0] in OUT_WORDS:
            return Named("quantity", f"{node}.out")
        return Named("node", node)

    def _fraction(self, top: str, bottom: str) -> Named:
        """``∂A / ∂B``: a derivative (``dE/dw5`` too)."""
        of, by = self.resolve_part(_derivative_part(top)), self.resolve_part(_derivative_part(bottom))
        if of.kind == "quantity" and of.name.startswith("loss."):
            # one output's term: ∂E_o1/∂out_o1 and ∂E_o1/∂net_o1 are the whole derivative, but
            # ∂E_o1/∂out_h1 is only the o1 path's part of a hidden node's, which is no quantity
            output = of.name[5:]
            subject = by.name.rsplit(".", 1)[0] if by.kind == "quantity" else by.name
            if subject != output:
                # only the o1 path's part of a hidden node's derivative: a quantity defined as δ_o1 · w
                return Named("quantity", f"part.{output}.{subject}", note=f"only the part through {output}")
        if of.kind == "quantity" and of.name.startswith("loss"):
            if by.kind == "param":
                return Named("quantity", f"grad.{by.name}")
            if by.kind == "quantity" and by.name.endswith(".net"):
                return Named("quantity", by.name.replace(".net", ".dnet"))
            if by.kind == "quantity" and by.name.endswith(".out"):
                return Named("quantity", by.name.replace(".out", ".dout"))
            if by.kind in ("node", "input"):
                return Named("quantity", f"{by.name}.dout")
            if by.kind == "none":
                return Named("none", note=by.note or f"`{bottom.lstrip('∂d ')}` is not in this network")
        if of.kind == "quantity" and of.name.endswith(".out") and by.kind == "quantity" and by.name.endswith(".net"):
            if of.name[:-4] == by.name[:-4]:
                return Named("quantity", of.name.replace(".out", ".dact"))
        if of.kind == "quantity" and of.name.endswith(".net") and by.kind == "param":
            target = of.name[:-4]
            sources = [u for u, v, d in self.graph.in_edges(target, data=True) if d["weight"] == by.name]
            if len(sources) == 1:
                return Named("quantity", f"{sources[0]}.out", note=f"∂net_{target}/∂{by.name}")
        if of.kind == "quantity" and of.name.endswith(".net") and by.kind in ("quantity", "node", "input"):
            source = by.name[:-4] if by.name.endswith(".out") else by.name
            weights = [d["weight"] for u, v, d in self.graph.in_edges(of.name[:-4], data=True) if u == source]
            if len(weights) == 1 and (by.kind != "quantity" or by.name.endswith(".out")):
                return Named("param", weights[0])  # ∂net_o1/∂out_h1 = w5
        return Named("none")

    def resolve_part(self, text: str) -> Named:
        """One side of a derivative: ``E``, ``out_o1``, ``w5``; a leading ``d`` is dropped
        when the rest names something and the whole does not (``dw5``)."""
        words = _words(text)
        if words and all(w.lower() in LOSS_WORDS for w in words):
            return Named("quantity", "loss")
        named = self.resolve(text)
        if named.kind in ("none", "node") and text.startswith("d") and len(text) > 1:
            stripped = self.resolve_part(text[1:].strip())
            if stripped.kind != "none":
                return stripped
        return named


def _derivative_part(text: str) -> str:
    """``∂ E`` → ``E`` (a ``d`` is for :meth:`Names.resolve_part` to judge)."""
    text = text.strip()
    if text.startswith("∂"):
        return text[1:].strip()
    return text
