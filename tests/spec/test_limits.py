"""graphengine.spec.limits: any layer declaration and any count is refused or handled in bounded time.

Generated layer declarations (input layers and dense layers, sizes from 1 to far past every
limit) are either refused at once — before anything is expanded — naming the limit and the
key that crosses it, or, when the whole network is small, validated. A reference count written
here independently says which.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
import yaml
from helpers.robustness_tools import BOUNDED, DOC, cli, refused
from hypothesis import given
from hypothesis import strategies as st

from graphengine.spec.limits import MAX_EPOCHS, MAX_LAYER_EDGES, MAX_LAYER_SIZE, MAX_TOTAL_NODES

SIZES = st.one_of(st.integers(1, 40), st.integers(1, MAX_LAYER_SIZE), st.sampled_from([MAX_LAYER_SIZE, 10**5, 4000]))


@st.composite
def declarations(draw: st.DrawFn) -> dict:
    """A spec of input layers (and plain inputs) feeding a chain of dense layers."""
    n_inputs = draw(st.integers(1, 35))
    inputs: list = [{"name": f"x{i}", "size": draw(SIZES)} for i in range(n_inputs)]
    if draw(st.booleans()):
        inputs.append("plain")
    layers = []
    previous = [i["name"] if isinstance(i, dict) else i for i in inputs]
    for k in range(draw(st.integers(1, 4))):
        sources = draw(st.lists(st.sampled_from(previous), min_size=1, max_size=3, unique=True))
        layers.append({"name": f"h{k}", "size": draw(SIZES), "from": sources if len(sources) > 1 else sources[0]})
        previous.append(f"h{k}")
    return {"inputs": inputs, "layers": layers, "outputs": [layers[-1]["name"]]}


def expected_refusal(spec: dict) -> str | None:
    """Which limit the spec crosses first, counted here without graphengine: 'nodes', 'edges' or None."""
    sizes = {i["name"]: i["size"] for i in spec["inputs"] if isinstance(i, dict)}
    sizes.update({layer["name"]: layer["size"] for layer in spec["layers"]})
    nodes = sum(i["size"] if isinstance(i, dict) else 1 for i in spec["inputs"])
    nodes += sum(layer["size"] for layer in spec["layers"])
    if nodes > MAX_TOTAL_NODES:
        return "nodes"
    edges = 0
    for layer in spec["layers"]:
        sources = [layer["from"]] if isinstance(layer["from"], str) else layer["from"]
        edges += sum(sizes.get(s, 1) for s in sources) * layer["size"]
        if edges > MAX_LAYER_EDGES:
            return "edges"
    return None


@BOUNDED
@given(spec=declarations())
def test_layer_declarations_are_refused_before_expansion(tmp_path: Path, spec: dict) -> None:
    limit = expected_refusal(spec)
    total = sum(i["size"] if isinstance(i, dict) else 1 for i in spec["inputs"]) + sum(
        layer["size"] for layer in spec["layers"]
    )
    if limit is None and total > 20_000:
        return  # legitimately big: its cost is measured in test_a_large_input_layer_is_linear
    path = tmp_path / "layers.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    start = time.perf_counter()
    if limit is None:
        status, out, err = cli(["validate", str(path)], seconds=60)
        assert status == 0, err
        assert f"{total:,}".replace(",", "") in out.replace(",", "") or "ok" in out
        return
    line = refused(["validate", str(path)], seconds=10)
    assert time.perf_counter() - start < 5  # nothing was expanded
    if limit == "nodes":
        assert f"nodes; at most {MAX_TOTAL_NODES:,}" in line and ".size: " in line, line
    else:
        assert f"edges; at most {MAX_LAYER_EDGES:,}" in line and "layers[" in line, line


def test_thirty_input_layers_of_a_million_are_refused_at_once(tmp_path: Path) -> None:
    spec = {"inputs": [{"name": f"x{i}", "size": 1_000_000} for i in range(30)], "outputs": ["x0_0"]}
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(spec))
    line = refused(["validate", str(path)], seconds=10)
    assert f"{path}:" in line and "inputs[2].size: the inputs, nodes and layers come to 3,000,000 nodes" in line


@pytest.mark.slow
def test_a_large_input_layer_is_linear(tmp_path: Path) -> None:
    # Before: 100,000 inputs took ~110 s to validate (a duplicate-name check quadratic in the inputs).
    times = {}
    for size in (20_000, 80_000):
        path = tmp_path / f"in{size}.yaml"
        path.write_text(f"inputs: [{{name: x, size: {size}}}]\nlayers: [{{name: y, size: 1, from: x}}]\noutputs: [y]\n")
        best = math.inf
        for _ in range(2):  # the better of two runs: the machine is shared
            start = time.perf_counter()
            status, _, err = cli(["validate", str(path)], seconds=120)
            best = min(best, time.perf_counter() - start)
            assert status == 0, err
        times[size] = best
    # Four times the inputs: about four times the time when linear (a little more: the garbage
    # collector and networkx's dicts), sixteen when quadratic; the quadratic check took ~70 s here.
    assert times[80_000] < 12 * max(times[20_000], 0.05) and times[80_000] < 30, times


# ---------------------------------------------------------------------- counts


@BOUNDED
@given(epochs=st.one_of(st.integers(MAX_EPOCHS + 1, 10**30), st.sampled_from([10**9, MAX_EPOCHS + 1])))
def test_too_many_epochs_are_refused_naming_the_limit(tmp_path: Path, epochs: int) -> None:
    line = refused(["train", str(DOC), "--epochs", str(epochs)], seconds=10)
    assert f"{MAX_EPOCHS:,}".replace(",", "") in line.replace(",", "")
    path = tmp_path / "spec.yaml"
    path.write_text(DOC.read_text().replace("training:\n", f"training:\n  epochs: {epochs}\n", 1))
    line = refused(["train", str(path)], seconds=10)
    assert "training.epochs: must be ≤ 10,000,000" in line


@pytest.mark.parametrize("value", ["1e23", "-1", "1.5", "ten"])
def test_epochs_that_are_not_counts(value: str) -> None:
    assert "--epochs" in refused(["train", str(DOC), "--epochs", value])


def test_network_train_refuses_too_many_epochs() -> None:
    import graphengine
    from graphengine.errors import TrainingError

    net = graphengine.load(DOC)
    with pytest.raises(TrainingError, match="epochs must be between 0 and 10,000,000"):
        net.train(MAX_EPOCHS + 1)
