"""What a page says besides its definitions: its activation and loss in words or formulas, the
assignments of its code blocks, and whether its weights are Mazur's classic ones (a hint only)."""

from __future__ import annotations

import re

from .scan import read_chains

_MINUS = "[-−–]"
_ONE_PLUS_EXP = re.compile(
    rf"1\s*\+\s*(?:e\s*\^\s*\{{?\(?\s*{_MINUS}|\\?exp\s*\(\s*{_MINUS}|e\s*⁻)", re.I
)  # 1 + e^{-x}, 1 + exp(-x), 1 + e⁻ᶻ: the sigmoid's denominator
_SOFTMAX = (  # the word, or e^{z_k} over a sum of exponentials
    r"softmax|categorical cross|\\frac\{\s*e\^\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}\s*\}\{\s*\\sum"
    r"|(?:e\^\{?|exp\()[^/\n]{0,12}/\s*(?:\\sum|Σ)"
)
_ACTIVATIONS = {
    "sigmoid": re.compile(r"σ|\\sigma\b|sigmoid|logistic"),
    "tanh": re.compile(r"tanh|hyperbolic tangent", re.I),
    "relu": re.compile(r"relu|\\?max\s*\\?(?:left)?\(\s*0\s*,", re.I),
}
_LOSSES = (  # the first that matches: a softmax's log before a log(1 − y), before a square
    ("softmax_cross_entropy", re.compile(_SOFTMAX, re.I), True),
    ("binary_cross_entropy", re.compile(rf"(?:log|ln)\s*\\?(?:left)?\(?\s*1\s*{_MINUS}|binary cross", re.I), False),
    ("mse", re.compile(r"mean squared error|\bMSE\b|\\frac\{1\}\{[nNm]\}\s*\\sum"), False),
    (
        "half_squared_error",
        re.compile(
            r"(?:\\[dt]?frac\{1\}\{2\}|½|1/2|0\.5)\s*(?:[×*·]|\\times|\\cdot)?\s*\\?(?:left)?[\\|(\[]|\\[dt]?frac12"
        ),
        False,
    ),
)


def page_activation(text: str) -> set[str]:
    """The activations a page names in words or formulas (σ, 1/(1+e^-x), tanh, max(0, x), ReLU).

    >>> sorted(page_activation(r"out = \\frac{1}{1+e^{-net}}, and ReLU(z) = max(0, z)"))
    ['relu', 'sigmoid']
    """
    found = {name for name, pattern in _ACTIVATIONS.items() if pattern.search(text)}
    if _ONE_PLUS_EXP.search(text):
        found.add("sigmoid")
    return found


def page_loss(text: str) -> str | None:
    """The loss a page writes: a softmax with a logarithm, ``−[t log y + (1−t) log(1−y)]``,
    a mean of squares, ``½(t − y)²``.

    >>> page_loss(r"L = -[y \\log \\hat{y} + (1 - y) \\log(1 - \\hat{y})]")
    'binary_cross_entropy'
    """
    has_log = re.search(r"log|\bln\b|cross.?entropy", text, re.I) is not None
    for name, pattern, needs_log in _LOSSES:
        if pattern.search(text) and (has_log or not needs_log):
            return name
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
