"""The training loop: epochs of forward pass, gradient and optimiser step over the flat parameter vector.

:meth:`Network.train <graphengine.engine.network.Network.train>` is the API; :func:`fit`
does the work. Full-batch training runs one forward pass per epoch: the pass that
measures the loss after a step is the one the next step differentiates. The loop's parts
live beside it: :mod:`.history` (what a run did), :mod:`.metrics` (accuracy, loss on the data),
:mod:`.optimizer_choice` (which optimiser), :mod:`.nonfinite` (the divergence message),
:mod:`.interruption` (Ctrl-C between steps); the curve is drawn by
:mod:`graphengine.views.training_plot`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..errors import TrainingError
from ..plugins.guard import check_at_values, uses_plugins
from ..spec.limits import MAX_EPOCHS
from .compute import forward, gradient, loss_of
from .history import Callback, History, history_table
from .interruption import deferred_interrupt
from .lean import lean_layers, lean_loop
from .metrics import accuracy, epoch_metrics, evaluate
from .nonfinite import non_finite_message
from .optimizer_choice import resolve_optimizer
from .update import Update

if TYPE_CHECKING:
    from .network import Network

# The loop's parts, importable from here as before the split.
__all__ = [
    "SPOT_CHECK_ROWS",
    "Callback",
    "History",
    "accuracy",
    "evaluate",
    "fit",
    "history_table",
    "resolve_optimizer",
]


def fit(
    net: Network,
    epochs: int,
    learning_rate: float | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    callback: Callback | None = None,
    optimizer: str | None = None,
    dtype: str | None = None,
) -> History:
    """Train ``net`` in place for ``epochs`` passes over its data; see :meth:`Network.train`.

    Every call starts the optimiser afresh (no momentum or Adam moments carried over).
    ``dtype`` (else ``training.dtype``, else float64) is what the parameters, data,
    activations and optimiser state are computed in; ``net.theta`` is float64 again after.
    """
    net._require_data()
    if not 0 <= epochs <= MAX_EPOCHS:
        raise TrainingError(f"epochs must be between 0 and {MAX_EPOCHS:,}, got {epochs:,}", file=net.spec.file)
    opt, params = resolve_optimizer(net, optimizer, learning_rate)
    spec, plan = net.spec, net.plan
    batch_size = batch_size or spec.training.batch_size
    seed = spec.training.seed if seed is None else seed
    mini = batch_size is not None and batch_size < len(net.X)
    # Only mini-batches shuffle: full-batch training never imports numpy.random (~2 % of a small run).
    rng = np.random.default_rng(seed) if mini else None
    classify = plan.loss.is_classifier
    validate = len(net.X_val) > 0

    history = History(
        [],
        0,
        accuracies=[] if classify else None,
        val_losses=[] if validate else None,
        val_accuracies=[] if classify and validate else None,
        optimizer=opt.name,
        learning_rate=params["learning_rate"],
    )
    float_type = np.dtype(dtype or spec.training.dtype or "float64")
    theta = net.theta = np.array(net.theta, dtype=float_type)  # updated in place from here on
    update = Update(opt, params, plan.trainable, theta)  # only trainable parameters move

    spot_check = uses_plugins(plan)  # plugins checked at the values they meet, before and after
    if spot_check:
        check_at_values(plan, forward(plan, theta, net.X[:SPOT_CHECK_ROWS]), net.T[:SPOT_CHECK_ROWS])
    # Overflow is expected when training diverges; it is reported below, by node, not as warnings.
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"), deferred_interrupt() as stop:
            history = _loop(net, epochs, history, update, rng, batch_size if mini else None, callback, stop)
    finally:
        # run, explain, check and render stay float64 exact whatever training ran in.
        net.theta = np.asarray(net.theta, dtype=np.float64)
    if spot_check and not history.interrupted and np.isfinite(net.theta).all():
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            check_at_values(plan, forward(plan, net.theta, net.X[:SPOT_CHECK_ROWS]), net.T[:SPOT_CHECK_ROWS])
    return history


# Samples whose values the plugins are checked at before and after training.
SPOT_CHECK_ROWS = 64

# Full-batch training of a dense chain takes engine.lean's loop (the same numbers); tests
# switch it off to compare the two.
LEAN = True


def _loop(
    net: Network,
    epochs: int,
    history: History,
    update: Update,
    rng: np.random.Generator | None,
    batch_size: int | None,
    callback: Callback | None,
    stop: list[bool] | None = None,
) -> History:
    stop = [False] if stop is None else stop
    spec, plan, theta = net.spec, net.plan, net.theta
    # The data in the training dtype (no copy in float64).
    X, T, X_val, T_val = (a.astype(theta.dtype, copy=False) for a in (net.X, net.T, net.X_val, net.T_val))
    n = len(X)
    classify = history.accuracies is not None
    validation = (X_val, T_val) if history.val_losses is not None else None
    layers = lean_layers(plan) if batch_size is None and LEAN else None
    if layers is not None:  # a small dense chain: the same steps without the general pass's bookkeeping
        return lean_loop(net, layers, X, T, epochs, history, update, callback, stop, validation)
    try:
        # Mini-batches differentiate their own forward passes: no full-data pass before epoch 1.
        fwd = forward(plan, theta, X) if batch_size is None else None
        for epoch in range(1, epochs + 1):
            if batch_size is not None:
                fwd = None  # last epoch's full-data pass is not needed: let its memory go now
                assert rng is not None
                order = rng.permutation(n)
                for s in range(0, n, batch_size):
                    idx = order[s : s + batch_size]
                    update(gradient(plan, theta, forward(plan, theta, X[idx]), T[idx]))
                    if stop[0] and s + batch_size < n:  # Ctrl-C within the epoch: it does not count
                        history.interrupted = True
                        return history
            else:
                assert fwd is not None
                update(gradient(plan, theta, fwd, T))
            fwd = forward(plan, theta, X)
            loss = loss_of(plan, fwd, T)[0]
            if not math.isfinite(loss):
                raise TrainingError(non_finite_message(net, fwd, epoch, loss), file=spec.file, path=("training",))
            metrics = epoch_metrics(plan, theta, fwd.outputs, T, validation, classify)
            history.record(epoch, loss, metrics)
            if callback is not None:
                callback(epoch, loss, metrics)
            if stop[0]:
                history.interrupted = True
                break
    except KeyboardInterrupt:
        history.interrupted = True
    return history
