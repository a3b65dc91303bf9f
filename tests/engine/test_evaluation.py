"""`predict` and `evaluate` over generated networks and data sets, checked against independent counts.

Every case is a random layered network with a CSV training file and a second CSV "test" file
(columns shuffled, so nothing works by position). The expectations come from outside the code
under test: inputs read back with the csv module, the network's own `Network.predict`, labels
and predictions counted in plain Python, and `train --json`'s accuracy on the same rows.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import graphengine
from graphengine.cli import main

KINDS = ("softmax", "softmax_listed", "binary_label", "binary_columns", "regression")


@dataclass
class Case:
    spec: Path
    test_csv: Path
    inputs: list[str]  # input column names, in network order
    kind: str
    classes: list[str] | None  # class labels in output order (softmax), or [negative, positive]
    label_column: str | None
    target_columns: list[str]


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def make_case(tmp_path: Path, seed: int, kind: str) -> Case:
    """A random network (1–2 hidden layers, random sizes and activations) with training and test CSV files."""
    rng = np.random.default_rng(seed)
    n_in = int(rng.integers(2, 5))
    inputs = [f"f{k}" for k in range(n_in)]
    n_rows, n_test = int(rng.integers(20, 60)), int(rng.integers(10, 40))
    X = rng.normal(size=(n_rows + n_test, n_in)).round(4)
    hidden = [int(rng.integers(2, 7)) for _ in range(int(rng.integers(1, 3)))]
    act = str(rng.choice(["tanh", "sigmoid", "relu", "softplus"]))
    classes: list[str] | None = None
    label_column, target_columns = None, []
    columns: dict[str, list[str]] = {name: [repr(float(v)) for v in X[:, k]] for k, name in enumerate(inputs)}
    if kind.startswith("softmax"):
        k = int(rng.integers(2, 5))
        names = ["cat", "dog", "bird", "fish"][:k] if seed % 2 else [str(10 * c) for c in range(k)]
        # A rule the network can partly learn: the class is the index of the largest of a few projections.
        projection = rng.normal(size=(n_in, k))
        codes = np.argmax(X @ projection, axis=1)
        label_column = "label"
        columns[label_column] = [names[c] for c in codes]
        classes = sorted(names, key=float) if names[0].isdigit() else sorted(names)
        if kind == "softmax_listed":
            classes = list(reversed(classes))  # a listed class order is kept, whatever it is
            targets = f"one_hot: {{column: label, classes: [{', '.join(classes)}]}}"
        else:
            targets = "one_hot: label"
        n_out, loss, out_act = k, "softmax_cross_entropy", "identity"
    elif kind == "binary_label":
        label_column = "colour"
        columns[label_column] = ["red" if a * b > 0 else "blue" for a, b in X[:, :2]]
        classes = ["blue", "red"]
        targets = "targets: {column: colour, positive: red}"
        n_out, loss, out_act = 1, "binary_cross_entropy", "sigmoid"
    elif kind == "binary_columns":
        target_columns = ["t0", "t1"]
        columns["t0"] = [str(int(v > 0)) for v in X[:, 0]]
        columns["t1"] = [str(int(v > 0)) for v in X[:, 1] - X[:, 0]]
        targets = "targets: [t0, t1]"
        n_out, loss, out_act = 2, "binary_cross_entropy", "sigmoid"
    else:
        target_columns = ["y"]
        columns["y"] = [repr(float(v)) for v in np.sin(X[:, 0]) + 0.5 * X[:, 1]]
        targets = "targets: [y]"
        n_out, loss, out_act = 1, "mse", "identity"

    order = list(columns)
    rng.shuffle(order)  # the test file's columns in another order
    for name, rows, fieldnames in (
        ("train.csv", range(n_rows), list(columns)),
        ("test.csv", range(n_rows, n_rows + n_test), order),
    ):
        with open(tmp_path / name, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(fieldnames)
            writer.writerows([columns[c][r] for c in fieldnames] for r in rows)

    layers, source = [], "x"
    for i, size in enumerate(hidden):
        layers.append(f"  - {{name: h{i}, size: {size}, from: {source}, activation: {act}, seed: {seed + i}}}")
        source = f"h{i}"
    layers.append(f"  - {{name: out, size: {n_out}, from: {source}, activation: {out_act}, seed: {seed + 9}}}")
    # The spec names its input columns; an input layer `x` of n_in neurons reads them in order.
    spec = tmp_path / "net.yaml"
    spec.write_text(
        f"name: case{seed}\ninputs: [{{name: x, size: {n_in}}}]\nlayers:\n"
        + "\n".join(layers)
        + f"\noutputs: [out]\nloss: {loss}\n"
        + f"data: {{csv: train.csv, inputs: [{', '.join(inputs)}], {targets}}}\n"
        + "training: {optimizer: adam, learning_rate: 0.05, epochs: 30, seed: 0}\n"
    )
    return Case(spec, tmp_path / "test.csv", inputs, kind, classes, label_column, target_columns)


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    capsys.readouterr()
    assert main(list(argv)) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


CASES = [(seed, kind) for kind in KINDS for seed in range(4)]


@pytest.mark.parametrize(("seed", "kind"), CASES)
def test_predict_equals_network_predict(tmp_path, capsys, seed, kind):
    case = make_case(tmp_path, seed, kind)
    trained = tmp_path / "trained.yaml"
    run_json(capsys, "train", str(case.spec), "--json", "-o", str(trained))
    rows = _rows(case.test_csv)
    X = np.array([[float(row[c]) for c in case.inputs] for row in rows])  # read independently
    expected = graphengine.load(trained).predict(X)

    data = run_json(capsys, "predict", str(trained), "--data", str(case.test_csv), "--json")
    got = np.array([[row["outputs"][o] for o in data["outputs"]] for row in data["rows"]])
    assert np.array_equal(got, expected)  # bit for bit: JSON keeps every digit of a float

    out_csv = tmp_path / "predictions.csv"
    capsys.readouterr()
    assert main(["predict", str(trained), "--data", str(case.test_csv), "-o", str(out_csv)]) == 0
    written = _rows(out_csv)
    assert np.array_equal(np.array([[float(r[o]) for o in data["outputs"]] for r in written]), expected)

    if kind.startswith("softmax"):
        labels = [case.classes[k] for k in np.argmax(expected, axis=1)]
        assert [r["predicted"] for r in data["rows"]] == labels == [r["predicted"] for r in written]
        assert data["classes"] == {"class": case.classes}
    elif kind == "binary_label":
        labels = ["red" if y >= 0.5 else "blue" for y in expected[:, 0]]
        assert [r["predicted"] for r in data["rows"]] == labels
    elif kind == "binary_columns":
        assert [r["predicted"] for r in data["rows"]] == [
            {o: str(int(y >= 0.5)) for o, y in zip(data["outputs"], row)} for row in expected
        ]
    else:
        assert "predicted" not in data["rows"][0] and "classes" not in data


@pytest.mark.parametrize(("seed", "kind"), CASES)
def test_evaluate_agrees_with_train_and_with_a_plain_count(tmp_path, capsys, seed, kind):
    case = make_case(tmp_path, seed, kind)
    trained = tmp_path / "trained.yaml"
    training = run_json(capsys, "train", str(case.spec), "--json", "-o", str(trained))

    # On the training rows: the spec's own data, and the same file named with --data.
    own = run_json(capsys, "evaluate", str(trained), "--json")
    same_file = run_json(capsys, "evaluate", str(trained), "--data", str(tmp_path / "train.csv"), "--json")
    for result in (own, same_file):
        assert result["loss"] == pytest.approx(training["final_loss"], rel=1e-12, abs=1e-15)
        assert result.get("accuracy") == training.get("accuracy")

    # On the test file: counted by hand from the labels in the file and `predict`'s labels.
    result = run_json(capsys, "evaluate", str(trained), "--data", str(case.test_csv), "--json")
    predicted = run_json(capsys, "predict", str(trained), "--data", str(case.test_csv), "--json")["rows"]
    rows = _rows(case.test_csv)
    assert result["rows"] == len(rows)
    if kind == "regression":
        assert "accuracy" not in result and "confusion" not in result
        net = graphengine.load(trained)
        X = np.array([[float(r[c]) for c in case.inputs] for r in rows])
        T = np.array([[float(r["y"])] for r in rows])
        assert result["loss"] == pytest.approx(float(np.mean((net.predict(X) - T) ** 2)), rel=1e-12)
        return
    if kind == "binary_columns":
        pairs_per = [
            (o, [(r[t], p["predicted"][o]) for r, p in zip(rows, predicted)])
            for o, t in zip(predicted[0]["predicted"], case.target_columns)
        ]
        labels = ["0", "1"]
    else:
        pairs_per = [(None, [(r[case.label_column], p["predicted"]) for r, p in zip(rows, predicted)])]
        labels = case.classes
    right = total = 0
    assert len(result["confusion"]) == len(pairs_per)
    for matrix, (_, pairs) in zip(result["confusion"], pairs_per):
        assert matrix["labels"] == labels
        counts = [[sum(1 for t, p in pairs if t == a and p == b) for b in labels] for a in labels]
        assert matrix["matrix"] == counts
        cm = np.array(matrix["matrix"])
        assert cm.sum() == len(rows)
        right, total = right + int(np.trace(cm)), total + len(rows)
        for label in labels:
            as_label = [t for t, p in pairs if p == label]
            of_label = [p for t, p in pairs if t == label]
            stats = matrix["per_class"][label]
            assert stats["rows"] == len(of_label)
            assert stats["precision"] == (as_label.count(label) / len(as_label) if as_label else None)
            assert stats["recall"] == (of_label.count(label) / len(of_label) if of_label else None)
    assert result["accuracy"] == pytest.approx(right / total, abs=1e-15)  # trace / N


def test_evaluate_reports_the_validation_rows_as_train_does(capsys):
    training = run_json(capsys, "train", "specs/digits.yaml", "--epochs", "3", "--json")
    result = run_json(capsys, "evaluate", "specs/digits.yaml", "--json")  # untrained: the spec's values
    assert result["rows"] == 1617 and result["validation"]["rows"] == 180
    assert result["accuracy"] == training["history"]["accuracy"][0]
    assert result["validation"]["accuracy"] == training["history"]["val_accuracy"][0]
    assert result["loss"] == pytest.approx(training["history"]["loss"][0], rel=1e-12)


def test_a_test_file_without_some_class_still_lines_up(tmp_path, capsys):
    """Classes inferred from the training data: a test file lacking `dog` keeps three outputs."""
    case = make_case(tmp_path, 1, "softmax")
    rows = [r for r in _rows(tmp_path / "train.csv") if r["label"] != case.classes[-1]]
    with open(tmp_path / "some.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = run_json(capsys, "evaluate", str(case.spec), "--data", str(tmp_path / "some.csv"), "--json")
    per_class = result["confusion"][0]["per_class"]
    assert list(per_class) == case.classes and per_class[case.classes[-1]]["rows"] == 0
    assert per_class[case.classes[-1]]["recall"] is None


def test_predict_needs_only_the_input_columns(tmp_path, capsys):
    case = make_case(tmp_path, 2, "binary_label")
    rows = _rows(case.test_csv)
    bare = tmp_path / "bare.csv"
    bare.write_text(",".join(case.inputs) + "\n" + "".join(",".join(r[c] for c in case.inputs) + "\n" for r in rows))
    with_labels = run_json(capsys, "predict", str(case.spec), "--data", str(case.test_csv), "--json")
    without = run_json(capsys, "predict", str(case.spec), "--data", str(bare), "--json")
    assert with_labels == without


def test_inline_data_specs_read_columns_named_after_inputs_and_outputs(tmp_path, capsys):
    table = tmp_path / "xor.csv"
    table.write_text("b,y,a\n0,0,0\n1,1,0\n0,1,1\n1,0,1\n")  # b before a: read by name
    net = graphengine.load("specs/xor.yaml")
    result = run_json(capsys, "evaluate", "specs/xor.yaml", "--data", str(table), "--json")
    own = run_json(capsys, "evaluate", "specs/xor.yaml", "--json")
    assert result == own  # the same four samples as the spec's own data
    assert result["loss"] == pytest.approx(net.loss(), rel=1e-12)
    predicted = run_json(capsys, "predict", "specs/xor.yaml", "--data", str(table), "--json")
    assert [r["outputs"]["y"] for r in predicted["rows"]] == net.predict([[0, 0], [0, 1], [1, 0], [1, 1]])[
        :, 0
    ].tolist()


def test_tables_and_plots(tmp_path, capsys):
    case = make_case(tmp_path, 3, "softmax")
    capsys.readouterr()
    cm = tmp_path / "cm.png"
    assert main(["evaluate", str(case.spec), "--data", str(case.test_csv), "--plot", str(cm)]) == 0
    out = capsys.readouterr().out
    assert "Confusion matrix" in out and "precision" in out and "true \\ pred" in out
    assert cm.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["predict", str(case.spec), "--data", str(case.test_csv)]) == 0
    assert "predicted" in capsys.readouterr().out


def _fails(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    capsys.readouterr()
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_bad_inputs_give_one_line_and_status_2(tmp_path, capsys):
    case = make_case(tmp_path, 0, "binary_label")
    spec, test = str(case.spec), case.test_csv
    rows = _rows(test)
    missing = tmp_path / "missing.csv"  # no f1 column
    keep = [c for c in rows[0] if c != "f1"]
    missing.write_text(",".join(keep) + "\n" + "".join(",".join(r[c] for c in keep) + "\n" for r in rows))
    out = tmp_path / "p.csv"
    for argv, message in (
        (["evaluate", spec, "--data", str(missing)], "column `f1` is not in"),
        (["predict", spec, "--data", str(missing), "-o", str(out)], "column `f1` is not in"),
        (["evaluate", spec, "--data", str(tmp_path / "nope.csv")], "nope.csv: no such file"),
        (["predict", spec, "--data", str(tmp_path)], "is a directory"),
        (["evaluate", spec, "--plot", str(tmp_path / "cm.jpg")], "--plot: `"),
        (["evaluate", spec, "--plot-boundary", str(tmp_path / "b.gif")], "--plot-boundary: `"),
    ):
        _fails(capsys, argv, message)
    assert not out.exists()  # no partial output

    unknown = Path(spec).read_text().replace("positive: red", "positive: redd")
    (tmp_path / "unknown.yaml").write_text(unknown)
    _fails(capsys, ["evaluate", str(tmp_path / "unknown.yaml")], "label `redd` never appears in column `colour`")

    # Wrong width: without `inputs`, every column but the label is an input; an extra one is too many.
    wide = Path(spec).read_text().replace(f"inputs: [{', '.join(case.inputs)}], ", "")
    (tmp_path / "wide.yaml").write_text(wide)
    extra = tmp_path / "extra.csv"
    extra.write_text(",".join([*rows[0], "zz"]) + "\n" + "".join(",".join([*r.values(), "1"]) + "\n" for r in rows))
    _fails(
        capsys,
        ["predict", str(tmp_path / "wide.yaml"), "--data", str(extra)],
        f"{len(case.inputs) + 1} input column(s) selected",
    )
    _fails(
        capsys,
        ["train", "specs/iris_4883.yaml", "--epochs", "1", "--plot-boundary", str(tmp_path / "b.png")],
        "--plot-boundary draws the plane of a network with 2 inputs; this one has 4",
    )
    assert not (tmp_path / "b.png").exists()


def test_regression_has_no_confusion_matrix_to_plot(tmp_path, capsys):
    case = make_case(tmp_path, 0, "regression")
    _fails(capsys, ["evaluate", str(case.spec), "--plot", str(tmp_path / "cm.svg")], "does not classify")
    assert not (tmp_path / "cm.svg").exists()


def test_decision_boundary_plot(tmp_path, capsys):
    boundary = tmp_path / "b.svg"
    capsys.readouterr()
    assert main(["train", "specs/xor.yaml", "--epochs", "50", "--plot-boundary", str(boundary)]) == 0
    assert "decision regions written to" in capsys.readouterr().out
    text = boundary.read_text()
    assert text.lstrip().startswith("<?xml") and "decision regions" in text
    case = make_case(tmp_path, 1, "regression")  # 2+ inputs; a regression draws its output instead
    if len(case.inputs) == 2:
        assert main(["evaluate", str(case.spec), "--plot-boundary", str(tmp_path / "r.png")]) == 0


def test_predictions_csv_round_trips_exactly():
    from graphengine.engine.evaluation import predict

    net = graphengine.load("specs/iris_4883.yaml")
    predictions = predict(net, net.X)
    rows = list(csv.reader(io.StringIO(predictions.to_csv())))
    assert rows[0] == ["setosa", "versicolor", "virginica", "predicted"]
    assert np.array_equal(np.array([[float(v) for v in r[:3]] for r in rows[1:]]), net.predict(net.X))


def test_docs_example_is_real_output(tmp_path, capsys):
    # The example of docs/tutorials/prototyper.md. Its trained spec would sit in the repository, its
    # data below it; here it is written to tmp_path, so its data is outside its folder: the test
    # allows that, as --allow-outside-data.
    text = (Path(__file__).parents[2] / "docs" / "tutorials" / "prototyper.md").read_text(encoding="utf-8")
    section = text[text.index("<!-- section: predict -->") :]
    console = re.findall(r"```console\n(.*?)```", section, flags=re.S)[0]
    commands = [line[2:] for line in console.splitlines() if line.startswith("$ ")]
    printed = []
    for command in commands:
        argv = [
            str(tmp_path / a) if a.endswith((".png", "trained.yaml", ".csv")) and "/" not in a else a
            for a in command.split()[1:]
        ]
        if argv[0] in ("evaluate", "predict"):
            argv.append("--allow-outside-data")
        capsys.readouterr()
        assert main(argv) == 0
        out = capsys.readouterr().out
        if argv[0] == "evaluate":
            printed = [f"$ {command}", *(line.rstrip().replace(f"{tmp_path}/", "") for line in out.splitlines())]
    expected = [line for line in console.splitlines() if not line.startswith("$ ") or "evaluate" in line]
    assert printed == expected
    assert (tmp_path / "moons.png").exists() and (tmp_path / "confusion.png").exists()
    assert (tmp_path / "predictions.csv").read_text().startswith("red_0,predicted\n")


@pytest.mark.parametrize("width", [40, 60, 80, 200])
def test_prediction_tables_keep_numbers_whole(width):
    from rich.console import Console

    from graphengine._util.numfmt import table_number as fmt
    from graphengine.cli.evaluation_report import predictions_table
    from graphengine.engine.evaluation import predict

    net = graphengine.load("specs/digits.yaml")
    predictions = predict(net, net.X[:5])
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(predictions_table(predictions, lambda x: fmt(x, 6), width=width))
    text = console.export_text()
    assert "…" not in text.split("\n", 2)[-1]  # the title may wrap; no cell is cut
    shown = re.findall(r"-?\d+\.\d{6}", text)
    assert shown and all(float(v) in {round(y, 6) for y in predictions.outputs.ravel().tolist()} for v in shown)
    assert [
        line.split("│")[-2].strip() for line in text.splitlines() if line.startswith("│")
    ] == predictions.predicted()
