"""Spec format v1: YAML text → validated :class:`Spec` (pydantic), with line numbers.

YAML is data only: :mod:`graphengine.yamldoc` reads it safely with a key-path → line
map. Every error names the file, the line, the key path, the bad value and what would
be valid. The schema is in the ``spec_*`` modules (values, plugin choices, layers, data,
the top-level :class:`Spec`) and the messages in :mod:`graphengine.spec_messages`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import SpecError
from .spec_messages import _clean_loc, _message
from .spec_schema import Spec
from .spec_values import _describe
from .yamldoc import read_yaml


def parse_spec(text: str, file: str | None = None) -> Spec:
    """Validate YAML text as a spec (schema only; graph checks come in :func:`graph.build_graph`)."""
    data, lines = read_yaml(text, file)
    if not isinstance(data, dict):
        raise SpecError(
            f"expected a mapping of keys (inputs, outputs, nodes, ...) at the top level, got {_describe(data)}",
            file=file,
            line=1,
        )
    try:
        spec = Spec.model_validate(data)
    except ValidationError as e:
        errors = e.errors(include_url=False)

        def where(err: dict[str, Any]) -> int:
            path = _clean_loc(err["loc"])
            for n in range(len(path), -1, -1):
                if path[:n] in lines:
                    return lines[path[:n]]
            return 0

        # `{from: a, to: b, wieght: 1}` is both "unknown key `wieght`" and "missing `weight`";
        # the unknown key (with its "did you mean") explains the missing one, so it goes first.
        incomplete = {_clean_loc(e["loc"])[:-1] for e in errors if e["type"] == "missing"}

        def rank(err: dict[str, Any]) -> tuple[bool, int]:
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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise SpecError("is a directory, not a spec file", file=str(path)) from None
    except UnicodeDecodeError as e:
        raise SpecError(f"not UTF-8 text ({e.reason} at byte {e.start})", file=str(path)) from None
    except OSError as e:
        raise SpecError(f"cannot read: {e.strerror}", file=str(path)) from None
    return parse_spec(text, str(path))
