"""Finding plugins and checking them before anything computes with them.

Discovery, in this order (a name may be taken only once: a second plugin with the
same name is an error naming both sources, never a silent override):

1. the built-ins (:mod:`graphengine.plugins.activations`, :mod:`graphengine.plugins.losses`,
   :mod:`graphengine.plugins.optimizers`);
2. installed packages' entry points in the groups ``graphengine.plugins.activations``,
   ``graphengine.plugins.losses`` and ``graphengine.plugins.optimizers`` (an entry point names a
   module or one plugin object);
3. plugin files and folders the user names: ``--plugins PATH`` (repeatable), then
   the ``GRAPHENGINE_PLUGINS`` environment variable (paths separated by ``os.pathsep``);
4. the repository's top-level ``plugins/`` folder, when graphengine runs from a checkout.

A spec only ever *names* a plugin: YAML never makes graphengine import anything.

Verification (:func:`verify`) calls every plugin on float64 arrays and compares its
derivative (activations) or gradient (losses) with central finite differences at a
spread of points, at the default parameters and at halved ones; an optimiser must
take three steps from a fresh state, each finite and shaped like the gradient.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import re
import sys
import traceback
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

from .._util.interrupts import interrupt_presses, raised_by_plugin
from .._util.names import name_problem
from ..errors import PluginError
from . import activations, initializers, losses, optimizers
from .guard import guarded
from .registry import KINDS, PLUGIN_CLASSES, Activation, Initializer, Loss, Optimizer, Plugin, Registry, plugins_in
from .verify import display, first_line_of, line_in, require_derivative, verify

ENTRY_POINT_GROUPS: dict[str, type] = {
    "graphengine.plugins.activations": Activation,
    "graphengine.plugins.losses": Loss,
    "graphengine.plugins.optimizers": Optimizer,
    "graphengine.plugins.initializers": Initializer,
}
ENV_VAR = "GRAPHENGINE_PLUGINS"


# ---------------------------------------------------------------------- the built-in and default registries


def builtin_registry() -> Registry:
    """A fresh registry holding the built-in activations, losses and optimisers."""
    registry = Registry()
    registry.add_all(plugins_in(activations), "built-in")
    registry.add_all(plugins_in(losses), "built-in")
    registry.add_all(plugins_in(optimizers), "built-in")
    registry.add_all(plugins_in(initializers), "built-in")
    return registry


_DEFAULTS: dict[str, Registry] = {}


def default_registry() -> Registry:
    """The registry used when none is given: built-ins, installed entry points,
    ``GRAPHENGINE_PLUGINS`` and the repository's ``plugins/`` folder, verified
    (see :func:`discover`); built once per value of the variable."""
    key = os.environ.get(ENV_VAR, "")
    if key not in _DEFAULTS:
        _DEFAULTS[key] = discover()
    return _DEFAULTS[key]


# ---------------------------------------------------------------------- discovery


def discover(
    paths: Sequence[str | os.PathLike[str]] = (),
    *,
    environ: Mapping[str, str] | None = None,
    entry_points: bool = True,
    repository: bool = True,
    verify_plugins: bool = True,
) -> Registry:
    """A registry with every plugin graphengine can see, each verified.

    ``paths`` are the ``--plugins`` files or folders; ``environ`` (default
    ``os.environ``) supplies ``GRAPHENGINE_PLUGINS``.

    >>> registry = discover(repository=False)
    >>> registry.activation("sigmoid").source
    'built-in'
    """
    environ = os.environ if environ is None else environ
    registry = builtin_registry()
    built_in = set(map(id, registry.all()))  # checked by the test suite, not at every start
    if entry_points:
        for plugin, source in entry_point_plugins():
            registry.add(plugin, source)
    named = [(Path(p), "--plugins") for p in paths]
    named += [(Path(p), ENV_VAR) for p in environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
    loaded: set[Path] = set()
    for path, origin in named:
        for file in plugin_files(path, origin):
            _add_file(registry, file, loaded)
    folder = repository_plugins() if repository else None
    if folder is not None:
        for file in plugin_files(folder, "the repository's plugins/ folder"):
            _add_file(registry, file, loaded)
    if verify_plugins:
        for plugin in registry.all():
            if id(plugin) not in built_in:
                verify(plugin)
    for kind in KINDS.values():  # from here on every call of a plugin's code checks itself
        table = registry.table(kind)
        for name, plugin in table.items():
            table[name] = guarded(plugin)
    return registry


def _add_file(registry: Registry, file: Path, loaded: set[Path]) -> None:
    resolved = file.resolve()
    if resolved in loaded:  # named twice (say by --plugins and plugins/): load it once
        return
    loaded.add(resolved)
    for plugin in load_file(file):
        require_derivative(plugin)
        check_name(plugin)
        registry.add(plugin, display(file))


def check_name(plugin: Plugin) -> None:
    """A plugin's name follows the rules of names in a spec (one line, no control characters)."""
    problem = name_problem(plugin.name, KINDS[type(plugin)], arrow_allowed=True)
    if problem is not None:
        code = getattr(plugin.function, "__code__", None)
        if code is None:
            raise PluginError(f"{problem} (from {plugin.source})")
        raise PluginError(problem, file=display(Path(code.co_filename)), line=code.co_firstlineno)


def repository_plugins() -> Path | None:
    """The ``plugins/`` folder next to the ``graphengine`` package in a source checkout, if any.

    A checkout is recognised by its ``pyproject.toml`` naming graphengine, so an
    unrelated ``plugins`` folder in an installed environment is never imported.
    """
    root = Path(__file__).resolve().parents[2]
    folder, pyproject = root / "plugins", root / "pyproject.toml"
    if not folder.is_dir() or not pyproject.is_file():
        return None
    if not re.search(r'^name\s*=\s*"graphengine"', pyproject.read_text(encoding="utf-8"), re.MULTILINE):
        return None
    return folder


def plugin_files(path: Path, origin: str) -> list[Path]:
    """The ``.py`` files a plugin path names: the file itself, or a folder's files (not ``_*.py``)."""
    if path.is_dir():
        return sorted(p for p in path.glob("*.py") if not p.name.startswith(("_", ".")))
    if not path.exists():
        raise PluginError(f"{origin}: no such plugin file or folder `{path}`")
    if path.suffix != ".py":
        raise PluginError(f"{origin}: `{path}` is not a Python file (.py) or a folder of them")
    return [path]


def load_file(path: Path) -> list[Plugin]:
    """Import one plugin file by path (under a unique module name) and return its plugins.

    Any failure — a syntax error, an exception while importing, a decorator refusing a
    function — becomes a :class:`PluginError` naming the file and line.
    """
    from .._util.reading import check_readable

    check_readable(path, 16 * 1024 * 1024, PluginError)  # a regular file: never a FIFO that blocks, never /dev/zero
    path = path.resolve()
    shown = display(path)
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    name = f"_graphengine_plugin_{re.sub(r'[^0-9a-zA-Z_]', '_', path.stem)}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"cannot import `{shown}` as a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses, pickling and typing look modules up here
    # While it imports, the file's own folder is importable, so plugins can share a helper
    # module next to them (`from _common import f`; files starting with _ are not plugins).
    sys.path.insert(0, str(path.parent))
    presses = interrupt_presses()
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        sys.modules.pop(name, None)
        raise PluginError(f"syntax error in plugin file: {e.msg}", file=shown, line=e.lineno) from None
    except PluginError as e:
        sys.modules.pop(name, None)
        raise PluginError(e.message, file=shown, line=line_in(e.__traceback__, path)) from None
    except BaseException as e:  # SystemExit and the plugin's own KeyboardInterrupt too
        sys.modules.pop(name, None)
        if not raised_by_plugin(e, presses):
            raise
        raise PluginError(
            f"importing the plugin file raised {type(e).__name__}: {first_line_of(e)}",
            file=shown,
            line=line_in(e.__traceback__, path),
        ) from None
    finally:
        sys.path.remove(str(path.parent))
    plugins = plugins_in(module)
    if not plugins:
        raise PluginError(
            "the plugin file defines no activation, loss or optimizer; decorate a function with "
            "`@graphengine.activation`, `@graphengine.loss` or `@graphengine.optimizer`",
            file=shown,
        )
    return plugins


def raised_in_plugin(e: BaseException) -> PluginError | None:
    """A plugin file's function raised ``e`` while graphengine computed with it (after the
    checks at load time passed, say on a network with fewer outputs): the error naming the
    file, line and function, or ``None`` when no plugin file's code raised it."""
    found = None
    for frame, line in traceback.walk_tb(e.__traceback__):
        if str(frame.f_globals.get("__name__", "")).startswith("_graphengine_plugin_"):
            found = (frame.f_code, line)
    if found is None:
        return None
    code, line = found
    return PluginError(
        f"plugin function `{code.co_name}` raised {type(e).__name__}: {first_line_of(e)}",
        file=display(Path(code.co_filename)),
        line=line,
    )


def entry_point_plugins() -> list[tuple[Plugin, str]]:
    """Plugins that installed packages declare as entry points, with their sources."""
    found: list[tuple[Plugin, str]] = []
    everything = importlib.metadata.entry_points()
    for group, kind in ENTRY_POINT_GROUPS.items():
        points = sorted(everything.select(group=group), key=lambda ep: (_dist_name(ep), ep.name))
        for ep in points:
            source = f"package {_dist_name(ep)} (entry point {ep.name} = {ep.value})"
            presses = interrupt_presses()
            try:
                target = ep.load()
            except BaseException as e:  # SystemExit and the plugin's own KeyboardInterrupt too
                if not raised_by_plugin(e, presses):
                    raise
                raise PluginError(
                    f"{source}: importing it raised {type(e).__name__}: {first_line_of(e)}" + _where(e.__traceback__)
                ) from None
            if isinstance(target, ModuleType):
                plugins = [p for p in plugins_in(target) if isinstance(p, kind)]
            elif isinstance(target, PLUGIN_CLASSES):
                plugins = [target]
            else:
                raise PluginError(
                    f"{source}: group {group} needs an {KINDS[kind]} object or a module defining them, "
                    f"got {type(target).__name__}"
                )
            for plugin in plugins:
                if not isinstance(plugin, kind):
                    raise PluginError(
                        f"{source}: `{plugin.name}` is a {KINDS[type(plugin)]} but group {group} holds {KINDS[kind]}s"
                    )
                require_derivative(plugin)
                check_name(plugin)
                found.append((plugin, source))
            if not plugins:
                raise PluginError(f"{source}: the module defines no {KINDS[kind]}")
    return found


def _dist_name(ep: importlib.metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else "?"


def _where(tb: TracebackType | None) -> str:
    frames = traceback.extract_tb(tb)
    return f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""


def describe(registry: Registry) -> dict[str, list[dict[str, Any]]]:
    """The JSON shape of ``graphengine plugins --json``."""

    def rows(table: Iterable[Plugin]) -> list[dict[str, Any]]:
        return [
            {"name": p.name, "params": dict(p.params), "source": p.source, "description": p.description} for p in table
        ]

    return {
        "activations": rows(registry.activations.values()),
        "losses": rows(registry.losses.values()),
        "optimizers": rows(registry.optimizers.values()),
    }
