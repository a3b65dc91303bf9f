"""Initialisers are plugins like activations and losses: built-ins, user files, checked parameters."""

from __future__ import annotations

import numpy as np
import pytest

import graphengine
from graphengine.errors import PluginError
from graphengine.plugins.discovery import builtin_registry, discover
from graphengine.plugins.verify import verify

LAYER_SPEC = "inputs: [{{name: x, size: 3}}]\nlayers:\n  - {{name: h, size: 4, from: x, init: {init}}}\noutputs: [h]\n"

PLUGIN = '''
import numpy as np
from graphengine import initializer

@initializer
def constant(rng, fan_in, fan_out, value=0.5):
    """Every weight the same value."""
    return np.full((fan_in, fan_out), value)
'''


def test_the_built_in_initialisers_are_registered_and_verified():
    registry = builtin_registry()
    assert set(registry.initializers) == {"xavier", "glorot", "uniform", "he", "normal", "zeros"}
    for init in registry.initializers.values():
        verify(init)  # finite (fan_in, fan_out) matrices at the defaults and at halved parameters


def test_a_user_initialiser_from_a_plugin_file(tmp_path):
    plugin = tmp_path / "my_init.py"
    plugin.write_text(PLUGIN)
    registry = discover([plugin], repository=False, entry_points=False)
    assert registry.initializer("constant").source.endswith("my_init.py")
    net = graphengine.Network.from_yaml(LAYER_SPEC.format(init="{name: constant, value: 0.25}"), registry)
    weights = [v for name, v in net.parameters.items() if "->" in name]
    assert len(weights) == 12 and set(weights) == {0.25}


@pytest.mark.parametrize(
    ("init", "message"),
    [
        (
            "{name: normal, sdt: 0.1}",
            "layers[0].init: initialiser `normal` has no parameter `sdt`; did you mean `std`?",
        ),
        ("{name: normal, std: -1}", "layers[0].init.std: initialiser `normal`: `std` must be a number ≥ 0, got `-1`"),
        ("{name: uniform, scale: true}", "layers[0].init.scale: initialiser `uniform`: `scale` must be a number ≥ 0"),
        ("xavir", "layers[0].init: unknown initialiser `xavir`; did you mean `xavier`?"),
    ],
)
def test_initialiser_parameters_are_checked_like_every_plugins(init, message):
    with pytest.raises(graphengine.GraphError) as raised:
        graphengine.Network.from_yaml(LAYER_SPEC.format(init=init), builtin_registry())
    assert message in str(raised.value)


def test_an_initialiser_returning_the_wrong_shape_is_refused():
    @graphengine.initializer
    def transposed(rng, fan_in, fan_out):
        return np.zeros((fan_out, fan_in))

    with pytest.raises(
        PluginError, match=r"must return a \(fan_in, fan_out\) = \(3, 4\) matrix, returned shape \(4, 3\)"
    ):
        verify(transposed)
