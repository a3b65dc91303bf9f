"""Output paths and names in diagrams: every `-o`/`--svg`/`--plot` is written whole or refused
before any work, and every name the README allows renders as valid DOT.

Generated cases: output paths built from pieces (empty, blank, missing folders, a file used as
a folder, the spec itself under other spellings and through a symbolic link, good paths) for
each command that writes; names drawn from the characters that DOT treats specially.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
from helpers.robustness_tools import BOUNDED, DOC, ROOT, cli, fresh, refused
from hypothesis import given
from hypothesis import strategies as st

KINDS = st.sampled_from(
    ["empty", "blank", "missing-folder", "file-as-folder", "spec", "spec-dotted", "spec-link", "ok"]
)
COMMANDS = st.sampled_from(["train", "explain", "render", "run-svg", "train-svg"])


def _argv(command: str, spec: Path, target: str) -> list[str]:
    return {
        "train": ["train", str(spec), "--epochs", "2", "-o", target],
        "explain": ["explain", str(spec), "-o", target],
        "render": ["render", str(spec), "-o", target],
        "run-svg": ["run", str(spec), "--svg", target],
        "train-svg": ["train", str(spec), "--epochs", "2", "--svg", target],
    }[command]


def _target(kind: str, home: Path, spec: Path, suffix: str) -> str:
    if kind == "empty":
        return ""
    if kind == "blank":
        return "  "
    if kind == "missing-folder":
        return str(home / "no" / "such" / f"dir{suffix}")
    if kind == "file-as-folder":
        (home / "afile").write_text("")
        return str(home / "afile" / f"x{suffix}")
    if kind == "spec":
        return str(spec)
    if kind == "spec-dotted":
        return str(home / "." / "sub" / ".." / spec.name)
    if kind == "spec-link":
        link = home / f"link{suffix}"
        link.symlink_to(spec)
        return str(link)
    return str(home / f"out{suffix}")


@BOUNDED
@given(kind=KINDS, command=COMMANDS)
def test_output_paths_are_written_whole_or_refused_first(tmp_path: Path, kind: str, command: str) -> None:
    home = fresh(tmp_path)
    (home / "sub").mkdir()
    suffix = {"train": ".yaml", "explain": ".txt"}.get(command, ".dot")
    spec = home / f"spec{suffix if kind.startswith('spec') else '.yaml'}"
    shutil.copy(DOC, spec)
    text = spec.read_text()
    target = _target(kind, home, spec, suffix)
    before = sorted(p.name for p in home.rglob("*"))
    if kind == "ok":
        status, _, err = cli(_argv(command, spec, target))
        assert status == 0, err
        assert Path(target).stat().st_size > 0
        return
    line = refused(_argv(command, spec, target))
    if kind in ("empty", "blank"):
        assert "an empty file name" in line
    elif kind == "missing-folder":
        assert "no such folder" in line and not (home / "no").exists()
    elif kind == "file-as-folder":
        assert "`" + str(home / "afile") + "` is a file, not a folder" in line
    elif kind == "spec-link":  # refused as the spec, or as a link (never written through)
        assert "is the spec itself" in line or "is a symbolic link" in line
    else:
        assert "is the spec itself" in line
    assert spec.read_text() == text  # the spec is untouched, comments and all
    assert sorted(p.name for p in home.rglob("*")) == before  # nothing written, no folder made


# ---------------------------------------------------------------------- names in DOT

NAME_CHARS = st.sampled_from(list("ab1 \\\"<>&{}[];:=,-.'#%$|/") + ["σ", "₁", "日"])
NAMES = st.text(NAME_CHARS, min_size=1, max_size=8).map(str.strip).filter(lambda n: n and "->" not in n)


def _yaml_string(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"  # single-quoted YAML: no escapes but ''


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
@BOUNDED
@given(names=st.lists(NAMES, min_size=3, max_size=3, unique=True), detail=st.sampled_from(["full", "names"]))
def test_every_allowed_name_renders(tmp_path: Path, names: list[str], detail: str) -> None:
    a, h, y = (_yaml_string(n) for n in names)
    spec = fresh(tmp_path) / "names.yaml"
    spec.write_text(
        f"inputs: [{a}]\noutputs: [{y}]\nnodes:\n  {h}: {{activation: tanh, bias: 0.1}}\n  {y}: {{}}\n"
        f"edges:\n  - {{from: {a}, to: {h}, weight: 0.5}}\n  - {{from: {h}, to: {y}, weight: -0.5}}\n"
        f"data:\n  - {{inputs: {{{a}: 1.0}}, targets: {{{y}: 0.0}}}}\n"
    )
    out = spec.with_suffix(".svg")
    status, _, err = cli(["render", str(spec), "-o", str(out), "--detail", detail])
    assert status == 0, (names, err)
    svg = out.read_text()
    # (Graphviz writes a run of spaces in SVG text as no-break spaces.)
    titles = {unescape(t).replace("\xa0", " ") for t in re.findall(r"<title>(.*?)</title>", svg)}
    # Every node under its own name (Graphviz titles a node whose name starts with % by an internal id).
    assert {n for n in names if not n.startswith("%")} <= titles, (names, titles)
    texts = unescape(" ".join(re.findall(r"<text[^>]*>(.*?)</text>", svg))).replace("\xa0", " ")
    assert all(n.split()[0] in texts for n in names)  # and labelled with it


# ---------------------------------------------------------------------- python -m graphengine


@pytest.mark.parametrize("shadow", ["numpy", "graphviz", "click", "yaml", "networkx"])
def test_python_m_ignores_modules_in_the_working_folder(tmp_path: Path, shadow: str) -> None:
    (tmp_path / f"{shadow}.py").write_text("raise SystemExit('the working folder was imported')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-m", "graphengine", "validate", str(DOC)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr
    assert ROOT.exists()
