"""``run --json`` / ``Trace.to_dict()``: every number of the tables, checked against the second
implementation (tests/reference.py) on generated networks."""

from __future__ import annotations

import json
import math

import pytest
import reference
from helpers.networks import KINK_MARGIN, KINKED, Case, random_case
from hypothesis import HealthCheck, assume, given, settings

from graphengine.engine.network import Network
from graphengine.spec.load import parse_spec


def reference_terms(name: str, y: list[float], t: list[float]) -> list[float]:
    """Each output's term of the per-sample loss, written out by hand (they sum to the loss)."""
    n = len(y)
    if name == "softmax_cross_entropy":
        top = max(y)
        log_z = top + math.log(sum(math.exp(yk - top) for yk in y))
        return [-tk * (yk - log_z) for yk, tk in zip(y, t)]
    # The other built-in losses sum (half_squared_error) or average one function per output.
    scale = 1.0 if name == "half_squared_error" else 1.0 / n
    return [scale * reference.sample_loss(name, [yk], [tk]) for yk, tk in zip(y, t)]


def check_to_dict(case: Case) -> None:
    net = Network(parse_spec(case.text, "<random spec>"))
    G = net.graph
    values = {name: p["value"] for name, p in G.graph["parameters"].items()}
    ref = reference.forward(G, values, case.inputs, case.targets)
    if not all(math.isfinite(loss) for loss in ref.sample_losses):
        return  # a clipped probability: the reference's log is infinite, the engine's is not
    # At a kink (a ReLU's net exactly 0 in one implementation, 1e-19 in the other, by the order
    # of a sum) the derivative is a convention; such networks are skipped, as in test_gradients.
    for s in range(len(case.inputs)):
        for v in G.nodes:
            if G.nodes[v]["kind"] != "input" and G.nodes[v]["activation"].name in KINKED:
                assume(abs(ref.net[s][v]) > KINK_MARGIN)
    grads = reference.backward(G, values, ref, case.targets)
    data = json.loads(json.dumps(net.trace().to_dict()))  # what a script reads
    approx = lambda x: pytest.approx(x, rel=1e-9, abs=1e-12)  # noqa: E731
    outputs = G.graph["outputs"]
    loss = G.graph["loss"].name
    for s, sample in enumerate(data["samples"]):
        assert set(sample["nodes"]) == set(G.nodes)
        for v, entry in sample["nodes"].items():
            assert entry["out"] == approx(ref.out[s][v])
            assert entry["dout"] == approx(grads.dout[s][v])
            assert entry["dnet"] == approx(grads.dnet[s][v])
            if G.nodes[v]["kind"] == "input":
                assert set(entry) == {"out", "dout", "dnet"}
            else:
                assert set(entry) == {"net", "out", "dout", "dact", "dnet"}
                assert entry["net"] == approx(ref.net[s][v])
                alpha = float(G.nodes[v]["activation_params"].get("alpha", 0.01))
                expected = reference.activate_derivative(G.nodes[v]["activation"].name, ref.net[s][v], alpha)
                assert entry["dact"] == approx(expected)
                # δ = ∂L/∂out · ∂out/∂net, from the JSON's own numbers.
                assert entry["dnet"] == approx(entry["dout"] * entry["dact"])
        terms = reference_terms(loss, [ref.out[s][o] for o in outputs], [case.targets[s][o] for o in outputs])
        assert list(sample["loss_terms"]) == list(outputs)
        assert list(sample["loss_terms"].values()) == [approx(t) for t in terms]
        assert sum(sample["loss_terms"].values()) == approx(sample["loss"])
        assert sample["loss"] == approx(ref.sample_losses[s])
    assert data["gradients"] == {p: approx(g) for p, g in grads.grad.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(random_case())
def test_to_dict_matches_the_reference_on_generated_networks(case: Case) -> None:
    check_to_dict(case)


def test_run_json_keeps_the_old_keys_and_adds_the_backward_ones(cli) -> None:
    ran = cli("run", "specs/doc_example.yaml", "--json")
    assert ran.code == 0
    data = json.loads(ran.out)
    assert set(data) == {"loss", "samples", "gradients", "updated"}
    o1 = data["samples"][0]["nodes"]["o1"]
    # The worked example's hand values: ∂E/∂out_o1 = 0.74136507, ∂out/∂net = 0.186815602, δ = 0.138498562.
    assert o1["dout"] == pytest.approx(0.74136507, abs=1e-8)
    assert o1["dact"] == pytest.approx(0.186815602, abs=1e-9)
    assert o1["dnet"] == pytest.approx(0.138498562, abs=1e-9)
    assert data["samples"][0]["loss_terms"] == {"o1": pytest.approx(0.274811083), "o2": pytest.approx(0.023560026)}
