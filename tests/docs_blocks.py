"""The code blocks of the docs pages, read with the directives that say how the tests run them.

Every fenced block of every page under ``docs/`` is run by ``tests/test_docs.py`` (or by the
test a directive names). The conventions, written as HTML comments on the lines right above a
fence (readers of the site never see them):

- ```` ```console ````: each ``$ COMMAND`` line is run in the page's sandbox and what it prints
  (stdout, then stderr) must be the lines below it; a line ``...`` stands for any lines.
  ``graphengine`` commands run in-process; ``<!-- exit: N -->`` expects exit status N (else 0).
- ```` ```sh ````: each line is a command run the same way, exit status 0 (nothing compared).
- ```` ```python ````: executed in the sandbox; when the next block is a ```` ```text ```` block
  introduced by the line ``prints`` (the README's convention), its stdout must be that text.
- ```` ```yaml ````: a whole spec that must load, or ``<!-- fragment -->`` (a part of one: its
  keys must be top-level keys of a spec).
- ```` ```toml ```` and ```` ```json ````: must parse.
- ```` ```text ````: the output of a command, ``<!-- output-of: COMMAND -->`` (compared like a
  console block), or the ``prints`` of a Python block.
- ``<!-- file: NAME -->``: the block is written to NAME in the sandbox (later blocks use it).
- ``<!-- tested-by: tests/FILE.py::TEST -->``: a dedicated test reads this page and runs the
  block (it must exist and name the page).
- ``<!-- not-run: WHY -->``: the one exception, for what a test cannot do (install software,
  a 5-minute benchmark, a server that runs until Ctrl-C); each must say why.

A page's sandbox is a fresh folder holding copies of ``specs/`` and ``tests/fixtures/`` and an
empty ``docs/``, so commands written as a user types them from the repository root work and
write nothing into the checkout. ``<!-- section: NAME -->`` markers (as the README had) let a
dedicated test find its part of a page with :func:`section`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

FENCE = re.compile(r"^```(\S*)\s*$")
DIRECTIVE = re.compile(r"^<!--\s*([a-z-]+)(?::\s*(.*?))?\s*-->\s*$")
ANY_LINES = "..."


@dataclass
class Block:
    """One fenced code block of a docs page, with the directives written above it."""

    page: Path
    line: int  # 1-based line of the opening fence
    language: str
    text: str
    directives: dict[str, str] = field(default_factory=dict)
    introduced_by: str = ""  # the last prose line above the block (``prints`` marks an output)

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def pages() -> list[Path]:
    """Every Markdown page of the site, in a stable order."""
    return sorted(DOCS.rglob("*.md"))


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of ``page`` in order."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    k = 0
    while k < len(lines):
        opening = FENCE.match(lines[k])
        if not opening:
            k += 1
            continue
        directives: dict[str, str] = {}
        introduced_by = ""
        above = k - 1
        while above >= 0 and (match := DIRECTIVE.match(lines[above].strip())):
            directives[match.group(1)] = match.group(2) or ""
            above -= 1
        while above >= 0 and not lines[above].strip():
            above -= 1
        if above >= 0:
            introduced_by = lines[above].strip()
        end = k + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        if end == len(lines):
            raise ValueError(f"{page}:{k + 1}: a code block is never closed")
        text = "\n".join(lines[k + 1 : end]) + "\n"
        found.append(Block(page, k + 1, opening.group(1) or "", text, directives, introduced_by))
        k = end + 1
    return found


def section(page: str | Path, name: str) -> str:
    """The part of a docs page from ``<!-- section: NAME -->`` to the next section marker (or the end)."""
    path = DOCS / page if not Path(page).is_absolute() else Path(page)
    text = path.read_text(encoding="utf-8")
    start = text.index(f"<!-- section: {name} -->")
    end = text.find("<!-- section:", start + 1)
    return text[start : end if end != -1 else len(text)]


def fenced(text: str, language: str) -> list[str]:
    """The bodies of the ```` ```LANGUAGE ```` blocks in ``text``."""
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


def matches(expected: list[str], actual: list[str]) -> bool:
    """``actual`` lines equal ``expected``, where an ``...`` line stands for any lines (none too)."""
    # reachable[j]: the expected lines so far can end right before actual[j]
    reachable = [True] + [False] * len(actual)
    for line in expected:
        if line == ANY_LINES:
            first = reachable.index(True) if True in reachable else len(reachable)
            reachable = [j >= first for j in range(len(actual) + 1)]
        else:
            reachable = [False] + [reachable[j] and actual[j] == line for j in range(len(actual))]
    return reachable[-1]
