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


def test_the_rows_of_labels_lie_apart():
    """Labels in one row are set as far apart as the rows allow: never more crowded than the
    edges in order (w1 w2 w3 | w4 w5 w6), each row at most as full as the wider layer."""
    from graphengine.views.diagram.blank import _spread

    where = {"i1": -1.0, "i2": 0.0, "i3": 1.0, "h1": -0.5, "h2": 0.5}
    edges = [(u, v) for v in ("h1", "h2") for u in ("i1", "i2", "i3")]

    def crowding(rows: list[int]) -> float:  # overlap of neighbours closer than a node apart
        total = 0.0
        for row in (0, 1):
            f = (row + 1) / 3  # row r of 2 sits (r + 1)/3 of the way from tail to head
            xs = sorted(where[u] + f * (where[v] - where[u]) for (u, v), r in zip(edges, rows) if r == row)
            total += sum(max(0.0, 1 - (b - a)) ** 2 for a, b in zip(xs, xs[1:]))
        return total

    rows = _spread(edges, where, 2, 3)
    assert sorted(rows) == [0, 0, 0, 1, 1, 1]
    assert crowding(rows) < crowding([0, 0, 0, 1, 1, 1])
