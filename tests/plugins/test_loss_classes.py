"""A loss declares how it decides classes (``@loss.classes``), once: the accuracy of ``train``,
the predicted labels of ``predict`` and the confusion matrices of ``evaluate`` all follow from
it, for the built-in losses and for plugin losses alike.

Expected values are counted in plain Python from the outputs ``y = W x + b`` (identity nodes),
evaluated per sample here, independently of the engine.
"""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from graphengine.engine.train import accuracy
from graphengine.errors import PluginError
from graphengine.plugins.discovery import builtin_registry
from graphengine.plugins.registry import loss
from graphengine.plugins.verify import verify

PLUGINS = textwrap.dedent(
    '''
    import numpy as np
    from graphengine import loss


    @loss
    def hinge(y, t, margin=1.0):
        """Hinge loss per output on a score y, targets 0/1 (read as -1/+1)."""
        s = 2 * t - 1
        return np.sum(np.maximum(0.0, margin - s * y), axis=1)


    @hinge.gradient
    def hinge(y, t, margin=1.0):
        s = 2 * t - 1
        return np.where(margin - s * y > 0, -s, 0.0)


    @hinge.classes(per_output=True)
    def hinge(y):
        """Each output says yes where its score is positive (a 0/1 target: where it is 1)."""
        return (y > 0).astype(np.int64)


    @loss
    def multi_hinge(y, t):
        """Crammer-Singer hinge: the right score must beat every other one by 1."""
        right = np.sum(y * t, axis=1, keepdims=True)
        return np.max(np.where(t > 0, 0.0, np.maximum(0.0, 1 + y - right)), axis=1)


    @multi_hinge.gradient
    def multi_hinge(y, t):
        right = np.sum(y * t, axis=1, keepdims=True)
        margins = np.where(t > 0, -np.inf, 1 + y - right)
        worst = np.argmax(margins, axis=1)
        active = np.max(margins, axis=1) > 0
        g = np.zeros_like(y)
        rows = np.arange(len(y))
        g[rows, worst] = active
        return g - t * active[:, None]


    @multi_hinge.classes
    def multi_hinge(y):
        """The highest score is the class."""
        return np.argmax(y, axis=1)[:, None]
    '''
)


def _network(seed: int, outputs: int, loss_name: str) -> tuple[str, list[list[float]], list[list[float]]]:
    """A 3-input, identity-output spec with random weights and 12 samples; its outputs by hand."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(outputs, 3)).round(3).tolist()
    b = rng.normal(size=outputs).round(3).tolist()
    X = rng.normal(size=(12, 3)).round(3)
    if loss_name == "multi_hinge":
        T = np.eye(outputs)[rng.integers(0, outputs, size=12)]
    else:
        T = rng.integers(0, 2, size=(12, outputs)).astype(float)
    ins, outs = ["a", "b", "c"], [f"y{k}" for k in range(outputs)]
    lines = [f"inputs: [{', '.join(ins)}]", f"outputs: [{', '.join(outs)}]", "nodes:"]
    lines += [f"  {o}: {{bias: {b[k]!r}}}" for k, o in enumerate(outs)]
    lines += ["edges:"]
    lines += [f"  - {{from: {i}, to: {o}, weight: {W[k][j]!r}}}" for k, o in enumerate(outs) for j, i in enumerate(ins)]
    lines += [f"loss: {loss_name}", "data:"]
    for x, t in zip(X.tolist(), T.tolist()):
        lines.append(
            f"  - inputs: {{{', '.join(f'{i}: {v!r}' for i, v in zip(ins, x))}}}\n"
            f"    targets: {{{', '.join(f'{o}: {v!r}' for o, v in zip(outs, t))}}}"
        )
    # Per sample, in plain Python: y_k = Σ_j W[k, j]·x_j + b_k.
    Y = [[sum(W[k][j] * x[j] for j in range(3)) + b[k] for k in range(outputs)] for x in X.tolist()]
    return "\n".join(lines) + "\n", Y, T.tolist()


@pytest.fixture
def plugins(tmp_path):
    path = tmp_path / "classifiers.py"
    path.write_text(PLUGINS)
    return path


@pytest.mark.parametrize("seed", range(4))
def test_a_plugin_loss_deciding_per_output_is_a_classifier(tmp_path, plugins, cli, seed):
    text, Y, T = _network(seed, 2, "hinge")
    spec = tmp_path / "net.yaml"
    spec.write_text(text)
    # Each output: yes where its score is positive; right where that equals its 0/1 target.
    said = [[int(y > 0) for y in row] for row in Y]
    truth = [[int(t) for t in row] for row in T]
    right = sum(s == t for srow, trow in zip(said, truth) for s, t in zip(srow, trow))

    ran = cli("train", spec, "--epochs", "0", "--json", "--plugins", plugins)
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["accuracy"] == pytest.approx(right / 24, abs=1e-15)

    ran = cli("predict", spec, "--json", "--plugins", plugins)
    assert ran.code == 0, ran.err
    predicted = json.loads(ran.out)
    assert predicted["classes"] == {"y0": ["0", "1"], "y1": ["0", "1"]}
    assert [row["predicted"] for row in predicted["rows"]] == [{"y0": str(a), "y1": str(b)} for a, b in said]

    ran = cli("evaluate", spec, "--json", "--plugins", plugins)
    assert ran.code == 0, ran.err
    report = json.loads(ran.out)
    assert report["accuracy"] == pytest.approx(right / 24, abs=1e-15)
    for k, matrix in enumerate(report["confusion"]):
        counted = [[0, 0], [0, 0]]
        for srow, trow in zip(said, truth):
            counted[trow[k]][srow[k]] += 1
        assert (matrix["name"], matrix["labels"], matrix["matrix"]) == (f"y{k}", ["0", "1"], counted)


@pytest.mark.parametrize("seed", range(4))
def test_a_plugin_loss_deciding_over_all_outputs_is_a_classifier(tmp_path, plugins, cli, seed):
    text, Y, T = _network(seed, 3, "multi_hinge")
    spec = tmp_path / "net.yaml"
    spec.write_text(text)
    said = [max(range(3), key=row.__getitem__) for row in Y]
    truth = [row.index(1.0) for row in T]
    right = sum(s == t for s, t in zip(said, truth))

    ran = cli("train", spec, "--epochs", "0", "--json", "--plugins", plugins)
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["accuracy"] == pytest.approx(right / 12, abs=1e-15)

    ran = cli("predict", spec, "--json", "--plugins", plugins)
    assert ran.code == 0, ran.err
    predicted = json.loads(ran.out)
    assert predicted["classes"] == {"class": ["y0", "y1", "y2"]}
    assert [row["predicted"] for row in predicted["rows"]] == [f"y{s}" for s in said]

    ran = cli("evaluate", spec, "--json", "--plugins", plugins)
    assert ran.code == 0, ran.err
    (matrix,) = json.loads(ran.out)["confusion"]
    counted = [[0] * 3 for _ in range(3)]
    for s, t in zip(said, truth):
        counted[t][s] += 1
    assert matrix["matrix"] == counted


def test_a_loss_without_classes_reports_no_accuracy_and_no_classes(tmp_path, cli):
    text, _, _ = _network(0, 2, "mse")
    spec = tmp_path / "net.yaml"
    spec.write_text(text)
    assert "accuracy" not in json.loads(cli("train", spec, "--epochs", "0", "--json").out)
    predicted = json.loads(cli("predict", spec, "--json").out)
    assert "classes" not in predicted and all("predicted" not in row for row in predicted["rows"])
    assert "confusion" not in json.loads(cli("evaluate", spec, "--json").out)


def test_a_loss_declares_its_classes():
    registry = builtin_registry()
    assert registry.loss("softmax_cross_entropy").is_classifier
    assert not registry.loss("mse").is_classifier
    y, t = np.array([[0.9, 0.2], [0.4, 0.7]]), np.array([[1.0, 0.0], [1.0, 0.0]])
    assert accuracy(registry.loss("binary_cross_entropy"), y, t) == 0.5  # 2 of 4 outputs on the target's side
    assert accuracy(registry.loss("softmax_cross_entropy"), y, t) == 0.5  # 1 of 2 arg-max classes
    assert accuracy(registry.loss("mse"), y, t) is None


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 9), st.integers(1, 5)), elements=st.floats(-3, 3)),
    st.data(),
)
def test_built_in_accuracies_are_the_classic_formulas(Y, data):
    """Softmax: the arg-max output is the target's arg-max class; binary: every output on the
    target's side of 0.5, averaged over samples and outputs."""
    T = data.draw(arrays(np.float64, Y.shape, elements=st.sampled_from([0.0, 0.25, 0.5, 1.0])))
    registry = builtin_registry()
    argmax_right = [int(np.argmax(y)) == int(np.argmax(t)) for y, t in zip(Y.tolist(), T.tolist())]
    sides = [(y >= 0.5) == (t >= 0.5) for yr, tr in zip(Y.tolist(), T.tolist()) for y, t in zip(yr, tr)]
    assert accuracy(registry.loss("softmax_cross_entropy"), Y, T) == sum(argmax_right) / len(argmax_right)
    assert accuracy(registry.loss("binary_cross_entropy"), Y, T) == sum(sides) / len(sides)
    assert accuracy(registry.loss("mse"), Y, T) is None


def _squared() -> object:
    @loss
    def squared(y, t):
        """Squared error."""
        return np.sum((y - t) ** 2, axis=1)

    @squared.gradient
    def squared(y, t):
        return 2 * (y - t)

    return squared


@pytest.mark.parametrize(
    ("per_output", "classes", "message"),
    [
        (False, lambda y: np.argmax(y, axis=1), r"must return class codes shaped \(4, 1\) .* got shape \(4,\)"),
        (True, lambda y: (y > 0.5)[:, :1], r"must return class codes shaped \(4, 3\) .* got shape \(4, 1\)"),
        (False, lambda y: np.argmax(y, axis=1)[:, None] + 1, r"whole-number class codes from 0 to 2"),
        (True, lambda y: np.round(y), r"whole-number class codes from 0 to 1"),
        (True, lambda y: 1 / 0, r"raised ZeroDivisionError"),
    ],
)
def test_a_wrong_class_decision_is_refused_when_the_plugin_loads(per_output, classes, message):
    squared = _squared()
    squared.classes(classes, per_output=per_output)
    with pytest.raises(PluginError, match=message):
        verify(squared)


def test_right_class_decisions_load():
    squared = _squared()
    squared.classes(lambda y: (y >= 0.5).astype(np.int64), per_output=True)
    verify(squared)
    assert squared.is_classifier and squared.classes_per_output
