"""One optimiser step over the trainable parameters: θ ← θ − step(grad), in place."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..plugins import optimizers
from ..plugins.registry import Optimizer

__all__ = ["Update"]

# The built-in optimisers keep no reference to the gradient they are given (they copy it or
# compute new arrays from it): the training loop may write the next gradient into the same array.
_BUILT_IN = (optimizers.sgd.function, optimizers.momentum.function, optimizers.adam.function)


class Update:
    """``update(grad)``: θ ← θ − ``opt(grad, state, **params)`` for the trainable entries of ``theta``.

    Frozen parameters never move; when the trainable ones are one contiguous run (the worked
    example's w1…w8 before its frozen biases) the step reads and writes views, not a gather
    and a scatter. :attr:`sgd_rate` and :attr:`movable` let a loop take plain SGD's step itself.
    """

    def __init__(self, opt: Optimizer, params: dict[str, float], trainable: np.ndarray, theta: np.ndarray):
        self.theta = theta
        self.function = opt.function
        self.params = params
        self.state: dict[str, Any] = {"t": 0}
        self.frozen = not bool(trainable.all())
        indices = np.flatnonzero(trainable)
        #: The trainable entries: a slice when they are one run (views), else their indices.
        self.movable: np.ndarray | slice = indices
        if len(indices) and indices[-1] - indices[0] + 1 == len(indices):
            self.movable = slice(int(indices[0]), int(indices[-1]) + 1)
        #: The gradient array may be reused for the next step (the optimiser keeps no reference to it).
        self.reusable = opt.function in _BUILT_IN
        rate = params.get("learning_rate")
        #: Built-in SGD with a plain-number rate: the step is ``rate * grad`` (None otherwise).
        self.sgd_rate: float | None = None
        if opt.function is optimizers.sgd.function and len(params) == 1 and type(rate) in (int, float):
            self.sgd_rate = rate

    def __call__(self, grad: np.ndarray) -> None:
        self.state["t"] += 1
        theta = self.theta
        if self.frozen:
            theta[self.movable] -= self.function(grad[self.movable], self.state, **self.params)
        else:
            np.subtract(theta, self.function(grad, self.state, **self.params), out=theta)
