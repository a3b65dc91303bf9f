"""The limits on what a spec may ask for, checked before any work proportional to it.

A layer or input-layer declaration is one short line that expands into up to millions of
names, nodes and edges; these limits are checked on the YAML data as read, *before* pydantic
validates it or anything is expanded, so a typo (`size: 1000000` thirty times) is refused in
milliseconds instead of exhausting memory. The README's "Limits and trust model" lists them.
"""

from __future__ import annotations

from typing import Any

from ..errors import KeyPath, SpecError

#: Neurons in one layer or input layer (``size``); checked by the schema.
MAX_LAYER_SIZE = 1_000_000
#: Edges all ``layers`` together create (every one a name, a parameter and a networkx edge).
MAX_LAYER_EDGES = 10_000_000
#: Inputs, nodes and layer neurons together (each a networkx node with a name and attributes).
MAX_TOTAL_NODES = 2_000_000
#: Training epochs (``training.epochs``, ``--epochs``): each keeps its loss in the history.
MAX_EPOCHS = 10_000_000


def _size(item: Any) -> int | None:
    """A declared ``size`` that the schema will accept, else None (the schema reports it)."""
    size = item.get("size") if isinstance(item, dict) else None
    if isinstance(size, int) and not isinstance(size, bool) and 1 <= size <= MAX_LAYER_SIZE:
        return size
    return None


def check_sizes(data: Any, lines: dict[KeyPath, int], file: str | None) -> None:
    """Refuse a spec whose layers would make more than :data:`MAX_TOTAL_NODES` nodes or more
    than :data:`MAX_LAYER_EDGES` layer edges, from the raw YAML data (linear in its length).

    >>> check_sizes({"inputs": [{"name": "x", "size": 1_000_000}] * 3}, {}, "net.yaml")
    Traceback (most recent call last):
    ...
    graphengine.errors.SpecError: net.yaml: inputs[2].size: the inputs, nodes and layers come to 3,000,000 nodes; at most 2,000,000
    """
    if not isinstance(data, dict):
        return

    def refuse(message: str, path: KeyPath) -> SpecError:
        line = next((lines[path[:n]] for n in range(len(path), 0, -1) if path[:n] in lines), None)
        return SpecError(message, file=file, line=line, path=path)

    inputs = data["inputs"] if isinstance(data.get("inputs"), list) else []
    layers = data["layers"] if isinstance(data.get("layers"), list) else []
    nodes = data.get("nodes")
    total = len(nodes) if isinstance(nodes, dict) else 0
    sizes: dict[str, int] = {}  # layer and input-layer names → their sizes
    declared: list[tuple[KeyPath, int]] = [(("inputs", i, "size"), _size(item) or 1) for i, item in enumerate(inputs)]
    declared += [(("layers", i, "size"), _size(item) or 0) for i, item in enumerate(layers)]
    for item in [*inputs, *layers]:
        if isinstance(item, dict) and isinstance(item.get("name"), str) and _size(item):
            sizes.setdefault(item["name"], _size(item))  # type: ignore[arg-type]
    for path, size in declared:
        total += size
        if total > MAX_TOTAL_NODES:
            raise refuse(f"the inputs, nodes and layers come to {total:,} nodes; at most {MAX_TOTAL_NODES:,}", path)

    edges = 0
    for i, layer in enumerate(layers):
        layer_size = _size(layer)
        if not layer_size:
            continue
        refs = layer.get("from")
        refs = [refs] if isinstance(refs, str) else refs if isinstance(refs, list) else []
        fan_in = sum(sizes.get(ref, 1) if isinstance(ref, str) else 1 for ref in refs)
        edges += fan_in * layer_size
        if edges > MAX_LAYER_EDGES:
            raise refuse(
                f"layer `{layer.get('name')}` brings the layers to {edges:,} edges; at most {MAX_LAYER_EDGES:,} fit "
                f"in memory here ({fan_in:,} sources × {layer_size:,} neurons)",
                ("layers", i, "size"),
            )
