"""The one reader of YAML with line numbers, for specs and hand files.

YAML is data only: it is read with ``safe_load`` semantics (the C loader when
available), so a ``!!python/...`` tag is refused and never runs anything, and an
alias bomb is refused before anything is expanded. Errors are :class:`SpecError`
naming the file and line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from .._util.gcpause import gc_paused
from ..errors import KeyPath, SpecError
from .yamlblocks import MIN_BYTES, split_blocks

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# An aliased YAML node counts once per use; past this many values the text is refused.
MAX_EXPANDED_VALUES = 5_000_000


def _node_lines(root: yaml.Node, file: str | None, empty: Callable[[KeyPath], str] | None = None) -> dict[KeyPath, int]:
    """Map every key path to its 1-based line; refuse duplicate keys and alias bombs, and, when
    ``empty`` says what to write instead, a key or list item with nothing after it."""
    lines: dict[KeyPath, int] = {}
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        # Expanded size with memoisation: aliases share node objects, so this is linear.
        key = id(node)
        if key not in sizes:
            sizes[key] = 1
            if isinstance(node, yaml.MappingNode):
                sizes[key] += sum(size(k) + size(v) for k, v in node.value)
            elif isinstance(node, yaml.SequenceNode):
                sizes[key] += sum(size(v) for v in node.value)
        return sizes[key]

    seen: set[int] = set()
    aliased = False
    mapping, sequence, scalar = yaml.MappingNode, yaml.SequenceNode, yaml.ScalarNode

    # One pass over the mappings and lists (scalars carry no lines of their own), which also
    # notices aliases: only a document with aliases needs the expanded-size count.
    def walk(node: yaml.Node, path: KeyPath) -> None:
        nonlocal aliased
        if id(node) in seen:  # an alias: its lines are those of the anchor
            aliased = True
            return
        seen.add(id(node))
        if type(node) is mapping:
            keys: dict[Any, int] = {}
            for k, v in node.value:
                key: str | int = k.value if type(k) is scalar else "?"
                line = k.start_mark.line + 1
                if key in keys:
                    raise SpecError(
                        f"duplicate key `{key}` (first on line {keys[key]})", file=file, line=line, path=path + (key,)
                    )
                keys[key] = line
                here = path + (key,)
                lines.setdefault(here, line)
                if type(v) is not scalar:
                    walk(v, here)
                elif not v.value and empty is not None and _is_empty(v):
                    raise SpecError(empty(here), file=file, line=line, path=here)
        elif type(node) is sequence:
            for i, v in enumerate(node.value):
                here = path + (i,)
                lines.setdefault(here, v.start_mark.line + 1)
                if type(v) is not scalar:
                    walk(v, here)
                elif not v.value and empty is not None and _is_empty(v):
                    raise SpecError(empty(here), file=file, line=v.start_mark.line + 1, path=here)

    walk(root, ())
    if aliased and size(root) > MAX_EXPANDED_VALUES:
        raise SpecError(
            f"refusing to expand YAML aliases into more than {MAX_EXPANDED_VALUES:,} values (alias bomb?)",
            file=file,
            line=root.start_mark.line + 1,
        )
    return lines


def _is_empty(node: yaml.Node) -> bool:
    """A scalar written as nothing at all (`bias:`), as opposed to an explicit `null` or `~`."""
    return (
        isinstance(node, yaml.ScalarNode)
        and node.tag == "tag:yaml.org,2002:null"
        and node.value == ""
        and not node.style
    )


class _NotPlain(Exception):
    """The document needs PyYAML's full constructor (an alias, a merge key, an unusual tag)."""


def _construct_plain(root: yaml.Node) -> Any:
    """The data of a document of plain mappings, lists, strings and decimal numbers, built
    directly (~3x faster than PyYAML's constructor on a big spec); anything else raises
    :class:`_NotPlain` and the caller uses PyYAML's constructor, so the result is the same."""
    import re

    prefix = "tag:yaml.org,2002:"
    str_tag, float_tag, int_tag = prefix + "str", prefix + "float", prefix + "int"
    map_tag, seq_tag = prefix + "map", prefix + "seq"
    decimal = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?").fullmatch
    integer = re.compile(r"[-+]?(?:0|[1-9][0-9]*)").fullmatch
    mapping, sequence = yaml.MappingNode, yaml.SequenceNode
    seen: set[int] = set()

    def scalar(node: yaml.Node) -> Any:
        tag, value = node.tag, node.value
        if tag == str_tag:
            return value
        if tag == float_tag and decimal(value):
            return float(value)
        if tag == int_tag and integer(value):
            return int(value)
        raise _NotPlain

    def build(node: yaml.Node) -> Any:
        cls = type(node)
        if cls is mapping or cls is sequence:
            if id(node) in seen:
                raise _NotPlain  # an alias: PyYAML shares the object
            seen.add(id(node))
            if cls is mapping:
                if node.tag != map_tag:
                    raise _NotPlain
                result = {}
                for k, v in node.value:
                    if type(k) is mapping or type(k) is sequence:
                        raise _NotPlain
                    result[scalar(k)] = build(v)
                return result
            if node.tag != seq_tag:
                raise _NotPlain
            return [build(v) for v in node.value]
        return scalar(node)

    return build(root)


class _CachingLoader(_Loader):  # type: ignore[misc,valid-type]
    """Remembers the tag of each plain scalar's text: a big spec repeats the same names and
    keys (`from`, `to`, node names) hundreds of thousands of times, and the resolver's regular
    expressions are most of the composing time. The cache lives as long as one loader."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.tags: dict[str, str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:  # then the tag depends on the text alone
            tag = self.tags.get(value)
            if tag is None:
                tag = self.tags[value] = super().resolve(kind, value, implicit)
            return tag
        return super().resolve(kind, value, implicit)


def read_yaml(
    text: str, file: str | None = None, empty: Callable[[KeyPath], str] | None = None
) -> tuple[Any, dict[KeyPath, int]]:
    """Parse YAML text safely; return the data and a key-path → line map. With ``empty``, a key
    or list item written with no value is an error whose message is ``empty(key_path)``.

    A big text's one-line-per-item blocks (explicit edges, nodes, parameters) are read by
    :mod:`graphengine.spec.yamlblocks` and the rest by PyYAML, with the same result; anything
    unusual, and every error, goes through PyYAML with the whole text."""
    if len(text) >= MIN_BYTES:
        with gc_paused():
            fast = _read_with_blocks(text, file, empty)
        if fast is not None:
            return fast
    return _read_whole(text, file, empty)


def _read_with_blocks(
    text: str, file: str | None, empty: Callable[[KeyPath], str] | None
) -> tuple[Any, dict[KeyPath, int]] | None:
    """:func:`read_yaml` with the simple blocks read by regular expression; None to read it all."""
    probe = _CachingLoader("")
    try:
        split = split_blocks(text, lambda value: probe.resolve(yaml.ScalarNode, value, (True, False)))
    finally:
        probe.dispose()
    if split is None:
        return None
    rest, blocks = split
    try:
        data, rest_lines = _read_whole(rest, file, empty)
    except SpecError:
        return None  # the whole text names the error, as it always has
    if not isinstance(data, dict):
        return None
    taken = {name: (value, entries) for name, value, entries in blocks}
    for name, (value, entries) in taken.items():
        placeholder: Any = [] if isinstance(value, list) else {}
        if data.get(name) != placeholder or type(data.get(name)) is not type(placeholder):
            return None
        if rest_lines.get((name,)) is None or rest_lines[(name,)] + 1 > entries[0][1]:
            return None
        data[name] = value
    lines: dict[KeyPath, int] = {}
    for path, line in rest_lines.items():
        lines[path] = line
        if len(path) == 1 and path[0] in taken:
            lines.update(taken[path[0]][1])
    return data, lines


def _read_whole(
    text: str, file: str | None = None, empty: Callable[[KeyPath], str] | None = None
) -> tuple[Any, dict[KeyPath, int]]:
    """:func:`read_yaml` by PyYAML alone."""
    loader = _CachingLoader(text)
    try:
        with gc_paused():  # the document is one big tree of objects that all live until the end
            return _data_and_lines(loader, text, file, empty)
    except _READ_ERRORS as e:
        raise yaml_error(e, text, file) from None
    finally:
        loader.dispose()


def _data_and_lines(
    loader: Any, text: str, file: str | None, empty: Callable[[KeyPath], str] | None = None
) -> tuple[Any, dict[KeyPath, int]]:
    """The document's data and its key-path → line map (PyYAML's errors are the caller's)."""
    root = loader.get_single_node()
    if root is None:
        raise SpecError("the file is empty; a spec needs at least `inputs`, `outputs` and `nodes`", file=file)
    lines = _node_lines(root, file, empty)
    try:
        return _construct_plain(root), lines
    except _NotPlain:
        pass
    try:
        return loader.construct_document(root), lines
    except yaml.YAMLError:
        raise
    except Exception as e:  # a tag's constructor failing on its text, e.g. AttributeError inside PyYAML
        raise _constructor_error(root, file) or yaml_error(e, text, file) from None


def _flat(text: str) -> bool:
    """No flow brackets and no line indented past 40 columns: nothing can nest deeply."""
    if "[" in text or "{" in text:
        return False
    return all(len(line) - len(line.lstrip(" ")) <= 40 for line in text.splitlines())


def compose(text: str, file: str | None = None) -> yaml.Node | None:
    """The YAML node tree of ``text`` (None when it is empty), for readers that need each
    scalar's written text and line (hand files); errors as :func:`read_yaml`'s."""
    if _flat(text) and _Loader is not yaml.SafeLoader:
        try:  # a flat file (no brackets, shallow indentation): the C composer, ten times faster
            return yaml.compose(text, Loader=_Loader)
        except _READ_ERRORS:
            pass  # the pure-Python loader below names the problem as it always has
    try:
        # The pure-Python loader, as hand files always were read: its nesting limit is what
        # refuses a value nested hundreds of levels deep (the C composer would build it).
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except _READ_ERRORS as e:
        raise yaml_error(e, text, file) from None


def _constructor_error(root: yaml.Node, file: str | None) -> SpecError | None:
    """The located error for the first tagged scalar whose constructor fails (``!!timestamp
    2001-01-01]``, ``!!int 0x``): PyYAML raises plain Python errors there, without a line."""
    loader = yaml.SafeLoader("")
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in reversed(node.value) for part in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        else:
            try:
                loader.construct_object(node, deep=True)
            except Exception:
                tag = node.tag.replace("tag:yaml.org,2002:", "!!")
                shown = node.value if len(node.value) <= 40 else node.value[:40] + "…"
                return SpecError(
                    f"YAML: `{shown}` cannot be read as a `{tag}` value; remove the tag or fix the value",
                    file=file,
                    line=node.start_mark.line + 1,
                )
    return None


# What reading can raise besides SpecError: PyYAML's errors, deep nesting, and a tag on text
# that does not fit it (`!!int "0x"`, `!!float abc`, `!!bool maybe`).
_READ_ERRORS = (yaml.YAMLError, RecursionError, ValueError, TypeError, KeyError, OverflowError, AttributeError)


def yaml_error(e: BaseException, text: str, file: str | None) -> SpecError:
    """The one-line :class:`SpecError` for an error PyYAML (or a tag's constructor) raised."""
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        problem = e.problem or e.context or "invalid YAML"
        if isinstance(e, yaml.constructor.ConstructorError) and "tag" in problem:
            problem += " (specs are plain data; tags such as !!python/... are refused)"
        elif e.context == "expected a single document in the stream":
            problem = "a spec is a single YAML document, but a second one starts here (`---`)"
        elif e.context and e.context_mark and mark and e.context_mark.line != mark.line:
            # The real mistake is often where the construct began (an unclosed bracket).
            problem += f" ({e.context} started on line {e.context_mark.line + 1})"
        if mark and "cannot start any token" in problem and text[mark.index : mark.index + 1] == "\t":
            problem += " (YAML does not allow tabs for indentation; use spaces)"
        elif mark and (hint := indentation_hint(text, mark.line)):
            problem = hint
        return SpecError(f"YAML: {problem}", file=file, line=mark.line + 1 if mark else None)
    if isinstance(e, yaml.reader.ReaderError):
        return SpecError(f"YAML: {e.reason} (character #x{e.character:04x} at position {e.position})", file=file)
    if isinstance(e, yaml.YAMLError):
        return SpecError("YAML: " + " ".join(str(e).split()), file=file)
    if isinstance(e, RecursionError):
        return SpecError("YAML: lists or mappings are nested hundreds of levels deep", file=file)
    return SpecError(f"YAML: a value with a `!!` tag cannot be read as that type: {e}", file=file)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def indentation_hint(text: str, index: int) -> str | None:
    r"""The hint "check the indentation of line N (it must line up with …)" when line ``index``
    (0-based) starts at a column no block open above it starts at; None when its indentation fits
    (then the mistake is something else, and PyYAML's own message stays).

    A line lines up with an earlier key of the same block, or (inside a list item) with the
    key after the item's `- `; the nearest such column is named, the deeper one on a tie.

    >>> indentation_hint("nodes:\n  h1: {}\n   h2: {}\n", 2)
    'check the indentation of line 3 (it must line up with `h1` on line 2: 2 spaces, not 3)'
    >>> indentation_hint("nodes:\n  h1: {}\n  h2: {}\n", 2) is None
    True
    """
    lines = text.splitlines()
    if index >= len(lines) or not lines[index].strip():
        return None
    column = _indent(lines[index])
    # The columns open above the line: the previous line's, then each shallower one up to the top.
    open_columns: dict[int, tuple[int, str]] = {}  # column → (line index, its first word)
    deepest = None
    for k in range(index - 1, -1, -1):
        content = lines[k].strip()
        if not content or content.startswith("#"):
            continue
        at = _indent(lines[k])
        if deepest is not None and at >= deepest:
            continue
        deepest = at
        first = content.split(":", 1)[0].split()[0] if content[0] not in "{[" else content[:12]
        open_columns.setdefault(at, (k, first))
        item = content[2:].lstrip()
        if content.startswith("- ") and item[:1] not in ("", "{", "[", "#"):  # the key inside a list item
            open_columns.setdefault(at + len(content) - len(item), (k, item.split(":", 1)[0]))
        if at == 0:
            break
    if not open_columns or column in open_columns:
        return None
    target = min(open_columns, key=lambda c: (abs(c - column), -c))
    line, word = open_columns[target]
    what = "the `-`" if word == "-" else f"`{word}`"
    spaces = f"{target} space{'s' if target != 1 else ''}"
    return (
        f"check the indentation of line {index + 1} (it must line up with {what} on line {line + 1}: "
        f"{spaces}, not {column})"
    )
