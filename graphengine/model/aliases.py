"""One name per parameter: the spelling every view shows, and the aliases people may type.

An edge whose weight the spec does not name gets the parameter ``SOURCE->TARGET``
(``h1->y``; layers give ``x_0->h_3``). That spec name is the one spelling shown
everywhere — run tables, ``--json``, explain, diagrams, the step-through page, check
notes — because it is what a spec, a hand file and a script already write, and it is
plain ASCII. The mathematical forms are accepted wherever a name is read (``--param``,
hand files, ``Trace.gradient``): ``w(h1→y)``, ``w(h1->y)``, ``h1→y``, ``h1 -> y`` and
LaTeX's ``w_{h1 \\to y}``.

>>> edge_weight_name("h1", "y")
'h1->y'
>>> [spelled(a) for a in ("w(h1→y)", "w_{h1 \\\\to y}", "h1 → y", "w5")]
['h1->y', 'h1->y', 'h1->y', 'w5']
>>> resolve_parameter("w(p_0→h_10)", ["p_0->h_10", "h_10.bias"])
'p_0->h_10'
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from ..errors import GraphEngineError, closest

ARROW = "->"

# w(u→v), w(u->v), w_{u \to v}, w[u→v], or a bare u→v / u -> v / u \to v.
_WRAPPED = re.compile(r"w\s*(?:\((?P<a>.+)\)|\[(?P<b>.+)\]|_\{(?P<c>.+)\})")
_NUMBERED = re.compile(r"(.*?)(\d+)")
_ARROWS = re.compile(r"\s*(?:->|→|\\to\b|\\rightarrow\b)\s*")


def edge_weight_name(source: str, target: str) -> str:
    """The parameter name of an edge whose weight the spec does not name."""
    return f"{source}{ARROW}{target}"


def edge_of(name: str) -> tuple[str, str] | None:
    """``(source, target)`` of an edge-weight name ``u->v``, else None."""
    source, arrow, target = name.partition(ARROW)
    return (source, target) if arrow and source and target else None


def parameter_label(name: str) -> str:
    """The spelling every view shows for parameter ``name``: the spec's own name."""
    return name


def spelled(text: str) -> str:
    """``text`` with an edge weight's mathematical spelling turned into its spec name.

    Names that are not edge-weight spellings come back stripped but unchanged."""
    text = text.strip()
    if match := _WRAPPED.fullmatch(text):
        inner = next(group for group in match.groups() if group is not None)
        if _ARROWS.search(inner):
            text = inner.strip()
    text = re.sub(r"\\text\{([^{}]*)\}", r"\1", text).replace("\\_", "_")  # w_{\text{x\_0} \to h}
    parts = _ARROWS.split(text)
    if len(parts) == 2 and all(parts):
        return edge_weight_name(parts[0], parts[1])
    return text


def find_parameter(text: str, names: Collection[str]) -> str | None:
    """The parameter among ``names`` that ``text`` means (its name or an alias), else None."""
    if text in names:
        return text
    canonical = spelled(text)
    return canonical if canonical in names else None


def resolve_parameter(text: str, names: Collection[str], option: str = "--param") -> str:
    """The parameter ``text`` means; an unknown one raises with a suggestion and the choices."""
    found = find_parameter(text, names)
    if found is None:
        raise GraphEngineError(
            f"{option + ': ' if option else ''}unknown parameter `{text}`{_suggestion(spelled(text), names)}{choices(names)}"
        )
    return found


def resolve_node(text: str, nodes: Collection[str], option: str = "--node") -> str:
    """The node called ``text``; an unknown one raises with a suggestion and the choices."""
    if text in nodes:
        return text
    if text.strip() in nodes:
        return text.strip()
    raise GraphEngineError(
        f"{option + ': ' if option else ''}unknown node `{text}`{_suggestion(text, nodes)}{choices(nodes)}"
    )


def _suggestion(text: str, names: Collection[str]) -> str:
    """``; did you mean `x`?`` — difflib's choice, else for a numbered name too short for
    difflib (``w9``) the one with the same stem and the nearest number (``w8``)."""
    close = closest(text, names)
    if close is None and (match := _NUMBERED.fullmatch(text)):
        same_stem = [
            (abs(int(m[2]) - int(match[2])), name)
            for name in names
            if (m := _NUMBERED.fullmatch(name)) and m[1] == match[1]
        ]
        close = min(same_stem)[1] if same_stem else None
    return f"; did you mean `{close}`?" if close is not None else ""


def choices(names: Iterable[str], limit: int = 12) -> str:
    """`` (choose from a, b, … (N more))`` for an error message."""
    listed = list(names)
    shown = ", ".join(listed[:limit]) + (f", … ({len(listed) - limit} more)" if len(listed) > limit else "")
    return f" (choose from {shown})"
