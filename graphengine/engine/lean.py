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
activations, losses and optimisers) — and nothing else per epoch: one gradient array for all
epochs (each level's weight gradient written into its view by ``matmul(out=)``), built-in
SGD's step taken in place through views of the trainable run, no output indexing, metrics or
reduce where there is nothing to pick, measure or add (tests/engine/test_lean_paths.py checks
each shortcut against the general loop).

Anything else (mini-batches, skip connections, mixed activations, sparse or gathered weights)
trains through the general loop in :mod:`graphengine.engine.train`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..errors import TrainingError
from ..plugins import activations
from ..plugins import losses as losses_module
from .blocks import ALL, Bias, Block
from .compute import forward
from .history import Callback, History
from .metrics import epoch_metrics
from .nonfinite import non_finite_message
from .plan import Plan
from .update import Update

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
    checked: bool  # a plugin's activation: its results are cast to the dtype it was given


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
                not _built_in(act.function, activations),
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
    update: Update,
    callback: Callback | None,
    stop: list[bool],
    validation: tuple[np.ndarray, np.ndarray] | None = None,
) -> History:
    """``epochs`` full-batch steps, as :func:`graphengine.engine.train.fit`'s loop takes them:
    step, then the loss (and accuracy, validation loss) after it, the callback, Ctrl-C."""
    plan, theta = net.plan, net.theta
    n = len(X)
    loss_function, loss_gradient = plan.loss.function, plan.loss.gradient_function
    loss_params = plan.loss_params
    assert loss_gradient is not None
    mean_loss = plan.reduction != "sum"
    mean_gradient = plan.reduction == "mean"
    output_columns = plan.output_picks[1]  # type: ignore[index]
    output_positions = plan.output_scatter[0].positions
    classify = history.accuracies is not None
    metrics_needed = classify or validation is not None
    single = n == 1 and _built_in(loss_function, losses_module)  # a built-in loss returns an array (samples,)
    losses = history.losses
    # One gradient array for every epoch, each level's part of it a view written by matmul(out=).
    grad = np.zeros(len(theta), theta.dtype)
    forwards, backwards = _steps(plan, layers, theta, grad)
    # Entries accumulated with += start from zero every epoch; assigned ones need nothing.
    zero = any(not exclusive or bias is not None for _, _, _, exclusive, bias, *_ in backwards)
    # Built-in SGD over one run of trainable parameters: the step in place, through views.
    rate, movable = update.sgd_rate, update.movable
    if rate is not None and isinstance(movable, slice):
        grad_movable, theta_movable = grad[movable], theta[movable]
        step = np.empty_like(grad_movable)
    else:
        rate = None
    L = len(layers)
    nets: list[np.ndarray] = [X] * (L + 1)
    outs: list[np.ndarray] = [X] * (L + 1)
    epoch = 0
    try:
        while True:
            # The forward pass: after epoch `epoch`'s step (before the first, at the start).
            x, k = X, 1
            for W, bias, gathered, function, params, checked in forwards:
                z = x @ W
                if bias is not None:
                    z += theta[bias] if gathered else bias
                nets[k] = z
                if function is not None:
                    x = function(z, **params) if params else function(z)
                    if checked and x.dtype != z.dtype:
                        x = np.asarray(x, dtype=z.dtype)
                else:
                    x = z
                outs[k] = x
                k += 1
            Y = x if output_columns is ALL else x[:, output_columns]
            if epoch:
                per_sample = loss_function(Y, T, **loss_params) if loss_params else loss_function(Y, T)
                # One sample: its loss is the sum (numpy's reduce adds it to 0.0; so does + 0.0).
                loss = per_sample.item() + 0.0 if single else float(np.add.reduce(per_sample, axis=None))
                if mean_loss:
                    loss /= len(per_sample)
                if not math.isfinite(loss):
                    message = non_finite_message(net, forward(plan, theta, X), epoch, loss)
                    raise TrainingError(message, file=net.spec.file, path=("training",))
                if metrics_needed:
                    metrics = epoch_metrics(plan, theta, Y, T, validation, classify)
                    history.record(epoch, loss, metrics)
                else:
                    metrics = {}
                    losses.append(loss)
                    history.epochs = epoch
                if callback is not None:
                    callback(epoch, loss, metrics)
                if stop[0]:
                    history.interrupted = True
                    break
            if epoch == epochs:
                break
            epoch += 1
            # The gradient of the pass that measured the last loss (compute._backpropagate's order).
            dout = loss_gradient(Y, T, **loss_params) if loss_params else loss_gradient(Y, T)
            if mean_gradient:
                dout = dout / n
            if output_positions is not ALL:
                dout = dout[:, output_positions]
            if zero:
                grad.fill(0)
            k = L
            for WT, target, cols, exclusive, bias, function, derivative, params, checked, inputs_only in backwards:
                if function is None:
                    d = dout
                elif derivative is None:  # the built-in ReLU: the mask net > 0
                    d = np.multiply(dout, nets[k] > 0, dtype=dout.dtype)
                else:
                    z = nets[k]
                    dact = derivative(z, outs[k], **params) if params else derivative(z, outs[k])
                    if checked and dact.dtype != z.dtype:
                        dact = np.asarray(dact, dtype=z.dtype)
                    d = dout * dact
                if bias is not None:
                    bias.accumulate(grad, d)
                x = outs[k - 1]
                # Block.accumulate's products, written into the gradient's view.
                if exclusive:  # out= given by position: a little less call overhead than by keyword
                    if cols:
                        np.matmul(d.T, x, target)
                    else:
                        np.matmul(x.T, d, target)
                elif cols:
                    target += d.T @ x
                else:
                    target += x.T @ d
                if not inputs_only:
                    dout = d @ WT
                k -= 1
            if rate is not None:
                np.multiply(grad_movable, rate, step)
                theta_movable -= step
            else:
                update(grad if update.reusable else grad.copy())
    except KeyboardInterrupt:
        history.interrupted = True
    return history


def _built_in(function: Callable[..., Any], module: ModuleType) -> bool:
    """Whether ``function`` is one of graphengine's own (which return arrays of the dtype given)."""
    return getattr(function, "__module__", None) == module.__name__


# What the loop reads of a level on the way forward: W, the bias (a view of theta, or the
# indices to gather when `gathered`), the activation and its parameters, whether its result's
# dtype needs checking (a plugin's).
_Forward = tuple[np.ndarray, Any, bool, Callable[..., np.ndarray] | None, dict[str, Any], bool]
# ... and on the way back: Wᵀ, the gradient's view for W (transposed for `cols`), whether the
# product is assigned, the bias (None when frozen or absent), the activation, its derivative,
# parameters, checked, and whether the level reads the inputs only (no gradient further back).
_Backward = tuple[
    np.ndarray,
    np.ndarray,
    bool,
    bool,
    Bias | None,
    Callable[..., np.ndarray] | None,
    Callable[..., np.ndarray] | None,
    dict[str, Any],
    bool,
    bool,
]


def _steps(
    plan: Plan, layers: list[LeanLayer], theta: np.ndarray, grad: np.ndarray
) -> tuple[list[_Forward], list[_Backward]]:
    """Each level's views of ``theta`` and ``grad`` (updated in place by training, so valid
    throughout), in the order the forward and backward passes read them."""
    forwards: list[_Forward] = []
    backwards: list[_Backward] = []
    for layer in layers:
        block, bias = layer.block, layer.bias
        W = block.weights(theta)
        S, L = block.shape
        assert block.span is not None  # rows/cols blocks are views of theta
        cols = block.kind == "cols"
        target = grad[block.span].reshape((L, S) if cols else (S, L))
        index: Any = None if bias is None else bias.index
        gathered = False
        if isinstance(index, slice):
            index = theta[index]  # a view: no indexing per epoch
        else:  # one shared entry (theta[i] is a scalar, cheaper to add than a view) or a gather
            gathered = index is not None
        checked = layer.checked
        forwards.append((W, index, gathered, layer.function, layer.params, checked))
        # A frozen bias's gradient is never read (the update takes the trainable entries only).
        trained_bias = bias if bias is not None and plan.trainable[bias.index].any() else None
        backwards.append(
            (
                W.T,
                target,
                cols,
                block.exclusive,
                trained_bias,
                layer.function,
                layer.derivative,
                layer.params,
                checked,
                block.reads_inputs_only,
            )
        )
    return forwards, backwards[::-1]
