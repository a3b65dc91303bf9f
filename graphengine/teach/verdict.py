"""Verdicts: the judgement of one written value, and the shape of ``check --json``.

``Verdict.to_dict()`` is one row of ``results``: ``name`` (as written), ``quantity``
(canonical), ``written``, ``written_text``, ``exact``, ``right``; when not right
``reason`` (a slip code, two joined by ``+`` for a pair, ``rounding`` or ``carried``) and, with several, ``reasons``;
for ``carried`` ``because_of`` (the root mistakes, as written); ``note`` in words;
``from_your_values`` when the learner's own written values give something else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from ..errors import SpecError
from .arithmetic import Expression
from .claims import written_unit
from .hand import Written
from .slips.registry import CODES

MISTAKES = frozenset(CODES) | {"carried", "misplaced", "placeholder"}


@dataclass
class Verdict:
    """The judgement of one written value; ``to_dict()`` is its ``check --json`` row."""

    name: str  # as written
    quantity: str  # canonical
    written: Written
    exact: float
    right: bool
    reason: str = ""  # "" when right; "rounding", "carried" or a slip code
    reasons: list[str] = field(default_factory=list)
    because_of: list[str] = field(default_factory=list)  # root mistakes, as written
    note: str = ""
    from_written: list[str] = field(default_factory=list)
    recomputed: float | None = None  # from the learner's own written values

    @property
    def mistake(self) -> bool:
        """A real mistake (not right, and not only rounding)."""
        return not self.right and all(code in MISTAKES for code in self.reason.split("+"))

    def to_dict(self) -> dict[str, Any]:
        data = row_dict(self.name, self.quantity, self.written, self.exact, self.right)
        if not self.right:
            data["reason"] = self.reason
            if len(self.reasons) > 1:
                data["reasons"] = self.reasons
        if self.reason == "carried":
            data["because_of"] = self.because_of
        if self.note:
            data["note"] = self.note
        if self.from_written:
            data["from_your_values"] = {"inputs": self.from_written, "value": self.recomputed}
        return data


class WrittenText(Protocol):
    """A written number: its value and its text as written."""

    @property
    def value(self) -> float: ...

    @property
    def text(self) -> str: ...


def row_dict(name: str, quantity: str, written: WrittenText, exact: float, right: bool) -> dict[str, Any]:
    """The fields every judged row has in ``--json`` (check's and audit's): ``written`` is a
    :class:`Written` or anything with its ``value`` and ``text``."""
    return {
        "name": name,
        "quantity": quantity,
        "written": written.value,
        "written_text": written.text,
        "exact": exact,
        "right": right,
    }


#: A value as a sheet gives it: a number, its text, an :class:`Expression` or a :class:`Written`.
AsWritten = float | str | Expression | Written
#: ... or one of those with the line it is written on.
WrittenInput = AsWritten | tuple[AsWritten, int]


def written_value(name: str, value: WrittenInput, line: int = 0) -> Written:
    """A :class:`Written` from a number, its text, an :class:`Expression`, a Written, or ``(any of those, line)``."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], int):
        value, line = value
    if isinstance(value, Written):
        return value
    if isinstance(value, Expression):
        unit = value.result.unit if value.result is not None else 0.0
        return Written(name, value.text, value.value, unit, line, value)
    text = value if isinstance(value, str) else repr(float(value))
    try:
        number = Decimal(text.strip().replace("−", "-"))
    except InvalidOperation:
        raise SpecError(f"expected a number, got `{text[:40]}`", line=line or None, path=(name,)) from None
    return Written(name, text, float(number), written_unit(text), line)


def shown_beside(x: float, w: Written) -> str:
    """``x`` to two more decimals than the written ``w`` has (a value a note sets beside it)."""
    unit = w.unit or abs(x) * 1e-4 or 1e-6
    decimals = max(0, -math.floor(math.log10(unit))) + 2
    return f"{x:.{min(decimals, 12)}f}"


def to_json(verdicts: list[Verdict], sample: int = 0) -> dict[str, Any]:
    """The shape of ``graphengine check --json``."""
    return {
        "checked": len(verdicts),
        "mistakes": sum(1 for v in verdicts if v.mistake),
        "wrong": [v.to_dict() for v in verdicts if not v.right],
        "sample": sample,
        "results": [v.to_dict() for v in verdicts],
    }
