"""Built-in per-sample losses, written exactly as a user plugin would be.

``y`` (outputs, in the spec's ``outputs`` order) and ``t`` (targets) are float64
arrays shaped ``(samples, outputs)``; a loss returns ``(samples,)`` and its
gradient ``(samples, outputs)``.
"""

import numpy as np

from .registry import loss

# Probabilities are clipped this far from 0 and 1 so that a saturated sigmoid gives a
# large finite loss instead of inf.
_EPS = 1e-12


def _eps(y: np.ndarray) -> float:
    # 1 - 1e-12 is 1 in float32: float32 training clips at float32's resolution instead.
    return _EPS if y.dtype != np.float32 else float(np.finfo(np.float32).eps)


@loss(
    formula=r"\sum_k \tfrac{1}{2}(t_k - y_k)^2",
    term_formula=r"\tfrac{1}{2}(t - y)^2",
    gradient_formula=r"y - t",
)
def half_squared_error(y, t):
    """Half squared error summed over outputs: Σ ½(t − y)² (the worked example's E_total)."""
    return 0.5 * np.add.reduce((t - y) ** 2, axis=1)  # np.sum's wrapper costs more than a small sum


@half_squared_error.gradient
def half_squared_error(y, t):
    return y - t


@half_squared_error.terms
def half_squared_error(y, t):
    return 0.5 * (t - y) ** 2


@loss(
    formula=r"\frac{1}{n}\sum_k (t_k - y_k)^2",
    term_formula=r"\frac{(t - y)^2}{n}",
    gradient_formula=r"\frac{2(y - t)}{n}",
)
def mse(y, t):
    """Mean squared error over outputs: mean (t − y)²."""
    return np.mean((t - y) ** 2, axis=1)


@mse.gradient
def mse(y, t):
    return 2.0 * (y - t) / y.shape[1]


@mse.terms
def mse(y, t):
    return (t - y) ** 2 / y.shape[1]


@loss(
    formula=r"-\frac{1}{n}\sum_k \left[t_k \ln y_k + (1 - t_k)\ln(1 - y_k)\right]",
    term_formula=r"-\frac{t \ln y + (1 - t)\ln(1 - y)}{n}",
    gradient_formula=r"\frac{y - t}{n\,y\,(1 - y)}",
)
def binary_cross_entropy(y, t):
    """Binary cross-entropy over outputs in (0, 1): −mean[t ln y + (1−t) ln(1−y)]."""
    p = np.clip(y, _eps(y), 1.0 - _eps(y))
    return -np.mean(t * np.log(p) + (1.0 - t) * np.log1p(-p), axis=1)


@binary_cross_entropy.gradient
def binary_cross_entropy(y, t):
    p = np.clip(y, _eps(y), 1.0 - _eps(y))
    return (p - t) / (p * (1.0 - p)) / y.shape[1]


@binary_cross_entropy.terms
def binary_cross_entropy(y, t):
    p = np.clip(y, _eps(y), 1.0 - _eps(y))
    return -(t * np.log(p) + (1.0 - t) * np.log1p(-p)) / y.shape[1]


def _log_softmax(y: np.ndarray) -> np.ndarray:
    shifted = y - np.max(y, axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


@loss(
    formula=r"-\sum_k t_k \ln \operatorname{softmax}(y)_k",
    term_formula=r"-t_k \ln p_k",
    gradient_formula=r"p_k \sum_j t_j - t_k",
)
def softmax_cross_entropy(y, t):
    """Softmax cross-entropy over the outputs as logits: −Σ t ln softmax(y)."""
    return -np.sum(t * _log_softmax(y), axis=1)


@softmax_cross_entropy.gradient
def softmax_cross_entropy(y, t):
    # softmax(y)·Σt − t with the shifted exponentials normalised once: the fewest numpy calls,
    # since for a mini-batch the per-call overhead outweighs the arithmetic.
    e = np.exp(y - y.max(axis=1, keepdims=True))
    return e * (t.sum(axis=1, keepdims=True) / e.sum(axis=1, keepdims=True)) - t


@softmax_cross_entropy.terms
def softmax_cross_entropy(y, t):
    return -t * _log_softmax(y)


@binary_cross_entropy.classes(per_output=True)
def binary_cross_entropy(y):
    """Each output its own yes/no decision: 1 where it is ≥ 0.5 (the accuracy averages over
    samples and outputs)."""
    return (y >= 0.5).astype(np.int64)


@softmax_cross_entropy.classes
def softmax_cross_entropy(y):
    """The arg-max output is the class."""
    return np.argmax(y, axis=1)[:, None]
