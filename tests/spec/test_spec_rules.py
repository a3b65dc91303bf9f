"""The positive rules of spec format v1 (issue 2 §1): what a spec may say, and what it means."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Ran

from graphengine.engine.network import Network
from graphengine.spec.load import parse_spec

BASE = """\
inputs: [x]
outputs: [y]
nodes:
  y: {activation: sigmoid, bias: 0.1}
edges:
  - {from: x, to: y, weight: 0.5}
data:
  - inputs: {x: 2}
    targets: {y: 1}
"""


def network(text: str) -> Network:
    return Network(parse_spec(text, "<test>"))


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_integers_are_numbers_everywhere() -> None:
    net = network(
        BASE.replace("weight: 0.5", "weight: 2").replace("bias: 0.1", "bias: -1") + "training: {learning_rate: 1}\n"
    )
    trace = net.trace()
    assert net.parameters == {"y.bias": -1.0, "x->y": 2.0}
    assert trace.net("y") == 2 * 2 - 1
    assert trace.learning_rate == 1.0


def test_inline_numbers_become_named_trainable_parameters() -> None:
    net = network(BASE)
    spec_params = net.graph.graph["parameters"]
    assert spec_params == {"y.bias": {"value": 0.1, "trainable": True}, "x->y": {"value": 0.5, "trainable": True}}
    assert net.graph.edges["x", "y"]["weight"] == "x->y"
    assert net.graph.nodes["y"]["bias"] == "y.bias"


def test_quoted_number_is_a_parameter_reference() -> None:
    # With a parameter literally named "0.5" declared, the quoted weight refers to it (value 3).
    net = network(BASE.replace("weight: 0.5", 'weight: "0.5"') + 'parameters:\n  "0.5": 3.0\n')
    assert net.graph.edges["x", "y"]["weight"] == "0.5"
    assert net.trace().net("y") == pytest.approx(3.0 * 2 + 0.1)


def test_empty_node_is_identity_without_bias() -> None:
    net = network(BASE.replace("y: {activation: sigmoid, bias: 0.1}", "y: {}"))
    trace = net.trace()
    assert net.graph.nodes["y"]["activation"].name == "identity"
    assert net.graph.nodes["y"]["bias"] is None
    assert list(net.parameters) == ["x->y"]
    assert trace.net("y") == trace.out("y") == 1.0


def test_activation_mapping_form_and_default_alpha() -> None:
    net = network(
        BASE.replace("activation: sigmoid, bias: 0.1", "activation: {name: leaky_relu, alpha: 0.2}, bias: -5")
    )
    assert net.trace().out("y") == pytest.approx(0.2 * (0.5 * 2 - 5))
    net = network(BASE.replace("activation: sigmoid, bias: 0.1", "activation: leaky_relu, bias: -5"))
    assert net.trace().out("y") == pytest.approx(0.01 * (0.5 * 2 - 5))


def test_node_feeding_no_output_is_computed_and_its_parameters_get_zero_gradient() -> None:
    text = BASE.replace("nodes:\n", "nodes:\n  side: {activation: tanh, bias: 0.3}\n").replace(
        "edges:\n", "edges:\n  - {from: x, to: side, weight: 0.7}\n"
    )
    trace = network(text).trace()
    assert trace.out("side") == pytest.approx(math.tanh(0.7 * 2 + 0.3), rel=1e-15)
    assert trace.gradient("x->side") == 0.0 and trace.gradient("side.bias") == 0.0
    assert trace.dnet("side") == 0.0
    assert trace.updated["x->side"] == 0.7


def test_unused_declared_parameter_has_zero_gradient() -> None:
    trace = network(BASE + "parameters:\n  spare: 4.0\n").trace()
    assert trace.gradient("spare") == 0.0
    assert trace.updated["spare"] == 4.0


def test_shared_parameter_gradient_is_the_sum_over_uses() -> None:
    text = """\
inputs: [x]
outputs: [y]
nodes:
  h: {activation: tanh, bias: s}
  y: {activation: identity, bias: s}
edges:
  - {from: x, to: h, weight: 0.4}
  - {from: h, to: y, weight: 0.9}
parameters: {s: 0.25}
data:
  - {inputs: {x: 1.5}, targets: {y: 0.0}}
"""
    trace = network(text).trace()
    h = math.tanh(0.4 * 1.5 + 0.25)
    y = 0.9 * h + 0.25
    dy = y - 0.0  # half squared error, one sample
    dh = dy * 0.9 * (1 - h * h)
    assert trace.gradient("s") == pytest.approx(dy + dh, rel=1e-14)


def test_training_section_is_optional_and_so_are_its_keys(cli: Callable[..., Ran]) -> None:
    net = network(BASE + "training: {learning_rate: 0.3}\n")
    assert net.spec.training.epochs is None
    assert net.trace().learning_rate == 0.3
    assert network(BASE).spec.training.learning_rate is None


def test_loss_forms_and_reduction() -> None:
    two = BASE.replace("data:\n", "data:\n  - inputs: {x: -1}\n    targets: {y: 0}\n")
    mean = network(two + "loss: half_squared_error\n").trace()
    total = network(two + "loss: {name: half_squared_error, reduction: sum}\n").trace()
    assert total.loss == pytest.approx(2 * mean.loss, rel=1e-15)
    assert total.gradient("x->y") == pytest.approx(2 * mean.gradient("x->y"), rel=1e-15)
    y0, y1 = sigmoid(0.5 * 2 + 0.1), sigmoid(-0.5 + 0.1)
    assert total.loss == pytest.approx(0.5 * (1 - y0) ** 2 + 0.5 * y1**2, rel=1e-15)


def test_run_validates_the_training_section(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(BASE + "training: {learning_rate: 0.1, epochs: -3}\n")
    ran = cli("run", spec)
    assert ran.code == 2
    assert "training.epochs" in ran.err
    spec.write_text(BASE + "training: {learning_rate: 0.1, epochs: 3}\n")
    ran = cli("run", spec, "--json")
    assert ran.code == 0
    data = json.loads(ran.out)
    assert data["loss"] == pytest.approx(0.5 * (1 - sigmoid(1.1)) ** 2, rel=1e-15)


def test_train_uses_spec_epochs_and_cli_overrides(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(BASE + "training: {learning_rate: 0.1, epochs: 7}\n")
    ran = cli("train", spec, "--json")
    assert ran.code == 0
    assert len(json.loads(ran.out)["losses"]) == 7
    ran = cli("train", spec, "--json", "--epochs", "3")
    assert ran.code == 0
    assert len(json.loads(ran.out)["losses"]) == 3


def test_run_without_data_is_a_clear_error(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    spec = tmp_path / "nodata.yaml"
    spec.write_text(BASE.split("data:")[0])
    assert cli("validate", spec).code == 0
    ran = cli("run", spec)
    assert ran.code == 2
    err = ran.err
    assert err.startswith(f"error: {spec}") and "data" in err and len(err.strip().splitlines()) == 1
