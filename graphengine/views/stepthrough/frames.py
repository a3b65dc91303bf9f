"""What the page shows besides the steps: the network after the step, and the epoch replay.

Both are computed here by the engine when the page is built, never typed in: "after the step"
runs the forward pass again with the updated parameters (new node values, new loss and its
change); each replay frame is the network after that many epochs of the spec's training, with
every value cell, every edge's colour and width on that frame's own scale, and the loss. The
loss curve is an SVG with axes and epoch ticks.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..._util.numfmt import derivation_number, diagram_number
from ..diagram.annotated import gradient_style
from ..diagram.dotparts import svg_ids
from ..diagram.layer_view import MAX_LISTED, Group, gradient_facts
from .figure import cell_texts

if TYPE_CHECKING:
    import networkx as nx
    import numpy as np

    from ...engine.network import Network
    from ...engine.trace import Trace

# `--epochs N` keeps at most this many frames for the slider (evenly spread, last one kept),
# and fewer for a big network, so that the page holds at most about MAX_FRAME_VALUES numbers.
MAX_FRAMES = 201
MAX_FRAME_VALUES = 200_000
# The layer view's frames are a few numbers per layer, but each kept frame holds its parameters
# until the frames are drawn: at most about this many numbers in all.
MAX_KEPT_PARAMETERS = 2_000_000
# The loss as the panel prints it: nine significant digits, enough to see one step's change.
LOSS_DIGITS = 9


def edge_styles(G: nx.DiGraph[str], trace: Trace) -> tuple[dict[str, list[str | float]], float]:
    """Each edge's (colour, pen width, text colour) by its ∂E/∂w on this trace's own scale, and that scale."""
    ids = svg_ids(G)
    grads = {p: trace.gradient(p) for p in G.graph["parameters"]}
    finite = [abs(grads[d["weight"]]) for _, _, d in G.edges(data=True) if math.isfinite(grads[d["weight"]])]
    gmax = max(finite, default=0.0)
    styles: dict[str, list[str | float]] = {
        ids["edge"][(u, v)]: list(gradient_style(grads[d["weight"]], gmax)) for u, v, d in G.edges(data=True)
    }
    return styles, gmax


def _trace_at(net: Network, theta: np.ndarray, learning_rate: float) -> Trace:
    """``net``'s trace with parameters ``theta``; ``net`` keeps its own."""
    kept = net.theta
    try:
        net.theta = theta.copy()
        return net.trace(learning_rate)
    finally:
        net.theta = kept


def after_view(net: Network, trace: Trace, cells: set[str] | None = None) -> dict[str, Any] | None:
    """The network after the update: the forward pass again with the new parameters.

    Returns the new text of every forward cell (weights, biases, net, out, loss terms, loss),
    the cells that belong to the old step (δ, ∂E/∂w, w′) and are hidden in this view, and the
    loss before, after and its change. None when ``net`` cannot run (a Trace shown alone).
    """
    if not hasattr(net, "theta") or not hasattr(net, "trace"):
        return None
    new = _trace_at(net, trace.new_theta, trace.learning_rate)
    texts = cell_texts(net.graph, new)
    old = cell_texts(net.graph, trace)
    backward = ("-delta", "-grad", "-update", "-dout", "-dact", "-bgrad", "-bupdate")
    shown = {c: v for c, v in texts.items() if not c.endswith(backward) and (cells is None or c in cells)}
    return {
        "cells": shown,
        "before": {c: old[c] for c in shown},
        "hide": sorted(c for c in texts if c.endswith(backward) and (cells is None or c in cells)),
        "loss_before": derivation_number(trace.loss, LOSS_DIGITS),
        "loss_after": derivation_number(new.loss, LOSS_DIGITS),
        "loss_change": derivation_number(new.loss - trace.loss, LOSS_DIGITS),
        "loss_after_value": new.loss,
    }


def box_texts(net: Network, trace: Trace, boxes: dict[str, Group]) -> dict[str, list[str]]:
    """The layer view's computed numbers of each box (its id → texts, in drawing order): the
    listed outputs, mean |δ| and ‖∂E/∂θ‖, formatted as the layer view draws them; and the loss
    box's (``ge-loss``)."""
    plan = net.plan
    texts: dict[str, list[str]] = {}
    for box, group in boxes.items():
        numbers: list[float] = []
        if group.kind == "output" and len(group.nodes) <= MAX_LISTED:
            numbers += trace.forward.out[0, [plan.index[n] for n in group.nodes]].tolist()
        numbers += gradient_facts(net, trace, group)
        texts[box] = [diagram_number(x, 4) for x in numbers]
    texts["ge-loss"] = [diagram_number(trace.loss, 4)]
    return texts


def replay(
    net: Network, epochs: int, cells: set[str] | None = None, boxes: dict[str, Group] | None = None
) -> dict[str, Any]:
    """``epochs`` of training (the spec's optimiser and batches) as frames for the page's slider.

    Each frame: the epoch, the loss (exact and as text), the text of every value cell (limited to
    ``cells``, those the SVG has), every edge's style on the frame's own scale and that scale
    (the legend's "widest"). With ``boxes`` (the layer view's boxes by id) a frame holds each
    box's numbers instead (:func:`box_texts`): a few per layer, none per edge. ``net`` keeps its
    parameters.
    """
    G = net.graph
    start = net.theta.copy()
    if boxes is not None:
        n_frames = min(MAX_FRAMES, max(2, MAX_KEPT_PARAMETERS // (len(start) + 1)))
    else:
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
    finally:
        net.theta = start
    lr = net.learning_rate()
    frames: list[dict[str, Any]] = []  # the page's JSON, one per kept epoch
    for k in sorted(thetas):
        t = _trace_at(net, thetas[k], lr)
        if boxes is not None:
            frames.append(
                {
                    "epoch": k,
                    "loss": t.loss,
                    "loss_text": derivation_number(t.loss, LOSS_DIGITS),
                    "layers": box_texts(net, t, boxes),
                }
            )
            continue
        texts = cell_texts(G, t)
        styles, gmax = edge_styles(G, t)
        frames.append(
            {
                "epoch": k,
                "loss": t.loss,
                "loss_text": derivation_number(t.loss, LOSS_DIGITS),
                "cells": {c: v for c, v in texts.items() if cells is None or c in cells},
                "edges": styles,
                "widest": diagram_number(gmax),
            }
        )
    losses = [frames[0]["loss"], *history.losses]
    return {
        "frames": frames,
        "epochs": epochs,
        "losses": [x if math.isfinite(x) else None for x in losses],
        "curve": curve_svg(losses, epochs),
        "plot": CURVE,
    }


# The loss curve's drawing area inside its viewBox (the marker's x is computed from these).
CURVE = {"width": 640, "height": 170, "left": 64, "right": 16, "top": 10, "bottom": 40}


def _ticks(hi: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``hi`` (1, 2 or 5 times a power of ten apart)."""
    if hi <= 0 or not math.isfinite(hi):
        return [0.0]
    raw = hi / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    n = math.ceil(hi / step - 1e-9)
    return [round(i * step, 12) for i in range(n + 1)]


def curve_svg(losses: list[float], epochs: int) -> str:
    """The loss per epoch with labelled axes (epoch ticks, loss ticks from 0) and a marker line."""
    c = CURVE
    x0, x1 = c["left"], c["width"] - c["right"]
    y0, y1 = c["height"] - c["bottom"], c["top"]
    finite = [x for x in losses if math.isfinite(x)]
    yticks = _ticks(max(finite, default=1.0))
    ytop = yticks[-1] or 1.0
    xticks = [t for t in _ticks(float(epochs), 5) if t <= epochs]

    def px(epoch: float) -> float:
        return x0 + (x1 - x0) * epoch / max(epochs, 1)

    def py(loss: float) -> float:
        return y0 - (y0 - y1) * loss / ytop

    parts = [
        f'<svg id="ge-curve" class="ge-curve" viewBox="0 0 {c["width"]} {c["height"]}" role="img" '
        'aria-label="loss per epoch" xmlns="http://www.w3.org/2000/svg">',
        f'<line class="ge-axis" x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}"/>',
        f'<line class="ge-axis" x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}"/>',
    ]
    for t in xticks:
        x = px(t)
        parts.append(f'<line class="ge-tick" x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y0 + 5}"/>')
        parts.append(f'<text class="ge-tick-label" x="{x:.1f}" y="{y0 + 20}" text-anchor="middle">{t:g}</text>')
    for t in yticks:
        y = py(t)
        parts.append(f'<line class="ge-tick" x1="{x0 - 5}" y1="{y:.1f}" x2="{x0}" y2="{y:.1f}"/>')
        parts.append(f'<text class="ge-tick-label" x="{x0 - 8}" y="{y + 5:.1f}" text-anchor="end">{t:g}</text>')
    parts.append(
        f'<text class="ge-axis-label" x="{(x0 + x1) / 2:.1f}" y="{c["height"] - 3}" text-anchor="middle">epoch</text>'
    )
    parts.append(f'<text class="ge-axis-label" x="14" y="{(y0 + y1) / 2:.1f}" text-anchor="middle">E</text>')
    points = " ".join(f"{px(i):.1f},{py(x):.1f}" for i, x in enumerate(losses) if math.isfinite(x))
    parts.append(f'<polyline class="ge-curve-line" points="{points}"/>')
    parts.append(f'<line id="ge-curve-marker" x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}"/>')
    parts.append("</svg>")
    return "".join(parts)
