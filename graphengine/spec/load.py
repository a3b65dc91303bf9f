"""Spec format v1: YAML text → validated :class:`Spec` (pydantic-core), with line numbers.

YAML is data only: :mod:`graphengine.spec.yamldoc` reads it safely with a key-path → line
map. Every error names the file, the line, the key path, the bad value and what would
be valid. The schema is in the records of ``values``, ``choices``, ``layers``, ``data`` and
``schema`` (the top-level :class:`Spec`), validated by pydantic-core (:mod:`.record`), and the
messages in :mod:`graphengine.spec.messages`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_core import ErrorDetails, ValidationError

from .._util.gcpause import gc_paused
from .._util.reading import read_text
from ..errors import SpecError
from .limits import check_sizes
from .messages import _clean_loc, _message, empty_value
from .schema import Spec
from .values import _describe
from .yamldoc import read_yaml


def parse_spec(text: str, file: str | None = None) -> Spec:
    """Validate YAML text as a spec (schema only; graph checks come in :func:`graph.build_graph`)."""
    data, lines = read_yaml(text, file, empty=empty_value)
    check_sizes(data, lines, file)  # before validation expands a layer's `size` into names
    if not isinstance(data, dict):
        raise SpecError(
            f"expected a mapping of keys (inputs, outputs, nodes, ...) at the top level, got {_describe(data)}",
            file=file,
            line=1,
        )
    try:
        with gc_paused():  # 100k edge models that all live on: nothing for the collector to free
            spec = Spec.model_validate(data)
    except ValidationError as e:
        errors = e.errors(include_url=False)

        def where(err: ErrorDetails) -> int:
            path = _clean_loc(err["loc"])
            for n in range(len(path), -1, -1):
                if path[:n] in lines:
                    return lines[path[:n]]
            return 0

        # `{from: a, to: b, wieght: 1}` is both "unknown key `wieght`" and "missing `weight`";
        # the unknown key (with its "did you mean") explains the missing one, so it goes first.
        incomplete = {_clean_loc(e["loc"])[:-1] for e in errors if e["type"] == "missing"}

        def rank(err: ErrorDetails) -> tuple[bool, int]:
            typo = err["type"] == "extra_forbidden" and _clean_loc(err["loc"])[:-1] in incomplete
            return (not typo, where(err))

        first = min(errors, key=rank)
        path = _clean_loc(first["loc"])
        if path[:1] == ("parameters",) and path[2:] == ("value",):
            if not isinstance((data.get("parameters") or {}).get(path[1]), dict):
                path = path[:2]  # the shorthand `w: .nan` has no `value` key to point at
        raise SpecError(_message(first), file=file, line=where(first) or None, path=path) from None
    spec._file = file
    spec._lines = lines
    spec._raw = data
    return spec


def load_spec(path: str | Path) -> Spec:
    """Read and validate a spec file.

    >>> spec = load_spec("specs/doc_example.yaml")
    >>> spec.inputs
    ['i1', 'i2']
    """
    path = Path(path)
    return parse_spec(read_text(path), str(path))  # a regular file within the size cap (reading.py)
