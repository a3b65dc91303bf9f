"""Dense layers: a compact declaration that expands into ordinary nodes, edges and parameters.

A spec line such as ``- {name: h, size: 32, from: x, activation: tanh}`` becomes the
neurons ``h_0`` … ``h_31``, an edge ``x_i -> h_j`` for every source and neuron with the
weight parameter ``x_i->h_j``, and a bias parameter ``h_j.bias`` per neuron — the same
names a hand-written spec with inline numbers gets, so the expanded network is drawn,
explained and checked like any other.

The weights of a layer are added to the parameter vector in row-major order (sources
× neurons, sources in ``from`` order) followed by its biases, so the engine reads a
layer's weight matrix straight out of the vector. Expansion works on numpy arrays and
plain tuples, not per-edge pydantic objects: a million-edge layered spec expands in
about a second.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np

from ..errors import GraphError, KeyPath, PluginError, did_you_mean
from ..plugins.discovery import builtin_registry
from ..plugins.registry import Initializer, Registry, check_params
from ..spec.layers import LayerSpec
from ..spec.limits import MAX_LAYER_EDGES  # every layer edge costs a name, a parameter and a networkx edge
from ..spec.schema import Spec
from .aliases import edge_weight_name

# --------------------------------------------------------------------------- initialisers


def initial_weights(
    initializer: Initializer | str, params: dict[str, float], fan_in: int, fan_out: int, rng: np.random.Generator
) -> np.ndarray:
    """A ``(fan_in, fan_out)`` weight matrix from an initialiser (or a built-in one's name).

    >>> initial_weights("zeros", {}, 2, 3, np.random.default_rng(0)).shape
    (2, 3)
    """
    if isinstance(initializer, str):
        initializer = builtin_registry().initializer(initializer)
    return np.asarray(initializer(rng, fan_in, fan_out, **params), dtype=np.float64)


# --------------------------------------------------------------------------- expansion


def _seed(spec: Spec, layer: LayerSpec, position: int) -> np.random.SeedSequence | int:
    if layer.seed is not None:
        return layer.seed
    base = spec.training.seed or 0
    # Each layer its own stream, so adding a layer does not change the others' values.
    return np.random.SeedSequence([base, position])


def _initializer(
    spec: Spec, layer: LayerSpec, registry: Registry, path: KeyPath
) -> tuple[Initializer, dict[str, float]]:
    """The layer's initialiser and its parameters (numbers ≥ 0), checked."""
    try:
        initializer = registry.initializer(layer.init.name)
    except PluginError as e:
        raise spec.error(GraphError, e.message, path + ("init",)) from None
    try:
        return initializer, check_params(initializer, layer.init.params, minimum=0)
    except PluginError as e:
        where = path + ("init",) if e.unknown else path + ("init", e.parameter)  # type: ignore[attr-defined]
        raise spec.error(GraphError, e.message, where) from None


def add_layers(G: nx.DiGraph[str], spec: Spec, parameters: dict[str, dict[str, Any]], registry: Registry) -> None:
    """Add the spec's ``layers`` to ``G`` (nodes, edges) and ``parameters`` (in place).

    ``G`` already holds the inputs and the hand-written nodes. Records
    ``G.graph["layers"]``: per layer its ``name``, ``nodes``, ``sources`` and the
    positions of its weights and biases in the parameter order.
    """
    err = spec.error
    taken = set(spec.nodes) | set(spec.inputs)
    input_layers = {name: nodes for name, nodes in spec.layer_nodes.items() if nodes[0] in spec.inputs}
    layer_names: dict[str, int] = {}

    # Pass 1: the neurons, so that a layer may feed from any other layer.
    for i, layer in enumerate(spec.layers):
        path = ("layers", i)
        if layer.name in layer_names:
            raise err(
                GraphError,
                f"layer `{layer.name}` is declared twice (first at layers[{layer_names[layer.name]}])",
                path + ("name",),
            )
        if layer.name in input_layers:
            raise err(GraphError, f"`{layer.name}` is already the name of an input layer", path + ("name",))
        if layer.name in taken:
            raise err(GraphError, f"layer `{layer.name}` has the name of a node; rename one of them", path + ("name",))
        layer_names[layer.name] = i
        nodes = spec.layer_nodes[layer.name]
        clash = next((n for n in nodes if n in taken), None)
        if clash is not None:
            raise err(
                GraphError, f"layer `{layer.name}` would create node `{clash}`, which already exists", path + ("name",)
            )
        try:
            fn = registry.activation(layer.activation.name)
            act_params = check_params(fn, layer.activation.params)
        except PluginError as e:
            raise err(PluginError, e.message, path + ("activation",)) from None
        G.add_nodes_from(nodes, kind="neuron", activation=fn, activation_params=act_params, bias=None, layer=layer.name)
        taken.update(nodes)

    # Pass 2: sources, weights, biases.
    records: list[dict[str, Any]] = []
    total_edges = 0
    for i, layer in enumerate(spec.layers):
        path = ("layers", i)
        nodes = spec.layer_nodes[layer.name]
        sources = _sources(spec, layer, G, path)
        fan_in, size = len(sources), layer.size
        initializer, init_params = _initializer(spec, layer, registry, path)
        total_edges += fan_in * size
        if total_edges > MAX_LAYER_EDGES:
            raise err(
                GraphError,
                f"layer `{layer.name}` brings the layers to {total_edges:,} edges; at most "
                f"{MAX_LAYER_EDGES:,} fit in memory here ({fan_in:,} sources × {size:,} neurons)",
                path + ("size",),
            )

        if layer.weights is not None:
            if layer.weights.shape != (fan_in, size):
                raise err(
                    GraphError,
                    f"`weights` must be {fan_in} row(s) (one per source) of {size} number(s), "
                    f"got {layer.weights.shape[0]} row(s) of {layer.weights.shape[1] if layer.weights.ndim == 2 else 0}",
                    path + ("weights",),
                )
            W = layer.weights
        else:
            W = initial_weights(initializer, init_params, fan_in, size, np.random.default_rng(_seed(spec, layer, i)))

        weight_names = [edge_weight_name(u, v) for u in sources for v in nodes]
        clash = next((n for n in weight_names if n in parameters), None)
        if clash is not None:
            raise err(GraphError, f"parameter `{clash}` of layer `{layer.name}` is also declared elsewhere", path)
        start = len(parameters)
        trainable = layer.trainable
        parameters.update(zip(weight_names, [{"value": v, "trainable": trainable} for v in W.ravel().tolist()]))
        G.add_edges_from(
            (u, v, {"weight": w, "layer": i})
            for (u, v), w in zip(((u, v) for u in sources for v in nodes), weight_names)
        )
        record: dict[str, Any] = {
            "name": layer.name,
            "index": i,
            "nodes": nodes,
            "sources": sources,
            "weights": (start, start + len(weight_names)),
            "biases": None,
        }

        if layer.biases is not None and layer.bias is False:
            raise err(GraphError, "`biases` are given but `bias` is false", path + ("biases",))
        if layer.bias is not False:
            if layer.biases is not None:
                if layer.biases.shape != (size,):
                    raise err(
                        GraphError, f"`biases` must be {size} number(s), got {layer.biases.size}", path + ("biases",)
                    )
                b = layer.biases.tolist()
            else:
                b = [0.0 if layer.bias is True else float(layer.bias)] * size
            bias_names = [f"{v}.bias" for v in nodes]
            clash = next((n for n in bias_names if n in parameters), None)
            if clash is not None:
                raise err(GraphError, f"parameter `{clash}` of layer `{layer.name}` is also declared elsewhere", path)
            start = len(parameters)
            parameters.update(zip(bias_names, [{"value": v, "trainable": trainable} for v in b]))
            for v, name in zip(nodes, bias_names):
                G.nodes[v]["bias"] = name
            record["biases"] = (start, start + size)
        records.append(record)
    G.graph["layers"] = records


def _sources(spec: Spec, layer: LayerSpec, G: nx.DiGraph[str], path: KeyPath) -> list[str]:
    """The nodes feeding ``layer``: layer names expand to their neurons, in ``from`` order."""
    refs = [layer.source] if isinstance(layer.source, str) else layer.source
    sources: list[str] = []
    for k, ref in enumerate(refs):
        where = path + (("from",) if isinstance(layer.source, str) else ("from", k))
        if ref == layer.name:
            raise spec.error(GraphError, f"layer `{ref}` cannot feed itself", where)
        if ref in spec.layer_nodes:
            sources.extend(spec.layer_nodes[ref])
        elif ref in G:
            sources.append(ref)
        else:
            choices = list(spec.layer_nodes) + [n for n in G if "layer" not in G.nodes[n]]
            raise spec.error(GraphError, f"unknown layer or node `{ref}`{did_you_mean(ref, choices)}", where)
    if len(set(sources)) != len(sources):
        seen: set[str] = set()
        twice = next(s for s in sources if s in seen or seen.add(s))  # type: ignore[func-returns-value]
        raise spec.error(GraphError, f"`{twice}` is listed twice in `from`", path + ("from",))
    return sources


def layer_data(G: nx.DiGraph[str], theta: np.ndarray) -> dict[int, dict[str, Any]]:
    """Per layer index, the trained ``weights`` (rows = sources) and ``biases`` as plain lists.

    Used to write a trained spec back: the values go into each layer's ``weights`` and
    ``biases`` keys, which load again to exactly these numbers.
    """
    out: dict[int, dict[str, Any]] = {}
    for record in G.graph.get("layers", []):
        a, b = record["weights"]
        entry: dict[str, Any] = {"weights": theta[a:b].reshape(len(record["sources"]), len(record["nodes"])).tolist()}
        if record["biases"] is not None:
            a, b = record["biases"]
            entry["biases"] = theta[a:b].tolist()
        out[record["index"]] = entry
    return out
