"""Gaussian activation, the bell curve of radial-basis-function networks.

    f(x)  = exp(−x²)
    f'(x) = −2x · f(x)

Its output lies in (0, 1] and peaks at x = 0. Use it as ``activation: gaussian``.
"""

import numpy as np

from graphengine import activation


@activation(formula=r"e^{-x^2}", derivative_formula=r"-2x\,e^{-x^2}", export="exp(-x * x)")
def gaussian(x):
    """Gaussian: f(x) = exp(−x²), a bump that peaks at 1 when x = 0."""
    return np.exp(-x * x)


@gaussian.derivative
def gaussian(x, y):
    return -2.0 * x * y
