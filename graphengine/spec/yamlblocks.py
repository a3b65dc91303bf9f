"""Big one-line-per-item blocks of a spec read without PyYAML: the edges, nodes and parameters of
a spec written out edge by edge.

A spec of 100 000 explicit edges is 100 000 lines like ``  - {from: a, to: b, weight: 0.1}``;
PyYAML composes a node and two marks for every scalar and calls Python for each (most of the
load time). Here a top-level key's block whose every line is one item of that simple shape —

* ``  - {key: value, ...}`` (a list of one-line mappings),
* ``  name: {key: value, ...}`` or ``  name: value`` (a mapping of those or of scalars),

with plain scalars made of letters, digits and ``_ . + -`` only — is read by a regular
expression, each distinct scalar's type decided by the loader's own resolver, and its lines
blanked out for PyYAML (the key becomes ``key: []`` or ``key: {}``), so line numbers do not
move. Only strings, decimal floats and integers are taken; anything else (``true``, ``null``,
``0x1f``, a quoted or multi-word scalar, an anchor, a comment inside braces, a repeated key)
makes :func:`split_blocks` give up and the whole text goes through PyYAML as before, which
then reports any error as it always has. The data and the key-path → line map are the ones
PyYAML's path gives (tests/spec/test_yamlblocks.py compares them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..errors import KeyPath

__all__ = ["MIN_BYTES", "split_blocks"]

# Below this size the text always goes through PyYAML alone (a small spec gains nothing).
MIN_BYTES = 200_000

_TOKEN = r"(?:[A-Za-z0-9_.+]|-(?=[A-Za-z0-9_.+]))[A-Za-z0-9_.+-]*"
_COMMENT = r"(?:[ ]+#.*)?"
_FLOW = r"\{(?P<body>[^{}\[\]#'\"&*!|>%@`\\]*)\}"
_ITEM = re.compile(rf"(?P<indent>[ ]*)- {_FLOW}[ ]*{_COMMENT}")
_ENTRY = re.compile(rf"(?P<indent>[ ]*)(?P<key>{_TOKEN}):[ ]+(?:{_FLOW}|(?P<value>{_TOKEN}))[ ]*{_COMMENT}")
_IS_TOKEN = re.compile(_TOKEN).fullmatch
# The resolver's first float pattern, narrowed (no `_`): text it always resolves as a float.
_SURE_FLOAT = re.compile(r"[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?").fullmatch
_TOP_KEY = re.compile(rf"({_TOKEN}):[ ]*")
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?").fullmatch
_INTEGER = re.compile(r"[-+]?(?:0|[1-9][0-9]*)").fullmatch
_PREFIX = "tag:yaml.org,2002:"


class _GiveUp(Exception):
    """The block (or the text) is not of the simple shape: PyYAML reads it."""


Block = tuple[str, Any, list[tuple[KeyPath, int]]]


def split_blocks(text: str, resolve: Callable[[str], str]) -> tuple[str, list[Block]] | None:
    """``(rest, blocks)``: the text with the simple blocks blanked out, and per block its
    top-level key, its data and its ``(key path, line)`` entries in document order; None when
    there is nothing to take (or anything unusual: then PyYAML reads the whole text).
    ``resolve(scalar_text)`` is the loader's tag for a plain scalar."""
    if len(text) < MIN_BYTES or "&" in text or "*" in text or "\t" in text or "\r" in text:
        return None
    lines = text.split("\n")
    if any(line.startswith(("---", "...", "%")) for line in lines):
        return None
    values: dict[str, Any] = {}  # scalar text → its value, for the texts a block repeats
    keys: dict[str, str] = {}

    def value(token: str) -> Any:
        if _SURE_FLOAT(token):  # what the resolver calls a float (its first pattern): most weights
            return float(token)
        if token not in values:
            if not _IS_TOKEN(token):
                raise _GiveUp
            tag = resolve(token)
            if tag == _PREFIX + "str":
                values[token] = token
            elif tag == _PREFIX + "float" and _DECIMAL(token):
                values[token] = float(token)
            elif tag == _PREFIX + "int" and _INTEGER(token):
                values[token] = int(token)
            else:
                raise _GiveUp
        return values[token]

    def key(token: str) -> str:
        name = keys.get(token)
        if name is None:
            result = value(token)
            if not isinstance(result, str):
                raise _GiveUp
            name = keys[token] = result
        return name

    def flow(body: str) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        for part in body.split(","):
            left, colon, right = part.partition(":")
            if not colon or right[:1] != " ":
                raise _GiveUp  # `a:b` is one scalar to YAML; an empty entry; a missing value
            name = key(left.strip(" "))
            if name in mapping:
                raise _GiveUp  # a repeated key: PyYAML's reader names it
            mapping[name] = value(right.strip(" "))
        return mapping

    blocks: list[Block] = []
    out = lines[:]
    index = 0
    while index < len(lines):
        top = _TOP_KEY.fullmatch(lines[index])
        index += 1
        if top is None:
            continue
        try:
            block = _block(lines, index, top.group(1), key, value, flow)
        except _GiveUp:
            continue  # PyYAML reads this block
        if block is None:
            continue
        name, kind, data, entries, numbers = block
        out[index - 1] = f"{top.group(1)}: {'[]' if kind == 'list' else '{}'}"
        for number in numbers:
            out[number] = ""
        blocks.append((name, data, entries))
        index = numbers[-1] + 1
    if not blocks:
        return None
    return "\n".join(out), blocks


def _block(
    lines: list[str],
    first: int,
    top: str,
    key: Callable[[str], str],
    value: Callable[[str], Any],
    flow: Callable[[str], dict[str, Any]],
) -> tuple[str, str, Any, list[tuple[KeyPath, int]], list[int]] | None:
    """The block of top-level key ``top`` whose lines start at ``first``: its name, kind
    (``list``/``map``), data, line entries and line indices; None when it has no items."""
    name = key(top)
    end = first
    items: list[tuple[int, re.Match[str]]] = []
    kind = None
    indent = None
    while end < len(lines):
        line = lines[end]
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            end += 1
            continue
        here = len(line) - len(stripped)
        if indent is None:
            indent = here
            if indent == 0 and not stripped.startswith("- "):
                break  # the next top-level key: the block is empty
        if here < indent or (indent == 0 and not stripped.startswith("- ")):
            break
        if here != indent:
            raise _GiveUp  # a nested block: not one line per item
        listed = stripped.startswith("- ")
        match = _ITEM.fullmatch(line) if listed else _ENTRY.fullmatch(line)
        if match is None or (kind is not None and kind != ("list" if listed else "map")):
            raise _GiveUp
        kind = "list" if listed else "map"
        items.append((end, match))
        end += 1
    if not items:
        return None
    data: Any
    entries: list[tuple[KeyPath, int]] = []
    if kind == "list":
        data = []
        for position, (number, match) in enumerate(items):
            item = flow(match.group("body"))
            data.append(item)
            entries.append(((name, position), number + 1))
            for k in item:
                entries.append(((name, position, k), number + 1))
    else:
        data = {}
        for number, match in items:
            entry = key(match.group("key"))
            if entry in data:
                raise _GiveUp  # a repeated key: PyYAML's reader names it
            body = match.group("body")
            data[entry] = flow(body) if body is not None else value(match.group("value"))
            entries.append(((name, entry), number + 1))
            if body is not None:
                entries.extend(((name, entry, k), number + 1) for k in data[entry])
    return name, kind or "map", data, entries, [number for number, _ in items]
