"""Built-in weight initialisers of ``layers``, written exactly as a user plugin would be.

An initialiser gets a seeded ``numpy.random.Generator``, the layer's fan-in and fan-out,
and its parameters (numbers ≥ 0), and returns the ``(fan_in, fan_out)`` weight matrix.
"""

import math

import numpy as np

from .registry import initializer


@initializer
def xavier(rng, fan_in, fan_out, gain=1.0):
    """Glorot & Bengio (2010): U(−a, a) with a = gain·√(6 / (fan_in + fan_out))."""
    limit = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


glorot = initializer(name="glorot")(xavier.function)


@initializer
def uniform(rng, fan_in, fan_out, scale=-1.0):
    """U(−scale, scale); without a scale, PyTorch's nn.Linear default U(−1/√fan_in, 1/√fan_in)."""
    # scale < 0 (which a spec cannot give: parameters are ≥ 0) means "not given".
    limit = 1.0 / math.sqrt(fan_in) if scale < 0 else scale
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


@initializer
def he(rng, fan_in, fan_out):
    """He et al. (2015), for ReLU layers: N(0, 2 / fan_in)."""
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


@initializer
def normal(rng, fan_in, fan_out, std=0.01):
    """N(0, std²)."""
    return rng.normal(0.0, std, size=(fan_in, fan_out))


@initializer
def zeros(rng, fan_in, fan_out):
    """All weights 0."""
    return np.zeros((fan_in, fan_out))
