"""Training data files: the fast CSV reader equals the csv module, and .npy/.npz/Parquet load."""

import csv
import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphengine
from graphengine.cli import main
from graphengine.engine import datafiles
from graphengine.errors import DataError


def spec(data: str, n_in: int, n_out: int, loss: str = "softmax_cross_entropy") -> str:
    return f"""
inputs: [{{name: x, size: {n_in}}}]
layers:
  - {{name: y, size: {n_out}, from: x}}
outputs: [y]
loss: {loss}
data: {data}
"""


def load(tmp_path, data: str, n_in: int, n_out: int, **kw) -> graphengine.Network:
    path = tmp_path / "net.yaml"
    path.write_text(spec(data, n_in, n_out, **kw))
    return graphengine.load(path)


def exact_csv_reader(monkeypatch) -> None:
    """Make graphengine read CSV files with the csv module only (no numpy or pandas fast path)."""
    monkeypatch.setattr("graphengine.engine.data.read_csv_fast", lambda *a, **k: None)
    monkeypatch.setattr("graphengine.engine.data.read_csv_numpy", lambda *a, **k: None)


number_text = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
    st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: f"{v:.5f}"),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda v: f"{v:.17e}"),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.integers(1, 30),
    n_in=st.integers(1, 6),
    labels=st.lists(st.sampled_from(["a", "b", "3", " c", "10"]), min_size=1, max_size=30),
    cells=st.data(),
    blank_lines=st.booleans(),
    final_newline=st.booleans(),
)
def test_fast_csv_equals_the_csv_module(tmp_path, monkeypatch, rows, n_in, labels, cells, blank_lines, final_newline):
    """Generated tables: the pandas path gives bit-identical arrays and classes to float() on each cell."""
    header = [f"p{i}" for i in range(n_in)] + ["label", "other"]
    values = [[cells.draw(number_text) for _ in range(n_in)] for _ in range(rows)]
    row_labels = [labels[r % len(labels)] for r in range(rows)]
    lines = [",".join(header)]
    for r in range(rows):
        lines.append(",".join(values[r] + [row_labels[r], "x"]))
        if blank_lines and r % 3 == 1:
            lines.append("")
    text = "\n".join(lines) + ("\n" if final_newline else "")
    (tmp_path / "t.csv").write_text(text)
    classes = sorted({label.strip() for label in row_labels})
    data = f"{{csv: t.csv, inputs: {{prefix: p}}, one_hot: {{column: label, classes: [{', '.join(classes)}]}}}}"
    fast = load(tmp_path, data, n_in, len(classes))
    expected = np.array([[float(v) for v in row] for row in values])
    assert fast.X.dtype == np.float64 and np.array_equal(fast.X, expected)
    assert np.array_equal(fast.T.argmax(axis=1), [classes.index(label.strip()) for label in row_labels])
    with monkeypatch.context() as m:
        exact_csv_reader(m)
        slow = load(tmp_path, data, n_in, len(classes))
    assert np.array_equal(fast.X, slow.X) and np.array_equal(fast.T, slow.T) and fast.classes == slow.classes


def test_fast_reader_takes_clean_files_and_declines_the_others(tmp_path):
    """The fast path really runs on a clean file (else the speed claim is untested) and returns
    None (so the exact reader explains) for each kind of bad file."""
    pytest.importorskip("pandas")
    good = "a,b,label\n1,2,x\n3,4.5,y\n"
    cases = {
        "good": good,
        "text": good.replace("4.5", "four"),
        "empty cell": good.replace("4.5", ""),
        "short row": good.replace("3,4.5,y", "3,4.5"),
        "long row": good.replace("3,4.5,y", "3,4.5,y,z"),
        "nan": good.replace("4.5", "nan"),
        "inf": good.replace("4.5", "-inf"),
        "no rows": "a,b,label\n",
        "empty label": good.replace(",y", ", "),
    }
    for name, text in cases.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(text)
        result = datafiles.read_csv_fast(path, 3, [[0, 1]], 2)
        if name == "good":
            assert result is not None
            (X,), labels = result
            assert X.tolist() == [[1.0, 2.0], [3.0, 4.5]] and labels.tolist() == ["x", "y"]
        else:
            assert result is None, name


def test_big_csv_reads_without_python_rows(tmp_path, monkeypatch):
    """20 000 rows: no csv-module fallback happens (it would be the slow path)."""
    pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (20_000, 8))
    labels = rng.integers(0, 3, 20_000)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"px{i}" for i in range(8)] + ["label"])
    writer.writerows(np.column_stack([X, labels]).tolist())
    (tmp_path / "big.csv").write_text(buffer.getvalue())

    def no_fallback(*a, **k):
        raise AssertionError("the csv module's exact path was used")

    monkeypatch.setattr("graphengine.engine.data._numbers", no_fallback)
    net = load(tmp_path, "{csv: big.csv, inputs: {prefix: px}, one_hot: label}", 8, 3)
    assert np.array_equal(net.X, X) and np.array_equal(net.T.argmax(axis=1), labels)


# --------------------------------------------------------------------------- .npy, .npz, Parquet


def table_files(tmp_path, table: np.ndarray) -> None:
    np.save(tmp_path / "t.npy", table)
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    columns = {str(i): table[:, i] for i in range(table.shape[1])}
    pq.write_table(pa.table(columns), tmp_path / "t.parquet")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.integers(4, 40), n_in=st.integers(1, 5), n_out=st.integers(2, 4), seed=st.integers(0, 100))
def test_npz_npy_parquet_equal_the_csv(tmp_path, rows, n_in, n_out, seed):
    """The same table as .csv, .npy, Parquet and .npz gives the same inputs and targets."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, n_in)).round(6)
    labels = rng.integers(0, n_out, rows)
    labels[:n_out] = np.arange(n_out)  # every class appears
    table = np.column_stack([X, labels])
    header = [str(i) for i in range(n_in + 1)]
    (tmp_path / "t.csv").write_text(
        ",".join(header)
        + "\n"
        + "\n".join(",".join([*(repr(float(v)) for v in x), str(k)]) for x, k in zip(X, labels))
        + "\n"
    )
    table_files(tmp_path, table)
    np.savez(tmp_path / "t.npz", X=X, label=labels)
    inputs = "[" + ", ".join(f'"{i}"' for i in range(n_in)) + "]"
    label = f'"{n_in}"'
    reference = load(tmp_path, f"{{csv: t.csv, inputs: {inputs}, one_hot: {label}}}", n_in, n_out)
    for source in ("t.csv", "t.npy", "t.parquet"):
        net = load(tmp_path, f"{{file: {source}, inputs: {inputs}, one_hot: {label}}}", n_in, n_out)
        assert np.array_equal(net.X, reference.X) and np.array_equal(net.T, reference.T), source
        assert net.classes == reference.classes
    net = load(tmp_path, "{file: t.npz, inputs: X, one_hot: label}", n_in, n_out)
    assert np.array_equal(net.X, reference.X) and np.array_equal(net.T, reference.T)
    Y = rng.normal(size=(rows, n_out))
    np.savez(tmp_path / "r.npz", X=X, Y=Y)
    net = load(tmp_path, "{file: r.npz, inputs: X, targets: Y, validation_split: 0.5}", n_in, n_out, loss="mse")
    assert len(net.X) + len(net.X_val) == rows
    assert sorted(map(tuple, np.vstack([net.T, net.T_val]).tolist())) == sorted(map(tuple, Y.tolist()))


@pytest.mark.parametrize(
    "files, data, where, message",
    [
        ({}, "{file: t.npz, inputs: X, targets: Y}", "net.yaml:7: data.file:", "no such file `t.npz`"),
        ({"t.txt": b"1"}, "{file: t.txt, inputs: X, targets: Y}", "net.yaml:7: data.file:", "a data file ends in"),
        ({"t.npz": "XY"}, "{file: t.npz, inputs: Z, targets: Y}", "data.inputs:", "array `Z` is not in t.npz"),
        ({"t.npz": "XY"}, "{file: t.npz, inputs: [a], targets: Y}", "data.inputs:", "give its name (arrays: X, Y)"),
        (
            {"t.npz": "XY"},
            "{file: t.npz, inputs: X, targets: Q}",
            "data.targets:",
            "array `Q` is not in t.npz (arrays: X, Y)",
        ),
        ({"t.npz": "XnanY"}, "{file: t.npz, inputs: X, targets: Y}", "t.npz:", "array `X`: [1, 0] is `nan`"),
        ({"t.npz": b"garbage"}, "{file: t.npz, inputs: X, targets: Y}", "t.npz:", "not a readable .npz file"),
        ({"t.npy": "3d"}, "{file: t.npy, targets: ['0']}", "t.npy:", "one 2-D array"),
        ({"t.npy": "table"}, "{file: t.npy, inputs: X, targets: ['2']}", "data.inputs:", "is a table"),
        ({"t.npy": "table"}, "{file: t.npy, targets: ['9']}", "data.targets[0]:", "column `9` is not in t.npy"),
        ({"t.parquet": "text"}, "{file: t.parquet, targets: ['b']}", "t.parquet:", "column `a` holds string"),
        ({"t.parquet": b"PAR1junk"}, "{file: t.parquet, targets: ['b']}", "t.parquet:", "not a readable Parquet"),
        ({"t.csv": b"a,b\n1,2\n"}, "{csv: t.csv, file: t.csv, targets: [b]}", "data:", "exactly one of `csv`"),
    ],
)
def test_data_file_errors_are_one_located_line(tmp_path, capsys, files, data, where, message):
    for name, content in files.items():
        path = tmp_path / name
        if content == "XY":
            np.savez(path, X=np.ones((4, 2)), Y=np.zeros((4, 1)))
        elif content == "XnanY":
            np.savez(path, X=np.array([[1.0, 2], [np.nan, 3]]), Y=np.zeros((2, 1)))
        elif content == "3d":
            np.save(path, np.zeros((2, 2, 2)))
        elif content == "table":
            np.save(path, np.ones((4, 3)))
        elif content == "text":
            pa = pytest.importorskip("pyarrow")
            import pyarrow.parquet as pq

            pq.write_table(pa.table({"a": ["x", "y"], "c": [1.0, 2.0], "b": [1.0, 2.0]}), path)
        else:
            path.write_bytes(content)
    (tmp_path / "net.yaml").write_text(spec(data, 2, 1, loss="mse"))
    assert main(["train", str(tmp_path / "net.yaml"), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ") and where in err and message in err, err


def test_npz_is_never_unpickled(tmp_path):
    np.save(tmp_path / "t.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="not a readable .npy file"):
        datafiles.read_table(tmp_path / "t.npy")
