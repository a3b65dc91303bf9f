"""Shared fixtures: ``cli`` runs the command line in-process and returns what it did."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from graphengine.cli import main


@dataclass
class Ran:
    """One in-process run of ``graphengine``: its exit status and what it printed."""

    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    """``cli("run", spec, "--json")`` → :class:`Ran` (arguments may be paths)."""

    def invoke(*args: str | os.PathLike[str]) -> Ran:
        capsys.readouterr()  # start clean: nothing printed before belongs to this run
        code = main([os.fspath(a) for a in args])
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return invoke


@pytest.fixture(autouse=True)
def _wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Piped output respects ``COLUMNS``; a terminal's value must not narrow the tables the
    tests read (the tests of narrow output set it themselves)."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture(autouse=True)
def _own_signing_key(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trained spec's data path is signed with the user's key (graphengine._util.signing):
    the tests sign with a key of their own, never the real ~/.config one."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "config"))
