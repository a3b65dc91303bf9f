"""Swish (Ramachandran, Zoph & Le 2017, "Searching for Activation Functions").

    f(x)  = x · σ(βx)
    f'(x) = σ(βx) + β · f(x) · (1 − σ(βx))

β = 1 is also called SiLU; as β grows swish approaches ReLU.
Use it in a spec as ``activation: {name: swish, beta: 1.5}``.
"""

import numpy as np

from graphengine import activation


def _sigmoid(z):
    # σ(z) = (1 + tanh(z/2)) / 2: the same function, and it never overflows.
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@activation(
    formula=r"x\,\sigma(\beta x)",
    export="x * 0.5 * (1 + tanh(0.5 * beta * x))",
    derivative_formula=r"\sigma(\beta x) + \beta\, f(x)\,\bigl(1 - \sigma(\beta x)\bigr)",
)
def swish(x, beta=1.0):
    """Swish: f(x) = x·σ(βx), smooth and non-monotonic (β = 1 is SiLU)."""
    return x * _sigmoid(beta * x)


@swish.derivative
def swish(x, y, beta=1.0):
    s = _sigmoid(beta * x)
    return s + beta * y * (1.0 - s)
