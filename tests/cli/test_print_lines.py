"""cli.output.print_lines writes piped lines itself only when rich would print them unchanged."""

from __future__ import annotations

import io
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.errors import MarkupError

from graphengine.cli import output
from graphengine.cli.output import print_lines

# Characters of train's summary lines, the ones that make rich change a line ([, :, \, wide and
# zero-width characters), and spaces (no `/`: a stray closing tag is an error in rich).
_ALPHABET = st.sampled_from(
    list("aZ09 .,=-()%→[]:\\_") + ["[bold]0.25[/bold]", "[bold]", "界", "\u0301", "é", ":smile:"]
)
_CONSOLE = output.console
_LINE = st.lists(_ALPHABET, max_size=120).map("".join)


def _printed(lines: list[str], monkeypatch: pytest.MonkeyPatch, loaded: bool) -> str:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)
    if not loaded:  # rich's console when print_lines takes the plain path: it must never be built
        monkeypatch.setattr(output, "console", lambda stderr=False: pytest.fail("rich was used"))
    print_lines(lines)
    return stream.getvalue()


def _rich(lines: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)
    out = _CONSOLE()  # what train printed with before: the console on a pipe
    for line in lines:
        out.print(line)
    return stream.getvalue()


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(_LINE, min_size=1, max_size=4))
def test_piped_lines_are_what_rich_prints(lines: list[str]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in output._RICH_ENVIRONMENT:
            monkeypatch.delenv(name, raising=False)
        try:
            rich = _rich(lines, monkeypatch)
        except MarkupError:  # an escaped tag leaves a stray closing one: an error either way
            with pytest.raises(MarkupError):
                _printed(lines, monkeypatch, loaded=True)
            return
        assert _printed(lines, monkeypatch, loaded=True) == rich


def test_train_summary_lines_take_the_plain_path(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in output._RICH_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    lines = [
        "doc_example: 10 epoch(s) of sgd (learning rate 0.5), loss 0.298371109 → [bold]0.2791[/bold]",
        "  w1 = 0.15, w2 = 0.2, b1 = 0.35",
    ]
    printed = _printed(lines, monkeypatch, loaded=False)
    assert printed == (
        "doc_example: 10 epoch(s) of sgd (learning rate 0.5), loss 0.298371109 → 0.2791\n"
        "  w1 = 0.15, w2 = 0.2, b1 = 0.35\n"
    )
    assert printed == _rich(lines, monkeypatch)


@pytest.mark.parametrize(
    "line",
    [
        "x" * 250,  # rich wraps it at 200 columns
        "spec [red]name[/red]",  # other markup
        "a :smile: b",  # an emoji code
    ],
)
def test_lines_rich_changes_go_through_rich(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in output._RICH_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    rich = _rich([line], monkeypatch)
    assert rich != line + "\n"
    assert _printed([line], monkeypatch, loaded=True) == rich


def test_forced_colour_goes_through_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    lines = ["loss 0.5 → [bold]0.25[/bold]"]
    rich = _rich(lines, monkeypatch)
    assert "\x1b[" in rich  # bold as an escape sequence, even on a pipe
    assert _printed(lines, monkeypatch, loaded=True) == rich
