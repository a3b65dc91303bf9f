"""The step-through page: one self-contained HTML file (inline SVG, CSS and script).

The diagram is the lecture diagram of :mod:`graphengine.views.stepthrough.figure` (or the layer
view for a network stepped by layer); the steps are :func:`graphengine.views.stepthrough.steps.build_steps`,
their equations typeset as MathML (latex2mathml; text when it is missing). The page's script
(``assets/page.js``) hides every value cell until the step that computes it, colours an edge by
∂E/∂w from its gradient step on, highlights the step's nodes and edges, shows "after the step"
(:mod:`graphengine.views.stepthrough.frames`) and the epoch replay. Nothing is fetched: no fonts,
no CDN; a Content-Security-Policy forbids any request (``serve`` allows only its own address).

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
from typing import TYPE_CHECKING, Any, cast

from ..._util.numfmt import derivation_number, diagram_number
from ...model.graph import ParameterUse, parameter_uses
from ..diagram.dotparts import SvgIds, svg_ids
from ..diagram.layer_view import choose_view
from ..diagram.layer_view import groups as layer_groups
from ..diagram.render import pipe
from . import frames
from .figure import figure_dot
from .steps import Step, build_steps

if TYPE_CHECKING:
    import networkx as nx

    from ...engine.network import Network
    from ...engine.trace import Trace


def _asset(name: str) -> str:
    return files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def _inline(svg: str) -> str:
    """Graphviz's SVG ready to inline in HTML: no XML prolog, no dead links, scaled by the page."""
    svg = svg[svg.index("<svg") :]
    # Graphviz writes a value cell's id only with a link; the page needs the id, not the link.
    svg = svg.replace(' xlink:href="#ge"', "")
    # The page's script and CSS scale it to the free space; the viewBox keeps the proportions.
    return re.sub(
        r'<svg width="[^"]*" height="[^"]*"',
        '<svg class="ge-diagram" preserveAspectRatio="xMidYMid meet"',
        svg,
        count=1,
    )


def diagram_svg(net: Network, trace: Trace) -> str:
    """The lecture diagram (:mod:`graphengine.views.stepthrough.figure`) as inline SVG."""
    return _inline(pipe(figure_dot(net.graph, trace), "svg").decode("utf-8"))


def layer_svg(net: Network, trace: Trace) -> tuple[str, dict[str, str]]:
    """The layer view (a network too big to draw neuron by neuron) as inline SVG, and each
    neuron's box id (``ge-layer-K``), so that a step can highlight its layer."""
    from ..diagram.layer_view import groups, to_layer_dot

    svg = _inline(pipe(to_layer_dot(net, trace, sample=0), "svg").decode("utf-8"))
    box = {}
    for k, group in enumerate(groups(net)):
        for v in group.nodes:
            box[v] = f"ge-layer-{k}"
    # Graphviz names the boxes node1, node2 …; the title is the box's DOT name, `layer K`.
    svg = re.sub(
        r'<g id="node\d+" class="node( layer)?">\n<title>layer&#160;(\d+)</title>',
        lambda m: f'<g id="ge-layer-{m[2]}" class="node{m[1] or ""}">\n<title>layer {m[2]}</title>',
        svg,
    )
    svg = re.sub(
        r'<g id="node\d+" class="node( layer)?">\n<title>layer (\d+)</title>',
        lambda m: f'<g id="ge-layer-{m[2]}" class="node{m[1] or ""}">\n<title>layer {m[2]}</title>',
        svg,
    )
    # One notation per page: the panel (explain) writes E for the loss, so the picture does too.
    svg = svg.replace("∂L/", "∂E/").replace(">L =&#160;<", ">E =&#160;<")
    # The loss and each layer's listed values appear at the steps that compute them.
    svg = re.sub(r"(>E =&#160;</text>\n<text )", r'\1class="ge-loss-text ge-box-value" ', svg)
    # The loss box is the loss step's highlight, as in the neuron view; a replay frame sets its number.
    svg = re.sub(
        r'<g id="node\d+" class="node loss">\n<title>loss</title>',
        '<g id="ge-loss" class="node loss">\n<title>loss</title>',
        svg,
        count=1,
    )
    svg = _tag_box_values(svg, [k for k, group in enumerate(groups(net)) if group.kind != "input"])
    # Gradient facts appear from the first backward step on (the page's script shows them).
    svg = re.sub(r"<text ([^>]*)>([^<]*[δ∂][^<]*)</text>", r'<text class="ge-grad-text" \1>\2</text>', svg)
    return svg, box


def _cells(G: nx.DiGraph[str], ids: SvgIds, part: str, name: str, uses: dict[str, list[ParameterUse]]) -> list[str]:
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


# A computed number in a layer box: plain ink (the muted header's sizes have a fill of their own).
_NUMBER_TEXT = re.compile(r"<text ((?:(?!fill=)[^>])*)>((?:-|&#45;)?[\d.]+(?:e(?:[-+]|&#45;)?\d+)?)</text>")


def _tag_box_values(svg: str, boxes: list[int]) -> str:
    """Mark the plain numbers drawn in layer boxes ``boxes`` (``class="ge-box-value"``): computed values."""
    for k in boxes:
        start = svg.find(f'<g id="ge-layer-{k}"')
        if start < 0:
            continue
        end = svg.find("<!--", start)
        end = len(svg) if end < 0 else end
        block = _NUMBER_TEXT.sub(r'<text class="ge-box-value" \1>\2</text>', svg[start:end])
        svg = svg[:start] + block + svg[end:]
    return svg


def _mathml(tex: str) -> str | None:
    """One equation part as MathML (latex2mathml), or None when the converter is missing or fails."""
    try:
        from latex2mathml.converter import convert
    except ImportError:  # a core install without it still writes a working page: text equations
        return None
    try:
        # latex2mathml keeps `\_` of `\text{digit\_0}` as written: a name's underscore is one character.
        return convert(tex).replace("\\_", "_")
    except Exception:  # noqa: BLE001 - a formula it cannot read is shown as text, the page still works
        return None


def _equation_math(step: Step) -> list[list[str] | None]:
    """Each equation of ``step`` as MathML, one piece per part of the chain (``a``, ``= b``, ``= c``)."""
    out: list[list[str] | None] = []
    for k, text in enumerate(step.equations):
        tex = step.tex[k] if k < len(step.tex) else None
        parts = tex.split(" = ") if tex else None
        if parts is None or len(parts) != len(text.split(" = ")):
            out.append(None)
            continue
        converted = [_mathml(part) for part in parts]
        out.append(None if any(c is None for c in converted) else [c for c in converted if c is not None])
    return out


def _step_data(
    step: Step, G: nx.DiGraph[str], ids: SvgIds, uses: dict[str, list[ParameterUse]], boxes: dict[str, str]
) -> dict[str, Any]:
    reveal: list[str] = []
    colour: list[str] = []
    if boxes:  # the layer view: the step's layers are its highlight; it has no cell or edge per weight
        highlight = sorted({boxes[n] for n in step.nodes if n in boxes})
    else:
        highlight = [ids["node"][n] for n in step.nodes if n in ids["node"]]
        highlight += [ids["edge"][e] for e in step.edges if e in ids["edge"]]
        reveal = [c for part, name in step.reveals for c in _cells(G, ids, part, name, uses)]
        # From the step that computes ∂E/∂w on, an edge shows it by its colour and width.
        colour = [
            ids["edge"][(u, v)] for part, p in step.reveals if part == "grad" for u, v in uses[p] if u is not None
        ]
    if step.kind == "loss":
        highlight.append("ge-loss")
    value = None
    if step.value is not None and math.isfinite(step.value):
        value = derivation_number(step.value, 9)
    return {
        "kind": step.kind,
        "phase": step.phase,
        "title": step.title,
        "equations": list(step.equations),
        "math": _equation_math(step),
        "note": step.note,
        "value": value,
        "highlight": highlight,
        "reveal": reveal,
        "colour": colour,
    }


def _changes(trace: Trace) -> list[dict[str, Any]]:
    """Each changed parameter's old and new value, as the diagram prints them (the summary's table)."""
    return [
        {"parameter": p, "old": diagram_number(old), "new": diagram_number(trace.updated[p])}
        for p, old in trace.values.items()
        if trace.updated[p] != old
    ]


def _layer_changes(net: Network, trace: Trace) -> list[dict[str, Any]]:
    """The summary's table for the layer view: per layer, how many of its parameters changed and
    the norm of its weights and biases before and after (a column per parameter would not fit)."""
    import numpy as np

    from ..diagram.layer_view import groups

    rows = []
    for group in groups(net):
        if group.weights is None and not group.biases:
            continue
        weights = group.weights[group.weights >= 0] if group.weights is not None else np.zeros(0, np.int64)
        indices = np.concatenate([weights, np.asarray(group.biases, np.int64)])
        old, new = trace.theta[indices], trace.new_theta[indices]
        rows.append(
            {
                "parameter": f"{group.name} ({int((old != new).sum()):,} of {len(indices):,} changed)",
                "old": diagram_number(float(np.linalg.norm(old))),
                "new": diagram_number(float(np.linalg.norm(new))),
            }
        )
    return rows


# The layer view's summary table: a column per layer.
LAYER_CHANGE_LABELS = ["layer", "‖θ‖ before", "‖θ‖ after"]


def replay(net: Network, epochs: int, cells: set[str] | None = None) -> dict[str, Any]:
    """The epoch replay's frames (:func:`graphengine.views.stepthrough.frames.replay`)."""
    return frames.replay(net, epochs, cells)


def _json_script(data: Any) -> str:
    # No name (`</script>`, `<!--<script>`) may end the script element: the one HTML escaper.
    from ..._util.escape import script_json

    return script_json(data)


def page_data(
    net: Network, trace: Trace, *, epochs: int | None = None, layered: bool | None = None
) -> tuple[dict[str, Any], str]:
    """The page's data (steps, edge styles, the after view, the replay) and its SVG."""
    G = net.graph
    steps = build_steps(net, trace, layered=layered)
    boxes: dict[str, str] = {}
    if choose_view(net) == "layers":
        # Too many neurons or edges to draw one by one: the layer view, whose size does not grow
        # with the weights; the page then carries nothing per edge or per parameter.
        svg, boxes = layer_svg(net, trace)
        ids = SvgIds(node={}, edge={}, loss={})  # nothing drawn per node or edge
        uses: dict[str, list[ParameterUse]] = {}
        styles: dict[str, list[str | float]] = {}
        gmax = 0.0
    else:
        ids, uses = svg_ids(G), parameter_uses(G)
        svg = diagram_svg(net, trace)
        styles, gmax = frames.edge_styles(G, trace)
    present = set(re.findall(r'<g id="a_([^"]+)"', svg.replace("&#45;", "-")))
    data: dict[str, Any] = {
        "title": net.spec.name or "network",
        "steps": [_step_data(s, G, ids, uses, boxes) for s in steps],
        "changes": _layer_changes(net, trace) if boxes else _changes(trace),
        "edges": styles,
        "widest": diagram_number(gmax),
        "after": None if boxes else frames.after_view(net, trace, present),
        "loss": derivation_number(trace.loss, frames.LOSS_DIGITS),
        # The first step of the backward pass: the layer view's gradient facts appear there.
        "backward_from": next((k for k, s in enumerate(steps) if s.phase == "backward"), len(steps)),
        "loss_from": next((k for k, s in enumerate(steps) if s.kind == "loss"), len(steps)),
    }
    data["hidden"] = sorted({c for s in data["steps"] for c in s["reveal"] if c in present or c == "ge-loss-sample"})
    if boxes:
        data["change_labels"] = LAYER_CHANGE_LABELS
    if epochs:
        layer_boxes = {f"ge-layer-{k}": g for k, g in enumerate(layer_groups(net)) if g.kind != "input"}
        data["replay"] = frames.replay(net, epochs, cells=present, boxes=layer_boxes if boxes else None)
    return data, svg


def live_parts(
    net: Network, *, learning_rate: float | None = None, epochs: int | None = None, layered: bool | None = None
) -> dict[str, Any]:
    """What ``serve`` sends the page after a "what if" change: its data, diagram and loss curve."""
    data, svg = page_data(net, net.trace(learning_rate), epochs=epochs, layered=layered)
    curve = data["replay"].pop("curve") if epochs else ""
    return {"data": data, "svg": svg, "curve": curve}


def given_inputs(text: str, file: str | None = None) -> list[dict[str, Any]]:
    """The spec's given numbers as the page's editable fields (key, label, the number as written)."""
    from ...spec.given import given_numbers

    return [{"key": g.key, "label": g.label, "value": g.text, "line": g.line} for g in given_numbers(text, file)]


def build_page(
    net: Network,
    trace: Trace | None = None,
    *,
    learning_rate: float | None = None,
    epochs: int | None = None,
    layered: bool | None = None,
    live: bool = False,
    token: str | None = None,
    inputs: list[dict[str, Any]] | None = None,
) -> str:
    """The self-contained HTML page of one training step on ``net`` (``trace``, default ``net.trace()``),
    and ``epochs`` of replay.

    ``live`` makes it the page of :mod:`graphengine.views.stepthrough.serve`: ``token`` goes with
    every request, ``inputs`` are the spec's given numbers, editable in the page.
    """
    trace = net.trace(learning_rate) if trace is None else trace
    data, svg = page_data(net, trace, epochs=epochs, layered=layered)
    data["live"] = live
    if live:
        data["token"] = token
        data["inputs"] = inputs or []
    title = escape(f"{data['title']}: one training step")
    curve = data["replay"].pop("curve") if epochs else ""
    return _document(title, svg, _json_script(data), live, replay=bool(epochs), curve=curve)


def _document(title: str, svg: str, data: str, live: bool, replay: bool = False, curve: str = "") -> str:
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
    <button type="button" id="ge-toggle" title="the network before the step, or after it: the forward pass again with the new parameters (B)" hidden>after the step</button>
  </nav>
</header>
<main class="ge-main" id="ge-main">
  <section class="ge-figure" id="ge-figure" aria-label="diagram">
{svg}
  </section>
  <aside class="ge-panel" id="ge-panel" aria-live="polite">
    <p class="ge-phase" id="ge-phase"></p>
    <h2 id="ge-step-title"></h2>
    <div id="ge-equations" class="ge-equations"></div>
    <p id="ge-value" class="ge-value"></p>
    <p id="ge-note" class="ge-note"></p>
    <div class="ge-scroll"><table id="ge-changes" class="ge-changes" hidden></table></div>
    <p id="ge-legend" class="ge-legend" hidden><b>edge colour</b>: sign of ∂E/∂w (<span class="ge-pos">red &gt; 0</span>, <span class="ge-neg">blue &lt; 0</span>, grey: not computed yet or 0); <b>width</b>: |∂E/∂w|, widest <span id="ge-widest"></span></p>
    <form id="ge-edit" class="ge-edit" hidden autocomplete="off">
      <p class="ge-phase">what if? every given number</p>
      <div class="ge-scroll"><table id="ge-inputs" class="ge-inputs"></table></div>
      <p><button type="button" id="ge-save" title="write the numbers into the YAML file (its comments kept)">save to the spec</button> <span id="ge-status" role="status"></span></p>
    </form>
  </aside>
</main>
<section id="ge-replay" class="ge-replay" hidden>
  <label for="ge-epoch">epoch <span id="ge-epoch-label">0</span></label>
  <input type="range" id="ge-epoch" min="0" max="0" value="0">
  <span id="ge-epoch-loss"></span>
  {curve}
</section>
<footer class="ge-keys">→ / ← step · Home / End · B before/after the step · link to a step: #step-N</footer>
<script type="application/json" id="ge-data">{data}</script>
<script>
{_asset("page.js")}
</script>
</body>
</html>
"""


def error_page(message: str, live: bool = True) -> str:
    """A page showing one error line (``serve`` while the spec is broken); it reloads when the spec changes."""
    data = _json_script(
        {"title": "error", "steps": [], "changes": [], "hidden": [], "edges": {}, "live": live, "error": message}
    )
    body = f'<p class="ge-error" id="ge-error">{escape(message)}</p>'
    return _document("graphengine: the spec has an error", body, data, live)


def repr_html(net: Network | None = None, trace: Trace | None = None) -> str | None:
    """``_repr_html_`` of a Network (its next step) or of a Trace (pass ``trace`` alone): the page
    in an iframe (its script and ids stay its own), or None when it cannot be drawn."""
    from types import SimpleNamespace

    from ...errors import GraphEngineError

    try:
        if net is None:
            if trace is None or trace.graph is None:
                return None
            if choose_view(cast("Network", SimpleNamespace(graph=trace.graph))) == "layers":
                return None  # the layer view needs the network's spec (its layers), which a Trace lacks
            name = trace.graph.graph.get("name")
            # A Trace alone: the page reads only the network's graph and its spec's name and
            # description, which the trace's graph carries (a stand-in, not a loaded Network).
            stand_in = SimpleNamespace(graph=trace.graph, spec=SimpleNamespace(name=name, description=None))
            html = build_page(cast("Network", stand_in), trace)
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
