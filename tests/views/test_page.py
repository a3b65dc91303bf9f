"""The page's HTML (graphengine/views/stepthrough/page.py) and the `report` command, without a browser:
self-containment, the embedded step data, awkward names, one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import graphengine
from graphengine._util.numfmt import derivation_number, diagram_number
from graphengine.cli import main
from graphengine.views.diagram.annotated import svg_ids
from graphengine.views.stepthrough.page import build_page, replay

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "specs" / "doc_example.yaml"


def page_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="ge-data">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match[1])


def test_report_writes_one_self_contained_file(tmp_path, capsys):
    out = tmp_path / "step.html"
    assert main(["report", str(DOC), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"page written to {out}"
    html = out.read_text(encoding="utf-8")
    # Nothing loaded from anywhere: no src/href to a resource, a CSP that refuses requests.
    assert not re.search(r'\b(src|href)="(?!#)', html)
    assert "connect-src 'none'" in html and "default-src 'none'" in html
    assert "<svg" in html and "xlink:href" not in html
    data = page_data(html)
    assert len(data["steps"]) == 45
    assert data["steps"][1]["equations"] == ["net_h1 = w1·i1 + w2·i2 + b1 = 0.15×0.05 + 0.2×0.1 + 0.35 = 0.3775"]
    # Every cell a step reveals exists in the SVG (Graphviz wraps a cell with an id in <g id="a_ID">).
    ids = set(re.findall(r'<g id="a_([^"]+)"', html.replace("&#45;", "-")))
    assert set(data["hidden"]) - {"ge-loss-sample"} <= ids
    assert {c for step in data["steps"] for c in step["highlight"]} <= set(
        re.findall(r'<g id="([^"]+)" class="(?:node|edge)', html.replace("&#45;", "-"))
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["-o", "page.txt"], "must end in .html"),
        (["-o", "page.html", "--epochs", "0"], "--epochs"),
    ],
)
def test_report_usage_errors(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(DOC), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err
    assert not (tmp_path / "page.html").exists()


def test_report_without_data_or_with_bad_yaml(tmp_path, capsys):
    nodata = tmp_path / "nodata.yaml"
    nodata.write_text("inputs: [x]\noutputs: [y]\nnodes:\n  y: {}\nedges:\n  - {from: x, to: y, weight: 0.5}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("inputs: [x\n")
    for spec, where in ((nodata, f"{nodata}: data:"), (bad, f"{bad}:2:")):
        out = tmp_path / "p.html"
        assert main(["report", str(spec), "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {where}") and err.count("\n") == 1
        assert not out.exists()


def test_awkward_names_stay_text(tmp_path):
    """Names are any text: `</script>`, quotes, `->`-free Unicode; none may end the script or break the SVG."""
    spec = tmp_path / "odd.yaml"
    spec.write_text(
        """
inputs: ["</script><b>x", "it's"]
outputs: ["名前 \\"q\\""]
nodes:
  "σ₁ & <h>": {activation: tanh, bias: "p</script>"}
  "名前 \\"q\\"": {}
edges:
  - {from: "</script><b>x", to: "σ₁ & <h>", weight: 0.3}
  - {from: "it's", to: "σ₁ & <h>", weight: -0.2}
  - {from: "σ₁ & <h>", to: "名前 \\"q\\"", weight: 0.7}
parameters:
  "p</script>": 0.1
data:
  - inputs: {"</script><b>x": 1.0, "it's": 0.5}
    targets: {"名前 \\"q\\"": 0.25}
"""
    )
    net = graphengine.load(spec)
    html = build_page(net)
    assert html.count("</script>") == 2  # the data script and the page script, nothing else
    data = page_data(html)
    titles = [s["title"] for s in data["steps"]]
    assert "Forward: net of σ₁ & <h>" in titles and "Gradient: ∂E/∂p</script>" in titles
    ids = svg_ids(net.graph)
    assert set(ids["node"].values()) == {"ge-n0", "ge-n1", "ge-n2", "ge-n3"}


def test_replay_frames_follow_training():
    net = graphengine.load(DOC)
    before = net.theta.copy()
    frames = replay(net, 30)
    assert (net.theta == before).all()  # the network keeps its parameters
    trained = graphengine.load(DOC)
    history = trained.train(30)
    assert frames["losses"][1:] == pytest.approx(history.losses, rel=1e-12)
    assert [f["epoch"] for f in frames["frames"]] == list(range(31))
    w5_cell = f"{svg_ids(net.graph)['edge'][('h1', 'o1')]}-weight"
    assert frames["frames"][-1]["cells"][w5_cell] == f"{trained.parameters['w5']:.4f}"
    # Long runs keep at most 201 frames, the first and the last among them.
    long = replay(net, 1000)["frames"]
    assert len(long) <= 201 and long[0]["epoch"] == 0 and long[-1]["epoch"] == 1000


def test_notebook_displays():
    net = graphengine.load(DOC)
    trace = net.trace()
    for obj in (net, trace):
        html = obj._repr_html_()
        assert html.startswith("<iframe srcdoc=") and "sandbox=" in html
        svg = obj._repr_svg_()
        assert re.search(r'<svg width="100%" style="max-width: [\d.]+pt; height: auto"', svg)


def test_serve_port_in_use_is_one_line(capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", str(DOC), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: --port: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_edges_colour_only_from_their_gradient_step():
    net = graphengine.load(DOC)
    data = page_data(build_page(net))
    ids = svg_ids(net.graph)
    coloured = {e: k for k, step in enumerate(data["steps"]) for e in step["colour"]}
    assert set(coloured) == set(ids["edge"].values())
    # Each edge from the step of its own parameter's ∂E/∂w (the 8 gradient steps, w1 … w8 in order).
    for (u, v), eid in ids["edge"].items():
        step = data["steps"][coloured[eid]]
        assert step["kind"] == "gradient" and step["title"] == f"Gradient: ∂E/∂{net.graph.edges[u, v]['weight']}"


def test_after_view_is_the_forward_pass_with_the_new_parameters():
    net = graphengine.load(DOC)
    after = page_data(build_page(net))["after"]
    # The oracle: a second network given the updated parameters by hand (not the page's code path).
    updated = graphengine.load(DOC)
    updated.theta = net.trace().new_theta.copy()
    assert after["loss_before"] == "0.298371109"
    assert after["loss_after"] == derivation_number(updated.loss(), 9) == "0.291027774"
    o1 = svg_ids(net.graph)["node"]["o1"]
    assert after["cells"][f"{o1}-out"] == diagram_number(updated.trace().out("o1"))
    assert after["cells"]["ge-loss-value"] == diagram_number(updated.loss())
    assert f"{o1}-delta" in after["hide"] and f"{o1}-delta" not in after["cells"]


def test_without_latex2mathml_the_equations_are_text(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "latex2mathml.converter", None)  # the import fails
    net = graphengine.load(DOC)
    data = page_data(build_page(net))
    assert all(m is None for step in data["steps"] for m in step["math"])
    assert data["steps"][1]["equations"] == ["net_h1 = w1·i1 + w2·i2 + b1 = 0.15×0.05 + 0.2×0.1 + 0.35 = 0.3775"]


def test_with_latex2mathml_the_equations_are_mathml():
    net = graphengine.load(DOC)
    step = page_data(build_page(net))["steps"][1]
    parts = step["math"][0]
    assert len(parts) == 4 and all(p.startswith("<math") for p in parts)
    assert "<mn>0.3775</mn>" in parts[-1]


def test_report_epochs_counts_epochs(tmp_path, capsys):
    out = tmp_path / "replay.html"
    assert main(["report", str(DOC), "-o", str(out), "--epochs", "1000"]) == 0
    html = out.read_text(encoding="utf-8")
    replay_data = page_data(html)["replay"]
    assert replay_data["epochs"] == 1000 and replay_data["frames"][-1]["epoch"] == 1000
    # Each frame's scale is its own: at epoch 1000 the widest |∂E/∂w| is far below epoch 0's.
    first, last = replay_data["frames"][0], replay_data["frames"][-1]
    assert float(last["widest"]) < float(first["widest"]) / 10
    assert '<svg id="ge-curve"' in html and 'class="ge-axis"' in html
