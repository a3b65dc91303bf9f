"""The exported PyTorch module computes what graphengine computes: outputs, loss, autograd
gradients and one SGD step, for every shipped spec and hundreds of random ones (skip
connections, shared and frozen parameters, every built-in activation, loss and reduction).

The module is written to a .py file and imported from it, as a user would."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers.networks import Case, random_case
from hypothesis import HealthCheck, given, settings

from graphengine.engine.network import Network, load
from graphengine.plugins.discovery import discover
from graphengine.spec.load import parse_spec

torch = pytest.importorskip("torch")

# Every shipped spec (the `_hand` file holds hand-computed values for `check`, not a spec).
SPECS = sorted(p for p in Path(__file__).parents[2].joinpath("specs").glob("*.yaml") if not p.stem.endswith("_hand"))
RTOL, ATOL = 1e-12, 1e-14
_counter = itertools.count()


def import_module_file(path: Path):
    """Import a generated .py file under a fresh module name."""
    name = f"generated_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def exported(net: Network, folder: Path):
    from graphengine.interop.torch_source import torch_source

    path = folder / f"net_{next(_counter)}.py"
    path.write_text(torch_source(net), encoding="utf-8")
    return import_module_file(path).Network()


def spec_gradients(module) -> dict[str, float]:
    """∂L/∂p per spec parameter from autograd: a Parameter's .grad, or for a layer entry
    (a view of the layer's tensor) the same element of the tensor's .grad."""
    grads = {}
    for name, value in module.spec_parameters.items():
        if isinstance(value, torch.nn.Parameter):
            grads[name] = 0.0 if value.grad is None else value.grad.item()
        else:
            base = value._base
            offset = value.storage_offset() - base.storage_offset()
            grads[name] = 0.0 if base.grad is None else base.grad.reshape(-1)[offset].item()
    return grads


def trainable(module) -> dict[str, bool]:
    return {
        name: (value if value._base is None else value._base).requires_grad
        for name, value in module.spec_parameters.items()
    }


def check_against_engine(net: Network, module) -> None:
    """Outputs, loss, gradients (autograd vs the engine's backward) and one SGD step."""
    X, T = torch.from_numpy(net.X), torch.from_numpy(net.T)
    trace = net.trace()
    np.testing.assert_allclose(module(X).detach().numpy(), trace.forward.outputs, rtol=RTOL, atol=ATOL)
    assert list(module.spec_parameters) == net.plan.parameter_names
    assert list(trainable(module).values()) == net.plan.trainable.tolist()
    for name, value in module.spec_parameters.items():
        assert value.item() == net.parameters[name]  # the values are written exactly
    # Every gradient, frozen parameters' too (graphengine computes them): all trainable for a moment.
    frozen = [p for p in module.parameters() if not p.requires_grad]
    for p in frozen:
        p.requires_grad_(True)
    loss = module.loss(X, T)
    assert loss.item() == pytest.approx(trace.loss, rel=RTOL, abs=ATOL)
    loss.backward()
    grads = spec_gradients(module)
    for name, g in trace.gradients.items():
        assert grads[name] == pytest.approx(g, rel=RTOL, abs=ATOL), name
    # One SGD step with frozen parameters frozen again equals the engine's update.
    module.zero_grad(set_to_none=True)
    for p in frozen:
        p.requires_grad_(False)
    loss = module.loss(X, T)
    if loss.requires_grad:  # else every parameter the outputs depend on is frozen: nothing to step
        loss.backward()
    torch.optim.SGD(module.parameters(), lr=trace.learning_rate).step()
    after = {name: value.item() for name, value in module.spec_parameters.items()}
    for name, value in trace.updated.items():
        assert after[name] == pytest.approx(value, rel=RTOL, abs=ATOL), name


def registry_for(path: Path):
    return discover([str(path.parent.parent / "plugins")]) if path.name == "plugins_demo.yaml" else None


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_shipped_specs(path: Path, tmp_path: Path) -> None:
    net = load(path, registry=registry_for(path))
    check_against_engine(net, exported(net, tmp_path))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(case=random_case())
def test_random_networks(case: Case, tmp_path: Path) -> None:
    net = Network(parse_spec(case.text, "<random spec>"))
    check_against_engine(net, exported(net, tmp_path))


def test_layers_mixed_with_hand_written_nodes(tmp_path: Path) -> None:
    net = load(Path(__file__).parents[1] / "fixtures" / "export_mixed.yaml")
    assert len(net.graph.graph["layers"]) == 2 and not net.plan.trainable.all()
    check_against_engine(net, exported(net, tmp_path))
