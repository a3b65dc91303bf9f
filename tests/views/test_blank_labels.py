"""Every edge label of a drawing sits on its own edge, measured in the SVG Graphviz rendered.

An exercise drawing (``render --blanks``, the worksheets) draws each edge through its label: the
edge's own path touches the label's frame, and no other edge touches or crosses it. Graphviz's own edge
labels (the annotated diagrams) are set beside the middle of their edge's route, and where edges
cross a label can sit nearer a neighbour (a known limit, marked xfail below). Read from the coordinates of the rendered SVG
(tests/helpers/svg_labels.py), not from the DOT text.
"""

from __future__ import annotations

import pytest
from helpers.svg_labels import distance, edges_and_labels

from graphengine.teach.exercise.generate import Options, generate, parse_shape
from graphengine.views.diagram.render import pipe, to_dot

SHAPES = ["2-2-2", "3-2-2", "3-3-3-2", "2-3-1"]


def _drawn(shape: str, blanks: bool, **options) -> tuple[object, bytes]:
    ex = generate(Options(shape=parse_shape(shape), seed=1, **options))
    dot = to_dot(ex.net, ex.trace, blanks=ex.blanks) if blanks else to_dot(ex.net, ex.trace, detail="full")
    return ex, pipe(dot, "svg")


def _distances(ex, svg: bytes) -> list[tuple[str, float, float, tuple[str, str]]]:
    """(weight, its label to its own edge, to the nearest other edge, that edge) for every edge."""
    edges, labels = edges_and_labels(svg)
    assert set(edges) == set(ex.net.graph.edges), "every edge found in the SVG by its tooltip"
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


def test_shared_biases_and_two_samples_keep_the_labels_on_their_edges():
    ex, svg = _drawn("3-2-2", blanks=True, shared_bias=True, samples=2, ask="update")
    assert all(own <= 1.0 and other >= 0.5 for _, own, other, _ in _distances(ex, svg))


@pytest.mark.xfail(
    strict=True,
    reason="annotated diagrams keep Graphviz's own edge labels, set beside the middle of the edge's route: "
    "where edges cross, a label can sit nearer a neighbour (the exercise drawing draws edges through labels)",
)
@pytest.mark.parametrize("shape", ["2-2-2", "2-3-1"])
def test_an_annotated_diagram_puts_each_label_nearer_its_own_edge(shape):
    ex, svg = _drawn(shape, blanks=False)
    for p, own, other, which in _distances(ex, svg):
        assert own < other, f"{shape}: {p}'s label is {own:.1f} pt from its edge, {other:.1f} from {which}"


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
