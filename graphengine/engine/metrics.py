"""How well the current parameters do: accuracy as the loss decides classes, and the loss and
accuracy on the training (and validation) data."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..plugins.registry import Loss
from .compute import forward, loss_of

if TYPE_CHECKING:
    from .network import Network
    from .plan import Plan

__all__ = ["accuracy", "epoch_metrics", "evaluate"]


def accuracy(loss: Loss, Y: np.ndarray, T: np.ndarray) -> float | None:
    """Share of outputs' class codes equal to the targets', as the loss decides classes
    (``@loss.classes``); None for losses that are not about classes, or without samples.

    >>> from graphengine.plugins.losses import softmax_cross_entropy
    >>> accuracy(softmax_cross_entropy, np.array([[2.0, 1.0], [0.0, 3.0]]), np.array([[1.0, 0], [1, 0]]))
    0.5
    """
    if len(Y) == 0 or loss.classes_function is None:
        return None
    return float(np.mean(loss.classes_function(Y) == loss.classes_function(T)))


def evaluate(net: Network) -> dict[str, float]:
    """Loss and accuracy of the current parameters on the training (and validation) data."""
    plan = net.plan
    result: dict[str, float] = {}
    for prefix, X, T in (("", net.X, net.T), ("val_", net.X_val, net.T_val)):
        if len(X) == 0:
            continue
        fwd = forward(plan, net.theta, X)
        result[prefix + "loss"] = loss_of(plan, fwd, T)[0]
        acc = accuracy(plan.loss, fwd.outputs, T)
        if acc is not None:
            result[prefix + "accuracy"] = acc
    return result


def epoch_metrics(
    plan: Plan,
    theta: np.ndarray,
    outputs: np.ndarray,
    T: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray] | None,
    classify: bool,
) -> dict[str, float]:
    """What training reports after an epoch besides its loss: the accuracy of the epoch's
    ``outputs`` (classification losses), and the validation loss (and accuracy) at ``theta``."""
    metrics: dict[str, float] = {}
    if classify:
        metrics["accuracy"] = accuracy(plan.loss, outputs, T)  # type: ignore[assignment]
    if validation is not None:
        X_val, T_val = validation
        fv = forward(plan, theta, X_val)
        metrics["val_loss"] = loss_of(plan, fv, T_val)[0]
        if classify:
            metrics["val_accuracy"] = accuracy(plan.loss, fv.outputs, T_val)  # type: ignore[assignment]
    return metrics
