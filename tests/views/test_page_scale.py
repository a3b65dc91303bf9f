"""The step-through page of a big network (issue 25): the work grows linearly with the parameters
and the page does not grow with them at all.

Above the layer view's threshold (:func:`graphengine.views.diagram.layer_view.choose_view`) the
page draws one box per layer, so it carries nothing per edge or per parameter: no value cell,
no edge style, no table column, no replay entry. Work is counted as Python function calls
(cProfile's count, deterministic) rather than timed; one coarse time bound on 300-300-2.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import re
import time
from pathlib import Path

import pytest
from helpers.robustness_tools import cli

from graphengine.engine.network import Network
from graphengine.views.stepthrough.page import build_page, page_data

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"


def wide_spec(width: int, samples: int = 1) -> str:
    """A width-width-2 tanh network with ``samples`` samples: width² + 3·width + 2 parameters."""
    rows = []
    for s in range(samples):
        inputs = ", ".join(f"x_{i}: 0.{(i + s) % 10}" for i in range(width))
        rows.append(f"  - inputs: {{{inputs}}}\n    targets: {{y_0: 0.2, y_1: 0.7}}\n")
    return (
        f"name: wide\ninputs:\n  - {{name: x, size: {width}}}\nlayers:\n"
        f"  - {{name: h, size: {width}, from: x, activation: tanh, init: xavier}}\n"
        "  - {name: y, size: 2, from: h, init: xavier}\noutputs: [y]\nloss: mse\n"
        "training: {learning_rate: 0.01}\ndata:\n" + "".join(rows)
    )


def leaves(value: object) -> int:
    """How many numbers, strings and keys a JSON value holds."""
    if isinstance(value, dict):
        return len(value) + sum(leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(leaves(v) for v in value)
    return 1


def counted(width: int) -> tuple[int, int, dict, str]:
    """(parameters, function calls, data, svg) of the page data of a width-width-2 network with a replay."""
    net = Network.from_yaml(wide_spec(width))
    trace = net.trace()
    profile = cProfile.Profile()
    profile.enable()
    data, svg = page_data(net, trace, epochs=4)
    profile.disable()
    return len(net.plan.parameter_names), pstats.Stats(profile).total_calls, data, svg  # type: ignore[attr-defined]


def test_page_work_is_linear_and_its_data_does_not_grow_with_the_parameters():
    counted(12)  # imports and caches out of the way
    sizes = [counted(width) for width in (40, 80, 160)]  # 1,722 → 6,642 → 26,082 parameters
    for (p0, calls0, data0, _), (p1, calls1, data1, _) in zip(sizes, sizes[1:]):
        # Calls per parameter never grow (quadratic work would multiply them by ~4 per step).
        assert calls1 / p1 <= 1.1 * calls0 / p0, (p0, calls0, p1, calls1)
        # The data holds the same number of values whatever the width: nothing per weight.
        assert leaves(data1) == leaves(data0)
        assert len(json.dumps(data1)) < 1.5 * len(json.dumps(data0))
    for _, _, data, svg in sizes:
        assert data["edges"] == {} and data["hidden"] == [] and data["after"] is None
        assert all(s["reveal"] == [] and s["colour"] == [] for s in data["steps"])
        assert [c["parameter"].split(" ")[0] for c in data["changes"]] == ["h", "y"]  # a column per layer
        assert len(svg) < 1_000_000  # heatmaps are pooled to at most 64 × 64 cells


def test_layer_view_summary_table_counts_and_norms_are_the_traces():
    import numpy as np

    net = Network.from_yaml(wide_spec(40))
    trace = net.trace()
    data, _ = page_data(net, trace)
    changed = trace.theta != trace.new_theta
    # A parameter belongs to the layer of the neuron it feeds: `x_3->h_5` and `h_5.bias` to h.
    names = net.plan.parameter_names
    h = [i for i, p in enumerate(names) if p.split("->")[-1].startswith("h_")]
    y = [i for i, p in enumerate(names) if p.split("->")[-1].startswith("y_")]
    assert len(h) == 40 * 40 + 40 and len(y) == 40 * 2 + 2
    for row, indices in zip(data["changes"], (h, y)):
        assert (
            row["parameter"]
            == f"{row['parameter'].split(' ')[0]} ({int(changed[indices].sum()):,} of {len(indices):,} changed)"
        )
        assert float(row["old"]) == pytest.approx(float(np.linalg.norm(trace.theta[indices])), rel=1e-3)
        assert float(row["new"]) == pytest.approx(float(np.linalg.norm(trace.new_theta[indices])), rel=1e-3)
    assert data["change_labels"] == ["layer", "‖θ‖ before", "‖θ‖ after"]
    summary = data["steps"][-1]
    assert (
        summary["kind"] == "summary"
        and len(summary["equations"]) == 13
        and summary["equations"][-1].startswith("… and ")
    )


def box_values(svg: str) -> dict[str, list[str]]:
    """Each layer box's computed numbers as the SVG draws them (``class="ge-box-value"``)."""
    boxes = {}
    for m in re.finditer(r'<g id="(ge-layer-\d+|ge-loss)"', svg):
        end = svg.find("<!--", m.end())
        block = svg[m.end() : end if end >= 0 else len(svg)]
        found = re.findall(r'<text class="[^"]*\bge-box-value"[^>]*>([^<]*)</text>', block)
        if found:
            boxes[m[1]] = [t.replace("&#45;", "-") for t in found]
    return boxes


def test_replay_frames_hold_each_layer_boxs_numbers_as_drawn():
    net = Network.from_yaml(wide_spec(40))
    data, svg = page_data(net, net.trace(), epochs=6)
    frames = data["replay"]["frames"]
    # Frame 0 is the page's own step: its numbers are exactly the drawn ones, box by box.
    assert frames[0]["layers"] == box_values(svg)
    assert set(box_values(svg)) == {"ge-layer-1", "ge-layer-2", "ge-loss"}
    assert set(frames[0]) == {"epoch", "loss", "loss_text", "layers"}  # no per-edge or per-cell entries
    # The last frame is the network after 6 epochs of the spec's training: its loss is train's.
    trained = Network.from_yaml(wide_spec(40))
    history = trained.train(6)
    assert frames[-1]["epoch"] == 6 and frames[-1]["loss"] == pytest.approx(trained.trace().loss, rel=1e-12)
    assert history.losses[-1] == pytest.approx(data["replay"]["losses"][-1], rel=1e-12)
    outputs = trained.trace().forward.out[0, [trained.plan.index["y_0"], trained.plan.index["y_1"]]]
    assert [float(t) for t in frames[-1]["layers"]["ge-layer-2"][:2]] == pytest.approx(outputs.tolist(), abs=5e-5)


def test_report_of_a_300_300_2_network_is_quick_and_small(tmp_path):
    spec = tmp_path / "wide.yaml"
    spec.write_text(wide_spec(300))
    page = tmp_path / "wide.html"
    started = time.perf_counter()
    status, _, err = cli(["report", str(spec), "-o", str(page), "--epochs", "20"], seconds=300)
    elapsed = time.perf_counter() - started
    assert status == 0, err
    assert elapsed < 90  # 90,902 parameters: was 95 s without a replay; a few seconds now
    assert page.stat().st_size < 2_000_000  # was 18 MB (26 MB with the replay)


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")
def test_big_page_reads_well_at_1024x768(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    net = Network.from_yaml(wide_spec(300))
    path = tmp_path / "wide.html"
    html = build_page(net, epochs=10)
    path.write_text(html, encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="ge-data">(.*?)</script>', html, re.S)[1])
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_selector("#ge-counter")
        n = len(data["steps"])
        assert page.inner_text("#ge-counter") == f"step 1 of {n}" and n <= 15
        page.keyboard.press("End")
        # The summary: one column per layer, its numbers as computed.
        rows = page.eval_on_selector_all("#ge-changes tr", "rs => rs.map(r => Array.from(r.cells, c => c.textContent))")
        assert rows[0] == ["layer"] + [c["parameter"] for c in data["changes"]]
        assert rows[2] == ["‖θ‖ after"] + [c["new"] for c in data["changes"]]
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "page-300-300-2-summary-1024x768.png"))
        # The replay's last frame shows that epoch's numbers in the boxes, and slid back, the step's.
        drawn = page.eval_on_selector_all("#ge-layer-2 .ge-box-value", "ts => ts.map(t => t.textContent)")
        last = len(data["replay"]["frames"]) - 1
        page.eval_on_selector("#ge-epoch", f"(s) => {{ s.value = '{last}'; s.dispatchEvent(new Event('input')); }}")
        shown = page.eval_on_selector_all("#ge-layer-2 .ge-box-value", "ts => ts.map(t => t.textContent)")
        assert shown == data["replay"]["frames"][-1]["layers"]["ge-layer-2"] != drawn
        loss = page.eval_on_selector("#ge-loss .ge-box-value", "t => t.textContent")
        assert loss == data["replay"]["frames"][-1]["layers"]["ge-loss"][0]
        page.screenshot(path=str(SHOTS / "page-300-300-2-replay-1024x768.png"))
        page.eval_on_selector("#ge-epoch", "(s) => { s.value = '0'; s.dispatchEvent(new Event('input')); }")
        page.keyboard.press("Home")
        assert page.eval_on_selector_all("#ge-layer-2 .ge-box-value", "ts => ts.map(t => t.textContent)") == drawn
        page.screenshot(path=str(SHOTS / "page-300-300-2-start-1024x768.png"))
        assert errors == []
        browser.close()


def test_notebook_display_of_a_big_trace_alone_is_none_not_a_traceback():
    net = Network.from_yaml(wide_spec(40))
    assert net.trace()._repr_html_() is None  # the layer view needs the spec, which a Trace lacks
    assert "ge-layer-1" in (net._repr_html_() or "")  # the Network has it: the page, by layer
