"""`targets: {column: label, positive: red}`: one sigmoid output learns a two-class label column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import graphengine
from graphengine.cli import main


def xor_like(rng: np.random.Generator, n: int, positive: str, negative: str) -> tuple[np.ndarray, list[str]]:
    """Points around the four corners of a square; the label is `positive` where x·y > 0 (exclusive-or)."""
    corners = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], dtype=float)
    X = corners[rng.integers(0, 4, n)] + rng.normal(0, 0.25, (n, 2))
    return X.round(4), [positive if a * b > 0 else negative for a, b in X]


def write(tmp_path, X: np.ndarray, labels: list[str], positive: str, hidden: int = 8, seed: int = 0) -> str:
    (tmp_path / "points.csv").write_text(
        "x,y,kind\n" + "".join(f"{a!r},{b!r},{label}\n" for (a, b), label in zip(X.tolist(), labels))
    )
    spec = tmp_path / "net.yaml"
    spec.write_text(
        f"""name: xor-like
inputs: [x, y]
layers:
  - {{name: h, size: {hidden}, from: [x, y], activation: tanh, seed: {seed}}}
  - {{name: p, size: 1, from: h, activation: sigmoid, seed: {seed + 1}}}
outputs: [p]
loss: binary_cross_entropy
data: {{csv: points.csv, targets: {{column: kind, positive: "{positive}"}}}}
training: {{optimizer: adam, learning_rate: 0.05, epochs: 400, seed: 0}}
"""
    )
    return str(spec)


@pytest.mark.parametrize(
    ("seed", "positive", "negative"),
    [(0, "red", "blue"), (1, "yes", "no"), (2, "1", "0"), (3, "σ₁", "other label")],
)
def test_xor_like_data_trains_to_high_accuracy(tmp_path, seed, positive, negative):
    rng = np.random.default_rng(seed)
    X, labels = xor_like(rng, 200, positive, negative)
    net = graphengine.load(write(tmp_path, X, labels, positive, seed=seed))
    # The targets are 1.0 exactly where the label is the positive one.
    assert net.T[:, 0].tolist() == [float(label == positive) for label in labels]
    assert net.classes == [negative, positive]
    history = net.train(400)
    assert history.accuracies[-1] >= 0.95
    # and the predictions of new points, labelled by the same rule, are right too
    X_new, labels_new = xor_like(np.random.default_rng(100 + seed), 200, positive, negative)
    predicted = np.where(net.predict(X_new)[:, 0] >= 0.5, positive, negative)
    assert np.mean(predicted == np.array(labels_new)) >= 0.9


def test_more_than_two_labels_make_the_rest_negative(tmp_path):
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.5]])
    net = graphengine.load(write(tmp_path, X, ["red", "blue", "green", "red"], "red"))
    assert net.T[:, 0].tolist() == [1.0, 0.0, 0.0, 1.0]
    assert net.classes == ["not red", "red"]


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ("{column: kind, positive: redd}", "data.targets.positive: label `redd` never appears in column `kind`"),
        ("{column: kind, positive: redd}", "did you mean `red`? (labels: blue, red)"),
        (
            "{column: knd, positive: red}",
            "data.targets.column: column `knd` is not in points.csv; did you mean `kind`?",
        ),
        ("{column: kind}", "data.targets.positive: missing required key `positive`"),
        ("{column: kind, positive: red, negative: blue}", "unknown key `negative` (valid keys: column, positive)"),
        ("{column: kind, positive: [red]}", "expected a class label (text or number), got a list"),
        ("{column: kind, positive: yes}", 'got `true` (a boolean); quote a label such as "yes" or "no"'),
    ],
)
def test_bad_label_targets(tmp_path, capsys, targets, message):
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    spec = write(tmp_path, X, ["red", "blue"], "red")
    text = Path(spec).read_text()
    Path(spec).write_text(text.replace('targets: {column: kind, positive: "red"}', f"targets: {targets}"))
    assert main(["validate", spec]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {spec}:8: ") and message in err, err


def test_a_label_target_needs_one_output(tmp_path, capsys):
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    spec = write(tmp_path, X, ["red", "blue"], "red")
    text = Path(spec).read_text()
    Path(spec).write_text(text.replace("size: 1, from: h", "size: 2, from: h"))
    assert main(["validate", spec]) == 2
    err = capsys.readouterr().err
    assert "a label target feeds one output (1 for `red`, 0 otherwise), but the network has 2 outputs" in err
