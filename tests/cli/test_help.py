"""Help that teaches: every command's --help fits 80 columns, lists its own options before
the shared ones (--plugins, --allow-outside-data, --debug, --help) and ends with example
lines; every example line is run, from a folder that looks like the repository root."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import click
import pytest

from graphengine.cli import cli as group

ROOT = Path(__file__).resolve().parents[2]
SHARED = ["--plugins", "--allow-outside-data", "--debug", "-h, --help"]


def commands() -> list[tuple[str, ...]]:
    """Every command path: (), ("run",), …, ("plugins", "check")."""
    found: list[tuple[str, ...]] = [()]
    for name, command in group.commands.items():
        found.append((name,))
        if isinstance(command, click.Group):
            found += [(name, sub) for sub in command.commands]
    return found


def help_text(path: tuple[str, ...]) -> str:
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run(
        [sys.executable, "-m", "graphengine", *path, "--help"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def sections(text: str) -> dict[str, list[str]]:
    """Section title (`Options`, `Shared options`, `Examples`, …) → its lines."""
    found: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if re.fullmatch(r"[A-Z][a-z ]+:", line):
            current = line[:-1]
            found[current] = []
        elif current and line.strip():
            found[current].append(line)
    return found


def examples(text: str) -> list[str]:
    """The example command lines, continuation lines (ending in `\\`) joined."""
    lines = [line.strip() for line in sections(text)["Examples"]]
    joined: list[str] = []
    for line in lines:
        if joined and joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1] + " " + line
        else:
            joined.append(line)
    return joined


@pytest.mark.parametrize("path", commands(), ids=lambda p: " ".join(p) or "graphengine")
def test_help_fits_80_columns_and_ends_with_examples(path):
    text = help_text(path)
    too_wide = [line for line in text.splitlines() if len(line) > 80]
    assert not too_wide, "\n".join(too_wide)
    found = sections(text)
    assert list(found)[-1] == "Examples", list(found)
    assert 1 <= len(examples(text)) <= 2
    assert all(line.startswith("graphengine ") for line in examples(text))
    # The command's own options first, then the shared ones, in a fixed order.
    titles = list(found)
    assert "Shared options" in titles
    if "Options" in titles:
        assert titles.index("Options") < titles.index("Shared options")
        assert not any(line.lstrip().startswith(tuple(SHARED)) for line in found["Options"])
    shared = [line.strip() for line in found["Shared options"] if line.lstrip().startswith("-")]
    order = [next(s for s in SHARED if line.startswith(s)) for line in shared]
    assert order == [s for s in SHARED if s in order] and "-h, --help" in order


def test_the_main_help_names_no_missing_file():
    text = help_text(())
    for word in re.findall(r"\S+\.ya?ml", text):
        made = any(f"graphengine new {word}" in line for line in examples(text))
        assert made or (ROOT / word).is_file(), word
    assert "_GRAPHENGINE_COMPLETE=bash_source graphengine" in text


def every_example() -> list[tuple[str, str]]:
    return [(" ".join(path) or "graphengine", line) for path in commands() for line in examples(help_text(path))]


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A folder that looks like the repository root to the examples: its specs and test
    pages, and room for what the examples write (a fresh one per example). The checkout's
    plugins/ folder is loaded from the repository itself, as from anywhere."""
    folder = tmp_path / "root"
    shutil.copytree(ROOT / "specs", folder / "specs")
    (folder / "tests" / "fixtures").mkdir(parents=True)
    shutil.copytree(ROOT / "tests" / "fixtures" / "pages", folder / "tests" / "fixtures" / "pages")
    return folder


def shell(line: str, folder: Path) -> subprocess.CompletedProcess:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("COLUMNS", None)
    return subprocess.run(["bash", "-c", line], capture_output=True, text=True, env=env, cwd=folder, timeout=300)


# Commands whose exit status 1 means "found a mistake" (the examples' pages and hand files hold some).
JUDGING = ("check", "audit", "grade")


@pytest.mark.slow
@pytest.mark.parametrize(("command", "line"), every_example())
def test_every_example_line_works(command, line, checkout):
    if command == "serve":
        serve_example(line, checkout)
        return
    done = shell(line, checkout)
    allowed = (0, 1) if command in JUDGING else (0,)
    assert done.returncode in allowed, f"{line}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    assert "Traceback" not in done.stderr
    assert done.stdout.strip() or done.stderr.strip()


def serve_example(line: str, folder: Path) -> None:
    """`serve` runs until stopped: start it on a free port, fetch the page, stop it."""
    argv = line.replace("--port 8000", "--port 0").split()
    assert argv[0] == "graphengine" and "--port" in argv
    process = subprocess.Popen(
        [sys.executable, "-m", "graphengine", *argv[1:]], cwd=folder, stderr=subprocess.PIPE, text=True
    )
    try:
        first = process.stderr.readline()
        url = re.search(r"http://\S+/", first).group(0)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    page = response.read().decode("utf-8")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert "<html" in page.lower()
    finally:
        process.terminate()
        process.wait(timeout=30)
