"""The package's imports flow one way: parsed with ast (function-level imports count; only
imports under ``if TYPE_CHECKING:`` are exempt), the module graph has no cycle; no module
is too long to read; ``--help`` loads none of the numeric stack."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from graphengine import PROCESSING_ORDER

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "graphengine"
MAX_LINES = 500
# Still to split (issue 10); each entry goes as its module is split.
NOT_YET_SPLIT: set[str] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement in ``tree``, at any depth, except those under ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _resolve(importer: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The package modules one import statement depends on.

    ``from .x import name`` depends on ``x`` (or on ``x.name`` when that is a submodule);
    ``from . import name`` on the package ``__init__`` only when ``name`` is not a
    submodule (``from . import __version__`` is a real dependency on ``__init__``). The
    packages a module sits in are loaded before it anyway, so passing through them is no edge.
    """
    ancestors = {".".join(importer.split(".")[:i]) for i in range(1, importer.count(".") + 1)}
    if path.name == "__init__.py":
        ancestors.add(importer)
    if isinstance(node, ast.Import):
        requested = [(alias.name, None) for alias in node.names]
    else:
        if node.level:
            package = importer.split(".") if path.name == "__init__.py" else importer.split(".")[:-1]
            base = package[: len(package) - (node.level - 1)]
            stem = ".".join(base + ([node.module] if node.module else []))
        else:
            stem = node.module or ""
        requested = [(stem, alias.name) for alias in node.names]
    targets = []
    for module, name in requested:
        if name is not None and f"{module}.{name}" in MODULES:
            targets.append(f"{module}.{name}")  # a submodule
        elif module in MODULES and (name is not None or module not in ancestors):
            targets.append(module)
        # Importing `graphengine.x.y` also runs the packages on the way that are not ours yet.
        parts = module.split(".")
        targets += [
            p for p in (".".join(parts[:i]) for i in range(1, len(parts))) if p in MODULES and p not in ancestors
        ]
    return targets


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for name, path in MODULES.items():
        graph.add_node(name)
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in _resolve(name, path, node):
                if target != name:
                    graph.add_edge(name, target, line=node.lineno)
    return graph


def test_the_import_graph_has_no_cycle():
    graph = import_graph()
    cycles = list(nx.simple_cycles(graph))
    shown = [" → ".join([*cycle, cycle[0]]) for cycle in sorted(cycles, key=len)[:10]]
    assert not cycles, "import cycles:\n" + "\n".join(shown)


def test_the_package_never_imports_itself_by_name():
    offenders = []
    for name, path in MODULES.items():
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            absolute = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if not getattr(node, "level", 0) and any(n.split(".")[0] == "graphengine" for n in absolute):
                offenders.append(f"{name}:{node.lineno}")
    assert not offenders, f"`import graphengine` inside the package (use a relative import): {offenders}"


def test_the_layout_test_sees_imports_inside_functions():
    """The checker itself: a function-level import is an edge; a TYPE_CHECKING one is not."""
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .network import Network\n"
        "def f():\n    from .train import fit\n"
    )
    resolved = [t for node in _imports(tree) for t in _resolve("graphengine.engine.trace", PACKAGE / "trace.py", node)]
    assert "graphengine.engine.train" in resolved and "graphengine.engine.network" not in resolved
    graph = import_graph()
    assert graph.has_edge(
        "graphengine.engine.network", "graphengine.engine.train"
    )  # network.train() imports fit lazily


def test_the_registry_is_a_leaf():
    graph = import_graph()
    assert set(graph.successors("graphengine.plugins.registry")) <= {"graphengine.errors", "graphengine"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_500_lines(name):
    if name in NOT_YET_SPLIT:
        pytest.xfail(f"{name} is still to be split")
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by concept"


def test_help_and_version_load_no_numeric_stack():
    code = (
        "import sys\nfrom graphengine.cli import main\n"
        "for args in (['--help'], ['--version'], ['run', '--help']):\n    main(args)\n"
        "heavy = sorted(m for m in ('numpy', 'networkx', 'pydantic', 'yaml', 'scipy') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "HEAVY []"


# ---------------------------------------------------------------------------- subpackage order

#: The subpackages in processing order (the top-level modules ``errors``, ``__about__`` and the
#: package ``__init__`` that only re-exports come first).
ORDER = PROCESSING_ORDER
#: The documented conveniences that may reach a later stage, inside the method only.
CONVENIENCE_CLASSES = {"graphengine.engine.network": "Network", "graphengine.engine.trace": "Trace"}
MAX_TOP_LEVEL_MODULES = 8
#: The package ``__init__`` (lazy re-exports only) and ``__main__`` (starts the CLI) stand above the order.
STARTERS = ("graphengine", "graphengine.__main__")


def stage(module: str) -> int:
    """The position of ``module``'s subpackage in :data:`ORDER` (the top level counts as 0)."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in ("__about__", "errors"):
        return 0
    if parts[1] == "__main__":
        return len(ORDER) - 1
    for k, entry in enumerate(ORDER):
        if parts[1] == entry or (isinstance(entry, tuple) and parts[1] in entry):
            return k
    raise AssertionError(f"{module} is in no subpackage of ORDER: add it there")


def _imports_with_owner(tree: ast.AST) -> list[tuple[ast.Import | ast.ImportFrom, str | None]]:
    """Every import (TYPE_CHECKING ones excepted) with the class whose method holds it, if any."""
    found: list[tuple[ast.Import | ast.ImportFrom, str | None]] = []

    def visit(node: ast.AST, owner: str | None, in_class: str | None) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child, owner, in_class)
            return
        if isinstance(node, ast.ClassDef):
            in_class = node.name
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and owner is None:
            owner = in_class
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append((node, owner))
        for child in ast.iter_child_nodes(node):
            visit(child, owner, in_class)

    visit(tree, None, None)
    return found


def subpackage(module: str) -> str:
    """``views`` for ``graphengine.views.diagram.render``; the top level is ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()) else ""


def allowed(importer: str, target: str) -> bool:
    """An import that follows the processing order: an earlier stage, or the importer's own subpackage."""
    if stage(target) != stage(importer):
        return stage(target) < stage(importer)
    return subpackage(target) == subpackage(importer) or subpackage(target) == ""


def test_subpackages_import_only_earlier_ones():
    backwards = []
    for name, path in MODULES.items():
        for node, owner in _imports_with_owner(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _resolve(name, path, node):
                if allowed(name, target) or name in STARTERS:
                    continue
                if owner is not None and CONVENIENCE_CLASSES.get(name) == owner:
                    continue  # a documented convenience method of Network or Trace
                backwards.append(f"{name}:{node.lineno} imports {target}")
    assert not backwards, "imports against the processing order:\n" + "\n".join(backwards)


def test_the_order_check_sees_a_backward_import():
    """The checker itself: a module of engine importing teach is caught; views and interop are peers."""
    assert stage("graphengine.teach.check") > stage("graphengine.engine.plan")
    assert not allowed("graphengine.engine.plan", "graphengine.teach.check")
    assert not allowed("graphengine.views.diagram.render", "graphengine.interop.export")  # peers
    assert allowed("graphengine.teach.check", "graphengine.engine.plan")
    assert allowed("graphengine.views.diagram.render", "graphengine.views.diagram.annotated")
    tree = ast.parse("class Network:\n    def check(self):\n        from ..teach import check\n")
    [(_, owner)] = _imports_with_owner(tree)
    assert owner == "Network"
    [(_, owner)] = _imports_with_owner(ast.parse("def f():\n    from ..teach import check\n"))
    assert owner is None


def test_the_top_level_holds_few_modules():
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, modules
    assert (PACKAGE / "py.typed").is_file()
