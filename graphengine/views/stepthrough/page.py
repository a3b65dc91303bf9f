"""The step-through page: one self-contained HTML file (inline SVG, CSS and script).

The diagram is :mod:`graphengine.views.diagram.annotated`'s Graphviz SVG drawn with ``ids=True``; the
steps are :func:`graphengine.views.stepthrough.steps.build_steps`. The page's script (``assets/page.js``)
hides every value cell that some step computes, reveals them step by step, highlights
the step's nodes and edges, and shows the step's equations. Nothing is fetched: no
fonts, no CDN; a Content-Security-Policy forbids any request (``serve`` allows only
polling its own ``/state``).

>>> import graphengine
>>> net = graphengine.load("specs/doc_example.yaml")        # doctest: +SKIP
>>> html = build_page(net)                                  # doctest: +SKIP
>>> "net_h1 = w1·i1 + w2·i2 + b1 = 0.15×0.05" in html       # doctest: +SKIP
True
"""

from __future__ import annotations

import math
import re
from html import escape
from importlib.resources import files
from typing import Any

from ..._util.numfmt import derivation_number, diagram_number
from ..diagram.annotated import DEFAULT_PRECISION, gradient_style, svg_ids
from ..diagram.render import pipe, to_dot
from .steps import Step, build_steps

# `--epochs N` keeps at most this many frames for the slider (evenly spread, last one kept),
# and fewer for a big network, so that the page holds at most about MAX_FRAME_VALUES numbers.
MAX_FRAMES = 201
MAX_FRAME_VALUES = 200_000


def _asset(name: str) -> str:
    return files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def diagram_svg(net: Any, trace: Any) -> str:
    """The annotated SVG with ids, ready to inline in HTML: no XML prolog, scalable, no dead links."""
    svg = pipe(to_dot(net, trace, ids=True, sample=0), "svg").decode("utf-8")
    svg = svg[svg.index("<svg") :]
    # Graphviz writes a value cell's id only with a link; the page needs the id, not the link.
    svg = svg.replace(' xlink:href="#ge"', "")
    # Scale to the panel; the viewBox keeps the proportions.
    svg = re.sub(
        r'<svg width="[^"]*" height="[^"]*"',
        '<svg class="ge-diagram" preserveAspectRatio="xMidYMin meet"',
        svg,
        count=1,
    )
    return svg


def _cells(G: Any, ids: dict[str, dict[Any, str]], part: str, name: str, uses: dict[str, list]) -> list[str]:
    """The SVG ids of the value cells a reveal ``(part, name)`` shows."""
    if part in ("net", "out", "dout", "dact", "delta"):
        return [f"{ids['node'][name]}-{part}"]
    if part in ("grad", "update"):
        cells = []
        for u, v in uses[name]:
            if u is None:
                cells.append(f"{ids['node'][v]}-b{part}")
            else:
                cells.append(f"{ids['edge'][(u, v)]}-{part}")
        return cells
    if part == "term":
        return [f"{ids['loss'][name]}-term"]
    return ["ge-loss-value", "ge-loss-sample"]  # the total; with several samples, sample 0's loss too


def _step_data(step: Step, G: Any, ids: dict[str, dict[Any, str]], uses: dict[str, list]) -> dict[str, Any]:
    highlight = [ids["node"][n] for n in step.nodes if n in ids["node"]]
    highlight += [ids["edge"][e] for e in step.edges if e in ids["edge"]]
    if step.kind == "term" and step.node is not None:
        highlight.append(ids["loss"][step.node])
    if step.kind == "loss":
        highlight += [*ids["loss"].values(), "ge-loss"]
    reveal = [c for part, name in step.reveals for c in _cells(G, ids, part, name, uses)]
    value = None
    if step.value is not None and math.isfinite(step.value):
        value = derivation_number(step.value, 9)
    return {
        "kind": step.kind,
        "phase": step.phase,
        "title": step.title,
        "equations": list(step.equations),
        "note": step.note,
        "value": value,
        "highlight": highlight,
        "reveal": reveal,
    }


def _uses(G: Any) -> dict[str, list[tuple[str | None, str]]]:
    uses: dict[str, list[tuple[str | None, str]]] = {p: [] for p in G.graph["parameters"]}
    for u, v, d in G.edges(data=True):
        uses[d["weight"]].append((u, v))
    for v in G.nodes:
        bias = G.nodes[v].get("bias")
        if bias:
            uses[bias].append((None, v))
    return uses


def _value_cells(p: str, ids: dict[str, dict[Any, str]], uses: dict[str, list]) -> list[str]:
    """The cells that print parameter ``p``'s value: each edge's weight row, each bias value."""
    return [f"{ids['node'][v]}-bvalue" if u is None else f"{ids['edge'][(u, v)]}-weight" for u, v in uses[p]]


def _changes(trace: Any, ids: dict[str, dict[Any, str]], uses: dict[str, list], precision: int) -> list[dict[str, Any]]:
    """Each changed parameter's old and new value, as the diagram prints them, and where."""
    out = []
    for p, old in trace.values.items():
        new = trace.updated[p]
        if new != old:
            out.append(
                {
                    "parameter": p,
                    "old": diagram_number(old, precision),
                    "new": diagram_number(new, precision),
                    "cells": _value_cells(p, ids, uses),
                }
            )
    return out


def replay(net: Any, epochs: int, precision: int = DEFAULT_PRECISION, cells: set[str] | None = None) -> dict[str, Any]:
    """``epochs`` of training (the spec's optimiser and batches) as frames for the page's slider.

    Each frame has the epoch, the loss, every value cell's text and every edge's colour and
    width (by its gradient at that epoch, as the diagram draws it). ``net`` keeps its parameters.
    ``cells`` limits the value cells to those the SVG has (a big network's edges carry no labels).
    """
    G, ids, uses = net.graph, svg_ids(net.graph), _uses(net.graph)
    start = net.theta.copy()
    n_frames = min(MAX_FRAMES, max(2, MAX_FRAME_VALUES // (G.number_of_edges() + len(G.graph["parameters"]) + 1)))
    # Only the frames' parameters are kept: 100,000 epochs of a big network would not fit in memory.
    keep = {round(k * epochs / (n_frames - 1)) for k in range(n_frames)} if epochs >= n_frames else None
    thetas = {0: start.copy()}

    def remember(epoch: int, loss: float, metrics: dict[str, float]) -> None:
        if keep is None or epoch in keep:
            thetas[epoch] = net.theta.copy()

    try:
        history = net.train(epochs, callback=remember)
        if history.interrupted:  # the user's Ctrl-C: no page with a cut replay (the CLI exits 130)
            raise KeyboardInterrupt
        frames = []
        for k in sorted(thetas):
            net.theta = thetas[k].copy()
            t = net.trace()
            grads = {p: t.gradient(p) for p in G.graph["parameters"]}
            finite = [abs(grads[d["weight"]]) for _, _, d in G.edges(data=True) if math.isfinite(grads[d["weight"]])]
            gmax = max(finite, default=0.0)
            values = t.values
            texts = {
                c: diagram_number(values[p], precision)
                for p in values
                for c in _value_cells(p, ids, uses)
                if cells is None or c in cells
            }
            edges = {}
            for u, v, d in G.edges(data=True):
                color, width, text = gradient_style(grads[d["weight"]], gmax)
                edges[ids["edge"][(u, v)]] = [color, width, text]
            loss_text = derivation_number(t.loss, 6)
            frames.append({"epoch": k, "loss": t.loss, "loss_text": loss_text, "cells": texts, "edges": edges})
        losses = [frames[0]["loss"], *history.losses]
    finally:
        net.theta = start
    return {"frames": frames, "losses": [x if math.isfinite(x) else None for x in losses]}


def _json_script(data: Any) -> str:
    # No name (`</script>`, `<!--<script>`) may end the script element: the one HTML escaper.
    from ..._util.escape import script_json

    return script_json(data)


def build_page(
    net: Any,
    trace: Any = None,
    *,
    learning_rate: float | None = None,
    epochs: int | None = None,
    layered: bool | None = None,
    live: bool = False,
) -> str:
    """The self-contained HTML page of one training step on ``net`` (``trace``, default ``net.trace()``),
    and ``epochs`` of replay.

    ``live`` adds polling of ``/state`` for :mod:`graphengine.views.stepthrough.serve` (reload when the spec changes).
    """
    trace = net.trace(learning_rate) if trace is None else trace
    G, ids, uses = net.graph, svg_ids(net.graph), _uses(net.graph)
    steps = build_steps(net, trace, layered=layered)
    data: dict[str, Any] = {
        "title": net.spec.name or "network",
        "steps": [_step_data(s, G, ids, uses) for s in steps],
        "changes": _changes(trace, ids, uses, DEFAULT_PRECISION),
        "live": live,
    }
    data["hidden"] = sorted({c for s in data["steps"] for c in s["reveal"]})
    svg = diagram_svg(net, trace)
    if epochs:
        present = set(re.findall(r'<g id="a_([^"]+)"', svg.replace("&#45;", "-")))
        data["replay"] = replay(net, epochs, cells=present)
    title = escape(f"{data['title']}: one training step")
    return _document(title, svg, _json_script(data), live, wide=_aspect(svg) > WIDE_ABOVE, replay=bool(epochs))


# A diagram wider than this (width / height) gets the explanation below it, not beside it.
WIDE_ABOVE = 1.6


def _aspect(svg: str) -> float:
    match = re.search(r'viewBox="[\d.-]+ [\d.-]+ ([\d.]+) ([\d.]+)"', svg)
    return float(match[1]) / max(float(match[2]), 1.0) if match else 1.0


def _document(title: str, svg: str, data: str, live: bool, wide: bool = False, replay: bool = False) -> str:
    connect = "'self'" if live else "'none'"
    # font-src data: the diagram carries its font (views/diagram/typeface.py) as a data: URL.
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
        f"font-src data:; connect-src {connect}"
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{_asset("page.css")}
</style>
</head>
<body{' class="ge-with-replay"' if replay else ""}>
<header class="ge-bar">
  <h1 id="ge-title">{title}</h1>
  <nav class="ge-nav" aria-label="steps">
    <button type="button" id="ge-home" title="first step (Home)">⇤</button>
    <button type="button" id="ge-prev" title="previous step (←)">←</button>
    <span id="ge-counter" aria-live="polite">step 1 of 1</span>
    <button type="button" id="ge-next" title="next step (→)">→</button>
    <button type="button" id="ge-end" title="last step (End)">⇥</button>
    <button type="button" id="ge-toggle" title="show the parameters before or after the update (B)" hidden>after the update</button>
  </nav>
</header>
<main class="ge-main{" ge-wide" if wide else ""}">
  <section class="ge-figure" aria-label="diagram">
{svg}
  </section>
  <aside class="ge-panel" aria-live="polite">
    <p class="ge-phase" id="ge-phase"></p>
    <h2 id="ge-step-title"></h2>
    <div id="ge-equations" class="ge-equations"></div>
    <p id="ge-value" class="ge-value"></p>
    <p id="ge-note" class="ge-note"></p>
    <table id="ge-changes" class="ge-changes" hidden></table>
  </aside>
</main>
<section id="ge-replay" class="ge-replay" hidden>
  <label for="ge-epoch">epoch <span id="ge-epoch-label">0</span></label>
  <input type="range" id="ge-epoch" min="0" max="0" value="0">
  <span id="ge-epoch-loss"></span>
  <svg id="ge-curve" class="ge-curve" viewBox="0 0 600 120" preserveAspectRatio="none" role="img" aria-label="loss per epoch"></svg>
</section>
<footer class="ge-keys">→ / ← step · Home / End · B before/after · link to a step: #step-N</footer>
<script type="application/json" id="ge-data">{data}</script>
<script>
{_asset("page.js")}
</script>
</body>
</html>
"""


def error_page(message: str, live: bool = True) -> str:
    """A page showing one error line (``serve`` while the spec is broken); it reloads when the spec changes."""
    data = _json_script({"title": "error", "steps": [], "changes": [], "hidden": [], "live": live, "error": message})
    body = f'<p class="ge-error" id="ge-error">{escape(message)}</p>'
    return _document("graphengine: the spec has an error", body, data, live)


def repr_html(net: Any = None, trace: Any = None) -> str | None:
    """``_repr_html_`` of a Network (its next step) or of a Trace (pass ``trace`` alone): the page
    in an iframe (its script and ids stay its own), or None when it cannot be drawn."""
    from types import SimpleNamespace

    from ...errors import GraphEngineError

    try:
        if net is None:
            if trace is None or trace.graph is None:
                return None
            name = trace.graph.graph.get("name")
            html = build_page(
                SimpleNamespace(graph=trace.graph, spec=SimpleNamespace(name=name, description=None)), trace
            )
        elif len(net.X):
            html = build_page(net)
        else:
            return None
    except GraphEngineError:
        return None
    return (
        f'<iframe srcdoc="{escape(html, quote=True)}" style="width: 100%; height: 720px; border: 1px solid #ddd" '
        'title="graphengine step-through" sandbox="allow-scripts"></iframe>'
    )
