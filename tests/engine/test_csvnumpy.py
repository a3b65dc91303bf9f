"""The core install's CSV reader (graphengine.engine.csvnumpy): numpy's C loader gives the
numbers ``float()`` gives, reads clean files without pandas or the csv module, and declines
every file it cannot read exactly (the exact reader then names the bad cell)."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphengine
from graphengine.engine.csvnumpy import read_csv_numpy

number_text = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
    st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: f" {v:.5f} "),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda v: f"{v:.17e}"),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda v: f"{v:.9g}"),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.integers(1, 25),
    n_columns=st.integers(2, 6),
    label_column=st.integers(0, 5),
    cells=st.data(),
    blank_lines=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
    final_newline=st.booleans(),
)
def test_numbers_and_labels_are_those_of_float_and_strip(
    tmp_path, rows, n_columns, label_column, cells, blank_lines, newline, final_newline
):
    label_column %= n_columns
    table = [[cells.draw(number_text) for _ in range(n_columns)] for _ in range(rows)]
    for row in table:
        row[label_column] = cells.draw(st.sampled_from(["a", " b ", "3", "cat", "10", "é"]))
    lines = [",".join(f"c{i}" for i in range(n_columns))]
    for r, row in enumerate(table):
        lines.append(",".join(row))
        if blank_lines and r % 3 == 1:
            lines.append("")
    path = tmp_path / "t.csv"
    path.write_bytes((newline.join(lines) + (newline if final_newline else "")).encode())
    numbers = [c for c in range(n_columns) if c != label_column]
    split = len(numbers) // 2 or 1
    groups = [numbers[:split], numbers[split:]] if len(numbers) > 1 else [numbers]
    result = read_csv_numpy(path, n_columns, groups, label_column)
    assert result is not None
    arrays, labels = result
    for group, array in zip(groups, arrays):
        expected = np.array([[float(row[c]) for c in group] for row in table])
        assert array.dtype == np.float64 and array.flags.c_contiguous and np.array_equal(array, expected)
    assert labels is not None and labels.tolist() == [row[label_column].strip() for row in table]


def test_declines_what_it_cannot_read_exactly(tmp_path):
    good = "a,b,label\n1,2,x\n3,4.5,y\n"
    cases = {
        "text": good.replace("4.5", "four"),
        "empty cell": good.replace("4.5", ""),
        "short row after a bare CR": good.replace("3,4.5,y", "3,4.5").replace("1,2,x\n", "1,2,x\r"),
        "commas only": good + ",\n",
        "quoted": good.replace("4.5", '"4.5"'),
        "quoted label": good.replace(",y", ',"y"'),
        "comment": good.replace("4.5", "4.5 # four and a half"),
        "nan": good.replace("4.5", "nan"),
        "inf": good.replace("4.5", "-inf"),
        "underscore": good.replace("4.5", "4_5"),
        "whitespace line": good + "   \n",
        "no rows": "a,b,label\n",
        "empty label": good.replace(",y", ", "),
        "no newline after header": "a,b,label",
        "bad utf-8": good.replace("y", "\udcff"),
    }
    path = tmp_path / "good.csv"
    path.write_text(good)
    (X,), labels = read_csv_numpy(path, 3, [[0, 1]], 2)
    assert X.tolist() == [[1.0, 2.0], [3.0, 4.5]] and labels.tolist() == ["x", "y"]
    for name, text in cases.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
        assert read_csv_numpy(path, 3, [[0, 1]], 2) is None, name


@pytest.mark.parametrize(
    "row, cells", [("3,4.5", 2), ("3,4.5,y,z", 4), ("3,4.5,y,", 4), (",".join(["0"] * 100_000), 100_000)]
)
def test_a_row_with_other_than_the_headers_cells_is_named_at_once(tmp_path, row, cells):
    # The message and line the exact reader (csv module) gives, without handing the row to it.
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n1,2,x\n\n" + row + "\n5,6,z\n")
    with pytest.raises(graphengine.errors.DataError) as caught:
        read_csv_numpy(path, 3, [[0, 1]], 2)
    assert str(caught.value) == f"{path}:4: {cells} cell(s) but the header names 3 column(s)"


def test_a_bad_cell_is_still_named_by_line_and_column(tmp_path):
    (tmp_path / "t.csv").write_text("a,b\n1,2\n3,x\n")
    (tmp_path / "net.yaml").write_text(
        "inputs: [a]\noutputs: [b]\nnodes: {b: {}}\nedges: [{from: a, to: b, weight: 0.5}]\n"
        "data: {csv: t.csv, inputs: [a], targets: [b]}\n"
    )
    with pytest.raises(graphengine.errors.DataError, match=r"t\.csv:3: column `b`: `x` is not a number"):
        graphengine.load(tmp_path / "net.yaml")


def test_core_install_reads_a_big_csv_without_pandas_or_the_csv_module(tmp_path, monkeypatch):
    """20 000 rows, numeric targets beside the inputs and a BOM: neither pandas nor the exact
    reader is used, and the arrays equal the written integers."""
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` fails: the core install

    def not_here(*args, **kwargs):
        raise AssertionError("a slower reader was used")

    monkeypatch.setattr("graphengine.engine.data.read_csv_fast", not_here)
    monkeypatch.setattr("graphengine.engine.data._numbers", not_here)
    rng = np.random.default_rng(0)
    table = rng.integers(-500, 500, (20_000, 10))
    header = ",".join([f"t{i}" for i in range(2)] + [f"px{i}" for i in range(8)])
    text = "\ufeff" + header + "\n" + "\n".join(",".join(map(str, row)) for row in table.tolist()) + "\n"
    (tmp_path / "big.csv").write_text(text, encoding="utf-8")
    (tmp_path / "net.yaml").write_text(
        "inputs: [{name: x, size: 8}]\nlayers:\n  - {name: y, size: 2, from: x}\noutputs: [y]\n"
        "data: {csv: big.csv, inputs: {prefix: px}, targets: [t0, t1]}\n"
    )
    net = graphengine.load(tmp_path / "net.yaml")
    assert np.array_equal(net.X, table[:, 2:]) and np.array_equal(net.T, table[:, :2])
    assert net.X.flags.c_contiguous
