"""What a page says besides its definitions: its activation and loss in words or formulas, the
assignments of its code blocks, and whether its weights are Mazur's classic ones (a hint only)."""

from __future__ import annotations

import re

from .scan import read_chains


def page_activation(text: str) -> set[str]:
    """The one activation a page names in words or formulas (σ, 1/(1+e^-x), tanh, ReLU)."""
    found = set()
    if re.search(r"σ|\\sigma|sigmoid|e\^\{?\(?[-−–]", text, re.I):
        found.add("sigmoid")
    if re.search(r"tanh|hyperbolic tangent", text, re.I):
        found.add("tanh")
    if re.search(r"relu|max\s*\(\s*0", text, re.I):
        found.add("relu")
    return found


def page_loss(text: str) -> str | None:
    plain = text.replace(" ", "")
    if re.search(r"softmax", text, re.I) and re.search(r"log|\bln", text):
        return "softmax_cross_entropy"
    if re.search(r"log\(?\\?(?:hat)?", text) and re.search(r"1-y|1−y", plain):
        return "binary_cross_entropy"
    if re.search(r"(?:\\frac\{1\}\{2\}|½|1/2|0\.5[×*·]?)\\?[\\|(]|\\frac12", plain):
        return "half_squared_error"
    return None


_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)


def code_chains(text: str) -> list:
    """Assignments in the page's code blocks (R ``w1 <- 0.1; w2 <- 0.5``, Python ``z1 = w1*x1 + b1``):
    givens and definitions as much as its maths."""
    lines = []
    for block in _FENCE.finditer(text):
        for line in block.group(1).splitlines():
            line = line.split("#", 1)[0]
            for statement in line.split(";"):
                if re.search(r"\bfunction\b|\bdef\b|\bimport\b|\bprint\b|[\[\]]", statement):
                    continue
                statement = statement.replace("<-", "=").strip()
                if re.fullmatch(r"[A-Za-z_]\w*\s*=\s*[^=]+", statement):
                    lines.append(statement)
    return read_chains("\n".join(lines)).chains if lines else []


_MAZUR = {
    "w1": "0.15",
    "w2": "0.20",
    "w3": "0.25",
    "w4": "0.30",
    "w5": "0.40",
    "w6": "0.45",
    "w7": "0.50",
    "w8": "0.55",
}


def classic_weights(given: dict[str, float]) -> dict[str, str]:
    """Mazur's weights, when the page's own are (at least four of) them: a hint, never a value taken."""
    stated = [w for w in _MAZUR if w in given]
    if len(stated) >= 4 and all(abs(given[w] - float(_MAZUR[w])) < 1e-12 for w in stated):
        return _MAZUR
    return {}


_TARGET_LIST = re.compile(r"\by(?:_\{?(?:\\text\{)?true\}?\}?)?`?\s*[:=]\s*`?\[+([-\d.,\s]+)\]")


def list_targets(text: str) -> list[float]:
    """``y = [1, 0]``, ``y_true = [[0, 1, 0]]``: the targets of the outputs in order (one sample)."""
    m = _TARGET_LIST.search(text)
    try:
        return [float(v) for v in m.group(1).split(",")] if m else []
    except ValueError:
        return []
