"""Docs examples a generic run cannot judge: the spec-format example's numbers, PyTorch training
then onnxruntime serving, and the DistributedDataParallel script under torchrun
(moved here from the README's tests with the pages)."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from docs_blocks import fenced, section

import graphengine

ROOT = Path(__file__).parent.parent
EXPORT_PAGE = "how-to/export-to-pytorch.md"
SPEC_PAGE = "reference/spec-format.md"


def test_spec_format_example_validates_and_trains() -> None:
    example = fenced(section(SPEC_PAGE, "spec-format"), "yaml")[0]
    net = graphengine.Network.from_yaml(example, file="docs example")
    assert net.parameters == {
        "w": 0.5, "b": -0.1, "h1.bias": 0.1, "x1->h2": -0.3, "h1->y": 0.7, "h2->y": 0.5, "x2->y": 0.25,
    }  # fmt: skip
    assert net.graph.nodes["h2"]["activation_params"] == {"alpha": 0.2}
    history = net.train(net.spec.training.epochs)
    assert history.final_loss < 1e-6
    assert net.parameters["b"] == -0.1


def test_train_with_torch_then_serve_with_onnxruntime(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    text = section(EXPORT_PAGE, "taking-it-further")
    code = fenced(text, "python")[0]
    expected = fenced(text, "text")[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").symlink_to(ROOT / "specs")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, EXPORT_PAGE, "exec"), {})
    assert out.getvalue() == expected
    assert (tmp_path / "xor.onnx").stat().st_size > 0


@pytest.mark.slow
def test_ddp_script_under_torchrun(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    script = tmp_path / "train.py"
    script.write_text(fenced(section(EXPORT_PAGE, "taking-it-further"), "python")[1])
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    assert torchrun is not None
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with socket.socket() as probe:  # a free loopback port (torchrun's --master-port 0 hangs here)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [torchrun, "--nproc-per-node", "2", "--master-addr", "127.0.0.1", "--master-port", str(port), str(script)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               start_new_session=True)  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # torchrun and its workers, all of them
        process.communicate()
        raise
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    assert result.returncode == 0, result.stderr[-2000:]
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith("2 processes, training accuracy ")
    assert float(line.rsplit(" ", 1)[1]) > 0.95
