"""Built-in optimisers, written exactly as a user plugin would be.

An optimiser gets the flat gradient ``grad`` of the trainable parameters and a
``state`` dict (empty before the first step; ``state["t"]`` is the step number,
1 at the first step) and returns the step: the training loop does θ ← θ − step.
Running arrays live in ``state`` and have the shape of ``grad``, so one update is
a few vectorised numpy operations whatever the size of the network.
"""

import numpy as np

from .registry import optimizer


@optimizer(formula=r"\theta \leftarrow \theta - \eta\, g")
def sgd(grad, state, learning_rate=0.1):
    """Plain gradient descent: θ ← θ − η·g."""
    return learning_rate * grad


@optimizer(formula=r"v \leftarrow \mu v + g;\ \theta \leftarrow \theta - \eta\, v")
def momentum(grad, state, learning_rate=0.1, beta=0.9):
    """Heavy-ball momentum (as PyTorch's SGD with momentum): v ← βv + g, θ ← θ − η·v; v starts at g."""
    velocity = state.get("velocity")
    velocity = grad.copy() if velocity is None else beta * velocity + grad
    state["velocity"] = velocity
    return learning_rate * velocity


@optimizer(
    formula=r"m \leftarrow \beta_1 m + (1-\beta_1) g;\ v \leftarrow \beta_2 v + (1-\beta_2) g^2;\ "
    r"\theta \leftarrow \theta - \eta\, \frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \epsilon}"
)
def adam(grad, state, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    """Adam (Kingma & Ba 2015) with bias correction; m and v start at 0."""
    t = state["t"]
    m = state.get("m")
    v = state.get("v")
    m = (1.0 - beta1) * grad if m is None else beta1 * m + (1.0 - beta1) * grad
    v = (1.0 - beta2) * grad * grad if v is None else beta2 * v + (1.0 - beta2) * grad * grad
    state["m"], state["v"] = m, v
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
