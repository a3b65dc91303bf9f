"""How large a diagram's text is on a 1024×768 screen when the SVG is scaled to the window's width,
measured in a real Chromium (the computed font size times the SVG's scale)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_page_browser import ARGS, CHROMIUM

import graphengine
from graphengine.views.diagram.render import to_svg

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "out" / "screenshots"

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")

# Each text's size on screen, in CSS pixels: its font size in SVG units times the picture's scale.
SIZES = r"""() => Array.from(document.querySelectorAll('svg text'))
  .filter(t => t.textContent.trim() !== '')
  .map(t => ({text: t.textContent.trim(),
              px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a}))"""


@pytest.fixture(scope="module")
def screen():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        yield page
        browser.close()


def measure(screen, tmp_path: Path, name: str, direction: str) -> list[dict]:
    net = graphengine.load(ROOT / "specs" / f"{name}.yaml")
    svg = to_svg(net, net.trace(), direction=direction)
    svg = svg[svg.index("<svg") :].replace('<svg width="', '<svg style="width: 100%; height: auto" data-width="', 1)
    page = tmp_path / f"{name}-{direction}.html"
    page.write_text(f'<!DOCTYPE html><meta charset="utf-8"><body style="margin: 0">{svg}</body>', encoding="utf-8")
    screen.goto(page.as_uri())
    screen.evaluate("document.fonts.ready.then(() => true)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    screen.screenshot(path=str(SHOTS / f"sizes-{name}-{direction}.png"))
    return screen.evaluate(SIZES)


@pytest.mark.parametrize("name", ["doc_example", "tanh_3332"])
def test_top_to_bottom_keeps_text_larger_on_a_1024_screen(screen, tmp_path, name):
    across = measure(screen, tmp_path, name, "LR")
    down = measure(screen, tmp_path, name, "TB")
    assert len(across) == len(down) > 50
    smallest = {d: min(t["px"] for t in texts) for d, texts in (("LR", across), ("TB", down))}
    # Drawn top to bottom, a network of a few neurons per layer is about half as wide: every text grows.
    assert smallest["TB"] > 1.3 * smallest["LR"], smallest


def test_the_worked_example_top_to_bottom_is_legible_at_1024(screen, tmp_path):
    texts = measure(screen, tmp_path, "doc_example", "TB")
    # Node names and values (12 points) at least 16 px; the smallest print (10 points) at least 13 px.
    values = [t["px"] for t in texts if t["text"] in ("0.3775", "0.5933", "h1", "o2")]
    assert values and min(values) >= 16, values
    assert min(t["px"] for t in texts) >= 13
