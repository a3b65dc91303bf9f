"""Helpers shared by the robustness tests (test_reading, test_limits, test_guard, test_outputs,
test_fuzz_robust): run the CLI in-process under a time limit and check the promise for bad
input — one `error:` line, exit status 2, no traceback, no hang."""

from __future__ import annotations

import contextlib
import io
import signal
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

from hypothesis import HealthCheck, settings

from graphengine.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "specs" / "doc_example.yaml"

# Bounded and reproducible: the same examples on every CI run.
BOUNDED = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)


def fresh(tmp_path: Path) -> Path:
    """A new empty folder for one generated example (hypothesis reuses ``tmp_path``, and a plugin
    file rewritten in the same second with the same size would load from a stale bytecode cache)."""
    return Path(tempfile.mkdtemp(dir=tmp_path))


class Hang(Exception):
    """A command ran past its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail (raise :class:`Hang`) when the block runs longer than ``seconds`` (main thread only)."""

    def expired(signum: int, frame: object) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def cli(argv: list[str], seconds: float = 60) -> tuple[int, str, str]:
    """Run ``graphengine ARGV`` in-process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with time_limit(seconds), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            status = main(argv)
    return status, out.getvalue(), err.getvalue()


def refused(argv: list[str], seconds: float = 60) -> str:
    """Run a command that must refuse its input: exit status 2 and exactly one `error:` line
    (no traceback); return that line."""
    status, _, err = cli(argv, seconds)
    assert status == 2, (status, err)
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err.strip()
