"""Gradients are right: the engine against a second implementation and finite differences.

Random specs (hypothesis) are written as YAML text and go through the whole pipeline
(parse_spec → build_graph → compile → forward/backward/step). For each one:

(a) every node's net and out, the per-sample losses and the loss equal tests/reference.py,
    a per-node, per-sample Python evaluation in topological order;
(b) every parameter's gradient equals central finite differences of the engine's loss in
    float64 (shared parameters: the sum over uses; unused or cut-off ones: 0);
(c) ∂L/∂net and ∂L/∂out of every node in every sample equal finite differences of the
    reference's loss with that one value perturbed, and the reference's own backward;
(d) the update is p − lr·g for trainable parameters and p for the others.

ReLU kinks: finite differences are meaningless where a ReLU's net is within reach of 0,
so such examples are discarded (``assume``); the margin is far larger than any change
the finite-difference step can cause.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import reference
from helpers.networks import ACTIVATIONS, KINK_MARGIN, KINKED, LOSSES, STEP, Case, random_case
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from graphengine.engine.network import Network
from graphengine.plugins.discovery import builtin_registry
from graphengine.spec.load import parse_spec


def close(actual: float, expected: float, scale: float, rel: float = 1e-6) -> bool:
    return abs(actual - expected) <= rel * (abs(expected) + scale)


def check_case(case: Case) -> None:
    net = Network(parse_spec(case.text, "<random spec>"))
    G = net.graph
    params = G.graph["parameters"]
    values = {name: p["value"] for name, p in params.items()}
    ref = reference.forward(G, values, case.inputs, case.targets)

    # Kinks and clipped probabilities make finite differences meaningless; skip those draws.
    for s in range(len(case.inputs)):
        for v in G.nodes:
            if G.nodes[v]["kind"] != "input" and G.nodes[v]["activation"].name in KINKED:
                assume(abs(ref.net[s][v]) > KINK_MARGIN)
        if G.graph["loss"].name == "binary_cross_entropy":
            assume(all(1e-6 < ref.out[s][o] < 1 - 1e-6 for o in G.graph["outputs"]))

    trace = net.trace()
    # (a) forward values and loss equal the reference.
    for s in range(len(case.inputs)):
        for v in G.nodes:
            assert trace.out(v, s) == pytest.approx(ref.out[s][v], rel=1e-12, abs=1e-12)
            if G.nodes[v]["kind"] != "input":
                assert trace.net(v, s) == pytest.approx(ref.net[s][v], rel=1e-12, abs=1e-12)
        assert trace.sample_losses[s] == pytest.approx(ref.sample_losses[s], rel=1e-12, abs=1e-12)
    assert trace.loss == pytest.approx(ref.loss, rel=1e-12, abs=1e-12)
    scale = max(1.0, abs(trace.loss))

    # (b) parameter gradients equal central finite differences of the engine's own loss.
    gradients = trace.gradients
    assert set(gradients) == set(params)
    base = net.theta.copy()
    for i, name in enumerate(net.plan.parameter_names):
        h = STEP * max(1.0, abs(base[i]))
        net.theta = base.copy()
        net.theta[i] += h
        up = net.loss()
        net.theta[i] -= 2 * h
        down = net.loss()
        fd = (up - down) / (2 * h)
        assert close(gradients[name], fd, scale), (name, gradients[name], fd, case.text)
    net.theta = base
    # Shared parameters: the reference sums the uses; unused ones get exactly 0.
    ref_grad = reference.backward(G, values, ref, case.targets)
    for name in params:
        assert gradients[name] == pytest.approx(ref_grad.grad[name], rel=1e-9, abs=1e-12)
        used = any(d["weight"] == name for *_, d in G.edges(data=True)) or any(
            a.get("bias") == name for _, a in G.nodes(data=True)
        )
        if not used:
            assert gradients[name] == 0.0

    # (c) ∂L/∂net and ∂L/∂out per node and sample: finite differences on that one value.
    for s in range(len(case.inputs)):
        for v in G.nodes:
            for kind, engine_value in (("net", trace.dnet(v, s)), ("out", trace.dout(v, s))):
                up = reference.forward(G, values, case.inputs, case.targets, (s, v, kind, STEP)).loss
                down = reference.forward(G, values, case.inputs, case.targets, (s, v, kind, -STEP)).loss
                fd = (up - down) / (2 * STEP)
                assert close(engine_value, fd, scale), (s, v, kind, engine_value, fd, case.text)
                own = (ref_grad.dnet if kind == "net" else ref_grad.dout)[s][v]
                assert engine_value == pytest.approx(own, rel=1e-9, abs=1e-12)

    # (d) the step: p − lr·g for trainable parameters, unchanged otherwise.
    assert trace.learning_rate == case.learning_rate
    for name, p in params.items():
        expected = p["value"] - case.learning_rate * gradients[name] if p["trainable"] else p["value"]
        assert trace.updated[name] == pytest.approx(expected, rel=1e-15, abs=1e-15)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(random_case())
def test_random_networks(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("loss", LOSSES)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_every_loss_and_reduction(loss: str, reduction: str, data: st.DataObject) -> None:
    check_case(data.draw(random_case(loss=loss, reduction=reduction)))


def test_random_specs_cover_every_activation_and_sharing() -> None:
    """The generator really produces what the docstring promises (guards against a silent narrowing)."""
    seen: set[str] = set()
    shared = frozen = skip = leaky_alpha = 0

    @settings(max_examples=300, deadline=None, database=None)
    @given(random_case())
    def collect(case: Case) -> None:
        nonlocal shared, frozen, skip, leaky_alpha
        net = Network(parse_spec(case.text))
        G = net.graph
        seen.update(G.nodes[v]["activation"].name for v in G.nodes if G.nodes[v]["kind"] != "input")
        uses: dict[str, int] = {}
        for *_, d in G.edges(data=True):
            uses[d["weight"]] = uses.get(d["weight"], 0) + 1
        shared += any(n > 1 for n in uses.values())
        frozen += not all(p["trainable"] for p in G.graph["parameters"].values())
        skip += any(u in G.graph["inputs"] and v in G.graph["outputs"] for u, v in G.edges) and G.number_of_nodes() > 3
        leaky_alpha += any(G.nodes[v].get("activation_params", {}).get("alpha", 0.01) != 0.01 for v in G.nodes)

    collect()
    assert seen == set(ACTIVATIONS)
    assert shared and frozen and skip and leaky_alpha


# --------------------------------------------------------------------------- activations


REGISTRY = builtin_registry()
POINTS = np.array([-30.0, -7.5, -3.0, -1.0, -0.3, -0.01, 0.01, 0.2, 0.9, 2.5, 6.0, 30.0])


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("alpha", [None, 0.2])
def test_activation_derivatives_match_finite_differences(name: str, alpha: float | None) -> None:
    act = REGISTRY.activation(name)
    params = {"alpha": alpha} if alpha is not None and name == "leaky_relu" else {}
    y = act.function(POINTS, **params)
    d = act.derivative_function(POINTS, y, **params)
    h = 1e-6
    fd = (act.function(POINTS + h, **params) - act.function(POINTS - h, **params)) / (2 * h)
    np.testing.assert_allclose(d, fd, rtol=1e-7, atol=1e-9)
    expected = [reference.activate(name, x, **params) for x in POINTS]
    np.testing.assert_allclose(y, expected, rtol=1e-14, atol=1e-300)


def test_activations_keep_the_shape_of_a_batch() -> None:
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    for name in ACTIVATIONS:
        act = REGISTRY.activation(name)
        y = act.function(x)
        assert y.shape == x.shape and act.derivative_function(x, y).shape == x.shape


def test_extreme_inputs_are_exact_and_silent() -> None:
    big = np.array([-1000.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sigmoid = REGISTRY.activation("sigmoid")
        y = sigmoid.function(big)
        assert y.tolist() == [0.0, 1.0]
        assert sigmoid.derivative_function(big, y).tolist() == [0.0, 0.0]
        softplus = REGISTRY.activation("softplus")
        assert softplus.function(big).tolist() == [0.0, 1000.0]
        assert softplus.derivative_function(big, softplus.function(big)).tolist() == [0.0, 1.0]
        tanh = REGISTRY.activation("tanh")
        assert tanh.function(big).tolist() == [-1.0, 1.0]
        for name in ACTIVATIONS:
            act = REGISTRY.activation(name)
            y = act.function(np.array([-1e308, 1e308]))
            assert np.all(np.isfinite(act.derivative_function(np.array([-1e308, 1e308]), y)))
    assert math.isclose(REGISTRY.activation("softplus").function(np.array([30.0]))[0], 30.0 + math.exp(-30.0))


def test_kink_conventions() -> None:
    zero = np.zeros(1)
    relu = REGISTRY.activation("relu")
    assert relu.derivative_function(zero, relu.function(zero))[0] == 0.0
    leaky = REGISTRY.activation("leaky_relu")
    assert leaky.derivative_function(zero, leaky.function(zero))[0] == 0.01
    assert leaky.derivative_function(zero, leaky.function(zero, alpha=0.3), alpha=0.3)[0] == 0.3
    assert leaky.function(np.array([-2.0]), alpha=0.3)[0] == -0.6


# --------------------------------------------------------------------------- losses


Y = np.array([[0.2, 0.7, 0.9], [0.55, 0.01, 0.4]])
T = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.25]])


def test_losses_against_hand_formulas() -> None:
    hse = REGISTRY.loss("half_squared_error").function(Y, T)
    assert hse[0] == pytest.approx(0.5 * (0.2**2 + 0.3**2 + 0.4**2), rel=1e-14)
    mse = REGISTRY.loss("mse").function(Y, T)
    assert mse[1] == pytest.approx((0.45**2 + 0.01**2 + 0.15**2) / 3, rel=1e-14)
    bce = REGISTRY.loss("binary_cross_entropy").function(Y, T)
    assert bce[0] == pytest.approx(-(math.log(0.8) + math.log(0.7) + 0.5 * math.log(0.9) + 0.5 * math.log(0.1)) / 3)
    sce = REGISTRY.loss("softmax_cross_entropy").function(Y, T)
    z = math.exp(0.55) + math.exp(0.01) + math.exp(0.4)
    assert sce[1] == pytest.approx(-(1.0 * math.log(math.exp(0.55) / z) + 0.25 * math.log(math.exp(0.4) / z)))
    for name in LOSSES:
        values = REGISTRY.loss(name).function(Y, T)
        assert values.shape == (2,)
        expected = [reference.sample_loss(name, y.tolist(), t.tolist()) for y, t in zip(Y, T)]
        np.testing.assert_allclose(values, expected, rtol=1e-13)


@pytest.mark.parametrize("name", LOSSES)
def test_loss_gradients_match_finite_differences(name: str) -> None:
    loss = REGISTRY.loss(name)
    g = loss.gradient_function(Y, T)
    assert g.shape == Y.shape
    h = 1e-7
    for i in range(Y.shape[0]):
        for k in range(Y.shape[1]):
            up, down = Y.copy(), Y.copy()
            up[i, k] += h
            down[i, k] -= h
            fd = (loss.function(up, T)[i] - loss.function(down, T)[i]) / (2 * h)
            assert g[i, k] == pytest.approx(fd, rel=1e-6, abs=1e-8)
    if loss.terms_function is not None:
        np.testing.assert_allclose(loss.terms_function(Y, T).sum(axis=1), loss.function(Y, T), rtol=1e-14)


def test_losses_stay_finite_at_saturation() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = np.array([[0.0, 1.0]])
        t = np.array([[1.0, 0.0]])
        bce = REGISTRY.loss("binary_cross_entropy")
        assert np.isfinite(bce.function(y, t)).all() and np.isfinite(bce.gradient_function(y, t)).all()
        sce = REGISTRY.loss("softmax_cross_entropy")
        logits = np.array([[1000.0, -1000.0]])
        assert sce.function(logits, t)[0] == pytest.approx(0.0, abs=1e-300)
        assert sce.function(logits, np.array([[0.0, 1.0]]))[0] == pytest.approx(2000.0)
