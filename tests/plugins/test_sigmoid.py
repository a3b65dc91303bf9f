"""The built-in sigmoid: each entry by the branch that cannot overflow, bit for bit, at any shape."""

import math

import numpy as np
import pytest

from graphengine.plugins.activations import sigmoid


def _by_branch(x: np.ndarray) -> np.ndarray:
    # Entry by entry: 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below (numpy's exp, one element at a time).
    flat = [1.0 / (1.0 + np.exp(-v)) if v >= 0 else np.exp(v) / (1.0 + np.exp(v)) for v in np.asarray(x).reshape(-1)]
    return np.array(flat, dtype=np.asarray(x).dtype).reshape(np.shape(x))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_entry_is_its_safe_branch(dtype):
    rng = np.random.default_rng(7)
    x = (rng.normal(size=(40, 30)) * rng.choice([0.01, 1.0, 30.0, 800.0], size=(40, 30))).astype(dtype)
    x[0, :4] = [0.0, -0.0, 1000.0, -1000.0]
    y = sigmoid.function(x)
    assert y.dtype == dtype and y.shape == x.shape
    assert np.array_equal(y, _by_branch(x))
    assert y[0, 2] == 1.0 and y[0, 3] == 0.0 and y[0, 0] == 0.5


@pytest.mark.parametrize("x", [0.3, -2.0, np.float64(-1.5), np.array(-3.0), np.array([[2.0, -2.0]])])
def test_scalars_and_zero_d_arrays_give_arrays(x):
    y = sigmoid.function(x)
    assert isinstance(y, np.ndarray) and y.shape == np.shape(x)
    for value, out in zip(np.ravel(x), np.ravel(y), strict=True):
        assert out == pytest.approx(1.0 / (1.0 + math.exp(-value)), rel=1e-15)
