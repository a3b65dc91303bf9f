"""Compile a network DAG into a :class:`Plan` and run it vectorised over samples.

The plan orders nodes by depth (``nx.topological_generations``) so that every
level is a contiguous block of columns in the ``(samples, nodes)`` arrays. All
edges into a level form one weight matrix ``W`` (sources × level), filled from
the flat parameter vector, so a dense layer is one ``X @ W`` forward and two
matrix products backward; shared parameters accumulate through
``np.bincount``. Nothing loops over samples, and nothing loops over edges at run
time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from .registry import Activation, Loss


@dataclass
class ActivationGroup:
    """Columns of one level (relative to its start) that share an activation."""

    activation: Activation
    params: dict[str, float]
    columns: slice | np.ndarray


@dataclass
class Level:
    """All neurons of one depth: ``net = out[:, sources] @ W + bias``."""

    start: int  # first column of this level in the node arrays
    stop: int
    sources: slice | np.ndarray  # columns feeding the level (earlier levels)
    rows: np.ndarray  # per edge: row of W (position among sources)
    cols: np.ndarray  # per edge: column of W (position in level)
    weight_index: np.ndarray  # per edge: index into the parameter vector
    dense_block: tuple[int, int] | None  # W is theta[a:b].reshape(S, L) with no copy
    bias_nodes: np.ndarray  # positions in level that have a bias
    bias_index: np.ndarray  # their parameter indices
    groups: list[ActivationGroup]
    n_sources: int

    def weights(self, theta: np.ndarray) -> np.ndarray:
        shape = (self.n_sources, self.stop - self.start)
        if self.dense_block is not None:
            return theta[self.dense_block[0] : self.dense_block[1]].reshape(shape)
        W = np.zeros(shape)
        W[self.rows, self.cols] = theta[self.weight_index]
        return W


@dataclass
class Plan:
    """An execution plan: node order, levels, and the flat parameter vector's layout."""

    nodes: list[str]  # every node, inputs first, in level order
    index: dict[str, int]  # node name → column
    n_inputs: int
    levels: list[Level]
    outputs: np.ndarray  # columns of the outputs, in `outputs` order
    parameters: list[str]  # parameter names, in vector order
    parameter_index: dict[str, int]
    values: np.ndarray  # initial parameter values
    trainable: np.ndarray  # bool mask
    loss: Loss
    loss_params: dict[str, float]
    reduction: str
    depth: dict[str, int] = field(default_factory=dict)


def _as_slice(columns: np.ndarray) -> slice | np.ndarray:
    """A contiguous ascending run becomes a slice, so numpy gives a view instead of a copy."""
    if len(columns) and np.array_equal(columns, np.arange(columns[0], columns[0] + len(columns))):
        return slice(int(columns[0]), int(columns[0]) + len(columns))
    return columns


def compile_plan(G: nx.DiGraph) -> Plan:
    """Turn a graph from :func:`graph.build_graph` into a :class:`Plan` (done once)."""
    inputs, outputs = G.graph["inputs"], G.graph["outputs"]
    declared = {name: i for i, name in enumerate(G.nodes)}
    generations = [sorted(g, key=declared.__getitem__) for g in nx.topological_generations(G)]
    order = list(inputs) + [n for g in generations[1:] for n in g]
    # Inputs all sit in generation 0 (they have no incoming edges; other such nodes are
    # rejected as unreachable), so the first generation is exactly the inputs.
    index = {name: i for i, name in enumerate(order)}

    params = G.graph["parameters"]
    names = list(params)
    pindex = {name: i for i, name in enumerate(names)}

    levels: list[Level] = []
    for generation in generations[1:]:
        start = index[generation[0]]
        stop = start + len(generation)
        edges = [(u, v, d["weight"]) for v in generation for u, _, d in G.in_edges(v, data=True)]
        sources = np.array(sorted({index[u] for u, _, _ in edges}), dtype=np.intp)
        src_pos = {int(c): i for i, c in enumerate(sources)}
        # Row-major order of W, so that a layer whose parameters were laid out the same
        # way is read straight out of the parameter vector.
        edges.sort(key=lambda e: (src_pos[index[e[0]]], index[e[1]]))
        rows = np.array([src_pos[index[u]] for u, _, _ in edges], dtype=np.intp)
        cols = np.array([index[v] - start for _, v, _ in edges], dtype=np.intp)
        widx = np.array([pindex[w] for _, _, w in edges], dtype=np.intp)
        n_src, width = len(sources), len(generation)
        dense = None
        if len(widx) == n_src * width and np.array_equal(widx, np.arange(widx[0], widx[0] + len(widx))):
            dense = (int(widx[0]), int(widx[0]) + len(widx))
        biased = [(i, pindex[G.nodes[v]["bias"]]) for i, v in enumerate(generation) if G.nodes[v]["bias"]]
        groups: dict[tuple, list[int]] = {}
        for i, v in enumerate(generation):
            a = G.nodes[v]
            groups.setdefault((id(a["activation"]), tuple(sorted(a["activation_params"].items()))), []).append(i)
        levels.append(
            Level(
                start=start,
                stop=stop,
                sources=_as_slice(sources),
                rows=rows,
                cols=cols,
                weight_index=widx,
                dense_block=dense,
                bias_nodes=np.array([i for i, _ in biased], dtype=np.intp),
                bias_index=np.array([p for _, p in biased], dtype=np.intp),
                groups=[
                    ActivationGroup(
                        G.nodes[generation[cols_[0]]]["activation"],
                        G.nodes[generation[cols_[0]]]["activation_params"],
                        _as_slice(np.array(cols_, dtype=np.intp)),
                    )
                    for cols_ in groups.values()
                ],
                n_sources=n_src,
            )
        )

    return Plan(
        nodes=order,
        index=index,
        n_inputs=len(inputs),
        levels=levels,
        outputs=np.array([index[o] for o in outputs], dtype=np.intp),
        parameters=names,
        parameter_index=pindex,
        values=np.array([params[n]["value"] for n in names], dtype=np.float64),
        trainable=np.array([params[n]["trainable"] for n in names], dtype=bool),
        loss=G.graph["loss"],
        loss_params=G.graph["loss_params"],
        reduction=G.graph["reduction"],
        depth={n: d for d, g in enumerate(generations) for n in g},
    )


@dataclass
class Forward:
    """Per-node values of a forward pass, shaped ``(samples, nodes)`` in plan order."""

    net: np.ndarray
    out: np.ndarray
    dact: np.ndarray  # ∂out/∂net (1 for inputs)


def forward(plan: Plan, theta: np.ndarray, X: np.ndarray) -> Forward:
    """Evaluate every node for the samples in ``X`` (``(samples, inputs)``)."""
    n = X.shape[0]
    net = np.empty((n, len(plan.nodes)))
    out = np.empty_like(net)
    dact = np.empty_like(net)
    net[:, : plan.n_inputs] = X
    out[:, : plan.n_inputs] = X
    dact[:, : plan.n_inputs] = 1.0
    for level in plan.levels:
        z = out[:, level.sources] @ level.weights(theta)
        if len(level.bias_index):
            z[:, level.bias_nodes] += theta[level.bias_index]
        net[:, level.start : level.stop] = z
        block_out = out[:, level.start : level.stop]
        block_dact = dact[:, level.start : level.stop]
        for g in level.groups:
            zg = z[:, g.columns]
            yg = g.activation.function(zg, **g.params)
            block_out[:, g.columns] = yg
            block_dact[:, g.columns] = g.activation.derivative_function(zg, yg, **g.params)
    return Forward(net, out, dact)


def loss_of(plan: Plan, fwd: Forward, T: np.ndarray) -> tuple[float, np.ndarray]:
    """The batch loss and the per-sample losses."""
    per_sample = plan.loss.function(fwd.out[:, plan.outputs], T, **plan.loss_params)
    total = float(np.sum(per_sample)) if plan.reduction == "sum" else float(np.mean(per_sample))
    return total, per_sample


@dataclass
class Backward:
    """Gradients of the batch loss: per node ``(samples, nodes)``, per parameter ``(parameters,)``."""

    dnet: np.ndarray
    dout: np.ndarray
    grad: np.ndarray


def backward(plan: Plan, theta: np.ndarray, fwd: Forward, T: np.ndarray) -> Backward:
    """Reverse-mode accumulation of ∂L/∂out, ∂L/∂net and ∂L/∂p (shared parameters summed)."""
    n = T.shape[0]
    dout = np.zeros_like(fwd.out)
    dL_dy = plan.loss.gradient_function(fwd.out[:, plan.outputs], T, **plan.loss_params)
    if plan.reduction == "mean":
        dL_dy = dL_dy / n
    dout[:, plan.outputs] += dL_dy
    dnet = np.zeros_like(fwd.out)
    grad = np.zeros_like(theta)
    P = len(theta)
    for level in reversed(plan.levels):
        d = dout[:, level.start : level.stop] * fwd.dact[:, level.start : level.stop]
        dnet[:, level.start : level.stop] = d
        if len(level.bias_index):
            grad += np.bincount(level.bias_index, weights=d[:, level.bias_nodes].sum(axis=0), minlength=P)
        X = fwd.out[:, level.sources]
        dW = X.T @ d
        if level.dense_block is not None:
            grad[level.dense_block[0] : level.dense_block[1]] += dW.ravel()
        else:
            grad += np.bincount(level.weight_index, weights=dW[level.rows, level.cols], minlength=P)
        dout[:, level.sources] += d @ level.weights(theta).T
    dnet[:, : plan.n_inputs] = dout[:, : plan.n_inputs]
    return Backward(dnet, dout, grad)


def step(plan: Plan, theta: np.ndarray, grad: np.ndarray, learning_rate: float) -> np.ndarray:
    """Plain gradient descent on the trainable parameters: p ← p − lr·g."""
    return theta - learning_rate * np.where(plan.trainable, grad, 0.0)
