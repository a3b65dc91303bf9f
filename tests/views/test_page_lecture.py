"""The step-through page in a lecture hall (issue 23), in Debian's Chromium: nothing before its time,
the network after the step, the epoch replay, sizes at 1024×768, big networks by layer, MathML,
and `serve`'s live "what if" with its guards.

Oracles are independent of the page: `graphengine run --json` / `train --json` (the CLI), the
engine's trace, hand-derived rules (gradient_style). Screenshots go to out/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_page_browser import ARGS, CHROMIUM, SHOTS, Watched

import graphengine
from graphengine._util.numfmt import derivation_number, diagram_number
from graphengine.views.diagram.dotparts import svg_ids
from graphengine.views.diagram.palette import gradient_style
from graphengine.views.stepthrough.figure import NEUTRAL, NEUTRAL_WIDTH
from graphengine.views.stepthrough.page import build_page

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "specs" / "doc_example.yaml"
TANH = ROOT / "tests" / "fixtures" / "tanh_3332.yaml"
DIGITS = ROOT / "specs" / "digits.yaml"

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def write_page(tmp_path: Path, spec: Path, **options) -> Path:
    path = tmp_path / f"{spec.stem}.html"
    path.write_text(build_page(graphengine.load(spec), **options), encoding="utf-8")
    return path


def open_page(browser, path: Path, step: int | None = None, size=(1024, 768)) -> Watched:
    w = Watched(browser, *size)
    w.page.goto(path.as_uri() + (f"#step-{step}" if step else ""))
    w.page.wait_for_selector("#ge-counter")
    return w


def cli_json(*args) -> dict:
    exe = shutil.which("graphengine", path=str(Path(sys.executable).parent)) or "graphengine"
    done = subprocess.run([exe, *map(str, args), "--json"], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def hex_to_rgb(color: str) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


EDGE_STYLES = """() => Object.fromEntries(Array.from(document.querySelectorAll('g.edge')).map(g => {
  const p = g.querySelector('path'); const s = getComputedStyle(p);
  return [g.id, [s.stroke, parseFloat(s.strokeWidth)]]; }))"""

# The smallest rendered diagram text in CSS px: font size × the SVG's scale on screen.
SMALLEST_TEXT = """() => { const svg = document.querySelector('svg.ge-diagram'); const k = svg.getScreenCTM().a;
  const sizes = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim())
    .map(t => parseFloat(getComputedStyle(t).fontSize) * k);
  const fig = document.getElementById('ge-figure').getBoundingClientRect(), box = svg.getBBox();
  return {smallest: Math.min(...sizes), scale: k, figure: [fig.width, fig.height],
          drawn: [box.width * k, box.height * k]}; }"""


# ------------------------------------------------------------------ nothing before its time


def test_edges_are_neutral_until_their_gradient_step(browser, tmp_path):
    net = graphengine.load(DOC)
    trace = net.trace()
    ids = svg_ids(net.graph)
    grads = {p: trace.gradient(p) for p in net.graph.graph["parameters"]}
    gmax = max(abs(grads[d["weight"]]) for _, _, d in net.graph.edges(data=True))
    w = open_page(browser, write_page(tmp_path, DOC), 1)
    try:
        styles = w.page.evaluate(EDGE_STYLES)
        assert set(styles) == set(ids["edge"].values())
        assert all(s == [hex_to_rgb(NEUTRAL), NEUTRAL_WIDTH] for s in styles.values()), styles
        assert not w.page.is_visible("#ge-legend")
        # Step 29 computes ∂E/∂w5: w5's edge takes its colour and width; w6's (step 30) is still neutral.
        w.page.goto(w.page.url.split("#")[0] + "#step-29")
        assert w.page.inner_text("#ge-step-title") == "Gradient: ∂E/∂w5"
        styles = w.page.evaluate(EDGE_STYLES)
        color, width, _ = gradient_style(grads["w5"], gmax)
        w5, w6 = ids["edge"][("h1", "o1")], ids["edge"][("h2", "o1")]
        assert styles[ids["edge"][("i1", "h1")]][0] == hex_to_rgb(gradient_style(grads["w1"], gmax)[0])
        assert styles[w6] == [hex_to_rgb(NEUTRAL), NEUTRAL_WIDTH]
        # w5 is the step's edge: highlighted, and never thinner than any other edge.
        assert styles[w5][1] >= max(s[1] for s in styles.values()) and styles[w5][1] > width
        w.page.evaluate("() => document.querySelector('.ge-current').classList.remove('ge-current')")
        assert w.page.evaluate(EDGE_STYLES)[w5] == [hex_to_rgb(color), width]
        assert w.page.inner_text("#ge-widest") == diagram_number(gmax)
        assert w.errors == []
    finally:
        w.close()


def test_the_highlighted_edge_is_never_thinner(browser, tmp_path):
    w = open_page(browser, write_page(tmp_path, DOC))
    try:
        for step in range(1, 46):
            styles = w.page.evaluate(EDGE_STYLES)
            current = w.page.evaluate("() => Array.from(document.querySelectorAll('g.edge.ge-current')).map(g => g.id)")
            for edge in current:
                assert styles[edge][1] >= max(s[1] for s in styles.values()), (step, edge)
            w.page.keyboard.press("ArrowRight")
    finally:
        w.close()


def test_after_the_step_runs_the_forward_pass_again(browser, tmp_path):
    history = cli_json("train", DOC, "--epochs", "1")["history"]["loss"]
    w = open_page(browser, write_page(tmp_path, DOC), 45)
    try:
        w.page.click("#ge-toggle")
        panel = w.equations()
        before, after = derivation_number(history[0], 9), derivation_number(history[1], 9)
        assert panel == f"E = {before} → {after}"
        assert before == "0.298371109" and after.startswith("0.29102777")
        change = w.page.inner_text("#ge-value")
        assert change == f"change of the loss: {derivation_number(history[1] - history[0], 9)}"
        # The diagram's node values and loss are the new forward pass (the oracle: run --json of the trained spec).
        trained = tmp_path / "trained.yaml"
        net = graphengine.load(DOC)
        net.train(1)
        net.save(trained)
        ran = cli_json("run", trained)
        texts = w.visible_texts()
        for node in ("h1", "o1", "o2"):
            assert diagram_number(ran["samples"][0]["nodes"][node]["out"]) in texts, node
        assert diagram_number(ran["loss"]) in texts and diagram_number(history[0]) not in texts
        assert not any(t.startswith("∂E/∂") for t in texts)  # the old step's gradients are not shown
        SHOTS.mkdir(parents=True, exist_ok=True)
        w.page.screenshot(path=str(SHOTS / "lecture-after-1024x768.png"))
        assert w.errors == []
    finally:
        w.close()


# ------------------------------------------------------------------ replay


def test_replay_frames_are_train_history(browser, tmp_path):
    epochs = 40
    history = cli_json("train", DOC, "--epochs", str(epochs))["history"]
    w = open_page(browser, write_page(tmp_path, DOC, epochs=epochs), size=(1280, 720))
    try:
        frames = w.page.evaluate("JSON.parse(document.getElementById('ge-data').textContent).replay.frames")
        assert [f["epoch"] for f in frames] == list(range(epochs + 1))
        ids = svg_ids(graphengine.load(DOC).graph)
        for k in (1, 17, epochs):
            w.page.eval_on_selector("#ge-epoch", f"el => {{ el.value = {k}; el.dispatchEvent(new Event('input')); }}")
            assert w.counter() == f"epoch {k} of {epochs}"
            assert w.page.inner_text("#ge-epoch-loss") == f"E = {derivation_number(history['loss'][k], 9)}"
            # Every value cell is this frame's: the oracle is run --json of the spec trained k epochs.
            trained = tmp_path / f"trained{k}.yaml"
            net = graphengine.load(DOC)
            net.train(k)
            net.save(trained)
            ran = cli_json("run", trained)
            cells = w.page.evaluate(
                """() => Object.fromEntries(Array.from(document.querySelectorAll('g[id^="a_ge-"]'))
                     .filter(g => g.querySelector('text')).map(g => [g.id.slice(2), [getComputedStyle(g.querySelector('text')).visibility,
                                Array.from(g.querySelectorAll('text')).pop().textContent.trim()]]))"""
            )
            nodes = ran["samples"][0]["nodes"]
            for v in ("h1", "h2", "o1", "o2"):
                nid = ids["node"][v]
                assert cells[f"{nid}-out"] == ["visible", diagram_number(nodes[v]["out"])], (k, v)
                assert cells[f"{nid}-net"][1] == diagram_number(nodes[v]["net"])
                assert cells[f"{nid}-delta"][1] == diagram_number(nodes[v]["dnet"])
            w5 = ids["edge"][("h1", "o1")]
            trained_w5 = cli_json("train", DOC, "--epochs", str(k))["parameters"]["w5"]
            assert cells[f"{w5}-weight"] == ["visible", diagram_number(trained_w5)]
            assert cells[f"{w5}-grad"][1] == diagram_number(ran["gradients"]["w5"])
            assert cells[f"{w5}-update"][1] == diagram_number(ran["updated"]["w5"])
            assert cells["ge-loss-value"][1] == diagram_number(ran["loss"])
            # The legend's scale is this frame's largest |∂E/∂w|.
            widest = max(abs(ran["gradients"][p]) for p in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"))
            assert w.page.inner_text("#ge-widest") == diagram_number(widest)
        # The curve has axes, epoch ticks and a marker at the frame's epoch.
        ticks = w.page.eval_on_selector_all("#ge-curve .ge-tick-label", "ts => ts.map(t => t.textContent)")
        assert "0" in ticks and str(epochs) in ticks
        assert w.page.eval_on_selector_all("#ge-curve .ge-axis", "a => a.length") == 2
        w.page.screenshot(path=str(SHOTS / "lecture-replay-1280x720.png"))
        assert w.errors == []
    finally:
        w.close()


# ------------------------------------------------------------------ sizes


@pytest.mark.parametrize("spec", [DOC, TANH], ids=["worked example", "3-3-3-2 tanh"])
def test_diagram_text_is_at_least_16px_at_1024x768(browser, tmp_path, spec):
    path = write_page(tmp_path, spec)
    net = graphengine.load(spec)
    assert net.graph.number_of_nodes() <= 12
    seen = {}
    for size in ((1024, 768), (1280, 720), (1920, 1080)):
        w = open_page(browser, path, 2, size)
        try:
            m = w.page.evaluate(SMALLEST_TEXT)
            seen[size] = m
            # The diagram fills its free space in one direction (it keeps its proportions).
            assert m["drawn"][0] >= m["figure"][0] - 12 or m["drawn"][1] >= m["figure"][1] - 12, m
            w.page.screenshot(path=str(SHOTS / f"lecture-{spec.stem}-{size[0]}x{size[1]}.png"))
            assert w.errors == []
        finally:
            w.close()
    assert seen[(1024, 768)]["smallest"] >= 16, seen
    assert seen[(1920, 1080)]["scale"] > seen[(1024, 768)]["scale"]  # it grows with the window


def test_one_notation_per_page(browser, tmp_path):
    """The panel (explain) writes E for the loss; so does the diagram, on every step."""
    w = open_page(browser, write_page(tmp_path, DOC, epochs=5))
    try:
        for _ in range(45):
            text = w.page.inner_text("body") + " ".join(w.visible_texts())
            assert "∂L" not in text and not re.search(r"\bL =", text)
            w.page.keyboard.press("ArrowRight")
    finally:
        w.close()


def test_tables_scroll_instead_of_running_off(browser, tmp_path):
    w = open_page(browser, write_page(tmp_path, TANH), size=(1024, 768))
    try:
        w.page.keyboard.press("End")
        assert w.page.is_visible("#ge-changes")
        box = w.page.evaluate(
            """() => { const t = document.getElementById('ge-changes'), s = t.parentElement,
                        p = document.getElementById('ge-panel').getBoundingClientRect();
                return {scroll: getComputedStyle(s).overflowX, right: s.getBoundingClientRect().right,
                        panel: p.right, wide: s.scrollWidth > s.clientWidth}; }"""
        )
        assert box["scroll"] == "auto" and box["right"] <= box["panel"] + 1 and box["wide"], box
    finally:
        w.close()


# ------------------------------------------------------------------ big networks, MathML


def test_digits_steps_by_layer_with_numbers(browser, tmp_path):
    net = graphengine.load(DIGITS)
    trace = net.trace()
    w = open_page(browser, write_page(tmp_path, DIGITS), size=(1280, 720))
    try:
        n = int(w.counter().split()[-1])
        assert n <= 15  # by layer: not one step per neuron
        assert w.page.locator("g[id^='ge-layer-']").count() == 3  # the layer view
        titles = []
        for k in range(1, n + 1):
            equations = w.equations()
            title = w.page.inner_text("#ge-step-title")
            titles.append(title)
            if k > 1 and "summary" not in title.lower():
                # Every equation ends in its number (the loss terms too: no bare `−t_k ln p_k = 0`).
                for line in equations.splitlines():
                    if line.startswith("…"):
                        continue
                    assert re.search(r"= -?[\d.]+(e-?\d+)?$", line), (title, line)
            if "softmax" in title:
                probs = [float(line.rsplit("= ", 1)[1]) for line in equations.splitlines()]
                outs = [trace.out(o) for o in net.graph.graph["outputs"]]
                import math

                expected = [math.exp(y) / sum(math.exp(z) for z in outs) for y in outs]
                assert probs == pytest.approx(expected, abs=6e-5)
                w.page.screenshot(path=str(SHOTS / "lecture-digits-softmax-1280x720.png"))
            if "terms" in title:
                assert "E_digit_6 = −t_digit_6 ln p_digit_6 = −1 × ln" in equations
                assert "−t_k ln p_k = 0" not in equations
            if k == 1:
                # `pixel_3 = 0.8125` never breaks inside: each pair is one unbreakable span on one line.
                spans = w.page.evaluate(
                    """() => Array.from(document.querySelectorAll('#ge-equations .ge-nw'))
                         .map(s => [s.textContent, s.getClientRects().length, getComputedStyle(s).whiteSpace])"""
                )
                assert any(t.startswith("pixel_3 = ") for t, _, _ in spans)
                assert all(lines == 1 and ws == "nowrap" for _, lines, ws in spans), spans
            w.page.keyboard.press("ArrowRight")
        assert any("softmax" in t for t in titles) and any("terms" in t for t in titles)
        assert w.errors == []
    finally:
        w.close()


def test_equations_are_mathml_and_copy_as_text(browser, tmp_path):
    w = open_page(browser, write_page(tmp_path, DOC), 2)
    try:
        assert w.page.locator("#ge-equations math").count() >= 4  # net_h1, = w1·i1…, = numbers, = 0.3775
        copied = w.page.evaluate(
            """() => { const box = document.getElementById('ge-equations');
                 const range = document.createRange(); range.selectNodeContents(box);
                 const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
                 const dt = new DataTransfer();
                 box.dispatchEvent(new ClipboardEvent('copy', {clipboardData: dt, bubbles: true, cancelable: true}));
                 return dt.getData('text/plain'); }"""
        )
        assert copied == "net_h1 = w1·i1 + w2·i2 + b1 = 0.15×0.05 + 0.2×0.1 + 0.35 = 0.3775"
    finally:
        w.close()


# ------------------------------------------------------------------ serve: live "what if"


COMMENTED = "# a teacher's note that must survive a save\n"


@pytest.fixture
def served(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text(COMMENTED + DOC.read_text(), encoding="utf-8")
    exe = shutil.which("graphengine", path=str(Path(sys.executable).parent)) or "graphengine"
    proc = subprocess.Popen(
        [exe, "serve", str(spec), "--port", "0"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    try:
        line = proc.stderr.readline()
        assert line.startswith(f"serving {spec} at http://127.0.0.1:"), line
        yield spec, line.split(" at ", 1)[1].split()[0]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_live_edit_recomputes_every_value_and_saves_only_on_request(browser, served, tmp_path):
    spec, url = served
    original = spec.read_bytes()
    # The oracle: the edited spec, run by the command line.
    edited = tmp_path / "edited.yaml"
    edited.write_text(DOC.read_text().replace("w5: 0.40", "w5: 0.5"))
    ran = cli_json("run", edited)
    ids = svg_ids(graphengine.load(DOC).graph)
    w = Watched(browser, 1280, 720)
    try:
        w.page.goto(url + "#step-29")
        w.page.wait_for_selector("#ge-in-parameters\\.w5")
        w.page.fill("#ge-in-parameters\\.w5", "0.5")
        w.page.dispatch_event("#ge-in-parameters\\.w5", "change")
        w.page.wait_for_selector("#ge-status:has-text('recomputed')", timeout=10_000)
        assert w.counter() == "step 29 of 45"  # the same step
        assert w.page.inner_text("#ge-value") == f"exact value: {derivation_number(ran['gradients']['w5'], 9)}"
        assert w.equations().endswith(f"= {derivation_number(ran['gradients']['w5'], 4)}")
        w.page.screenshot(path=str(SHOTS / "lecture-live-edit-1280x720.png"))
        w.page.click("#ge-end")
        assert w.counter() == "step 45 of 45"
        cells = w.page.evaluate(
            """() => Object.fromEntries(Array.from(document.querySelectorAll('g[id^="a_ge-"]'))
                 .filter(g => g.querySelector('text')).map(g => [g.id.slice(2), Array.from(g.querySelectorAll('text')).pop().textContent.trim()]))"""
        )
        nodes = ran["samples"][0]["nodes"]
        checked = 0
        for v, nid in ids["node"].items():
            for part, key in (("net", "net"), ("out", "out"), ("delta", "dnet")):
                if f"{nid}-{part}" in cells:
                    assert cells[f"{nid}-{part}"] == diagram_number(nodes[v][key]), (v, part)
                    checked += 1
        for (u, v), eid in ids["edge"].items():
            p = graphengine.load(DOC).graph.edges[u, v]["weight"]
            assert cells[f"{eid}-weight"] == diagram_number(0.5 if p == "w5" else graphengine.load(DOC).parameters[p])
            assert cells[f"{eid}-grad"] == diagram_number(ran["gradients"][p])
            assert cells[f"{eid}-update"] == diagram_number(ran["updated"][p])
            checked += 3
        assert cells["ge-loss-value"] == diagram_number(ran["loss"])
        assert checked == 2 + 4 * 3 + 8 * 3  # inputs: out; neurons: net, out, δ; edges: w, ∂E/∂w, w′
        table = w.page.inner_text("#ge-changes")
        assert diagram_number(ran["updated"]["w5"]) in table and "0.5000" in table
        # The file is unchanged until "save"; then the scalar changes in place, the comments stay.
        assert spec.read_bytes() == original
        w.page.click("#ge-save")
        w.page.wait_for_selector("#ge-status:has-text('saved')", timeout=10_000)
        saved = spec.read_text()
        assert saved == original.decode().replace("  w5: 0.40\n", "  w5: 0.5\n")
        assert saved.startswith(COMMENTED) and "# one bias shared by h1 and h2" in saved
        assert graphengine.load(spec).parameters["w5"] == 0.5
        assert w.errors == []
    finally:
        w.close()


# The page's own save changes the file's version before the answer to the save arrives; a poll in
# between must not take it for someone else's edit and reload the page (the "saved" message was lost,
# and CI failed on it once). The answer to /save is held back 1.5 s in the page, three polls long.
# The click on "save" also commits the edited field (its native change event): the page recomputes
# first, and the status line's shorter text must not move the button from under the click.
SLOW_SAVE = """
const realFetch = window.fetch;
window.fetch = function (url, options) {
  const answer = realFetch(url, options);
  if (!String(url).includes("/save")) return answer;
  return answer.then(r => new Promise(done => setTimeout(() => done(r), 1500)));
};
"""


def test_a_slow_save_is_not_mistaken_for_an_edit_elsewhere(browser, served):
    spec, url = served
    w = Watched(browser, 1280, 720)
    try:
        w.page.add_init_script(SLOW_SAVE)
        w.page.goto(url + "#step-3")
        w.page.wait_for_selector("#ge-in-parameters\\.w5")
        w.page.fill("#ge-in-parameters\\.w5", "0.5")
        w.page.dispatch_event("#ge-in-parameters\\.w5", "change")
        w.page.wait_for_selector("#ge-status:has-text('recomputed')", timeout=10_000)
        w.page.evaluate("() => { window.notReloaded = true; }")
        w.page.locator("#ge-save").scroll_into_view_if_needed()
        w.page.click("#ge-save")
        w.page.wait_for_selector("#ge-status:has-text('saved')", timeout=10_000)
        assert graphengine.load(spec).parameters["w5"] == 0.5
        w.page.wait_for_timeout(1200)  # two more polls: the page knows its own version now
        assert w.page.evaluate("() => window.notReloaded === true")
        assert w.page.inner_text("#ge-status").startswith("saved to ")
        assert w.errors == []
    finally:
        w.close()


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as e:
        return e.code


def test_serve_refuses_other_sites_and_big_requests(served):
    spec, url = served
    original = spec.read_bytes()
    with urllib.request.urlopen(url, timeout=10) as answer:
        token = re.search(r'"token": "([^"]+)"', answer.read().decode())[1]
    body = json.dumps({"values": {"parameters.w5": 0.9}}).encode()
    good = {"Content-Type": "application/json", "X-Graphengine-Token": token}
    assert _post(url + "compute", body, good) == 200
    assert _post(url + "compute", body, {**good, "Origin": url.rstrip("/")}) == 200
    assert _post(url + "save", body, {**good, "Origin": "http://evil.example"}) == 403
    assert _post(url + "save", body, {"Content-Type": "application/json"}) == 403  # no token
    assert _post(url + "save", body, {**good, "X-Graphengine-Token": "guess"}) == 403
    assert _post(url + "save", body, {**good, "Host": "evil.example"}) == 403  # DNS rebinding
    assert _post(url + "compute", b"x" * (65 * 1024), good) == 413
    assert _post(url + "compute", b'{"values": {"parameters.w5": "nan"}}', good) == 400
    assert spec.read_bytes() == original
