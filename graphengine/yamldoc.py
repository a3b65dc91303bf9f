"""The one reader of YAML with line numbers, for specs and hand files.

YAML is data only: it is read with ``safe_load`` semantics (the C loader when
available), so a ``!!python/...`` tag is refused and never runs anything, and an
alias bomb is refused before anything is expanded. Errors are :class:`SpecError`
naming the file and line.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import KeyPath, SpecError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# An aliased YAML node counts once per use; past this many values the text is refused.
MAX_EXPANDED_VALUES = 5_000_000


def _node_lines(root: yaml.Node, file: str | None) -> dict[KeyPath, int]:
    """Map every key path to its 1-based line; refuse duplicate keys and alias bombs."""
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

    if size(root) > MAX_EXPANDED_VALUES:
        raise SpecError(
            f"refusing to expand YAML aliases into more than {MAX_EXPANDED_VALUES:,} values (alias bomb?)",
            file=file,
            line=root.start_mark.line + 1,
        )

    seen: set[int] = set()

    def walk(node: yaml.Node, path: KeyPath) -> None:
        if id(node) in seen:  # an alias: its lines are those of the anchor
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: dict[Any, int] = {}
            for k, v in node.value:
                key: str | int = k.value if isinstance(k, yaml.ScalarNode) else "?"
                line = k.start_mark.line + 1
                if key in keys:
                    raise SpecError(
                        f"duplicate key `{key}` (first on line {keys[key]})", file=file, line=line, path=path + (key,)
                    )
                keys[key] = line
                lines.setdefault(path + (key,), line)
                walk(v, path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                lines.setdefault(path + (i,), v.start_mark.line + 1)
                walk(v, path + (i,))

    walk(root, ())
    return lines


def read_yaml(text: str, file: str | None = None) -> tuple[Any, dict[KeyPath, int]]:
    """Parse YAML text safely; return the data and a key-path → line map."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise SpecError("the file is empty; a spec needs at least `inputs`, `outputs` and `nodes`", file=file)
        lines = _node_lines(root, file)
        try:
            data = loader.construct_document(root)
        except yaml.YAMLError:
            raise
        except Exception as e:  # a tag's constructor failing on its text, e.g. AttributeError inside PyYAML
            raise _constructor_error(root, file) or yaml_error(e, text, file) from None
    except _READ_ERRORS as e:
        raise yaml_error(e, text, file) from None
    finally:
        loader.dispose()
    return data, lines


def compose(text: str, file: str | None = None) -> yaml.Node | None:
    """The YAML node tree of ``text`` (None when it is empty), for readers that need each
    scalar's written text and line (hand files); errors as :func:`read_yaml`'s."""
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
        return SpecError(f"YAML: {problem}", file=file, line=mark.line + 1 if mark else None)
    if isinstance(e, yaml.reader.ReaderError):
        return SpecError(f"YAML: {e.reason} (character #x{e.character:04x} at position {e.position})", file=file)
    if isinstance(e, yaml.YAMLError):
        return SpecError("YAML: " + " ".join(str(e).split()), file=file)
    if isinstance(e, RecursionError):
        return SpecError("YAML: lists or mappings are nested hundreds of levels deep", file=file)
    return SpecError(f"YAML: a value with a `!!` tag cannot be read as that type: {e}", file=file)
