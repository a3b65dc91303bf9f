"""Built-in activations, written exactly as a user plugin would be.

Each works on float64 (or, in float32 training, float32) arrays of any shape, returns the
dtype it is given and stays finite for any finite input.
"""

import numpy as np

from .registry import activation


@activation(formula="x", derivative_formula="1")
def identity(x):
    """Identity: f(x) = x."""
    x = np.asarray(x)
    return x.astype(x.dtype if x.dtype.kind == "f" else np.float64)  # a copy, in float32 too


@identity.derivative
def identity(x, y):
    return np.ones_like(x)


@activation(formula=r"\frac{1}{1 + e^{-x}}", derivative_formula=r"y\,(1 - y)")
def sigmoid(x):
    """Logistic sigmoid: f(x) = 1 / (1 + e^-x)."""
    # exp of a non-positive number never overflows: sigmoid(±1000) is 1/0 with no warning.
    # e^min(x, 0) / (1 + e^-|x|): e^x / (1 + e^x) for x < 0, 1 / (1 + e^-x) for x >= 0, four
    # numpy calls fewer than selecting between the two (copysign(x, -1) is -|x| in one call).
    y = np.exp(np.minimum(x, 0.0)) / (1.0 + np.exp(np.copysign(x, -1.0)))
    return y if type(y) is np.ndarray else np.asarray(y)  # a number or 0-d array in: a 0-d array out


@sigmoid.derivative
def sigmoid(x, y):
    return y * (1.0 - y)


_sigmoid = sigmoid.function  # softplus's derivative


@activation(formula=r"\tanh x", derivative_formula=r"1 - y^2")
def tanh(x):
    """Hyperbolic tangent: f(x) = tanh x."""
    return np.tanh(x)


@tanh.derivative
def tanh(x, y):
    return 1.0 - y * y


@activation(formula=r"\max(0, x)", derivative_formula=r"[x > 0]")
def relu(x):
    """Rectified linear unit: f(x) = max(0, x); f'(0) = 0."""
    return np.maximum(x, 0.0)


@relu.derivative
def relu(x, y):
    return (x > 0).astype(x.dtype)


@activation(
    formula=r"\begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}",
    derivative_formula=r"\begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}",
)
def leaky_relu(x, alpha=0.01):
    """Leaky ReLU: f(x) = x for x > 0, alpha·x otherwise; f'(0) = alpha."""
    return np.where(x > 0, x, alpha * x)


@leaky_relu.derivative
def leaky_relu(x, y, alpha=0.01):
    return np.where(x > 0, 1.0, alpha).astype(x.dtype, copy=False)


@activation(formula=r"\ln(1 + e^{x})", derivative_formula=r"\sigma(x)")
def softplus(x):
    """Softplus: f(x) = ln(1 + e^x), computed without overflow."""
    return np.logaddexp(0.0, x)


@softplus.derivative
def softplus(x, y):
    return _sigmoid(x)
