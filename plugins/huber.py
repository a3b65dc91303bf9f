"""Huber loss (Huber 1964): squared error near the target, absolute error far from it.

For each output, with residual r = y − t:

    term(r)  = ½ r²               if |r| ≤ δ
               δ (|r| − ½ δ)      otherwise
    ∂term/∂y = clip(r, −δ, δ)

The loss of a sample is the sum of its terms, so an outlier pulls on the weights with
a force of at most δ. Use it in a spec as ``loss: {name: huber, delta: 2.0}``.
"""

import numpy as np

from graphengine import loss


def _terms(y, t, delta):
    r = np.abs(y - t)
    return np.where(r <= delta, 0.5 * r * r, delta * (r - 0.5 * delta))


@loss(
    formula=r"\sum_k \begin{cases} \tfrac12 (y_k - t_k)^2 & |y_k - t_k| \le \delta \\"
    r" \delta\,(|y_k - t_k| - \tfrac12\delta) & \text{otherwise} \end{cases}",
    export="sum(where(abs(y - t) <= delta, 0.5 * abs(y - t) * abs(y - t), delta * (abs(y - t) - 0.5 * delta)))",
)
def huber(y, t, delta=1.0):
    """Huber loss summed over outputs: ½r² for |r| ≤ δ, δ(|r| − δ/2) beyond."""
    return np.sum(_terms(y, t, delta), axis=1)


@huber.gradient
def huber(y, t, delta=1.0):
    return np.clip(y - t, -delta, delta)


@huber.terms
def huber(y, t, delta=1.0):
    return _terms(y, t, delta)
