"""The step-through page (graphengine/views/stepthrough/page.py, assets/page.js) and `serve`, in a real Chromium.

Driven with Playwright's Python API pointed at Debian's /usr/bin/chromium (setup.sh --test
installs it; Playwright's own browser download is never used). Screenshots of a few steps go
to out/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.networks import random_case
from hypothesis import HealthCheck, given, settings

import graphengine
from graphengine._util.numfmt import derivation_number as number
from graphengine._util.numfmt import diagram_number
from graphengine.engine.network import Network
from graphengine.spec.load import parse_spec
from graphengine.views.diagram.annotated import svg_ids
from graphengine.views.diagram.render import render
from graphengine.views.stepthrough.figure import EDGE_LABELS_UP_TO
from graphengine.views.stepthrough.page import build_page
from graphengine.views.stepthrough.steps import build_steps

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    net = graphengine.load(ROOT / "specs" / "doc_example.yaml")
    path = tmp_path_factory.mktemp("page") / "doc_example.html"
    path.write_text(build_page(net, epochs=20), encoding="utf-8")
    return path


class Watched:
    """A browser page that records console messages, page errors and every request."""

    def __init__(self, browser, width: int = 1280, height: int = 720) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.requests: list[str] = []
        self.errors: list[str] = []

        def route(r):
            self.requests.append(r.request.url)
            if r.request.url.startswith(("file:", "http://127.0.0.1")):
                r.continue_()
            else:
                r.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def visible_texts(self) -> list[str]:
        return self.page.evaluate(
            """() => Array.from(document.querySelectorAll('svg.ge-diagram text'))
                 .filter(t => getComputedStyle(t).visibility === 'visible')
                 .map(t => t.textContent.trim())"""
        )

    def counter(self) -> str:
        return self.page.inner_text("#ge-counter")

    def equations(self) -> str:
        """The panel's equations as the text a copy gives (each is typeset as MathML)."""
        return self.page.eval_on_selector_all("#ge-equations .ge-eq", "els => els.map(e => e.dataset.text).join('\\n')")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser):
    w = Watched(browser)
    yield w
    w.close()


def test_page_loads_without_errors_or_network(watched, page_file):
    watched.page.goto(page_file.as_uri())
    watched.page.wait_for_selector("#ge-counter")
    assert watched.counter() == "step 1 of 45"
    assert watched.errors == []
    assert watched.requests == [page_file.as_uri()]  # nothing else: no font, script or CDN
    html = page_file.read_text()
    assert "http://" not in html.replace("http://www.w3.org/", "") and "https://" not in html


def test_keyboard_reveals_the_worked_example_in_order(watched, page_file):
    watched.page.goto(page_file.as_uri())
    # Value on the diagram → the step (1-based) that computes it.
    wanted = {"0.3775": 2, "0.5933": 3, "0.2984": 12, "0.1385": 15, "0.0822": 29, "0.3589": 39}
    first_seen: dict[str, int] = {}
    equations: dict[int, str] = {}
    for k in range(1, 46):
        assert watched.counter() == f"step {k} of 45"
        texts = watched.visible_texts()
        for value in wanted:
            if any(value in t for t in texts):
                first_seen.setdefault(value, k)
            else:
                assert value not in first_seen, f"{value} disappeared at step {k}"
        equations[k] = watched.equations()
        watched.page.keyboard.press("ArrowRight")
    assert first_seen == wanted
    assert equations[2] == "net_h1 = w1·i1 + w2·i2 + b1 = 0.15×0.05 + 0.2×0.1 + 0.35 = 0.3775"
    assert equations[12] == "E = E_o1 + E_o2 = 0.2748 + 0.0236 = 0.2984"
    assert equations[29].endswith("= 0.7414 × 0.1868 × 0.5933 = 0.0822")
    assert equations[39] == "w5' = w5 − η·∂E/∂w5 = 0.4 − 0.5 × 0.0822 = 0.3589"
    assert watched.counter() == "step 45 of 45"  # → at the end stays there
    assert watched.errors == []


def test_back_home_end_and_fragment(watched, page_file):
    watched.page.goto(page_file.as_uri() + "#step-3")
    assert watched.counter() == "step 3 of 45"
    assert "0.5933" in watched.visible_texts()
    watched.page.keyboard.press("ArrowLeft")
    assert watched.counter() == "step 2 of 45"
    assert "0.5933" not in watched.visible_texts() and "0.3775" in watched.visible_texts()
    assert watched.page.evaluate("location.hash") == "#step-2"
    watched.page.keyboard.press("End")
    assert watched.counter() == "step 45 of 45"
    watched.page.keyboard.press("Home")
    assert watched.counter() == "step 1 of 45"
    assert "0.3775" not in watched.visible_texts()
    watched.page.goto(page_file.as_uri() + "#step-29")
    watched.page.reload()
    assert watched.counter() == "step 29 of 45"
    assert watched.page.inner_text("#ge-step-title") == "Gradient: ∂E/∂w5"
    texts = watched.visible_texts()
    assert "0.0822" in texts and not any("0.3589" in t for t in texts)
    # The buttons do what the keys do.
    watched.page.click("#ge-next")
    assert watched.counter() == "step 30 of 45"
    watched.page.click("#ge-prev")
    assert watched.counter() == "step 29 of 45"


def test_before_after_and_replay(watched, page_file):
    watched.page.goto(page_file.as_uri() + "#step-45")
    assert watched.page.is_visible("#ge-toggle")
    table = watched.page.inner_text("#ge-changes")
    assert "0.4000" in table and "0.3589" in table
    assert "0.4000" in watched.visible_texts()
    watched.page.keyboard.press("b")
    texts = watched.visible_texts()
    # w5's value after the step; the gradient rows of the old step are gone (w5′ 0.3589 is now w5).
    assert "0.3589" in texts and "∂E/∂w5" not in texts
    assert "0.4000" not in texts
    watched.page.click("#ge-toggle")
    assert "0.4000" in watched.visible_texts()
    # The replay: the slider's frame shows the weights after that many epochs of training.
    net = graphengine.load(ROOT / "specs" / "doc_example.yaml")
    net.train(7)
    w5 = f"{net.parameters['w5']:.4f}"
    watched.page.eval_on_selector("#ge-epoch", "el => { el.value = 7; el.dispatchEvent(new Event('input')); }")
    assert watched.page.inner_text("#ge-epoch-label") == "7 of 20"
    assert w5 in watched.visible_texts()
    assert watched.page.inner_text("#ge-epoch-loss") == f"E = {number(net.loss(), 9)}"
    assert watched.counter() == "epoch 7 of 20"
    watched.page.eval_on_selector("#ge-epoch", "el => { el.value = 0; el.dispatchEvent(new Event('input')); }")
    assert "0.4000" in watched.visible_texts()
    assert watched.errors == []


MEASURE_GAPS = r"""() => {
  // Consecutive text runs of one line in one group: where a space separates them in the source,
  // their glyphs must not touch (w5 then 0.4000); no two runs may overlap.
  const problems = [];
  const texts = Array.from(document.querySelectorAll('svg text'));
  const groups = new Map();
  for (const t of texts) {
    if (!t.textContent.length) continue;
    const key = t.parentNode.closest('g.node, g.edge, g.graph');
    const line = (key ? key.id : '') + '@' + t.getAttribute('y');
    if (!groups.has(line)) groups.set(line, []);
    groups.get(line).push(t);
  }
  // Where the glyphs (not the spaces) of a run begin or end; a viewer may have dropped a
  // leading or trailing space (that is the bug this looks for), so count the rendered characters.
  const ink = (t, fromEnd) => {
    const s = t.textContent, rendered = t.getNumberOfChars();
    const leading = s.length - s.trimStart().length, trailing = s.length - s.trimEnd().length;
    const collapsed = s.length - rendered;
    const first = Math.max(0, leading - collapsed);
    const last = rendered - 1 - Math.max(0, trailing - Math.max(0, collapsed - leading));
    return fromEnd ? t.getEndPositionOfChar(last).x : t.getStartPositionOfChar(first).x;
  };
  for (const [line, all] of groups) {
    all.sort((a, b) => parseFloat(a.getAttribute('x')) - parseFloat(b.getAttribute('x')));
    // Space-only runs have no ink: they only say that the runs either side are separate words.
    let previous = null, spaced = false;
    for (const run of all) {
      if (run.textContent.trim() === '') { spaced = true; continue; }
      if (run.getNumberOfChars() === 0) continue;
      if (previous !== null) {
        spaced = spaced || /\s$/.test(previous.textContent) || /^\s/.test(run.textContent);
        const gap = ink(run, false) - ink(previous, true);
        // Graphviz measures with its own font metrics: runs written without a space may meet within a pixel.
        if (gap < -1) problems.push(`overlap ${previous.textContent}|${run.textContent} ${gap.toFixed(2)}`);
        else if (spaced && gap < 2) problems.push(`touch ${previous.textContent}|${run.textContent} gap ${gap.toFixed(2)}`);
      }
      previous = run;
      spaced = false;
    }
  }
  return {problems, count: texts.length};
}"""


def test_no_label_texts_touch_in_render_or_page(watched, page_file, tmp_path):
    net = graphengine.load(ROOT / "specs" / "doc_example.yaml")
    svg = render(net, net.trace(), tmp_path / "doc.svg")
    for url in (svg.as_uri(), page_file.as_uri() + "#step-45"):
        watched.page.goto(url)
        result = watched.page.evaluate(MEASURE_GAPS)
        assert result["count"] > 50
        assert result["problems"] == [], url
    # The committed picture the README shows is fixed too.
    watched.page.goto((ROOT / "docs" / "doc_example.svg").as_uri())
    assert watched.page.evaluate(MEASURE_GAPS)["problems"] == []


@pytest.mark.parametrize(
    "size, steps", [((1280, 720), ["2", "15", "29", "45"]), ((600, 900), ["2", "45"]), ((1920, 1080), ["12"])]
)
def test_screenshots(browser, page_file, size, steps):
    w = Watched(browser, *size)
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        for step in steps:
            w.page.goto(page_file.as_uri() + f"#step-{step}")
            w.page.reload()
            # The whole diagram is inside the window's width: nothing cut off on the right.
            box = w.page.eval_on_selector("svg.ge-diagram", "e => e.getBoundingClientRect().right")
            assert box <= size[0] + 1
            w.page.screenshot(path=str(SHOTS / f"doc_example-{size[0]}x{size[1]}-step{step}.png"))
        assert w.errors == []
    finally:
        w.close()


def test_serve_reloads_when_the_spec_changes(browser, tmp_path):
    spec = tmp_path / "net.yaml"
    original = (ROOT / "specs" / "doc_example.yaml").read_text()
    spec.write_text(original)
    exe = shutil.which("graphengine", path=str(Path(sys.executable).parent)) or "graphengine"
    proc = subprocess.Popen(
        [exe, "serve", str(spec), "--port", "0"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    w = Watched(browser)
    try:
        line = proc.stderr.readline()
        assert line.startswith(f"serving {spec} at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].split()[0]
        w.page.goto(url + "#step-2")
        w.page.wait_for_selector("#ge-counter:has-text('step 2 of 45')")
        assert "0.15×0.05" in w.equations()
        # A teacher edits w1 in the editor and saves: the page recomputes and keeps the step.
        time.sleep(0.05)
        spec.write_text(original.replace("w1: 0.15", "w1: 0.25"))
        # (The page's Content-Security-Policy forbids eval, so no wait_for_function.)
        w.page.wait_for_selector("#ge-equations .ge-eq[data-text*='0.25×0.05']", timeout=10_000)
        assert w.equations().endswith("= 0.3825")
        assert w.counter() == "step 2 of 45"
        # A broken spec: the page shows the one-line error, then recovers.
        spec.write_text(original.replace("w1: 0.15", "w1: [0.15"))
        w.page.wait_for_selector("#ge-error", timeout=10_000)
        message = w.page.inner_text("#ge-error")
        assert message.startswith(f"{spec}:") and "\n" not in message
        spec.write_text(original)
        w.page.wait_for_selector("#ge-counter:has-text('step 2 of 45')", timeout=10_000)
        assert all(r.startswith(url) for r in w.requests)
        assert w.errors == []
    finally:
        w.close()
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_binds_to_loopback_only():
    from graphengine.views.stepthrough.page import error_page
    from graphengine.views.stepthrough.serve import LiveSpec, make_server

    live = LiveSpec(ROOT / "specs" / "doc_example.yaml", lambda text, token: "ok", lambda text: {}, error_page)
    server = make_server(live, 0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


CELLS = r"""() => {
  const data = JSON.parse(document.getElementById('ge-data').textContent);
  const out = {};
  for (const id of data.hidden) {
    const g = document.getElementById('a_' + id);
    if (!g) continue;
    const texts = Array.from(g.querySelectorAll('text'));
    out[id] = [texts.every(t => getComputedStyle(t).visibility === 'visible'),
               texts.map(t => t.textContent).join('').replace(/\u00a0/g, ' ').trim()];
  }
  return out;
}"""


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(case=random_case())
def test_generated_networks_reveal_the_trace_values_step_by_step(browser, tmp_path_factory, case):
    """On generated networks (shared and frozen parameters, skips, every activation and loss):
    each cell appears exactly from the step that computes it, showing that step's value."""
    net = Network(parse_spec(case.text, "<random spec>"))
    trace = net.trace()
    steps = build_steps(net, trace)
    path = tmp_path_factory.mktemp("random") / "page.html"
    path.write_text(build_page(net, trace), encoding="utf-8")
    ids = svg_ids(net.graph)
    w = Watched(browser)
    try:
        w.page.goto(path.as_uri())
        first_step: dict[str, int] = {}
        data = w.page.evaluate("JSON.parse(document.getElementById('ge-data').textContent)")
        for k, step in enumerate(data["steps"]):
            for cell in step["reveal"]:
                first_step.setdefault(cell, k)
        for k, step in enumerate(steps):
            cells = w.page.evaluate(CELLS)
            for cell, (visible, _) in cells.items():
                assert visible == (first_step[cell] <= k), (k, step.title, cell)
            if step.kind in ("net", "out", "dout", "dact", "delta"):
                cell = f"{ids['node'][step.node]}-{step.kind}"
                if cell in cells:
                    assert cells[cell][1].split()[-1] == diagram_number(step.value), (step.title, cells[cell])
            if step.kind == "gradient":
                for u, v in [(u, v) for u, v in net.graph.edges if net.graph.edges[u, v]["weight"] == step.parameter]:
                    cell = f"{ids['edge'][(u, v)]}-grad"
                    if cell in cells:
                        assert cells[cell][1].endswith(diagram_number(step.value)), (step.title, cells[cell])
            if step.kind == "update":
                trainable = net.graph.graph["parameters"][step.parameter]["trainable"]
                shown = [cells[c][1] for c in data["steps"][k]["reveal"] if c in cells]
                G = net.graph
                # The lecture diagram labels edges (weight, ∂E/∂w, w′) up to EDGE_LABELS_UP_TO edges.
                on_labelled_edge = G.number_of_edges() <= EDGE_LABELS_UP_TO and any(
                    d["weight"] == step.parameter for _, _, d in G.edges(data=True)
                )
                assert bool(shown) == on_labelled_edge, step.title
                for text in shown:
                    assert text.endswith(diagram_number(step.value) if trainable else "frozen"), (step.title, text)
            if step.kind == "term":
                assert cells[f"{ids['loss'][step.node]}-term"][1].split()[-1] == diagram_number(step.value)
            w.page.keyboard.press("ArrowRight")
        assert w.errors == []
    finally:
        w.close()


def test_notebook_iframe_and_svg_fit_a_narrow_cell(browser, tmp_path):
    """What Jupyter shows: the page in an iframe that steps with its own keys, and the SVG
    display scaled to a cell narrower than the diagram (nothing cut off on the right)."""
    net = graphengine.load(ROOT / "specs" / "doc_example.yaml")
    cell = tmp_path / "notebook.html"
    cell.write_text(
        '<!DOCTYPE html><meta charset="utf-8"><div style="width: 700px; overflow: hidden" id="cell">'
        + net._repr_svg_()
        + "</div>"
        + '<div style="width: 900px">'
        + net.trace()._repr_html_()
        + "</div>",
        encoding="utf-8",
    )
    w = Watched(browser, 1000, 1200)
    try:
        w.page.goto(cell.as_uri())
        width = w.page.eval_on_selector("#cell svg", "e => e.getBoundingClientRect().width")
        assert 690 <= width <= 701
        frame = w.page.frame_locator("iframe")
        assert frame.locator("#ge-counter").inner_text() == "step 1 of 45"
        frame.locator("#ge-next").click()
        frame.locator("body").press("ArrowRight")
        assert frame.locator("#ge-counter").inner_text() == "step 3 of 45"
        SHOTS.mkdir(parents=True, exist_ok=True)
        w.page.screenshot(path=str(SHOTS / "notebook.png"), full_page=True)
        assert w.errors == []
    finally:
        w.close()


def test_layer_level_page_steps_through(browser, tmp_path):
    """A bigger network (4-8-8-3 iris) with one step per layer: every neuron's values appear at its layer's step."""
    net = graphengine.load(ROOT / "specs" / "iris_4883.yaml")
    trace = net.trace()
    path = tmp_path / "iris.html"
    path.write_text(build_page(net, trace, layered=True), encoding="utf-8")
    steps = build_steps(net, trace, layered=True)
    w = Watched(browser)
    try:
        w.page.goto(path.as_uri())
        assert w.counter() == f"step 1 of {len(steps)}"
        first_layer = next(k for k, s in enumerate(steps) if s.kind == "layer-forward")
        w.page.goto(path.as_uri() + f"#step-{first_layer + 1}")
        w.page.reload()
        cells = w.page.evaluate(CELLS)
        ids = svg_ids(net.graph)
        for v in steps[first_layer].nodes:
            visible, text = cells[f"{ids['node'][v]}-out"]
            assert visible and text.split()[-1] == diagram_number(trace.out(v)), v
        later = [v for s in steps[first_layer + 1 :] if s.kind == "layer-forward" for v in s.nodes]
        assert later and all(not cells[f"{ids['node'][v]}-out"][0] for v in later)
        w.page.keyboard.press("End")
        assert w.counter() == f"step {len(steps)} of {len(steps)}"
        assert w.errors == []
    finally:
        w.close()
