"""Every edge label of a drawing sits on its own edge, measured in the SVG Graphviz rendered.

An exercise drawing (``render --blanks``, the worksheets) draws each edge through its label: the
edge's own path touches the label's frame, and no other edge touches or crosses it. Graphviz's own edge
labels (the annotated diagrams) are set over the middle of their edge's route; room over the text
and little under it keep each one nearer its own edge than a crossing neighbour. Read from the
coordinates of the rendered SVG (tests/helpers/svg_labels.py), not from the DOT text.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from helpers.svg_labels import distance, edges_and_labels

import graphengine
from graphengine.errors import RenderError
from graphengine.teach.exercise.generate import Options, generate, parse_shape
from graphengine.views.diagram.blank import blank_dot, layer_bands
from graphengine.views.diagram.dotparts import layers_of
from graphengine.views.diagram.render import pipe, to_dot

SHAPES = ["2-2-2", "3-2-2", "3-3-3-2", "2-3-1"]


def _drawn(shape: str, blanks: bool, **options) -> tuple[object, bytes]:
    ex = generate(Options(shape=parse_shape(shape), seed=1, **options))
    dot = to_dot(ex.net, ex.trace, blanks=ex.blanks) if blanks else to_dot(ex.net, ex.trace, detail="full")
    return ex, pipe(dot, "svg")


def _names_only(shape: str, **drawing) -> tuple[object, bytes]:
    """The worksheet's drawing of a larger network: names and given numbers, no boxes."""
    ex = generate(Options(shape=parse_shape(shape), seed=1, ask="forward"))
    return ex, pipe(blank_dot(ex.net.graph, ex.trace, ex.blanks, boxes=False, **drawing), "svg")


def _distances(ex, svg: bytes, edges_drawn=None) -> list[tuple[str, float, float, tuple[str, str]]]:
    """(weight, its label to its own edge, to the nearest other edge, that edge) for every edge."""
    edges, labels = edges_and_labels(svg)
    expected = set(ex.net.graph.edges) if edges_drawn is None else set(edges_drawn)
    assert set(edges) == expected, "every edge found in the SVG by its tooltip"
    out = []
    for e, points in edges.items():
        p = ex.net.graph.edges[e]["weight"]
        assert p in labels, f"no label for {p}"
        box = labels[p]
        other, which = min((distance(box, q), f) for f, q in edges.items() if f != e)
        out.append((p, distance(box, points), other, which))
    return out


@pytest.mark.parametrize("shape", SHAPES)
def test_an_exercise_drawing_runs_every_edge_through_its_own_label(shape):
    ex, svg = _drawn(shape, blanks=True)
    for p, own, other, which in _distances(ex, svg):
        assert own <= 1.0, f"{shape}: {p}'s edge does not reach its label ({own:.1f} pt)"
        assert other >= 0.5, f"{shape}: the edge {which} touches {p}'s label ({other:.1f} pt)"


@pytest.mark.parametrize("label_width", [None, 1.0])
@pytest.mark.parametrize("shape", ["2-2-2", "2-3-1", "4-4", "3-3-3-2", "4-4-4-4"])
def test_a_drawing_of_names_only_runs_every_edge_through_its_own_label(shape, label_width):
    ex, svg = _names_only(shape, label_width=label_width)
    assert f"({list(ex.blanks.values())[-1]})".encode() not in svg  # no box: the worksheet lists the blanks
    for p, own, other, which in _distances(ex, svg):
        assert own <= 1.0, f"{shape}: {p}'s edge does not reach its label ({own:.1f} pt)"
        assert other >= 0.5, f"{shape}: the edge {which} touches {p}'s label ({other:.1f} pt)"


def test_a_part_of_the_drawing_holds_its_layers_and_the_edges_between_them():
    """Layers 1 to 3 of a 4-4-4-4-4 network (h, k, m): the 32 edges between them, each through its
    own label; no input, output, loss or caption."""
    ex, svg = _names_only("4-4-4-4-4", layers=(1, 3))
    layers = layers_of(ex.net.graph)
    between = [(u, v) for u, v in ex.net.graph.edges if u in layers[1] + layers[2]]
    assert len(between) == 32
    for p, own, other, which in _distances(ex, svg, between):
        assert own <= 1.0 and other >= 0.5, (p, own, other, which)
    titles = set(re.findall(rb"<title>([^<]*)</title>", svg))
    assert {n.encode() for n in layers[1] + layers[2] + layers[3]} <= titles
    assert not {n.encode() for n in layers[0] + layers[4]} & titles
    assert b"loss" not in svg and b"compute" not in svg
    with pytest.raises(RenderError):
        blank_dot(ex.net.graph, ex.trace, ex.blanks, layers=(3, 3))


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")
def test_the_bands_of_the_layers_hold_their_nodes_names_in_the_pdf(tmp_path):
    """Each layer's band (layer_bands, from Graphviz's JSON layout) holds the names of its nodes
    where pdftotext finds them in the drawing's PDF (it measures from the top)."""
    ex = generate(Options(shape=parse_shape("3-3-3-2"), seed=1, ask="forward"))
    dot = blank_dot(ex.net.graph, ex.trace, ex.blanks, boxes=False)
    pdf = tmp_path / "d.pdf"
    pdf.write_bytes(pipe(dot, "pdf"))
    text = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', text)[1])
    words: dict[str, tuple[float, float]] = {}
    for y0, y1, w in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(\w+)</word>', text):
        words.setdefault(w, (height - float(y1), height - float(y0)))  # a node's name first (o1, then loss at o1)
    bands = layer_bands(ex.net.graph, pipe(dot, "json"))
    for layer, (bottom, top) in zip(layers_of(ex.net.graph), bands):
        for name in layer:
            low, high = words[name]
            assert bottom < low < high < top, (name, (low, high), (bottom, top))
    assert all(a[0] > b[1] for a, b in zip(bands, bands[1:])), "inputs at the top, each layer under the one before"


def test_shared_biases_and_two_samples_keep_the_labels_on_their_edges():
    ex, svg = _drawn("3-2-2", blanks=True, shared_bias=True, samples=2, ask="update")
    assert all(own <= 1.0 and other >= 0.5 for _, own, other, _ in _distances(ex, svg))


@pytest.mark.parametrize("shape", ["2-2-2", "2-3-1", "3-2-2", "3-3-2", "2-4-1", "2-2"])
def test_an_annotated_diagram_puts_each_label_nearer_its_own_edge(shape):
    ex, svg = _drawn(shape, blanks=False)
    for p, own, other, which in _distances(ex, svg):
        assert own < other, f"{shape}: {p}'s label is {own:.1f} pt from its edge, {other:.1f} from {which}"


def test_the_worked_example_puts_each_label_nearer_its_own_edge_in_both_directions():
    net = graphengine.load("specs/doc_example.yaml")
    for direction in ("LR", "TB"):
        svg = pipe(to_dot(net, net.trace(), detail="full", direction=direction), "svg")
        edges, labels = edges_and_labels(svg)
        for e, points in edges.items():
            box = labels[net.graph.edges[e]["weight"]]
            assert distance(box, points) < min(distance(box, q) for f, q in edges.items() if f != e), (direction, e)


def test_the_measure_sees_a_label_set_on_the_wrong_edge():
    """The oracle itself: the same SVG with two labels' texts swapped fails the test above."""
    ex, svg = _drawn("3-2-2", blanks=True)
    swapped = svg.replace(b">w3<", b">TMP<").replace(b">w5<", b">w3<").replace(b">TMP<", b">w5<")
    results = {p: (own, other) for p, own, other, _ in _distances(ex, swapped)}
    assert results["w3"][0] > 3.0 and results["w5"][0] > 3.0


def test_the_rows_of_labels_keep_each_label_where_its_edge_passes():
    """Between two layers of two, the parallel edges share a row and the crossing pair takes the
    other (their labels a node apart where the edges pass); the cost of a row is the least squared
    move that sets its labels a node apart, here by hand."""
    from graphengine.views.diagram.blank import _moved, _spread

    assert _moved([0.0, 0.0]) == 0.5  # each moves half a node
    assert _moved([0.0, 2.0]) == 0.0
    assert _moved([0.0, 0.0, 0.0]) == 2.0  # -1, 0, 1
    assert abs(_moved([0.0, 0.5, 3.0]) - 0.125) < 1e-12  # -0.25, 0.75, 3
    where = {"i1": -0.5, "i2": 0.5, "h1": -0.5, "h2": 0.5}
    edges = [("i1", "h1"), ("i2", "h1"), ("i1", "h2"), ("i2", "h2")]
    rows = _spread(edges, where, 2, 2)
    assert rows[0] == rows[3] != rows[1] == rows[2], rows


def test_a_local_search_sets_dense_rows_where_no_single_change_betters_them():
    """Between two layers of four, 16 labels in 3 rows of at most 6 (3^16 choices, too many to try):
    the rows chosen cost no more than the edges in order, and no move of one label to another row
    nor swap of two labels' rows (with room in the row) costs less (checked here, by brute force)."""
    from graphengine.views.diagram.blank import _moved, _spread

    tails, heads = ["a1", "a2", "a3", "a4"], ["b1", "b2", "b3", "b4"]
    where = {n: i - 1.5 for g in (tails, heads) for i, n in enumerate(g)}
    edges = [(u, v) for v in heads for u in tails]
    n, per_row, apart = 3, 6, 0.6

    def cost(rows):
        total = 0.0
        for row in range(n):
            f = (row + 1) / (n + 1)
            mine = sorted((e for e, r in zip(edges, rows) if r == row), key=lambda e: where[e[0]] + where[e[1]])
            total += _moved([(where[u] + f * (where[v] - where[u])) / apart for u, v in mine])
        return total

    rows = _spread(edges, where, n, per_row, apart)
    assert max(rows.count(r) for r in range(n)) <= per_row
    assert cost(rows) < cost([k * n // len(edges) for k in range(len(edges))])
    for k in range(len(edges)):
        for row in range(n):
            moved = rows[:k] + [row] + rows[k + 1 :]
            if moved.count(row) <= per_row:
                assert cost(moved) >= cost(rows) - 1e-9, (k, row)
        for j in range(k + 1, len(edges)):
            swapped = list(rows)
            swapped[k], swapped[j] = rows[j], rows[k]
            assert cost(swapped) >= cost(rows) - 1e-9, (k, j)
