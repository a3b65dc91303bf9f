"""A validated :class:`Spec` becomes a ``networkx.DiGraph`` — the model that the
engine compiles and that diagrams and explanations read.

Node attributes: ``kind`` (``"input"`` or ``"neuron"``), ``activation`` (the
registered :class:`Activation`), ``activation_params``, ``bias`` (a parameter
name or ``None``). Edge attributes: ``weight`` (a parameter name). Graph
attributes: ``inputs``, ``outputs``, ``parameters`` (name → ``{"value",
"trainable"}`` in a stable order), ``loss``, ``loss_params``, ``reduction``,
``name``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import networkx as nx

from .._util.names import name_problem
from ..errors import GraphError, KeyPath, PluginError, SpecError, did_you_mean, format_path
from ..plugins.discovery import default_registry
from ..plugins.registry import Activation, Loss, Registry, check_params
from ..spec.schema import Spec
from ..spec.values import NUMBER_AS_TEXT_HINT
from .aliases import edge_weight_name


def _located(spec: Spec, error: PluginError, path: KeyPath) -> PluginError:
    return spec.error(PluginError, error.message, path)  # type: ignore[return-value]


def _check_keys(spec: Spec, plugin: Activation | Loss, given: dict[str, Any], fixed: list[str], path: KeyPath) -> None:
    """An unknown key beside ``name`` (and ``reduction``) is a typo until proven otherwise."""
    for key in given:
        if key not in plugin.params:
            valid = fixed + list(plugin.params)
            kind = "activation" if isinstance(plugin, Activation) else "loss"
            raise spec.error(
                SpecError,
                f"unknown key `{key}`{did_you_mean(key, valid)} (valid keys for {kind} `{plugin.name}`: "
                f"{', '.join(valid)})",
                path + (key,),
            )


def build_graph(spec: Spec, registry: Registry | None = None) -> nx.DiGraph[str]:
    """Check the spec's structure and return its DAG.

    Raises :class:`GraphError` (or :class:`PluginError` for unknown activations and
    losses) naming the offending key and line.
    """
    registry = registry or default_registry()
    G: nx.DiGraph[str] = nx.DiGraph(name=spec.name, inputs=list(spec.inputs), outputs=list(spec.outputs))
    err = spec.error

    where = _input_paths(spec)
    first_seen: set[str] = set()  # a set, not spec.inputs[:i]: a million inputs stay linear
    for i, name in enumerate(spec.inputs):
        _check_name(spec, name, where[i], "input")
        if name in first_seen:
            raise err(GraphError, f"input `{name}` is listed twice", where[i])
        first_seen.add(name)
        if name in spec.nodes:
            raise err(GraphError, f"`{name}` is an input, so it must not appear under `nodes`", ("nodes", name))
        G.add_node(name, kind="input")
    layer_neurons = {n for layer in spec.layers for n in spec.layer_nodes[layer.name]}
    outputs_seen: set[str] = set()
    for i, name in enumerate(spec.outputs):
        if name in outputs_seen:
            raise err(GraphError, f"output `{name}` is listed twice", ("outputs", i))
        outputs_seen.add(name)
        if name in first_seen:
            raise err(GraphError, f"`{name}` is an input and cannot be an output", ("outputs", i))
        if name not in spec.nodes and name not in layer_neurons:
            hint = did_you_mean(name, spec.nodes) or "; declare it under `nodes`"
            raise err(GraphError, f"output `{name}` is not a node{hint}", ("outputs", i))

    for name in spec.parameters:
        _check_name(spec, name, ("parameters", name), "parameter")
    for i, layer in enumerate(spec.layers):
        _check_name(spec, layer.name, ("layers", i, "name"), "layer")
    parameters: dict[str, dict[str, Any]] = {
        name: {"value": p.value, "trainable": p.trainable} for name, p in spec.parameters.items()
    }

    def use(ref: float | str, implicit: str, path: KeyPath) -> str:
        """The parameter name behind a weight or bias, declaring implicit ones."""
        if isinstance(ref, str):
            if ref not in spec.parameters:
                hint = did_you_mean(ref, spec.parameters)
                if not hint and _is_number_text(ref):
                    hint = f"; a text value names a parameter ({NUMBER_AS_TEXT_HINT})"
                elif not hint and 0 < len(spec.parameters) <= 12:
                    hint = f" (declared: {', '.join(spec.parameters)})"
                raise err(GraphError, f"unknown parameter `{ref}`{hint}; declare it under `parameters`", path)
            return ref
        if implicit in spec.parameters:
            raise err(
                GraphError,
                f"parameter `{implicit}` is declared under `parameters` and is also the implicit name of this "
                f"inline number; rename the declared parameter or use `{implicit}` by name",
                path,
            )
        if implicit in parameters:
            raise err(GraphError, f"two inline numbers would both be named `{implicit}`; name one of them", path)
        parameters[implicit] = {"value": ref, "trainable": True}
        return implicit

    for name, node in spec.nodes.items():
        path: KeyPath = ("nodes", name)
        _check_name(spec, name, path, "node")
        try:
            fn = registry.activation(node.activation.name)
            _check_keys(spec, fn, node.activation.params, ["name"], path + ("activation",))
            params = check_params(fn, node.activation.params)
        except PluginError as e:
            raise _located(spec, e, path + ("activation",)) from None
        bias = None if node.bias is None else use(node.bias, f"{name}.bias", path + ("bias",))
        G.add_node(name, kind="neuron", activation=fn, activation_params=params, bias=bias)

    if spec.layers:
        from .layers import add_layers

        add_layers(G, spec, parameters, registry)

    inputs = set(spec.inputs)  # a set: `in` on the list costs one scan per edge
    for i, edge in enumerate(spec.edges):
        path = ("edges", i)
        for end, key in ((edge.source, "from"), (edge.target, "to")):
            if end not in G:
                hint = did_you_mean(end, G.nodes) or "; declare it under `nodes` (or list it in `inputs`)"
                raise err(GraphError, f"unknown node `{end}`{hint}", path + (key,))
        if edge.target in inputs:
            raise err(
                GraphError, f"edge into input `{edge.target}`: inputs take their value from the data", path + ("to",)
            )
        if edge.source == edge.target:
            raise err(GraphError, f"self-loop on `{edge.source}`: a node cannot feed itself", path)
        if G.has_edge(edge.source, edge.target):
            first = format_path(_edge_path(G.edges[edge.source, edge.target]))
            raise err(GraphError, f"duplicate edge `{edge.source}` -> `{edge.target}` (first at {first})", path)
        weight = use(edge.weight, edge_weight_name(edge.source, edge.target), path + ("weight",))
        G.add_edge(edge.source, edge.target, weight=weight, index=i)

    # is_directed_acyclic_graph is linear; find_cycle (only to name the cycle) takes minutes on
    # a 100k-edge DAG, so it runs only when there is a cycle to report.
    if not nx.is_directed_acyclic_graph(G):
        cycle = nx.find_cycle(G)
        names = " -> ".join([u for u, _ in cycle] + [cycle[0][0]])
        raise err(GraphError, f"cycle {names}: a network must be acyclic", _edge_path(G.edges[cycle[-1]]))

    # One breadth-first search from all inputs at once: linear in edges (a search per input
    # would be quadratic on a wide layered network).
    reachable = set().union(*nx.bfs_layers(G, list(spec.inputs))) if spec.inputs else set()
    for name in spec.nodes:
        if name not in reachable:
            raise err(
                GraphError, f"node `{name}` is not reachable from any input; connect it or remove it", ("nodes", name)
            )

    try:
        loss = registry.loss(spec.loss.name)
        _check_keys(spec, loss, spec.loss.params, ["name", "reduction"], ("loss",))
        loss_params = check_params(loss, spec.loss.params)
    except PluginError as e:
        raise _located(spec, e, ("loss",)) from None

    _check_data(spec)
    G.graph.update(
        parameters=parameters, loss=loss, loss_params=loss_params, reduction=spec.loss.reduction, name=spec.name
    )
    return G


def _input_paths(spec: Spec) -> list[KeyPath]:
    """Where each (expanded) input was declared: ``inputs[i]``, or ``inputs[i].name`` for
    every node of an input layer, whose name is checked here too."""
    paths: list[KeyPath] = []
    for i, item in enumerate(spec.raw.get("inputs") or []):
        if isinstance(item, dict):
            _check_name(spec, str(item["name"]), ("inputs", i, "name"), "input layer")
            paths += [("inputs", i, "name")] * int(item["size"])
        else:
            paths.append(("inputs", i))
    return paths + [("inputs",)] * (len(spec.inputs) - len(paths))  # a spec built in Python


def _check_name(spec: Spec, name: str, path: KeyPath, what: str) -> None:
    """A name that would garble tables, diagrams or weight names is refused (see :mod:`.names`)."""
    problem = name_problem(name, what, arrow_allowed=what == "parameter")
    if problem is not None:
        raise spec.error(GraphError, problem, path)


def _is_number_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _edge_path(attrs: dict[str, Any]) -> KeyPath:
    """Where an edge was declared: ``edges[i]``, or the layer that made it."""
    return ("layers", attrs["layer"]) if "layer" in attrs else ("edges", attrs["index"])


def _check_data(spec: Spec) -> None:
    if not isinstance(spec.data, list):
        return  # a data file is checked when it is read (graphengine.engine.data)
    inputs, outputs = set(spec.inputs), set(spec.outputs)
    for i, sample in enumerate(spec.data):
        for key, expected in (("inputs", inputs), ("targets", outputs)):
            given = getattr(sample, key)
            what = "input" if key == "inputs" else "output"
            for name in given:
                if name not in expected:
                    raise spec.error(
                        GraphError,
                        f"`{name}` is not an {what}{did_you_mean(name, expected)} (the {what}s: {', '.join(sorted(expected))})",
                        ("data", i, key, name),
                    )
            missing = [n for n in (spec.inputs if key == "inputs" else spec.outputs) if n not in given]
            if missing:
                raise spec.error(GraphError, f"missing {what} value for `{missing[0]}`", ("data", i, key))


def generations(G: nx.DiGraph[str]) -> list[list[str]]:
    """The nodes by depth (the longest path from an input), each depth in declared order: the inputs
    first, then every neuron one step past its deepest source. The one definition of a node's depth
    (the plan's levels, the diagrams' columns, the page's and the worksheet's order).

    >>> G = nx.DiGraph([("i1", "h"), ("h", "o"), ("i1", "o")])
    >>> generations(G)
    [['i1'], ['h'], ['o']]
    """
    declared = {name: i for i, name in enumerate(G.nodes)}
    return [sorted(g, key=declared.__getitem__) for g in nx.topological_generations(G)]


def depths(G: nx.DiGraph[str]) -> dict[str, int]:
    """Node → its depth (inputs 0), as :func:`generations` defines it."""
    return {node: depth for depth, generation in enumerate(generations(G)) for node in generation}


def backward_layers(G: nx.DiGraph[str]) -> list[list[str]]:
    """The neurons by depth, deepest first, each depth in declared order: the order a backward
    pass takes them (the worksheet's blanks, the step-through page's steps).

    >>> backward_layers(nx.DiGraph([("i1", "h"), ("h", "o"), ("i1", "o")]))
    [['o'], ['h']]
    """
    return generations(G)[:0:-1]


def weighted_edges(G: nx.DiGraph[str]) -> Iterator[tuple[str, str, str]]:
    """Every edge as ``(source, target, weight parameter name)``, in the graph's edge order."""
    yield from G.edges(data="weight")


#: One use of a parameter: ``(source, target)`` for an edge's weight, ``(None, node)`` for a bias.
ParameterUse = tuple[str | None, str]


def parameter_uses(G: nx.DiGraph[str]) -> dict[str, list[ParameterUse]]:
    """Every use of each parameter, ``(source, target)`` per edge it weighs (in the graph's
    edge order) then ``(None, node)`` per bias it is (in the graph's node order); a parameter
    nothing uses has an empty list. Callers that list uses in another order sort these."""
    uses: dict[str, list[ParameterUse]] = {name: [] for name in G.graph["parameters"]}
    for source, target, weight in weighted_edges(G):
        uses[weight].append((source, target))
    for node, bias in G.nodes(data="bias"):
        if bias:
            uses[str(bias)].append((None, node))
    return uses
