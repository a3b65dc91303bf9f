"""Diagram facts shared with the other views: one loss symbol (the derivation's), the widest edge
against the page's highlight, and the one decision between the neuron and the layer view."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import graphengine
from graphengine.engine.network import Network
from graphengine.spec.load import parse_spec
from graphengine.views.diagram.annotated import to_dot
from graphengine.views.diagram.layer_view import choose_view, to_layer_dot

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "specs" / "doc_example.yaml"
PAGE_CSS = ROOT / "graphengine" / "views" / "stepthrough" / "assets" / "page.css"


def loss_symbols(text: str) -> set[str]:
    """The symbols written as the loss in ``∂X/∂something``."""
    return set(re.findall(r"∂(\w)[₀-₉]*/∂", text))


def test_the_diagram_writes_the_derivations_loss_symbol():
    net = graphengine.load(SPEC)
    derivation = net.explain(format="text")
    symbol = loss_symbols(derivation)
    assert len(symbol) == 1  # explain writes one symbol (E for the worked example, as its source does)
    (E,) = symbol
    for dot in (to_dot(net.graph, net.trace()), to_layer_dot(net, net.trace())):
        assert loss_symbols(dot) == symbol
        assert f"∂{E}/∂w" in dot
    # The total loss node is named with it too.
    assert re.search(rf"<B>{E} =</B>", to_dot(net.graph, net.trace()))


def _css_stroke_widths(selector_part: str) -> list[float]:
    css = PAGE_CSS.read_text(encoding="utf-8")
    widths = []
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        if selector_part in selectors:
            widths += [float(w) for w in re.findall(r"stroke-width:\s*([\d.]+)px", body)]
    return widths


def test_a_highlighted_edge_is_never_thinner_than_any_other():
    """The step-through page draws the current edge with a fixed stroke; every edge of any diagram
    (width from |∂E/∂w|) must stay at most that wide."""
    highlight = _css_stroke_widths(".ge-edge.ge-current")
    assert highlight, "page.css has no highlight rule for the current edge"
    widest_drawn = 0.0
    for name in ("doc_example", "tanh_3332", "xor", "iris_4883"):
        net = graphengine.load(ROOT / "specs" / f"{name}.yaml")
        dot = to_dot(net.graph, net.trace())
        widths = [float(w) for w in re.findall(r'penwidth="([\d.]+)"', dot)]
        widest_drawn = max(widest_drawn, *widths)
    assert widest_drawn > 3.0  # the largest gradient is drawn wide (the test can fail)
    assert min(highlight) >= widest_drawn


def _layered(neurons: int) -> Network:
    text = f"""
name: wide
inputs: [{{name: x, size: 2}}]
layers:
  - {{name: h, size: {neurons}, from: x, activation: tanh, init: xavier}}
  - {{name: y, size: 1, from: h, init: xavier}}
outputs: [y]
loss: half_squared_error
training: {{seed: 0}}
"""
    return Network(parse_spec(text, "wide.yaml"))


@pytest.mark.parametrize(
    "net, view",
    [
        (lambda: graphengine.load(SPEC), "neurons"),
        (lambda: graphengine.load(ROOT / "specs" / "tanh_3332.yaml"), "neurons"),
        (lambda: graphengine.load(ROOT / "specs" / "iris_4883.yaml"), "neurons"),  # 19 neurons, 120 edges
        (lambda: _layered(29), "neurons"),  # 30 neurons, 87 edges
        (lambda: _layered(30), "layers"),  # 31 neurons (90 edges): past a screen of boxes
        (lambda: graphengine.load(ROOT / "specs" / "digits.yaml"), "layers"),  # 2368 edges
    ],
)
def test_one_decision_picks_the_view(net, view):
    assert choose_view(net()) == view


def test_render_draws_top_to_bottom_when_asked(cli, tmp_path):
    across, down = tmp_path / "lr.dot", tmp_path / "tb.dot"
    assert cli("render", SPEC, "-o", across).code == 0
    assert cli("render", SPEC, "-o", down, "--direction", "TB").code == 0
    assert 'rankdir="LR"' in across.read_text(encoding="utf-8")
    assert 'rankdir="TB"' in down.read_text(encoding="utf-8")
    # Only the direction differs, and the room around an edge's label (over it left to right, where
    # Graphviz sets it over its edge; around it top to bottom, beside its edge): the same labels, in
    # the same order.
    room = '<TR><TD HEIGHT="12"></TD></TR><TR><TD CELLPADDING="2">'
    left_to_right = across.read_text(encoding="utf-8")
    assert left_to_right.count(room) == 8  # one per edge of the worked example
    left_to_right = left_to_right.replace('CELLPADDING="0">' + room, 'CELLPADDING="4"><TR><TD>')
    assert left_to_right.replace('rankdir="LR"', 'rankdir="TB"') == down.read_text(encoding="utf-8")
    bad = cli("render", SPEC, "-o", tmp_path / "x.dot", "--direction", "up")
    assert bad.code == 2 and "--direction" in bad.err
