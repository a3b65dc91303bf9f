"""Fuzzing every input path: mutated specs, hand files and CSV files never crash the CLI.

The promise: bad input gets one line on stderr starting with ``error: `` and exit status 2
(1 for `check` finding a wrong value), never a traceback and never a partial output file.
Each example mutates a real spec (from ``specs/``, plus a layered spec reading a CSV file):
keys deleted or renamed, values swapped for other types, huge or non-finite numbers,
awkward names, duplicated entries, text truncated. CI runs a few dozen examples per test;
``GRAPHENGINE_FUZZ_EXAMPLES=5000 pytest tests/cli/test_fuzz.py`` runs a long local campaign.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphengine.cli import main

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted(p for p in (ROOT / "specs").glob("*.yaml") if not p.name.endswith("_hand.yaml"))
EXAMPLES = int(os.environ.get("GRAPHENGINE_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 100,  # CI: the same examples every run; long local runs explore
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# A small layered spec reading a CSV file (the digits spec needs 1797 rows; this one is quick).
LAYERED_CSV = """\
name: layered_csv
inputs:
  - {name: x, size: 3}
layers:
  - {name: h, size: 4, from: x, activation: tanh, init: {name: uniform, scale: 0.5}, seed: 1}
  - {name: y, size: 2, from: [h, x], init: xavier, bias: 0.1}
outputs: [y]
loss: softmax_cross_entropy
data:
  csv: small.csv
  inputs: {prefix: x}
  one_hot: {column: label, classes: [a, b]}
  validation_split: 0.25
  seed: 3
training:
  optimizer: {name: adam, beta1: 0.9}
  learning_rate: 0.05
  batch_size: 2
"""
LAYERED_INLINE = """\
inputs: [p, q]
layers:
  - name: h
    size: 2
    from: [p, q]
    weights: [[0.1, -0.2], [0.3, 0.4]]
    biases: [0.0, 0.5]
    activation: {name: leaky_relu, alpha: 0.1}
nodes:
  out: {activation: sigmoid, bias: c}
edges:
  - {from: h_0, to: out, weight: 0.7}
  - {from: h_1, to: out, weight: -0.3}
  - {from: q, to: out, weight: c}
parameters:
  c: {value: 0.2, trainable: false}
outputs: [out]
loss: {name: binary_cross_entropy, reduction: sum}
data:
  - {inputs: {p: 1, q: 0}, targets: {out: 1}}
  - {inputs: {p: 0, q: 1}, targets: {out: 0}}
training: {learning_rate: 0.3, epochs: 3, seed: 0}
"""
SMALL_CSV = "x0,x1,x2,label\n0.1,0.2,0.3,a\n1,0,-1,b\n0.5,0.5,0.5,a\n-0.2,0.9,0,b\n"


def _sources() -> dict[str, str]:
    texts = {p.name: p.read_text(encoding="utf-8") for p in SPECS}
    # digits.yaml reads data/digits.csv with 1797 rows: point it at the small file instead.
    texts["digits.yaml"] = (
        texts["digits.yaml"]
        .replace("csv: data/digits.csv", "csv: data/digits_small.csv")
        .replace("validation_split: 0.1", "validation_split: 0.2")
    )
    texts["layered_csv.yaml"] = LAYERED_CSV
    texts["layered_inline.yaml"] = LAYERED_INLINE
    return texts


SOURCES = _sources()
DATA = {name: yaml.safe_load(text) for name, text in SOURCES.items()}
DIGITS_SMALL = "".join((ROOT / "specs/data/digits.csv").read_text().splitlines(keepends=True)[:31])

# ---------------------------------------------------------------------- strategies

AWKWARD_NAMES = [
    "",
    " ",
    "a b",
    "ü",
    "σ₁",
    "名前",
    'q"uote',
    "it's",
    "a->b",
    "h1.bias",
    "x_0",
    "x" * 300,
    "0.5",
    "1e-3",
    "-1",
    "true",
    "null",
    "a\\b",
    "<b>",
    "{x}",
    "$x$",
    "a\nb",
    "a\tb",
    "%",
    "#",
    "[x]",
    "\u200b",
    "a|b",
]

weird_values = st.one_of(
    st.sampled_from(
        [
            True,
            False,
            None,
            [],
            {},
            [1, 2],
            {"a": 1},
            {"name": "sigmoid"},
            10**400,
            -(10**400),
            float("nan"),
            float("inf"),
            float("-inf"),
            0,
            -1,
            -0.5,
            1e308,
            1e-320,
            2**63,
            "",
            "sigmoid",
            "mse",
            "1e-3",
            ".nan",
            "w1",
            "h1",
            "x",
        ]
    ),
    st.sampled_from(AWKWARD_NAMES),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
).map(copy.deepcopy)  # a fresh [] or {} each time: mutations must not change the strategy's own values


def _paths(data: Any, path: tuple = ()) -> list[tuple]:
    """Every key path in the YAML data (mappings and lists)."""
    found = [path]
    if isinstance(data, dict):
        for k, v in data.items():
            found.extend(_paths(v, path + (k,)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            found.extend(_paths(v, path + (i,)))
    return found


def _at(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def _mutate(data: Any, draw: Any) -> Any:
    """One random mutation somewhere in ``data`` (returns the new root)."""
    paths = _paths(data)
    path = draw(st.sampled_from(paths))
    op = draw(st.sampled_from(["replace", "delete", "rename", "duplicate", "add_key", "transplant"]))
    if not path:
        return draw(weird_values) if op == "replace" else data
    parent, key = _at(data, path[:-1]), path[-1]
    if op == "replace":
        parent[key] = draw(weird_values)
    elif op == "transplant":  # a plausible value from elsewhere in the spec: `nodes` under `edges`, a name as a weight
        parent[key] = copy.deepcopy(_at(data, draw(st.sampled_from(paths))))
    elif op == "delete":
        del parent[key]
    elif op == "rename" and isinstance(parent, dict):
        new = draw(st.one_of(st.sampled_from(AWKWARD_NAMES), st.sampled_from(list(parent) or ["k"])))
        value = parent.pop(key)
        parent[new] = value
    elif op == "duplicate" and isinstance(parent, list):
        parent.insert(key, copy.deepcopy(parent[key]))
    elif op == "add_key":
        target = _at(data, path)
        if isinstance(target, dict):
            target[draw(st.sampled_from(AWKWARD_NAMES + ["name", "bias", "value", "size", "from"]))] = draw(
                weird_values
            )
        elif isinstance(target, list):
            target.append(draw(weird_values))
    return data


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


@st.composite
def mutated_specs(draw: Any) -> tuple[str, str]:
    """(file name, YAML text) of a real spec with a few mutations."""
    name = draw(st.sampled_from(sorted(SOURCES)))
    style = draw(st.sampled_from(["tree", "tree", "tree", "truncate", "lines"]))
    if style == "truncate":
        text = SOURCES[name]
        return name, text[: draw(st.integers(0, len(text)))]
    if style == "lines":
        lines = SOURCES[name].splitlines(keepends=True)
        i = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["duplicate", "delete", "indent", "dedent"]))
        if how == "duplicate":
            lines.insert(i, lines[i])
        elif how == "delete":
            del lines[i]
        elif how == "indent":
            lines[i] = "  " + lines[i]
        else:
            lines[i] = lines[i].lstrip()
        return name, "".join(lines)
    data = copy.deepcopy(DATA[name])
    for _ in range(draw(st.integers(1, 3))):
        data = _mutate(data, draw)
    return name, _dump(data)


# ---------------------------------------------------------------------- the harness


def _workdir() -> Path:
    work = Path(tempfile.mkdtemp(prefix="ge-fuzz-"))
    (work / "data").mkdir()
    (work / "data/digits_small.csv").write_text(DIGITS_SMALL)
    (work / "data/moons.csv").write_text((ROOT / "specs/data/moons.csv").read_text())  # specs/moons.yaml's data
    (work / "small.csv").write_text(SMALL_CSV)
    return work


def invoke(argv: list[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; return (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        status = main(argv)
    # A warning would print several lines on stderr outside pytest.
    assert not [w for w in seen if issubclass(w.category, RuntimeWarning)], (argv, [str(w.message) for w in seen])
    return status, out.getvalue(), err.getvalue()


def assert_clean(argv: list[str], status: int, stdout: str, stderr: str, allowed: tuple[int, ...] = (0, 2)) -> None:
    where = f"graphengine {' '.join(argv)}"
    assert status in allowed, f"{where}: exit {status}\n{stderr}"
    assert "Traceback" not in stderr, f"{where}:\n{stderr}"
    if status == 2:
        lines = stderr.rstrip("\n").split("\n")
        assert len(lines) == 1 and lines[0].startswith("error: "), f"{where}: stderr is\n{stderr}"


def leftovers(work: Path, before: set[str]) -> set[str]:
    return {p.name for p in work.iterdir()} - before


def run_all_commands(name: str, text: str) -> None:
    work = _workdir()
    try:
        spec = work / name
        spec.write_text(text, encoding="utf-8")
        before = {p.name for p in work.iterdir()}
        outputs = {
            "render": work / "out.dot",
            "explain": work / "out.md",
            "train": work / "trained.yaml",
        }
        commands = [
            ["validate", str(spec)],
            ["run", str(spec)],
            ["run", "--json", str(spec)],
            ["explain", "--format", "latex", str(spec)],
            ["explain", "--format", "markdown", "-o", str(outputs["explain"]), str(spec)],
            ["render", "-o", str(outputs["render"]), str(spec)],
            ["check", str(spec), "--expect", str(ROOT / "specs/doc_example_hand.yaml")],
            ["train", "--epochs", "2", "-o", str(outputs["train"]), str(spec)],
        ]
        statuses = []
        for argv in commands:
            status, stdout, stderr = invoke(argv)
            assert_clean(argv, status, stdout, stderr, allowed=(0, 1, 2) if argv[0] == "check" else (0, 2))
            statuses.append(status)
            target = next((p for k, p in outputs.items() if k == argv[0] and "-o" in argv), None)
            if status == 0:
                assert stdout.strip() or (target is not None and target.stat().st_size > 0), argv
            else:
                assert target is None or not target.exists(), f"{argv}: partial output left behind"
            made = leftovers(work, before) - ({target.name} if target is not None and status == 0 else set())
            assert not made, f"{argv}: left {made}"
            if target is not None and target.exists():
                target.unlink()
        # validate decides: what it refuses, train refuses too (run, render and explain need no
        # optimizer, so a bad `training.optimizer` stops only validate and train).
        if statuses[0] == 2:
            assert statuses[-1] == 2, text
        elif yaml.safe_load(text).get("data"):
            assert statuses[1] == 0, text  # a valid spec with data runs
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_unmutated_sources_run(name: str) -> None:
    work = _workdir()
    try:
        spec = work / name
        spec.write_text(SOURCES[name], encoding="utf-8")
        status, _, stderr = invoke(["validate", str(spec)])
        assert status == 0, stderr
    finally:
        shutil.rmtree(work, ignore_errors=True)


@FUZZ
@given(mutated_specs())
def test_mutated_specs_fail_cleanly(case: tuple[str, str]) -> None:
    run_all_commands(*case)


# ---------------------------------------------------------------------- hand files of `check`

HAND = (ROOT / "specs/doc_example_hand.yaml").read_text(encoding="utf-8")
HAND_VALUES = [
    "true",
    "null",
    "~",
    "[1, 2]",
    "{a: 1}",
    "abc",
    "''",
    "1e999",
    "-1e999",
    "1e-999",
    "1" * 400,
    ".nan",
    ".inf",
    "-.inf",
    "0x10",
    "0o7",
    "1_000.5",
    "1e5",
    "-0",
    "+0.5",
    "0.5.5",
    "!!str 0.5",
    "!!python/object:os.system x",
    "&a 0.5",
    "*a",
    "'0.5'",
    '"0.5"',
    "- 1",
    "é",
    "1,5",
    "١٢٣",
    "NaN",
    "Infinity",
    "5e-324",
]
HAND_KEYS = [
    "h9.out",
    "grad.zz",
    "updated.b1",
    "grad.b1",
    "loss.o9",
    "loss.h1",
    "i1.net",
    "i1.out",
    "i1.dout",
    "h1",
    "sample",
    "h1.out.net",
    "",
    "名前.out",
    "? [a]",
    "o1.dact",
    "o2.dnet",
    "h1.dout",
    "loss",
]
SAMPLES = ["0", "1", "-1", "99", "1.5", "x", "10000000000000000000000000000", "''", "[0]", "true", "٣", "²", "0b1"]


@st.composite
def mutated_hand_files(draw: Any) -> str:
    lines = [line for line in HAND.splitlines() if line and not line.startswith("#")]
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["value", "key", "sample", "duplicate", "delete", "truncate", "add"]))
        key, _, value = lines[i].partition(":")
        if op == "value":
            lines[i] = f"{key}: {draw(st.sampled_from(HAND_VALUES))}"
        elif op == "key":
            lines[i] = f"{draw(st.sampled_from(HAND_KEYS))}: {value.strip()}"
        elif op == "sample":
            lines.insert(0, f"sample: {draw(st.sampled_from(SAMPLES))}")
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif op == "add":
            lines.append(f"{draw(st.sampled_from(HAND_KEYS))}: {draw(st.sampled_from(HAND_VALUES))}")
    return "\n".join(lines) + "\n"


@FUZZ
@given(mutated_hand_files())
def test_mutated_hand_files_fail_cleanly(text: str) -> None:
    work = _workdir()
    try:
        hand = work / "hand.yaml"
        hand.write_text(text, encoding="utf-8")
        for extra in ([], ["--json"]):
            argv = ["check", str(ROOT / "specs/doc_example.yaml"), "--expect", str(hand), *extra]
            status, stdout, stderr = invoke(argv)
            assert_clean(argv, status, stdout, stderr, allowed=(0, 1, 2))
            if status in (0, 1):
                assert stdout.strip()
                if extra:
                    import json

                    result = json.loads(stdout)
                    assert all(math.isfinite(r["written"]) for r in result["results"]), text
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------- CSV data files

CSV_SPECS = {
    "classes": LAYERED_CSV,
    "no_classes": LAYERED_CSV.replace("one_hot: {column: label, classes: [a, b]}", "one_hot: label"),
    "targets": LAYERED_CSV.replace("one_hot: {column: label, classes: [a, b]}", "targets: [t0, t1]")
    .replace("inputs: {prefix: x}", "inputs: [x0, x1, x2]")
    .replace("softmax_cross_entropy", "half_squared_error"),
}
CSV_BASE = "x0,x1,x2,label,t0,t1\n0.1,0.2,0.3,a,0,1\n1,0,-1,b,1,0\n0.5,0.5,0.5,a,0.5,0.5\n-0.2,0.9,0,b,1,1\n"
CSV_CELLS = [
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e400",
    "-1e400",
    "abc",
    '"0.5"',
    '"1,5"',
    "1,5",
    "c",
    "é",
    "0x1",
    "1_0",
    "\x00",
    "\ufeff1",
    "1e-400",
    "  2  ",
    '"a""b"',
    "True",
    "10" * 200,
]


@st.composite
def mutated_csv(draw: Any) -> str | None:
    rows = [line.split(",") for line in CSV_BASE.splitlines()]
    op = draw(
        st.sampled_from(
            [
                "missing",
                "empty",
                "header",
                "cells",
                "cells",
                "cells",
                "ragged",
                "bom",
                "crlf",
                "blank",
                "dup_header",
                "rename_header",
                "truncate",
                "unseen",
            ]
        )
    )
    if op == "missing":
        return None
    if op == "empty":
        return draw(st.sampled_from(["", "\n", "\n\n", " ", "\ufeff"]))
    if op == "header":
        return CSV_BASE.splitlines()[0] + draw(st.sampled_from(["", "\n", "\r\n", "\n\n"]))
    if op == "cells":
        for _ in range(draw(st.integers(1, 3))):
            r, c = draw(st.integers(1, len(rows) - 1)), draw(st.integers(0, len(rows[0]) - 1))
            rows[r][c] = draw(st.sampled_from(CSV_CELLS))
    elif op == "ragged":
        r = draw(st.integers(0, len(rows) - 1))
        rows[r] = rows[r][: draw(st.integers(0, len(rows[r]) + 1))] + (["9"] if draw(st.booleans()) else [])
    elif op == "dup_header":
        rows[0][draw(st.integers(0, 5))] = rows[0][draw(st.integers(0, 5))]
    elif op == "rename_header":
        rows[0][draw(st.integers(0, 5))] = draw(st.sampled_from(["", " x0 ", "\ufeffx0", "y", "label ", "x9"]))
    elif op == "unseen":
        rows[draw(st.integers(1, len(rows) - 1))][3] = draw(st.sampled_from(["c", "A", " a", "", "0"]))
    text = "\n".join(",".join(row) for row in rows) + "\n"
    if op == "bom":
        text = "\ufeff" + text
    elif op == "crlf":
        text = text.replace("\n", "\r\n")
    elif op == "blank":
        lines = text.splitlines(keepends=True)
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["\n", " \n", ",,,,,\n", "\r\n"])))
        text = "".join(lines)
    elif op == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    return text


@FUZZ
@given(st.sampled_from(sorted(CSV_SPECS)), mutated_csv())
def test_mutated_csv_files_fail_cleanly(kind: str, text: str | None) -> None:
    work = _workdir()
    try:
        (work / "small.csv").unlink()
        if text is not None:
            (work / "small.csv").write_bytes(text.encode("utf-8"))
        spec = work / "spec.yaml"
        spec.write_text(CSV_SPECS[kind], encoding="utf-8")
        for argv in (["validate", str(spec)], ["train", "--epochs", "2", str(spec)], ["run", "--json", str(spec)]):
            status, stdout, stderr = invoke(argv)
            assert_clean(argv, status, stdout, stderr)
            if status == 0:
                assert stdout.strip()
    finally:
        shutil.rmtree(work, ignore_errors=True)
