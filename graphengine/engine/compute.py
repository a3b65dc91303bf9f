"""Run a compiled :class:`~graphengine.engine.plan.Plan` vectorised over samples.

Every array has the sample dimension first. A level's pre-activations are
``net = Σ_blocks out[:, sources] @ W + bias`` — one matrix product per block
(see :mod:`graphengine.engine.plan`), so a dense layer costs one ``X @ W`` forward and
two matrix products backward. Values are kept per level; the ``(samples,
nodes)`` arrays that :class:`Forward` and :class:`Backward` show are assembled
only when asked for. Nothing loops over samples or over edges at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import cast

import numpy as np

from ..plugins.registry import Activation, Loss
from .blocks import ALL, Block, Columns
from .plan import Level, Plan, compile_plan

__all__ = [
    "Backward",
    "Forward",
    "Plan",
    "backward",
    "compile_plan",
    "forward",
    "gradient",
    "loss_of",
    "step",
]


class Forward:
    """Per-node values of a forward pass. ``net``, ``out`` and ``dact`` (∂out/∂net, 1 for
    inputs) are ``(samples, nodes)`` arrays in plan order, assembled on first use."""

    def __init__(self, plan: Plan, nets: list[np.ndarray], outs: list[np.ndarray]) -> None:
        self.plan = plan
        self.nets = nets  # per level; level 0 is the inputs
        self.outs = outs
        self.dacts: list[np.ndarray | None] = [None] * len(outs)
        self._cache: dict[str, np.ndarray] = {}

    def level_dact(self, k: int) -> np.ndarray:
        dact = self.dacts[k]
        if dact is None:
            if k == 0:
                dact = np.ones_like(self.outs[0])
            else:
                dact = _activation_derivative(self.plan.levels[k - 1], self.nets[k], self.outs[k])
            self.dacts[k] = dact
        return dact

    def _joined(self, name: str, parts: Iterable[np.ndarray]) -> np.ndarray:
        if name not in self._cache:
            self._cache[name] = np.concatenate(list(parts), axis=1)
        return self._cache[name]

    @property
    def net(self) -> np.ndarray:
        return self._joined("net", self.nets)

    @property
    def out(self) -> np.ndarray:
        return self._joined("out", self.outs)

    @property
    def dact(self) -> np.ndarray:
        return self._joined("dact", (self.level_dact(k) for k in range(len(self.outs))))

    @property
    def outputs(self) -> np.ndarray:
        """The output nodes' values ``(samples, outputs)`` in the spec's ``outputs`` order."""
        picks = self.plan.output_picks
        if picks is None:
            return self.out[:, self.plan.outputs]
        k, columns = picks
        return self.outs[k][:, columns]


class Backward:
    """Gradients of the batch loss: ``dnet``, ``dout`` per node ``(samples, nodes)`` (assembled
    on first use) and ``grad`` per parameter ``(parameters,)`` with shared parameters summed."""

    def __init__(self, dnets: list[np.ndarray], douts: list[np.ndarray], grad: np.ndarray) -> None:
        self.dnets, self.douts, self.grad = dnets, douts, grad
        self._dnet: np.ndarray | None = None
        self._dout: np.ndarray | None = None

    @property
    def dnet(self) -> np.ndarray:
        if self._dnet is None:
            self._dnet = np.concatenate(self.dnets, axis=1)
        return self._dnet

    @property
    def dout(self) -> np.ndarray:
        if self._dout is None:
            self._dout = np.concatenate(self.douts, axis=1)
        return self._dout


def _activate(level: Level, z: np.ndarray) -> np.ndarray:
    if len(level.groups) == 1:
        g = level.groups[0]
        return z if g.identity else _as_dtype(g.activation.function(z, **g.params), z)
    y = np.empty_like(z)
    for g in level.groups:
        y[:, g.columns] = g.activation.function(z[:, g.columns], **g.params)
    return y


def _derivative(plugin: Activation | Loss) -> Callable[..., np.ndarray]:
    """An activation's derivative or a loss's gradient: every plugin in a plan has one (verified on load)."""
    function = plugin.derivative_function if isinstance(plugin, Activation) else plugin.gradient_function
    assert function is not None, plugin.name
    return function


def _activation_derivative(level: Level, z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂out/∂net of one level: each activation group's derivative at its nets ``z`` and outputs ``y``."""
    if len(level.groups) == 1:
        g = level.groups[0]
        return _as_dtype(_derivative(g.activation)(z, y, **g.params), z)
    dact = np.empty_like(z)
    for g in level.groups:
        c = g.columns
        dact[:, c] = _derivative(g.activation)(z[:, c], y[:, c], **g.params)
    return dact


def _as_dtype(value: np.ndarray, like: np.ndarray) -> np.ndarray:
    """A plugin's result in the dtype the engine runs in (float32 training stays float32)."""
    return value if value.dtype == like.dtype else np.asarray(value, dtype=like.dtype)


def _times_dact(level: Level, fwd: Forward, k: int, dout: np.ndarray) -> np.ndarray:
    """∂L/∂net = ∂L/∂out · ∂out/∂net. For a level of the built-in ReLU, fused: the product with
    the mask ``net > 0`` directly (the same numbers as with the 0/1 derivative array, without
    making that array); a trace that shows ∂out/∂net still computes it on demand."""
    if fwd.dacts[k] is None and len(level.groups) == 1:
        act = level.groups[0].activation
        if act.name == "relu" and act.source == "built-in":
            return cast(np.ndarray, np.multiply(dout, fwd.nets[k] > 0, dtype=dout.dtype))
    return cast(np.ndarray, dout * fwd.level_dact(k))


def _inputs_of(block: Block, outs: list[np.ndarray]) -> np.ndarray:
    """The block's source values ``(samples, sources)``."""
    if len(block.sources) == 1:
        [source] = block.sources
        values = outs[source.level]
        return values if source.columns is ALL else values[:, source.columns]
    return np.concatenate([outs[source.level][:, source.columns] for source in block.sources], axis=1)


def forward(plan: Plan, theta: np.ndarray, X: np.ndarray) -> Forward:
    """Evaluate every node for the samples in ``X`` (``(samples, inputs)``)."""
    outs = [X]
    nets = [X]
    for level in plan.levels:
        blocks = level.blocks
        if len(blocks) == 1 and blocks[0].whole:
            z = blocks[0].apply(_inputs_of(blocks[0], outs), theta)
        else:
            z = np.zeros((X.shape[0], level.width), dtype=X.dtype)
            for block in blocks:
                z[:, block.targets] += block.apply(_inputs_of(block, outs), theta)
        bias = level.bias
        if bias is not None:
            if bias.columns is ALL:
                z += theta[bias.index]
            else:
                z[:, bias.columns] += theta[bias.index]
        nets.append(z)
        outs.append(_activate(level, z))
    return Forward(plan, nets, outs)


def loss_of(plan: Plan, fwd: Forward, T: np.ndarray) -> tuple[float, np.ndarray]:
    """The batch loss and the per-sample losses."""
    per_sample = plan.loss.function(fwd.outputs, T, **plan.loss_params)
    total = float(np.add.reduce(per_sample, axis=None))  # np.sum/np.mean's wrappers cost more here
    if plan.reduction != "sum":
        total /= len(per_sample)
    return total, per_sample


def _backpropagate(
    plan: Plan, theta: np.ndarray, fwd: Forward, T: np.ndarray, to_inputs: bool
) -> tuple[list[np.ndarray | None], list[np.ndarray | None], np.ndarray]:  # per level: None where nothing flows
    """∂L/∂out and ∂L/∂net per level and ∂L/∂θ; gradients accumulate (``+=``)."""
    n = T.shape[0]
    dL_dy = _derivative(plan.loss)(fwd.outputs, T, **plan.loss_params)
    if plan.reduction == "mean":
        dL_dy = dL_dy / n
    douts: list[np.ndarray | None] = [None] * (len(plan.levels) + 1)
    owned = [False] * len(douts)
    for k, level_columns, output_positions in plan.output_scatter:
        _accumulate(douts, owned, k, level_columns, dL_dy[:, output_positions], n, plan.widths[k])
    dnets: list[np.ndarray | None] = [None] * len(douts)
    grad = np.empty(len(theta), theta.dtype) if plan.assigned else np.zeros(len(theta), theta.dtype)
    for k in range(len(plan.levels), 0, -1):
        level = plan.levels[k - 1]
        dout = douts[k]
        if dout is None:
            dout = douts[k] = np.zeros((n, level.width), dtype=theta.dtype)
        d = dnets[k] = dout if level.identity else _times_dact(level, fwd, k, dout)
        if level.bias is not None:
            level.bias.accumulate(grad, d)
        for block in level.blocks:
            db = d if block.whole else d[:, block.targets]
            x = _inputs_of(block, fwd.outs)
            block.accumulate(grad, x, db, theta)
            if not to_inputs and block.reads_inputs_only:
                continue
            dx = block.back(db, theta)
            if len(block.sources) == 1:
                [source] = block.sources
                _accumulate(douts, owned, source.level, source.columns, dx, n, plan.widths[source.level])
                continue
            for source in block.sources:
                if source.level or to_inputs:
                    part = dx[:, source.row : source.row + source.width]
                    _accumulate(douts, owned, source.level, source.columns, part, n, plan.widths[source.level])
    if to_inputs:
        if douts[0] is None:
            douts[0] = np.zeros_like(fwd.outs[0])
        dnets[0] = douts[0]
    return dnets, douts, grad


def _accumulate(
    douts: list[np.ndarray | None], owned: list[bool], k: int, columns: Columns, value: np.ndarray, n: int, width: int
) -> None:
    """douts[k][:, columns] += value; the first whole-level value is kept without a copy and
    copied only if something is added to it later (it may be a view of another array)."""
    current = douts[k]
    if current is None:
        if columns is ALL:
            douts[k], owned[k] = value, False
            return
        current = douts[k] = np.zeros((n, width), dtype=value.dtype)
        owned[k] = True
    elif not owned[k]:
        current = douts[k] = current.copy()
        owned[k] = True
    current[:, columns] += value


def backward(plan: Plan, theta: np.ndarray, fwd: Forward, T: np.ndarray) -> Backward:
    """Reverse-mode accumulation of ∂L/∂out, ∂L/∂net and ∂L/∂p (shared parameters summed)."""
    dnets, douts, grad = _backpropagate(plan, theta, fwd, T, to_inputs=True)
    # With the inputs' gradient every level has an array (only ∂L/∂θ alone leaves some None).
    return Backward(cast(list[np.ndarray], dnets), cast(list[np.ndarray], douts), grad)


def gradient(plan: Plan, theta: np.ndarray, fwd: Forward, T: np.ndarray) -> np.ndarray:
    """Only ∂L/∂θ — what training needs; skips the gradient with respect to the inputs."""
    return _backpropagate(plan, theta, fwd, T, to_inputs=False)[2]


def step(plan: Plan, theta: np.ndarray, grad: np.ndarray, learning_rate: float) -> np.ndarray:
    """Plain gradient descent on the trainable parameters: p ← p − lr·g."""
    if plan.frozen is None:
        return theta - learning_rate * grad
    new = theta - learning_rate * grad
    new[plan.frozen] = theta[plan.frozen]
    return new
