"""Scaled hyperbolic tangent (LeCun, Bottou, Orr & Müller 1998, "Efficient BackProp").

    f(x)  = a · tanh(b·x)            with a = 1.7159, b = 2/3 by default
    f'(x) = a·b · (1 − tanh²(b·x)) = b · (a − f(x)² / a)

With LeCun's constants f(±1) = ±1 and the slope at 0 is about 1.14, so a network fed
inputs of unit variance keeps unit variance. Use ``activation: scaled_tanh`` or set
``{name: scaled_tanh, a: 1.0, b: 1.0}`` for the plain tanh.
"""

import numpy as np

from graphengine import activation


@activation(
    formula=r"a \tanh(b x)",
    derivative_formula=r"a\,b\,\bigl(1 - \tanh^2(b x)\bigr)",
    export="a * tanh(b * x)",
)
def scaled_tanh(x, a=1.7159, b=2.0 / 3.0):
    """Scaled tanh: f(x) = a·tanh(bx), LeCun's 1.7159·tanh(2x/3) by default."""
    return a * np.tanh(b * x)


@scaled_tanh.derivative
def scaled_tanh(x, y, a=1.7159, b=2.0 / 3.0):
    return b * (a - y * y / a)
