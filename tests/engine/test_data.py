"""Data from CSV files: columns, one-hot targets, validation split, and located errors."""

import csv

import numpy as np
import pytest

import graphengine

CSV = """a,b,c,label,score
1,2,3,cat,0.5
4,5,6,dog,1.5
7,8,9,cat,2.5
10,11,12,bird,3.5
"""


def spec_text(data: str, n_in: int = 3, outputs: str = "[{name: y, size: 3}]") -> str:
    return f"""
inputs: [{{name: x, size: {n_in}}}]
layers:
  - {{name: y, size: {3 if "size: 3" in outputs else 1}, from: x}}
outputs: [y]
loss: softmax_cross_entropy
data: {data}
"""


def write(tmp_path, data: str, csv_text: str = CSV, **kw) -> str:
    (tmp_path / "sub").mkdir(exist_ok=True)
    (tmp_path / "sub" / "table.csv").write_text(csv_text)
    path = tmp_path / "net.yaml"
    path.write_text(spec_text(data, **kw))
    return str(path)


def test_one_hot_with_inferred_classes_and_listed_inputs(tmp_path):
    net = graphengine.load(write(tmp_path, "{csv: sub/table.csv, inputs: [a, b, c], one_hot: label}"))
    assert net.classes == ["bird", "cat", "dog"]
    assert net.X.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]
    assert net.T.tolist() == [[0, 1, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0]]
    assert len(net.X_val) == 0


def test_prefix_inputs_targets_columns_and_numeric_class_order(tmp_path):
    text = "p1,p2,q,k\n0.5,1,9,10\n0.25,2,8,2\n1,3,7,10\n"
    path = write(tmp_path, "{csv: sub/table.csv, inputs: {prefix: p}, one_hot: k}", text, n_in=2, outputs="")
    spec = open(path).read().replace("size: 1, from: x", "size: 2, from: x")
    open(path, "w").write(spec)
    net = graphengine.load(path)
    assert net.X.tolist() == [[0.5, 1], [0.25, 2], [1, 3]]
    assert net.classes == ["2", "10"]  # numbers sort as numbers
    assert net.T.tolist() == [[0, 1], [1, 0], [0, 1]]


def test_targets_and_omitted_inputs(tmp_path):
    text = "u,v,t\n1,2,3\n4,5,6\n"
    path = tmp_path / "net.yaml"
    (tmp_path / "t.csv").write_text(text)
    path.write_text(
        "inputs: [u1, u2]\nnodes: {o: {}}\nedges: [{from: u1, to: o, weight: 1}, {from: u2, to: o, weight: 1}]\n"
        "outputs: [o]\nloss: mse\ndata: {csv: t.csv, targets: [t]}\n"
    )
    net = graphengine.load(path)
    assert net.X.tolist() == [[1, 2], [4, 5]] and net.T.tolist() == [[3], [6]]
    assert net.trace().loss == pytest.approx(((3 - 3) ** 2 + (9 - 6) ** 2) / 2)


def test_validation_split_is_a_seeded_shuffle(tmp_path):
    rows = "\n".join(f"{i},{i},{i},{'ab'[i % 2]},0" for i in range(20))
    text = "a,b,c,label,score\n" + rows + "\n"
    data = "{csv: sub/table.csv, inputs: [a, b, c], one_hot: label, validation_split: 0.25, seed: 5}"
    path = write(tmp_path, data, text)
    spec = open(path).read().replace("size: 3, from: x", "size: 2, from: x")
    open(path, "w").write(spec)
    net = graphengine.load(path)
    assert net.X.shape == (15, 3) and net.X_val.shape == (5, 3)
    order = np.random.default_rng(5).permutation(20)
    assert net.X_val[:, 0].tolist() == order[15:].tolist()
    assert sorted(net.X[:, 0].tolist() + net.X_val[:, 0].tolist()) == list(range(20))


def test_digits_spec_data():
    net = graphengine.load("specs/digits.yaml")
    assert net.X.shape == (1617, 64) and net.X_val.shape == (180, 64)
    assert net.T.shape == (1617, 10) and np.all(net.T.sum(axis=1) == 1)
    assert net.X.min() == 0.0 and net.X.max() == 1.0
    assert net.classes == [str(d) for d in range(10)]
    with open("specs/data/digits.csv") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 1 + 1797 and len(rows[0]) == 65 and rows[0][-1] == "digit"
    # every value is k/16 for an integer k in 0..16
    assert np.all((net.X * 16) == np.round(net.X * 16))


@pytest.mark.parametrize(
    "data, csv_text, where, message",
    [
        (
            "{csv: sub/missing.csv, one_hot: label}",
            CSV,
            "net.yaml:7: data.csv:",
            "no such file `sub/missing.csv`",
        ),
        (
            "{csv: sub/table.csv, inputs: [a, b, cc], one_hot: label}",
            CSV,
            "net.yaml:7: data.inputs[2]:",
            "column `cc` is not in sub/table.csv; did you mean `c`?",
        ),
        (
            "{csv: sub/table.csv, inputs: [a, b, c], one_hot: lable}",
            CSV,
            "net.yaml:7: data.one_hot:",
            "column `lable` is not in sub/table.csv; did you mean `label`?",
        ),
        (
            "{csv: sub/table.csv, inputs: [a, b, c], one_hot: label}",
            CSV.replace("7,8,9", "7,eight,9"),
            "table.csv:4:",
            "column `b`: `eight` is not a number",
        ),
        (
            "{csv: sub/table.csv, inputs: [a, b, c], one_hot: label}",
            CSV.replace("4,5,6", "4,,6"),
            "table.csv:3:",
            "column `b`: an empty cell is not a number",
        ),
        (
            "{csv: sub/table.csv, inputs: [a, b, c], one_hot: label}",
            CSV.replace("10,11,12", "10,11,nan"),
            "table.csv:5:",
            "column `c`: `nan` is not a finite number",
        ),
        (
            "{csv: sub/table.csv, inputs: [a, b], one_hot: label}",
            CSV,
            "net.yaml:7: data.inputs:",
            "2 input column(s) selected in sub/table.csv but the network has 3 input(s)",
        ),
        (
            "{csv: sub/table.csv, inputs: [a, b, c], one_hot: score}",
            CSV,
            "net.yaml:7: data.one_hot:",
            "4 class(es) in column `score` but the network has 3 output(s)",
        ),
        (
            "{csv: sub/table.csv, inputs: [a, b, c], one_hot: {column: label, classes: [cat, dog, cow]}}",
            CSV,
            "table.csv:5:",
            "class `bird` is not one of the listed classes (cat, dog, cow)",
        ),
        (
            "{csv: sub/table.csv, inputs: [a, b, c], one_hot: label}",
            CSV.replace("4,5,6,dog,1.5", "4,5,6,dog"),
            "table.csv:3:",
            "4 cell(s) but the header names 5 column(s)",
        ),
        (
            "{csv: sub/table.csv, inputs: [a, b, c]}",
            CSV,
            "net.yaml:7: data:",
            "give exactly one of `targets`",
        ),
        (
            "{csv: sub/table.csv, one_hot: label, validation_split: 1.5}",
            CSV,
            "net.yaml:7: data.validation_split:",
            "",
        ),
    ],
)
def test_csv_errors_exit_2_with_location(tmp_path, cli, data, csv_text, where, message):
    path = write(tmp_path, data, csv_text)
    ran = cli("train", path, "--epochs", "1")
    assert ran.code == 2
    err = ran.err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ")
    assert where in err and message in err, err
    assert "Traceback" not in err
