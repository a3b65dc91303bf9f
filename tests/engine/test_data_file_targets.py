"""Label targets and predictions work the same from every data file: CSV (fast and exact
readers), Parquet, .npy and .npz give the same inputs, targets and classes."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphengine
from graphengine.cli import main

SPEC = """
inputs: [{{name: x, size: {n_in}}}]
layers:
  - {{name: p, size: 1, from: x, activation: sigmoid, seed: 0}}
outputs: [p]
loss: binary_cross_entropy
data: {data}
"""


def write_files(tmp_path, X: np.ndarray, labels: list[str], numeric_labels: bool) -> None:
    """One table (columns x0.., label) as CSV, Parquet and .npz (and .npy when the labels are numbers)."""
    n_in = X.shape[1]
    header = [f"x{i}" for i in range(n_in)] + ["label"]
    rows = [[repr(v) for v in row] + [label] for row, label in zip(X.tolist(), labels)]
    (tmp_path / "t.csv").write_text(",".join(header) + "\n" + "".join(",".join(r) + "\n" for r in rows))
    label_array = np.array([int(v) for v in labels]) if numeric_labels else np.array(labels)
    np.savez(tmp_path / "t.npz", X=X, label=label_array)
    if numeric_labels:
        np.save(tmp_path / "t.npy", np.column_stack([X, label_array.astype(float)]))
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    columns = {f"x{i}": X[:, i] for i in range(n_in)} | {"label": label_array}
    pq.write_table(pa.table(columns), tmp_path / "t.parquet")


def load(tmp_path, data: str, n_in: int) -> graphengine.Network:
    (tmp_path / "net.yaml").write_text(SPEC.format(n_in=n_in, data=data))
    return graphengine.load(tmp_path / "net.yaml")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n_in=st.integers(1, 4),
    rows=st.integers(2, 25),
    numeric_labels=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_a_label_target_reads_the_same_from_every_file(tmp_path, monkeypatch, n_in, rows, numeric_labels, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, n_in)).round(6)
    kinds = ["3", "10", "7"] if numeric_labels else ["red", "blue", "green"]
    labels = [kinds[k] for k in rng.integers(0, 3, rows)]
    labels[0] = kinds[0]  # the positive label appears at least once
    write_files(tmp_path, X, labels, numeric_labels)
    positive = kinds[0]
    expected_T = np.array([[float(label == positive)] for label in labels])
    found = set(labels) - {positive}
    expected_classes = [next(iter(found)) if len(found) == 1 else f"not {positive}", positive]
    inputs = "[" + ", ".join(f"x{i}" for i in range(n_in)) + "]"
    target = f'{{column: label, positive: "{positive}"}}'
    sources = {
        "csv": f"{{csv: t.csv, inputs: {inputs}, targets: {target}}}",
        "file csv": f"{{file: t.csv, inputs: {{prefix: x}}, targets: {target}}}",
        "parquet": f"{{file: t.parquet, inputs: {{prefix: x}}, targets: {target}}}",
        "npz": f"{{file: t.npz, inputs: X, targets: {target}}}",
    }
    if numeric_labels:  # a .npy file's columns are named "0", "1", …; the label is the last one
        npy_inputs = "[" + ", ".join(f'"{i}"' for i in range(n_in)) + "]"
        sources["npy"] = f'{{file: t.npy, inputs: {npy_inputs}, targets: {{column: "{n_in}", positive: "{positive}"}}}}'
    nets = {name: load(tmp_path, data, n_in) for name, data in sources.items()}
    with monkeypatch.context() as m:  # the csv module alone, as without pandas
        m.setattr("graphengine.engine.data.read_csv_fast", lambda *a, **k: None)
        nets["csv module"] = load(tmp_path, sources["csv"], n_in)
    for name, net in nets.items():
        assert np.array_equal(net.X, X), name
        assert np.array_equal(net.T, expected_T), name
        assert net.classes == expected_classes, name


def run_json(capsys, *args: str) -> dict:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("kind", ["csv", "parquet", "npz"])
def test_predict_reads_inputs_only_from_every_file(tmp_path, capsys, kind):
    """`predict --data` needs the input columns (or array) only, and equals Network.predict."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(12, 3)).round(5)
    labels = ["a" if v > 0 else "b" for v in X[:, 0]]
    labels[0] = "a"
    write_files(tmp_path, X, labels, numeric_labels=False)
    data = {
        "csv": "{file: t.csv, inputs: {prefix: x}, targets: {column: label, positive: a}}",
        "parquet": "{file: t.parquet, inputs: {prefix: x}, targets: {column: label, positive: a}}",
        "npz": "{file: t.npz, inputs: X, targets: {column: label, positive: a}}",
    }[kind]
    net = load(tmp_path, data, 3)
    spec = str(tmp_path / "net.yaml")
    # The new rows: inputs only, no label column or array.
    new = rng.normal(size=(5, 3)).round(5)
    bare = tmp_path / f"new.{kind}"
    if kind == "csv":
        bare.write_text("x0,x1,x2\n" + "".join(",".join(map(repr, r)) + "\n" for r in new.tolist()))
    elif kind == "npz":
        np.savez(bare, X=new)
    else:
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        pq.write_table(pa.table({f"x{i}": new[:, i] for i in range(3)}), bare)
    result = run_json(capsys, "predict", spec, "--data", str(bare), "--json")
    (name,) = result["outputs"]
    outputs = [row["outputs"][name] for row in result["rows"]]
    assert outputs == net.predict(new)[:, 0].tolist()
    assert [row["predicted"] for row in result["rows"]] == ["a" if v >= 0.5 else "b" for v in outputs]
    # and evaluate on a file with labels counts them as a plain comparison does
    report = run_json(capsys, "evaluate", spec, "--data", str(tmp_path / f"t.{kind}"), "--json")
    predicted = np.where(net.predict(X)[:, 0] >= 0.5, "a", "b")
    assert report["accuracy"] == pytest.approx(np.mean(predicted == np.array(labels)))


def test_a_label_target_in_an_npz_file_names_a_one_dimensional_array(tmp_path, capsys):
    np.savez(tmp_path / "t.npz", X=np.zeros((3, 2)), label=np.zeros((3, 2)))
    (tmp_path / "net.yaml").write_text(
        SPEC.format(n_in=2, data="{file: t.npz, inputs: X, targets: {column: lable, positive: a}}")
    )
    assert main(["validate", str(tmp_path / "net.yaml")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "data.targets.column" in err and "did you mean `label`" in err
    (tmp_path / "net.yaml").write_text(
        SPEC.format(n_in=2, data="{file: t.npz, inputs: X, targets: {column: label, positive: a}}")
    )
    assert main(["validate", str(tmp_path / "net.yaml")]) == 2
    err = capsys.readouterr().err.strip()
    assert "must be 1-D" in err and "data.targets.column" in err and len(err.splitlines()) == 1
