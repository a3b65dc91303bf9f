"""How well the current parameters do: accuracy as the loss decides classes, and the loss and
accuracy on the training (and validation) data."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..plugins.registry import Loss
from .compute import forward, loss_of

if TYPE_CHECKING:
    from .network import Network

__all__ = ["accuracy", "evaluate"]


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
