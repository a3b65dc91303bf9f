"""The page's HTML (graphengine/views/stepthrough/page.py) and the `report` command, without a browser:
self-containment, the embedded step data, awkward names, one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import graphengine
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
