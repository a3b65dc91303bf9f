"""Hand files: the values a learner wrote down, each with its written text, digits and line.

A hand file maps quantity names (any notation of :mod:`graphengine.teach.notation`) to a
number or to the arithmetic the learner wrote (:mod:`graphengine.teach.arithmetic`)::

    sample: 0                  # optional: node quantities are for this sample (default 0)
    net_h1: (0.15 × 0.05) + (0.20 × 0.1) + (0.35 × 1) = 0.3775
    out_h1: 0.593
    dE/dw5: 0.741 × 0.186 × 0.593 = 0.08216
    w5_new: 0.4 − 0.5 × 0.0821 = 0.3589

The digits are read from the YAML source text, never from a float, so ``0.5930``
claims four decimals. ``read_hand`` only reads; which quantity a name means is
decided against the network by the judge (:mod:`graphengine.teach.check`).

>>> from graphengine.teach.hand import read_hand_text
>>> hand = read_hand_text("net_h2: (0.25 × 0.10) + 0.35 = 0.375\\nout_h1: 0.593\\n", "h.yaml")
>>> w = hand.values["out_h1"]
>>> (w.value, w.unit, w.line, w.expression is None)
(0.593, 0.001, 2, True)
>>> hand.values["net_h2"].expression.terms()[0].numbers[1].text
'0.10'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

import yaml

from ..errors import SpecError
from ..spec.yamldoc import compose
from .arithmetic import Expression, is_plain_number, parse
from .claims import written_unit


@dataclass(frozen=True)
class Written:
    """One value as the learner wrote it: a number, or arithmetic with an optional ``= RESULT``."""

    name: str  # as written in the hand file
    text: str
    value: float  # the written result (or the computation's value when there is no `= RESULT`)
    unit: float  # one unit of the result's last written digit; 0 for arithmetic without a result
    line: int
    expression: Expression | None = None
    note: str = ""  # how the text was read when it was not plain (`0,873` read as 0.873)

    @property
    def shown(self) -> str:
        """The written result as text (the number, or what follows `=`)."""
        if self.expression is None:
            return self.text
        if self.expression.result is not None:
            return ("-" if self.expression.result_sign < 0 else "") + self.expression.result.text
        return f"{self.value:.6g}"


@dataclass
class HandFile:
    values: dict[str, Written]
    sample: int | None
    file: str
    sample_line: int | None = None
    unanswered: list[tuple[str, int]] = field(default_factory=list)  # (name, line) left empty


#: The last decimal place a written number may claim (``0e1000000`` claims a place 10^1000000):
#: past a float's range (about 10^±308) and its smallest step (about 10^-324).
MAX_EXPONENT = 400


def read_hand(path: str | Path) -> HandFile:
    """Read a hand file, keeping each number's written text (raises :class:`SpecError`)."""
    path = Path(path)
    file = str(path)
    from .._util.reading import read_text

    # a regular file within the size cap, UTF-8: the one reader (never a FIFO that blocks)
    return read_hand_text(read_text(path, error=SpecError, what="the hand file"), file)


class _Scalar(NamedTuple):
    """One ``key: value`` line of a hand file, as read."""

    key: str
    raw: str  # the value's text, stripped
    line: int
    tag: str  # its YAML tag (a plain number or a quoted string)


def _scalars(text: str, file: str) -> list[_Scalar]:
    """The file's ``key: value`` pairs, in order.

    YAML is read by the one located-document reader, :func:`yamldoc.compose`.
    """
    root = compose(text, file)
    if root is None:
        raise SpecError("the file is empty; write one `quantity: value` per line (e.g. `h1.out: 0.593`)", file=file)
    if not isinstance(root, yaml.MappingNode):
        raise SpecError("expected a mapping of `quantity: value` lines (e.g. `h1.out: 0.593`)", file=file, line=1)
    pairs: list[_Scalar] = []
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            raise SpecError("a quantity name must be plain text", file=file, line=line)
        key = str(key_node.value)
        if not isinstance(value_node, yaml.ScalarNode):
            raise SpecError("expected a number, got a list or mapping", file=file, line=line, path=(key,))
        pairs.append(_Scalar(key, str(value_node.value).strip(), line, str(value_node.tag)))
    return pairs


def read_hand_text(text: str, file: str) -> HandFile:
    """Read hand-file text (``file`` names it in errors)."""
    values: dict[str, Written] = {}
    sample: int | None = None
    sample_line: int | None = None
    first_line: dict[str, int] = {}
    unanswered: list[tuple[str, int]] = []
    for key, raw, line, tag in _scalars(text, file):
        if key in first_line:
            raise SpecError(
                f"duplicate quantity `{key}` (first on line {first_line[key]})", file=file, line=line, path=(key,)
            )
        first_line[key] = line
        if key == "sample":
            if not (raw.isascii() and raw.isdigit()):  # `²` and `٣` are digits to str.isdigit
                raise SpecError(
                    f"`sample` must be a sample number (0, 1, ...), got `{raw[:40]}`", file=file, line=line, path=(key,)
                )
            sample, sample_line = int(raw), line
            continue
        if not raw and tag == "tag:yaml.org,2002:null":
            unanswered.append((key, line))  # `h1.out:` left empty: unanswered, the rest is checked
            continue
        values[key] = _written(key, raw, line, tag, file)
    return HandFile(values, sample, file, sample_line, unanswered)


_COMMA = re.compile(r"^[-−]?\d+,\d+$")
_MARKS = ("≈", "~", "=", "about ")  # what a learner puts before a value: `≈ 0.14`, `= 0.375`


def tidy(raw: str) -> tuple[str, str]:
    """``raw`` as a number's text and what was done to read it ("" when nothing): a leading
    ``≈``, ``~`` or ``=`` dropped, a decimal comma read as a point, Unicode minus and spaces."""
    text, done = raw.strip(), []
    while text.startswith(_MARKS):
        mark = next(m for m in _MARKS if text.startswith(m))
        done.append(f"`{mark.strip()}` dropped")
        text = text[len(mark) :].strip()
    if _COMMA.match(text):
        text = text.replace(",", ".")
        done.append("decimal comma read as a point")
    squeezed = text.replace(" ", "").replace("\u2009", "").replace("\u00a0", "")
    if squeezed != text and is_plain_number(squeezed.replace("−", "-")):
        text = squeezed
        done.append("spaces removed")
    if not done:
        return raw, ""
    return text, f"read `{raw}` as {text.replace('−', '-')} ({', '.join(done)})"


def _written(key: str, raw: str, line: int, tag: str, file: str) -> Written:
    shown = (raw[:40] + ("…" if len(raw) > 40 else "")) if raw else "nothing"
    if tag == "tag:yaml.org,2002:bool" or not raw:
        raise SpecError(f"expected a number, got `{shown}`", file=file, line=line, path=(key,))
    read, note = tidy(raw)
    if note and (is_plain_number(read.replace("−", "-")) or _parses(read)):
        return replace(_written(key, read, line, tag, file), note=note)
    if is_plain_number(raw):
        try:
            number = Decimal(raw.replace("_", "").replace("−", "-"))
        except InvalidOperation:  # pragma: no cover - is_plain_number admits only valid numbers
            raise SpecError(f"expected a number, got `{shown}`", file=file, line=line, path=(key,)) from None
        if not number.is_finite() or not math.isfinite(float(number)):
            raise SpecError(
                f"`{shown}` is too large for a float (at most about 1.8e308)", file=file, line=line, path=(key,)
            )
        exponent = number.as_tuple().exponent
        if not isinstance(exponent, int) or not -MAX_EXPONENT <= exponent <= MAX_EXPONENT:
            raise SpecError(
                f"`{shown}` is written to a place past what a float holds (10^±{MAX_EXPONENT})",
                file=file,
                line=line,
                path=(key,),
            )
        return Written(key, raw, float(number), written_unit(raw), line)
    try:
        expression = parse(raw, file=file, line=line, key=key)
    except SpecError as e:
        raise SpecError(
            f"expected a number, got `{shown}` (or arithmetic such as `0.741 × 0.186 = 0.1378`: {e.message})",
            file=file,
            line=line,
            path=(key,),
        ) from None
    unit = expression.result.unit if expression.result is not None else 0.0
    return Written(key, raw, expression.value, unit, line, expression)


def _parses(text: str) -> bool:
    try:
        parse(text)
    except SpecError:
        return False
    return True
