"""Annotated diagrams as files: SVG, PNG, PDF (through Graphviz's ``dot``) or DOT text.

What the picture shows is built in :mod:`graphengine.views.diagram.annotated`; this module picks the
format from the file name, runs ``dot``, writes the file atomically, says how to
install Graphviz when it is missing, and gives notebooks their SVG.

>>> import graphengine
>>> from graphengine.views.diagram.render import render
>>> net = graphengine.load("specs/doc_example.yaml")      # doctest: +SKIP
>>> render(net, net.trace(), "doc_example.svg")           # doctest: +SKIP
PosixPath('doc_example.svg')
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..._util.numfmt import diagram_number as number
from ...errors import GraphEngineError, RenderError
from . import annotated as diagram
from .annotated import DEFAULT_PRECISION, DETAILS, SHOW_CHOICES, parse_show
from .blank import blank_dot

if TYPE_CHECKING:
    from ...engine.network import Network
    from ...engine.trace import Trace

__all__ = [
    "DEFAULT_PRECISION",
    "DETAILS",
    "FORMATS",
    "SHOW_CHOICES",
    "install_hint",
    "fit_width",
    "keep_spaces",
    "number",
    "output_format",
    "parse_show",
    "pipe",
    "render",
    "repr_svg",
    "to_dot",
    "to_svg",
    "view_dot",
]

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot"}


def output_format(path: str | os.PathLike[str]) -> str:
    """The Graphviz format a file name asks for."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise RenderError(
            f"cannot tell the diagram format of `{path}` from its suffix `{suffix or '(none)'}`; "
            f"use one of {', '.join(FORMATS)}"
        )
    return FORMATS[suffix]


def to_dot(net: Network, trace: Trace | None = None, **options: Any) -> str:
    """The DOT text of a loaded network (its graph and its spec's description) and ``trace``;
    ``options`` are those of :func:`graphengine.views.diagram.annotated.to_dot`, or ``blanks`` (with ``title`` and
    ``precision``) for an exercise drawing (:func:`graphengine.views.diagram.blank.blank_dot`)."""
    blanks = options.pop("blanks", None)
    if blanks is not None:
        return blank_dot(net.graph, trace, blanks, description=net.spec.description, **options)
    return diagram.to_dot(net.graph, trace, description=net.spec.description, **options)


# ---------------------------------------------------------------------- files


def install_hint() -> str:
    """The command that installs Graphviz on this platform."""
    if sys.platform == "darwin":
        return "brew install graphviz"
    if sys.platform.startswith("win"):
        return "winget install graphviz (or choco install graphviz), then put its bin folder on PATH"
    ids: set[str] = set()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            key, _, value = line.partition("=")
            if key in ("ID", "ID_LIKE"):
                ids.update(value.strip('"').lower().split())
    except OSError:
        pass
    for words, command in (
        (("debian", "ubuntu"), "sudo apt-get install graphviz"),
        (("fedora", "rhel", "centos"), "sudo dnf install graphviz"),
        (("arch",), "sudo pacman -S graphviz"),
        (("alpine",), "sudo apk add graphviz"),
        (("suse", "opensuse"), "sudo zypper install graphviz"),
    ):
        if ids.intersection(words):
            return command
    return "install Graphviz with your package manager (e.g. sudo apt-get install graphviz) or conda install graphviz"


def pipe(dot_text: str, fmt: str) -> bytes:
    """Run Graphviz's ``dot`` on ``dot_text``; raise :class:`RenderError` when it is missing or fails.

    ``dot`` sees only the package's font (:mod:`graphengine.views.diagram.typeface`), so labels are
    measured, and PNG and PDF drawn, with the same font on every machine; an SVG carries that font.
    """
    import subprocess

    from .typeface import dot_environment, embed_font, fit_runs

    if fmt == "png":
        # 96 dpi makes 10-point labels hard to read in a PNG; SVG and PDF are vector formats.
        dot_text = dot_text.replace("{\n", "{\n  graph [dpi=144]\n", 1)
    try:
        # communicate() ignores a broken pipe (dot stopped reading early): its message is in stderr.
        # An SVG also asks for the layout as JSON (the same run, written after it): each text run's room.
        formats = ["-Tsvg", "-Tjson"] if fmt == "svg" else [f"-T{fmt}"]
        done = subprocess.run(
            ["dot", *formats], input=dot_text.encode("utf-8"), capture_output=True, env=dot_environment()
        )
    except FileNotFoundError:
        raise RenderError(
            f"Graphviz's `dot` program is not installed (not on PATH); install it: {install_hint()}"
        ) from None
    except OSError as e:
        raise RenderError(f"Graphviz's `dot` failed: {e}") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise RenderError(f"Graphviz's `dot` failed: {message[0] if message else f'exit status {done.returncode}'}")
    if fmt != "svg":
        return done.stdout
    end = done.stdout.index(b"</svg>") + len(b"</svg>\n")
    svg, layout = done.stdout[:end], done.stdout[end:]
    return embed_font(keep_spaces(fit_runs(svg, layout)))


_EDGE_SPACES = re.compile(rb"(<text[^>]*>)( +)|( +)(</text>)")


def keep_spaces(svg: bytes) -> bytes:
    """Graphviz's SVG with the spaces at either end of a ``<text>`` made non-breaking.

    Graphviz writes each font run of a label as its own ``<text>``, placed where its
    leading space (``w5`` then `` 0.4000``) was measured; SVG viewers drop such a space,
    so the value would touch the name (``w50.4000``).

    >>> keep_spaces(b'<text x="1">w5</text><text x="9"> 0.4000</text>').decode()
    '<text x="1">w5</text><text x="9">&#160;0.4000</text>'
    """

    def spaces(match: re.Match[bytes]) -> bytes:
        if match[1] is not None:
            return match[1] + b"&#160;" * len(match[2])
        return b"&#160;" * len(match[3]) + match[4]

    return _EDGE_SPACES.sub(spaces, svg)


def render(
    net: Network,
    trace: Trace | None,
    path: str | os.PathLike[str],
    **options: Any,
) -> Path:
    """Write the diagram to ``path`` in the format its suffix names (``.svg .png .pdf .dot``).

    The file appears whole or not at all. When ``dot`` is missing, the DOT text is written
    next to it (same name, ``.dot``) and :class:`RenderError` says how to install Graphviz.
    ``options`` are those of :func:`to_dot`, and ``view`` (see :func:`view_dot`).
    """
    from ..._util.files import write_atomic

    path = Path(path)
    fmt = output_format(path)
    text = view_dot(net, trace, **options)
    if fmt == "dot":
        write_atomic(path, text)
        return path
    try:
        data = pipe(text, fmt)
    except RenderError as e:
        if "not installed" not in e.message:
            raise
        dot_path = path.with_suffix(".dot")
        write_atomic(dot_path, text)
        raise RenderError(
            f"cannot draw {path}: Graphviz's `dot` program is not installed (not on PATH); "
            f"the DOT text is in {dot_path}; install Graphviz with: {install_hint()}"
        ) from None
    write_atomic(path, data)
    return path


def view_dot(net: Network, trace: Trace | None, view: str = "auto", **options: Any) -> str:
    """The DOT text of the neuron diagram (:func:`to_dot`) or of the layer view
    (:mod:`graphengine.views.diagram.layer_view`): ``view`` is ``neurons``, ``layers`` or ``auto`` (layers
    above :data:`~graphengine.views.diagram.layer_view.LAYER_VIEW_EDGES` edges)."""
    from .layer_view import choose_view, to_layer_dot

    if options.get("blanks") is None and choose_view(net, view) == "layers":
        kept = {k: options[k] for k in ("sample", "precision", "title") if options.get(k) is not None}
        return to_layer_dot(net, trace, **kept)
    return to_dot(net, trace, **options)


def to_svg(net: Network, trace: Trace | None = None, **options: Any) -> str:
    """The diagram as SVG text (for notebooks)."""
    return pipe(view_dot(net, trace, **options), "svg").decode("utf-8")


def repr_svg(net: Network | None = None, trace: Trace | None = None) -> str | None:
    """``_repr_svg_`` of a Network (its next step, or its structure without data) or of a
    Trace (pass ``trace`` alone): the SVG, or None (plain repr) when it cannot be drawn."""
    try:
        if net is None:
            graph = None if trace is None else getattr(trace, "graph", None)
            if graph is None:
                return None
            return fit_width(pipe(diagram.to_dot(graph, trace), "svg").decode("utf-8"))
        return fit_width(to_svg(net, net.trace() if len(net.X) else None))
    except GraphEngineError:
        return None


def fit_width(svg: str) -> str:
    """The SVG scaled down to its container's width (a notebook cell clipped the right side), never up.

    >>> fit_width('<svg width="1159pt" height="385pt" viewBox="0 0 1159 385">')
    '<svg width="100%" style="max-width: 1159pt; height: auto" viewBox="0 0 1159 385">'
    """
    return re.sub(
        r'<svg width="([\d.]+pt)" height="[\d.]+pt"',
        r'<svg width="100%" style="max-width: \1; height: auto"',
        svg,
        count=1,
    )
