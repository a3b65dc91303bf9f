"""What the default install (``pip install -e .``, no extras) writes, it reads.

A fresh virtual environment with graphengine's core dependencies only (pip fetches them):
``train -o`` of a 200 000-parameter network (its weights go to the sidecar), then
``evaluate`` and ``predict`` of the written spec from a third folder. Slow (a venv and its
wheels); it still runs in CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTRAS = ("pandas", "pyarrow", "torch", "onnx", "matplotlib", "pytest")


@pytest.fixture(scope="module")
def core_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("core") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode:
        pytest.fail(f"pip install -e . failed: {done.stderr[-2000:]}")
    return venv


@pytest.mark.slow
def test_core_install_trains_saves_and_reads_a_big_network(core_venv: Path, tmp_path: Path) -> None:
    python, graphengine = core_venv / "bin" / "python", core_venv / "bin" / "graphengine"
    present = subprocess.run(
        [str(python), "-c", f"import importlib.util as u; print([m for m in {EXTRAS!r} if u.find_spec(m)])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert present == "[]", f"not a core-only install: {present}"

    project, out, elsewhere = tmp_path / "project", tmp_path / "runs", tmp_path / "elsewhere"
    for folder in (project, out, elsewhere):
        folder.mkdir()
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (60, 784))
    labels = np.arange(60) % 10
    header = ",".join([f"p{i}" for i in range(784)] + ["label"])
    np.savetxt(
        project / "rows.csv", np.column_stack([pixels, labels]), fmt="%d", delimiter=",", header=header, comments=""
    )
    # 784·250 + 250 + 250·10 + 10 = 198 760 parameters
    (project / "big.yaml").write_text(
        "inputs: [{name: x, size: 784}]\n"
        "layers:\n"
        "  - {name: h, size: 250, from: x, activation: relu, seed: 1}\n"
        "  - {name: y, size: 10, from: h, seed: 2}\n"
        "outputs: [y]\nloss: softmax_cross_entropy\n"
        "data: {csv: rows.csv, inputs: {prefix: p}, one_hot: label}\n"
        "training: {learning_rate: 0.0001, epochs: 2, batch_size: 20}\n"
    )
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "OPENBLAS_NUM_THREADS": "1"}

    def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(graphengine), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, (args, done.stderr)
        return done

    run("train", project / "big.yaml", "-o", out / "T.yaml", cwd=project)
    assert (out / "T.weights.safetensors").stat().st_size > 198_760 * 8
    assert "weights_file" in (out / "T.yaml").read_text()
    evaluated = run("evaluate", out / "T.yaml", "--json", cwd=elsewhere)
    assert '"accuracy"' in evaluated.stdout
    predicted = run("predict", out / "T.yaml", cwd=elsewhere)
    assert predicted.stdout.strip()
