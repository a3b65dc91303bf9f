"""Every exception graphengine raises on purpose lives here.

Library code raises these; only the CLI prints them and picks an exit status.
Each error knows *where* (file, line, key path) so the message can point at it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

KeyPath = tuple[str | int, ...]


def format_path(path: Sequence[str | int]) -> str:
    """Render a key path the way a user reads it: ``edges[3].weight``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            part = str(part) if len(str(part)) <= 60 else f"{str(part)[:40]}…"  # a huge key stays readable
            text += f".{part}" if text else part
    return text


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word`` (the same but for case, else difflib's), or None."""
    names = [str(c) for c in choices]
    same_but_case = [c for c in names if c.lower() == str(word).lower()]  # `MSE` → `mse`
    close = same_but_case or difflib.get_close_matches(str(word), names, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ``; did you mean `x`?`` suffix, or an empty string when nothing is close."""
    close = closest(word, choices)
    return f"; did you mean `{close}`?" if close is not None else ""


def similar_file(path: object) -> str:
    """For a missing ``path``: ``; did you mean `FOLDER/NAME`?`` naming a close existing file in
    the same folder (a misspelt spec, hand or data file), or an empty string.

    Only names are compared (never contents), and at most 10,000 of them."""
    import os

    folder, name = os.path.split(str(path))
    try:
        with os.scandir(folder or ".") as entries:
            names = [e.name for _, e in zip(range(10_000), entries) if e.is_file()]
    except OSError:
        return ""
    close = closest(name, names) if name else None
    return f"; did you mean `{os.path.join(folder, close)}`?" if close else ""


class GraphEngineError(Exception):
    """Base class: a problem the user can fix, reported in one line."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: Sequence[str | int] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.path: KeyPath = tuple(path)

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        elif self.line:
            where = f"line {self.line}: "
        key = f"{format_path(self.path)}: " if self.path else ""
        return one_line(f"{where}{key}{self.message}")


def one_line(text: str) -> str:
    """``text`` with control characters shown as escapes, so a name read from a file
    (``"a\\nb"``) cannot split an error message over several lines."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def valid_samples(n_samples: int) -> str:
    """The sample indices a network with ``n_samples`` samples has, for error messages.

    >>> valid_samples(4), valid_samples(1), valid_samples(0)
    ('0 to 3', '0', 'none, there is no data')
    """
    if n_samples > 1:
        return f"0 to {n_samples - 1}"
    return "0" if n_samples else "none, there is no data"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class SpecError(GraphEngineError):
    """The YAML text or its schema is wrong (syntax, types, unknown keys)."""


class GraphError(GraphEngineError):
    """The spec parses but does not describe a valid network (cycles, references)."""


class PluginError(GraphEngineError):
    """An activation, loss or optimiser plugin is missing, clashing or broken."""


class DataError(GraphEngineError):
    """Data samples or a data file do not fit the network."""


class TrainingError(GraphEngineError):
    """Training cannot go on (for example the loss became NaN)."""


class RenderError(GraphEngineError):
    """A diagram cannot be drawn (unknown format, Graphviz missing or failing)."""


class DocumentError(GraphEngineError):
    """A written page (Markdown or LaTeX) cannot be read, or one of its formulas is malformed.

    ``offset`` is where in the text the problem is, until a caller turns it into a line.
    """

    def __init__(self, message: str, *, offset: int | None = None, **where: object) -> None:
        super().__init__(message, **where)  # type: ignore[arg-type]
        self.offset = offset
