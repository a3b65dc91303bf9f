"""Mathematics in two forms: every piece kept as terminal text and as LaTeX (:class:`M`).

Numbers, node and parameter names in both forms; plugin formulas are LaTeX only:
:func:`tex_to_text` turns the usual subset into readable text, and :func:`substitute`
puts symbols or numbers in for ``x``, ``y``, ``t`` ... in them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..._util.numfmt import derivation_number
from ...model.aliases import edge_of, parameter_label

# --------------------------------------------------------------------------- maths in two forms


@dataclass(frozen=True)
class M:
    """One piece of mathematics as terminal text and as LaTeX."""

    text: str
    tex: str

    def __add__(self, other: M) -> M:
        return M(self.text + other.text, self.tex + other.tex)


def m_number(x: float, digits: int, wrap_negative: bool = False) -> M:
    s = derivation_number(x, digits)
    if "e" in s:
        mantissa, exponent = s.split("e")
        tex = rf"{mantissa} \times 10^{{{exponent}}}"
    else:
        tex = s
    if wrap_negative and s.startswith("-"):
        return M(f"({s})", rf"\left({tex}\right)")
    return M(s, tex)


_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "^": r"\^{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "~": r"\~{}",
    "<": r"\textless{}",  # also never raw HTML when the maths sits in a Markdown file
    ">": r"\textgreater{}",
}


def escape_tex_text(s: str) -> str:
    """Plain text made safe for LaTeX text mode (and for ``\\text{…}``)."""
    out = "".join(_TEX_SPECIAL.get(c, c) for c in s)
    # `--param` must not become an en dash (the Unicode dashes below map to -- and --- on purpose).
    out = out.replace("--", "-{}-").replace("--", "-{}-")
    for uni, tex in _UNICODE_TEX.items():
        out = out.replace(uni, tex)
    # pdflatex cannot typeset other non-ASCII characters without extra packages: keep the
    # letter of an accented one (é → e), else write ?.
    return "".join(c if ord(c) < 128 else _ascii_letter(c) for c in out)


def _ascii_letter(c: str) -> str:
    import unicodedata

    base = unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode()
    return base if base.isalpha() else "?"


_UNICODE_TEX = {
    "→": r"$\to$",
    "∂": r"$\partial$",
    "×": r"$\times$",
    "·": r"$\cdot$",
    "−": "-",
    "≈": r"$\approx$",
    "η": r"$\eta$",
    "Σ": r"$\Sigma$",
    "…": r"\dots{}",
    "—": "---",
    "–": "--",
    "’": "'",
    "′": "'",
    "½": r"$\tfrac{1}{2}$",
    "²": r"$^2$",
    "≤": r"$\le$",
    "≥": r"$\ge$",
    "σ": r"$\sigma$",
    "α": r"$\alpha$",
    "β": r"$\beta$",
    "δ": r"$\delta$",
    "✓": "ok",
    "✗": "x",
    "±": r"$\pm$",
}


def name_tex(name: str, subscript: bool = False) -> str:
    """A node or parameter name in maths: ``w1`` → ``w_{1}``, ``h1->o1`` → ``w_{h1 \\to o1}``."""
    if subscript:
        return name if re.fullmatch(r"[A-Za-z0-9]+", name) else rf"\text{{{escape_tex_text(name)}}}"
    match = re.fullmatch(r"([A-Za-z])(\d+)", name)
    if match:
        return f"{match[1]}_{{{match[2]}}}"
    if re.fullmatch(r"[A-Za-z]", name):
        return name
    edge = edge_of(name)
    if edge:
        return rf"w_{{{name_tex(edge[0], True)} \to {name_tex(edge[1], True)}}}"
    if name.endswith(".bias"):
        return rf"b_{{{name_tex(name[:-5], True)}}}"
    if re.fullmatch(r"[A-Za-z0-9]+", name):
        return rf"\mathrm{{{name}}}"
    return rf"\text{{{escape_tex_text(name)}}}"


def name_text(name: str) -> str:
    """A parameter name in text: the one spelling every view shows (:mod:`graphengine.model.aliases`)."""
    return parameter_label(name)


# --------------------------------------------------------------------------- LaTeX formulas → text

SYMBOLS = {
    "sigma": "σ",
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "lambda": "λ",
    "mu": "μ",
    "tau": "τ",
    "theta": "θ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "pi": "π",
    "phi": "φ",
    "eta": "η",
    "cdot": "·",
    "times": "×",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "to": "→",
    "infty": "∞",
    "sum": "Σ",
    "prod": "Π",
    "partial": "∂",
    "approx": "≈",
    "neq": "≠",
    "pm": "±",
    "cdots": "…",
    "ldots": "…",
    "dots": "…",
    "quad": "  ",
    "qquad": "   ",
    ",": " ",
    ";": " ",
    ":": " ",
    "!": "",
    " ": " ",
    "left": "",
    "right": "",
    "big": "",
    "Big": "",
    "bigl": "",
    "bigr": "",
    "textstyle": "",
    "displaystyle": "",
    "{": "{",
    "}": "}",
    "lbrace": "{",
    "rbrace": "}",
    "%": "%",
    "_": "_",
    "&": "&",
}
_SUPERSCRIPT = str.maketrans("0123456789+-n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿ")
_FRACTIONS = {("1", "2"): "½", ("1", "3"): "⅓", ("1", "4"): "¼"}
_SIMPLE = re.compile(r"[\w.·σαβγδλμτθεπφη′']+|\([^()]*\)|\[[^\[\]]*\]")


def _group(s: str, i: int) -> tuple[str, int]:
    """The argument starting at ``s[i]``: a braced group's content or one token."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        return "", i
    if s[i] == "{":
        depth, j = 0, i
        while j < len(s):
            depth += {"{": 1, "}": -1}.get(s[j], 0)
            if depth == 0:
                return s[i + 1 : j], j + 1
            j += 1
        return s[i + 1 :], len(s)
    if s[i] == "\\":
        m = re.match(r"\\([A-Za-z]+|.)", s[i:])
        assert m
        return m.group(0), i + len(m.group(0))
    return s[i], i + 1


def _wrap(text: str) -> str:
    return text if _SIMPLE.fullmatch(text) else f"({text})"


def tex_to_text(s: str) -> str:
    """A readable plain-text form of a LaTeX formula (the subset plugins use).

    >>> tex_to_text(r"\\frac{1}{1 + e^{-x}}"), tex_to_text(r"\\tfrac{1}{2}(t - y)^2"), tex_to_text(r"y\\,(1 - y)")
    ('1/(1 + e^(−x))', '½(t − y)²', 'y (1 − y)')
    """
    out: list[str] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", s[i:])
            assert m
            cmd, i = m.group(1), i + len(m.group(0))
            if cmd in ("frac", "tfrac", "dfrac"):
                num, i = _group(s, i)
                den, i = _group(s, i)
                if (num.strip(), den.strip()) in _FRACTIONS:
                    out.append(_FRACTIONS[(num.strip(), den.strip())])
                else:
                    out.append(f"{_wrap(tex_to_text(num))}/{_wrap(tex_to_text(den))}")
            elif cmd in ("operatorname", "mathrm", "text", "mathbf", "mathit", "boldsymbol", "mathsf"):
                arg, i = _group(s, i)
                out.append(tex_to_text(arg))
            elif cmd == "sqrt":
                arg, i = _group(s, i)
                out.append(f"√{_wrap(tex_to_text(arg))}")
            elif cmd == "begin":
                env, i = _group(s, i)
                end = s.find(rf"\end{{{env}}}", i)
                body = s[i : end if end >= 0 else len(s)]
                i = end + len(rf"\end{{{env}}}") if end >= 0 else len(s)
                rows = [r for r in re.split(r"\\\\", body) if r.strip()]
                if env == "cases":
                    parts = []
                    for row in rows:
                        value, _, cond = row.partition("&")
                        cond = tex_to_text(cond).strip()
                        # "otherwise", "else", "if x > 0": no second "if".
                        joint = " " if not cond or cond.split()[0] in ("otherwise", "else", "if") else " if "
                        parts.append(f"{tex_to_text(value).strip()}{joint}{cond}".rstrip())
                    out.append("; ".join(parts))
                else:
                    out.append("; ".join(tex_to_text(r.replace("&", "")).strip() for r in rows))
            elif cmd == "\\":
                out.append("; ")
            elif cmd in SYMBOLS:
                out.append(SYMBOLS[cmd])
            elif cmd in ("ln", "log", "exp", "tanh", "sinh", "cosh", "sin", "cos", "max", "min", "sgn"):
                out.append(cmd + ("" if i < len(s) and s[i] in "(^_" else " "))
            else:
                out.append(cmd)
            continue
        if c in "^_":
            arg, i = _group(s, i + 1)
            inner = tex_to_text(arg)
            if c == "^" and inner and all(ch in "0123456789+-n" for ch in inner):
                out.append(inner.translate(_SUPERSCRIPT))
            elif c == "^":
                out.append(f"^{_wrap(inner)}")
            else:
                out.append(f"_{inner}")
            continue
        if c == "{":
            arg, i = _group(s, i)
            out.append(tex_to_text(arg))
            continue
        out.append({"-": "−", "*": "·", "~": " "}.get(c, c))
        i += 1
    return re.sub(r" {2,}", " ", "".join(out)).strip() if out else ""


# --------------------------------------------------------------------------- substitution

_PLACEHOLDER = "\\gevar"


def substitute(formula: str, values: dict[str, M], numeric: bool = False) -> M:
    """Put ``values`` in for the variables of a LaTeX ``formula``; return text and LaTeX.

    A variable is a standalone letter or word (``x``, ``y``, ``alpha``) or a Greek
    command (``\\alpha``); ``t_k`` and ``\\mathrm{x}`` are left alone. Numbers get an
    explicit ``·`` where the formula multiplies by juxtaposition.
    """
    found: list[M] = []

    def repl_factory(value: M) -> Callable[[re.Match[str]], str]:
        def repl(match: re.Match[str]) -> str:
            found.append(value)
            token = f"{_PLACEHOLDER}{{{len(found) - 1}}}"
            if not numeric:
                return token
            before = formula[: match.start()]
            before = re.sub(r"(\\[,;! ]|\s)+$", "", before)
            after = formula[match.end() :]
            after = re.sub(r"^(\\[,;! ]|\s)+", "", after)
            left = bool(re.search(r"([A-Za-z0-9)]|\\[A-Za-z]+|\})$", before)) and not re.search(
                r"(\\left|\\cdot|\\times|\\(?:tanh|sinh|cosh|ln|log|exp|sin|cos|max|min)|[\^_{(])$", before
            )
            right = bool(re.match(r"([A-Za-z0-9(]|\\(?!cdot|times|le|ge|leq|geq|right|end|\\)[A-Za-z]+)", after))
            return (r"\cdot " if left else "") + token + (r" \cdot " if right else "")

        return repl

    # Longest names first, so `alpha` is not replaced inside `alpha2`.
    pattern_parts = []
    for name in sorted(values, key=len, reverse=True):
        if name.isalpha() and len(name) > 1 and name in SYMBOLS:
            pattern_parts.append((name, rf"\\{name}(?![A-Za-z])"))
        pattern_parts.append((name, rf"(?<![A-Za-z\\_]){re.escape(name)}(?![A-Za-z0-9_])"))
    result = formula
    # One combined pass, so a substituted value is never substituted again.
    combined = "|".join(f"(?P<g{i}>{p})" for i, (_, p) in enumerate(pattern_parts))
    if combined:
        names = [n for n, _ in pattern_parts]

        def dispatch(match: re.Match[str]) -> str:
            index = int(match.lastgroup[1:])  # type: ignore[index]
            return repl_factory(values[names[index]])(match)

        result = re.sub(combined, dispatch, formula)
        # Two substituted neighbours (`\beta x`) would each bring a `·`.
        result = re.sub(r"\\cdot(?:\s|\\[,;! ])*\\cdot", r"\\cdot", result)
    text = tex_to_text(result)
    tex = result
    for k, value in enumerate(found):
        token = f"{_PLACEHOLDER}{{{k}}}"
        text_token = tex_to_text(token)
        text = text.replace(text_token, value.text, 1)
        # Braced when numeric, or when it stands unbraced after ^ or _ (`e^x` → e^{\mathrm{net}_{h}}).
        at = tex.find(token)
        braced = numeric or (at > 0 and tex[at - 1] in "^_")
        tex = tex.replace(token, "{" + value.tex + "}" if braced else value.tex, 1)
    return M(text, tex)
