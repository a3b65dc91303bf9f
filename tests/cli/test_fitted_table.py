"""Tables that fit: in a narrow terminal columns are left out (or text wraps), a number is
never cut. The run tables are parsed back and compared with ``run --json``, piped with
``COLUMNS`` and in a pseudo-terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys

import pytest
from rich.console import Console

import graphengine
from graphengine.cli.fitted_table import FittedTable

SPECS = ["specs/doc_example.yaml", "specs/xor.yaml", "specs/skip_shared.yaml", "specs/iris_4883.yaml"]
NODE_KEYS = {"net": "net", "out": "out", "∂E/∂out": "dout", "∂out/∂net": "dact", "∂E/∂net": "dnet"}
PARAMETER_KEYS = {"value": "values", "∂E/∂p": "gradients", "updated": "updated"}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_piped(args: list[str], columns: int) -> str:
    env = {**os.environ, "COLUMNS": str(columns)}
    done = subprocess.run([sys.executable, "-m", "graphengine", *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def run_in_terminal(args: list[str], columns: int) -> str:
    """The command's output as a terminal of ``columns`` columns shows it (colours removed)."""
    main, child = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "xterm"}
    process = subprocess.Popen([sys.executable, "-m", "graphengine", *args], stdout=child, stderr=child, env=env)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert process.wait(timeout=60) == 0
    return ANSI.sub("", b"".join(chunks).decode("utf-8")).replace("\r\n", "\n")


def tables(text: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, headers, rows) of every boxed table in ``text``."""
    found: list[tuple[str, list[str], list[list[str]]]] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("┏"):
            headers: list[list[str]] = []
            j = i + 1
            while lines[j].startswith("┃"):
                headers.append([c.strip() for c in lines[j].strip("┃").split("┃")])
                j += 1
            names = [" ".join(part for part in column if part) for column in zip(*headers)]
            rows = []
            for row in lines[j + 1 :]:
                if not row.startswith("│"):
                    break
                rows.append([c.strip() for c in row.strip("│").split("│")])
            found.append((lines[i - 1].strip(), names, rows))
    return found


def check_numbers_whole(text: str, data: dict, columns: int) -> None:
    assert not [line for line in text.splitlines() if "…" in line and line[:1] in "┃│"], text
    assert all(len(line) <= columns for line in text.splitlines()), text
    found = tables(text)
    assert found, text
    compared = 0
    for title, headers, rows in found:
        assert len(set(headers)) == len(headers)  # no two headers alike (∂E/∂… twice)
        if title.startswith("Forward and backward pass"):
            sample = data["samples"][int(title.split()[-1])]["nodes"]
            for row in rows:
                for header, cell in zip(headers, row):
                    if header in NODE_KEYS and cell:
                        assert float(cell) == pytest.approx(sample[row[0]][NODE_KEYS[header]], abs=1e-9, rel=1e-6)
                        compared += 1
        elif title.startswith("Parameters"):
            for row in rows:
                for header, cell in zip(headers, row):
                    if header in PARAMETER_KEYS:
                        assert float(cell) == pytest.approx(data[PARAMETER_KEYS[header]][row[0]], abs=1e-9, rel=1e-6)
                        compared += 1
    assert compared >= 10


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS)
def test_a_narrow_run_keeps_every_number_whole(spec: str) -> None:
    data = json.loads(run_piped(["run", spec, "--json"], 200))
    data["values"] = graphengine.load(spec).trace().values  # the JSON has gradients and updates only
    for columns in (60, 120):
        check_numbers_whole(run_piped(["run", spec], columns), data, columns)
    check_numbers_whole(run_in_terminal(["run", spec], 60), data, 60)


def test_a_narrow_run_says_what_it_left_out() -> None:
    text = run_piped(["run", "specs/doc_example.yaml"], 60)
    assert "not shown at 60 columns: activation, net, out" in text
    assert "not shown at 60 columns: used by, frozen marks" in text
    wide = run_piped(["run", "specs/doc_example.yaml"], 200)
    assert "not shown" not in wide and "∂out/∂net" in wide


def test_piped_output_without_columns_stays_wide() -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = subprocess.run(
        [sys.executable, "-m", "graphengine", "run", "specs/doc_example.yaml"], capture_output=True, text=True, env=env
    )
    assert "∂out/∂net" in done.stdout and "not shown" not in done.stdout


@pytest.mark.parametrize("width", [20, 30, 45, 60, 90])
def test_numbers_are_never_cut_whatever_the_width(width: int) -> None:
    table = FittedTable(title="t", optional=("extra", "note"))
    for name, justify in (("name", "left"), ("note", "left"), ("value", "right"), ("extra", "right")):
        table.add_column(name, justify=justify)
    numbers = ["-0.000438568123", "12345.678901234", "3.000000e-09"]
    for k, x in enumerate(numbers):
        table.add_row(f"p{k}", "a long note that may wrap", x, "1.5")
    console = Console(width=width, record=True, file=open(os.devnull, "w"))
    console.print(table)
    text = console.export_text()
    assert not [line for line in text.splitlines() if "…" in line and line[:1] in "┃│"], text
    assert all(len(line) <= width for line in text.splitlines())
    # A number folded onto a second line is still whole: join each row's continuation lines.
    rows: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            if cells[0] or not rows:
                rows.append(cells)
            else:
                rows[-1] = [a + b for a, b in zip(rows[-1], cells)]
    header = next(line for line in text.splitlines() if line.startswith("┃"))
    value = [c.strip() for c in header.strip("┃").split("┃")].index("value")
    assert [row[value] for row in rows] == numbers, text
