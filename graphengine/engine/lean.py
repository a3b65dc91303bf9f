"""Full-batch training of a chain of dense layers without the general engine's bookkeeping.

The worked example and the networks of a lesson are small: an epoch is a dozen numpy calls on
arrays of a few numbers, and the general pass (:func:`~graphengine.engine.compute.forward`,
:func:`~graphengine.engine.compute.gradient`: a :class:`~graphengine.engine.compute.Forward`
record, per-level lists, block dispatch) costs more Python than the arithmetic. When every
level of the plan is one dense block (``rows``/``cols``: a view of ``theta``) reading the whole
previous level, with one activation and its bias on every column, and the outputs are the last
level, :func:`lean_layers` precomputes what each level needs and :func:`lean_loop` runs the
epochs with the same numpy operations in the same order as the general pass — the same
numbers to the last bit (tests/engine/test_train_lean.py compares the two on several specs,
activations, losses and optimisers) — and nothing else per epoch.

Anything else (mini-batches, skip connections, mixed activations, sparse or gathered weights)
trains through the general loop in :mod:`graphengine.engine.train`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..errors import TrainingError
from .blocks import ALL, Bias, Block
from .compute import forward
from .history import Callback, History
from .metrics import epoch_metrics
from .nonfinite import non_finite_message
from .plan import Plan

if TYPE_CHECKING:
    from .network import Network

__all__ = ["LeanLayer", "lean_layers", "lean_loop"]


class LeanLayer(NamedTuple):
    """One level of a dense chain: ``net = out_before @ W (+ θ[bias])``, ``out = f(net)``."""

    block: Block
    bias: Bias | None
    function: Callable[..., np.ndarray] | None  # None: the built-in identity (out is net)
    derivative: Callable[..., np.ndarray] | None  # None: the built-in ReLU's mask, fused
    params: dict[str, Any]


class _LeanStep(NamedTuple):
    """A lean layer as the loop reads it at every epoch (unpacked in one go, as fast as a tuple)."""

    weights: np.ndarray  # a view of theta, which training updates in place
    block: Block
    bias: Bias | None  # on the way back, None too for a frozen bias (its gradient is never read)
    bias_index: slice | int | np.ndarray | None
    function: Callable[..., np.ndarray] | None
    derivative: Callable[..., np.ndarray] | None
    params: dict[str, Any]
    inputs_only: bool  # the layer reads the inputs only: no gradient flows further back


def lean_layers(plan: Plan) -> list[LeanLayer] | None:
    """The plan's levels as a dense chain, or None when the general pass is needed."""
    layers = []
    for k, level in enumerate(plan.levels, start=1):
        if len(level.blocks) != 1 or len(level.groups) != 1:
            return None
        block = level.blocks[0]
        if block.kind not in ("rows", "cols") or not block.whole or len(block.sources) != 1:
            return None
        source = block.sources[0]
        if source.level != k - 1 or source.columns is not ALL:
            return None
        if level.bias is not None and level.bias.columns is not ALL:
            return None
        group = level.groups[0]
        act = group.activation
        relu = act.name == "relu" and act.source == "built-in"
        if not level.identity and not relu and act.derivative_function is None:
            return None
        layers.append(
            LeanLayer(
                block,
                level.bias,
                None if level.identity else act.function,
                None if level.identity or relu else act.derivative_function,
                group.params,
            )
        )
    last = len(plan.levels)
    if not layers or plan.output_picks is None or plan.output_picks[0] != last:
        return None
    if (
        len(plan.output_scatter) != 1
        or plan.output_scatter[0].level != last
        or plan.output_scatter[0].level_columns is not ALL
    ):
        return None
    if plan.loss.gradient_function is None:
        return None
    return layers


def lean_loop(
    net: Network,
    layers: list[LeanLayer],
    X: np.ndarray,
    T: np.ndarray,
    epochs: int,
    history: History,
    update: Callable[[np.ndarray], None],
    callback: Callback | None,
    stop: list[bool],
    validation: tuple[np.ndarray, np.ndarray] | None = None,
) -> History:
    """``epochs`` full-batch steps, as :func:`graphengine.engine.train.fit`'s loop takes them:
    step, then the loss (and accuracy, validation loss) after it, the callback, Ctrl-C."""
    plan, theta = net.plan, net.theta
    dtype = theta.dtype
    n = len(X)
    count = len(theta)
    loss_function, loss_gradient = plan.loss.function, plan.loss.gradient_function
    loss_params = plan.loss_params
    assert loss_gradient is not None
    mean_loss = plan.reduction != "sum"
    mean_gradient = plan.reduction == "mean"
    output_columns = plan.output_picks[1]  # type: ignore[index]
    output_positions = plan.output_scatter[0].positions
    assigned = plan.assigned
    classify = history.accuracies is not None
    # Each level's weights are a view of theta, which training updates in place.
    steps = [
        _LeanStep(
            layer.block.weights(theta),
            layer.block,
            layer.bias,
            None if layer.bias is None else layer.bias.index,
            layer.function,
            layer.derivative,
            layer.params,
            layer.block.reads_inputs_only,
        )
        for layer in layers
    ]
    # A frozen bias's gradient is never read (the update takes the trainable entries only).
    backwards = [
        step if step.bias is None or plan.trainable[step.bias_index].any() else step._replace(bias=None)
        for step in steps[::-1]
    ]

    def run(x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        nets, outs = [x], [x]
        for step in steps:
            z = x @ step.weights
            if step.bias_index is not None:
                z += theta[step.bias_index]
            nets.append(z)
            if step.function is not None:
                x = step.function(z, **step.params)
                if x.dtype != z.dtype:
                    x = np.asarray(x, dtype=z.dtype)
            else:
                x = z
            outs.append(x)
        return nets, outs

    try:
        nets, outs = run(X)
        for epoch in range(1, epochs + 1):
            # The gradient of the pass that measured the last loss (compute._backpropagate's order).
            Y = outs[-1][:, output_columns]
            dout = loss_gradient(Y, T, **loss_params)
            if mean_gradient:
                dout = dout / n
            dout = dout[:, output_positions]
            grad = np.empty(count, dtype) if assigned else np.zeros(count, dtype)
            k = len(steps)
            for W, block, bias, _, function, derivative, params, inputs_only in backwards:
                if function is None:
                    d = dout
                elif derivative is None:  # the built-in ReLU: the mask net > 0
                    d = np.multiply(dout, nets[k] > 0, dtype=dout.dtype)
                else:
                    dact = derivative(nets[k], outs[k], **params)
                    if dact.dtype != nets[k].dtype:
                        dact = np.asarray(dact, dtype=nets[k].dtype)
                    d = dout * dact
                if bias is not None:
                    bias.accumulate(grad, d)
                block.accumulate(grad, outs[k - 1], d, theta)
                if not inputs_only:
                    dout = d @ W.T
                k -= 1
            update(grad)
            nets, outs = run(X)
            per_sample = loss_function(outs[-1][:, output_columns], T, **loss_params)
            loss = float(np.add.reduce(per_sample, axis=None))
            if mean_loss:
                loss /= len(per_sample)
            if not math.isfinite(loss):
                message = non_finite_message(net, forward(plan, theta, X), epoch, loss)
                raise TrainingError(message, file=net.spec.file, path=("training",))
            metrics = epoch_metrics(plan, theta, outs[-1][:, output_columns], T, validation, classify)
            history.record(epoch, loss, metrics)
            if callback is not None:
                callback(epoch, loss, metrics)
            if stop[0]:
                history.interrupted = True
                break
    except KeyboardInterrupt:
        history.interrupted = True
    return history
