"""Every code block of the docs runs as printed (conventions: tests/docs_blocks.py), the site
builds with ``mkdocs build --strict`` and has its four parts, and every README link resolves."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from docs_blocks import ANY_LINES, DOCS, ROOT, Block, blocks, matches, pages

import graphengine
from graphengine.cli import main

NOT_RUN = "not-run"
TESTED_BY = "tested-by"


def sandbox(tmp_path: Path) -> Path:
    """A folder that looks like the repository root to a user's command, writing nowhere else."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    shutil.copytree(ROOT / "tests" / "fixtures", tmp_path / "tests" / "fixtures")
    (tmp_path / "docs").mkdir()
    return tmp_path


def run_command(command: str, where: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Run one command line as a user would from ``where``; its status and printed lines."""
    argv = shlex.split(command, comments=True)
    environment = {}
    while argv and re.fullmatch(r"[A-Z_]+=\S*", argv[0]):  # `COLUMNS=100 graphengine ...`
        name, _, value = argv.pop(0).partition("=")
        environment[name] = value
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        if argv[0] in ("graphengine", ".venv/bin/graphengine"):
            capsys.readouterr()
            code = main(argv[1:])
            out, err = capsys.readouterr()
        else:
            done = subprocess.run(argv, cwd=where, capture_output=True, text=True, timeout=120)
            code, out, err = done.returncode, done.stdout, done.stderr
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    printed = (out + err).replace(f"{where}{os.sep}", "").replace(str(where), ".")
    return code, [line.rstrip() for line in printed.splitlines()]


def expected_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def check_output(block: Block, command: str, code: int, printed: list[str], expected: list[str]) -> None:
    want = int(block.directives.get("exit", "0"))
    assert code == want, f"{block.where}: `{command}` exited {code}, not {want}:\n" + "\n".join(printed[-20:])
    assert matches(expected, printed), (
        f"{block.where}: `{command}` printed\n"
        + "\n".join(printed)
        + "\n--- the page shows ---\n"
        + "\n".join(expected)
    )


def run_console(block: Block, where: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commands: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        else:
            assert commands, f"{block.where}: a console block starts with `$ COMMAND`"
            commands[-1][1].append(line.rstrip())
    for command, expected in commands:
        code, printed = run_command(command, where, capsys)
        check_output(block, command, code, printed, expected)


def run_sh(block: Block, where: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for line in block.text.splitlines():
        command = line.split(" #")[0].strip()
        if not command:
            continue
        code, printed = run_command(command, where, capsys)
        assert code == int(block.directives.get("exit", "0")), f"{block.where}: `{command}`:\n" + "\n".join(printed)


def run_python(block: Block, expected: Block | None) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block.text, block.where, "exec"), {"__name__": "__docs__"})
    if expected is not None:
        assert matches(expected_lines(expected.text), expected_lines(out.getvalue())), (
            f"{block.where} printed\n{out.getvalue()}--- the page shows ---\n{expected.text}"
        )


def run_yaml(block: Block) -> None:
    if "fragment" in block.directives:
        document = yaml.safe_load(block.text)
        assert isinstance(document, dict) and set(document) <= _spec_keys(), (block.where, set(document) - _spec_keys())
        return
    net = graphengine.Network.from_yaml(block.text, file=str(ROOT / "specs" / "docs_page.yaml"))
    assert net.graph.number_of_nodes() > 0


def _spec_keys() -> set[str]:
    from graphengine.spec.schema import Spec

    return set(Spec.keys())


def check_tested_by(block: Block) -> None:
    target = block.directives[TESTED_BY]
    file, _, test = target.partition("::")
    source = (ROOT / file).read_text(encoding="utf-8")
    assert re.search(rf"^def {re.escape(test)}\(", source, re.M), f"{block.where}: no test {target}"
    page = str(block.page.relative_to(DOCS))
    assert page in source, f"{block.where}: {target} does not read {page}"


def run_page(page: Path, where: Path, capsys: pytest.CaptureFixture[str]) -> list[Block]:
    """Run every block of ``page`` in order; return those it did not run itself."""
    elsewhere: list[Block] = []
    page_blocks = blocks(page)
    for k, block in enumerate(page_blocks):
        following = page_blocks[k + 1] if k + 1 < len(page_blocks) else None
        is_output = block.language == "text" and block.introduced_by == "prints"
        if "file" in block.directives:
            (where / block.directives["file"]).write_text(block.text, encoding="utf-8")
        elif NOT_RUN in block.directives or TESTED_BY in block.directives:
            if TESTED_BY in block.directives:
                check_tested_by(block)
            else:
                assert block.directives[NOT_RUN], f"{block.where}: not-run must say why"
            elsewhere.append(block)
        elif block.language == "console":
            run_console(block, where, capsys)
        elif block.language == "sh":
            run_sh(block, where, capsys)
        elif block.language == "python":
            prints = (
                following
                if following and following.language == "text" and following.introduced_by == "prints"
                else None
            )
            run_python(block, prints)
        elif is_output:
            assert k > 0 and page_blocks[k - 1].language == "python", f"{block.where}: `prints` follows a Python block"
        elif block.language == "text" and "output-of" in block.directives:
            command = block.directives["output-of"]
            code, printed = run_command(command, where, capsys)
            check_output(block, command, code, printed, expected_lines(block.text))
        elif block.language == "yaml":
            run_yaml(block)
        elif block.language == "toml":
            tomllib.loads(block.text)
        elif block.language == "json":
            json.loads(block.text)
        else:
            pytest.fail(f"{block.where}: no rule runs a `{block.language or 'plain'}` block (see tests/docs_blocks.py)")
    return elsewhere


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_every_block_of_the_page_runs_as_printed(page: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    where = sandbox(tmp_path)
    monkeypatch.chdir(where)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", ".")] + [str(where)])
    run_page(page, where, capsys)


def test_blocks_not_run_here_are_few_and_say_why() -> None:
    skipped = [b for page in pages() for b in blocks(page) if NOT_RUN in b.directives]
    assert all(b.directives[NOT_RUN] for b in skipped)
    assert all(b.language in ("sh", "text", "console") for b in skipped), [b.where for b in skipped]
    assert len(skipped) <= 8, [b.where for b in skipped]


def test_the_conventions_match_the_pages() -> None:
    # The ellipsis and the output rule would pass anything if the parser saw no blocks.
    counted = {page.relative_to(DOCS).as_posix(): blocks(page) for page in pages()}
    assert sum(len(b) for b in counted.values()) > 40
    assert any(b.language == "console" for b in counted["tutorials/student.md"])
    assert not matches(["a", ANY_LINES, "c"], ["a", "b"])


# --------------------------------------------------------------------------- the site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    if mkdocs is None:
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    return out


def test_the_site_builds_strict_with_its_four_parts(site: Path) -> None:
    for part in ("tutorials", "how-to", "reference", "explanation"):
        built = list((site / part).rglob("index.html"))
        assert len(built) >= 4, (part, built)
    home = (site / "index.html").read_text(encoding="utf-8")
    for part in ("Tutorials", "How-to guides", "Reference", "Explanation"):
        assert part in home


def test_the_site_publishes_the_spec_schema(site: Path) -> None:
    from graphengine.spec.schema import spec_json_schema

    schema = json.loads((site / "reference" / "spec.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"] == spec_json_schema()["properties"]
    assert "spec.schema.json" in (site / "reference" / "spec-format" / "index.html").read_text(encoding="utf-8")


def test_the_site_has_every_command_and_the_api(site: Path) -> None:
    from graphengine.cli import cli

    commands = (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert f"graphengine {name}" in commands, name
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--"):
                    assert opt in commands, (name, opt)
    api = (site / "reference" / "python-api" / "index.html").read_text(encoding="utf-8")
    for name in ("load", "Network", "Network.from_yaml", "Network.trace", "Network.train", "Trace", "Trace.gradient",
                 "History", "GraphEngineError", "activation", "loss", "optimizer", "initializer"):  # fmt: skip
        assert f'id="graphengine.{name}"' in api, name


def test_the_site_fetches_nothing_from_the_network(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, page
        # no stylesheet, script or image is loaded from elsewhere: the site works offline
        assert not re.search(r"<(?:link|script|img)\b[^>]*(?:href|src)=\"(?:https?:)?//", text), page


# --------------------------------------------------------------------------- the README

README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_readme_is_short_and_every_link_resolves() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150
    links = LINK.findall(text)
    assert links
    for link in links:
        if link.startswith(("http://", "https://")):
            continue
        target, _, anchor = link.partition("#")
        assert (ROOT / target).exists(), link
        if target.startswith("docs/") and target.endswith(".md"):
            nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
            assert target.removeprefix("docs/") in nav, f"{link} is not a page of the site"
        if anchor:
            headings = [_slug(h) for h in re.findall(r"^#+ (.*)$", (ROOT / target).read_text(encoding="utf-8"), re.M)]
            assert anchor in headings, link


def _slug(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.lower()).strip().replace(" ", "-")


HOW_TO = ["Check my homework", "Train on my CSV", "Write my own activation", "Export to PyTorch", "Make a worksheet",
          "A diagram for my slides"]  # fmt: skip


@pytest.mark.parametrize("title", HOW_TO)
def test_each_how_to_question_is_one_click_from_the_readme(title: str) -> None:
    links = dict((label, target) for label, target in re.findall(r"\[([^\]]+)\]\(([^)]+)\)", README.read_text()))
    assert title in links, title
    page = ROOT / links[title]
    assert page.read_text(encoding="utf-8").startswith(f"# {title}\n")


def test_readme_quick_start_is_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    quick = re.search(r"## Quick start\n(.*?)\n## ", text, re.S)
    assert quick is not None
    assert re.findall(r"```sh\n(.*?)```", quick.group(1), re.S) == [
        "./setup.sh && .venv/bin/graphengine run specs/doc_example.yaml --svg doc_example.svg\n"
        "./setup.sh --test && .venv/bin/python -m pytest\n"
    ]


def test_readme_first_command_works(tmp_path: Path, cli) -> None:
    # What ./setup.sh prepares is tested by CI itself (.ci/run runs it); the command after it:
    ran = cli("run", ROOT / "specs" / "doc_example.yaml", "--svg", tmp_path / "doc_example.svg")
    assert ran.code == 0 and (tmp_path / "doc_example.svg").stat().st_size > 0
