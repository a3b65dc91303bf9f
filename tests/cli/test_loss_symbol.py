"""One loss symbol everywhere: run, render, explain, report and check write the worked
example's E (∂E/∂w5), never L."""

from __future__ import annotations

import pytest

DOC = "specs/doc_example.yaml"


@pytest.mark.parametrize(
    ("args", "output"),
    [
        (["run", DOC], None),
        (["run", "specs/skip_shared.yaml"], None),
        (["explain", DOC], None),
        (["render", DOC, "-o", "{tmp}/d.dot"], "d.dot"),
        (["render", "specs/digits.yaml", "--layers", "-o", "{tmp}/l.dot"], "l.dot"),
        (["report", DOC, "-o", "{tmp}/p.html"], "p.html"),
        (["check", DOC, "--expect", "specs/doc_example_hand.yaml"], None),
    ],
)
def test_the_loss_is_written_e(cli, tmp_path, args, output):
    ran = cli(*[a.format(tmp=tmp_path) for a in args])
    assert ran.code in (0, 1), ran.err
    text = ran.out + ran.err + ((tmp_path / output).read_text(encoding="utf-8") if output else "")
    if args[0] != "check":  # check names quantities as the hand file does
        assert "∂E/∂" in text
    assert "∂L/∂" not in text and "\\partial L" not in text


def test_every_help_writes_e(cli):
    from graphengine.cli import cli as group

    for name in group.commands:
        ran = cli(name, "--help")
        assert "∂L/∂" not in ran.out, name
