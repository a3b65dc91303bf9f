"""The diagrams hold whatever fonts a machine has (graphengine/views/diagram/typeface.py).

A font matrix in a real Chromium: the worked example's SVG and its step-through page, opened in a
browser whose fontconfig offers only DejaVu, only Liberation, or only GNU FreeFont (a wide fallback
font), must show no touching or overlapping text runs and no text outside its box. `setup.sh --test`
installs the three Debian font packages.
"""

from __future__ import annotations

import base64
import io
import os
import re
from pathlib import Path

import pytest
from test_page_browser import ARGS, CHROMIUM, MEASURE_GAPS

import graphengine
from graphengine.views.diagram.render import render, to_svg
from graphengine.views.diagram.typeface import FAMILY, used_characters
from graphengine.views.stepthrough.page import build_page

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "out" / "screenshots"
# The three machines: the folder of fonts each one offers (Debian's paths), and a font file in it.
SETUPS = {
    "dejavu": Path("/usr/share/fonts/truetype/dejavu"),
    "liberation": Path("/usr/share/fonts/truetype/liberation2"),
    "freefont": Path("/usr/share/fonts/truetype/freefont"),
}

needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")


def fonts_conf(folder: Path, tmp: Path) -> Path:
    """A fontconfig file offering only the fonts in ``folder`` (the machine of one column of the matrix)."""
    path = tmp / f"fonts-{folder.name}.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{folder}</dir>\n  <cachedir>{tmp / 'cache'}</cachedir>\n"
        "  <alias><family>sans-serif</family><prefer><family>DejaVu Sans</family>"
        "<family>Liberation Sans</family><family>FreeSans</family></prefer></alias>\n"
        "</fontconfig>\n",
        encoding="utf-8",
    )
    return path


# Every text of the diagram, measured where Chromium drew its glyphs: runs overlapping one another
# (anywhere in the picture), and text outside its node's shape or outside the picture.
MEASURE_BOXES = (
    r"""(selector) => {
  const svg = document.querySelector(selector);
  const problems = [];
  const shown = t => getComputedStyle(t).visibility === 'visible' && t.textContent.trim() !== ''
                     && t.getNumberOfChars() > 0;
  const texts = Array.from(svg.querySelectorAll('text')).filter(shown);
  const boxes = texts.map(t => {
    const size = parseFloat(getComputedStyle(t).fontSize);
    const s = t.textContent, lead = s.length - s.trimStart().length, trail = s.length - s.trimEnd().length;
    const n = t.getNumberOfChars();
    const first = Math.min(lead, n - 1), last = Math.max(first, n - 1 - trail);
    const a = t.getStartPositionOfChar(first), b = t.getEndPositionOfChar(last);
    const m = t.getScreenCTM();
    const p = new DOMPoint(a.x, a.y).matrixTransform(m), q = new DOMPoint(b.x, b.y).matrixTransform(m);
    const scale = m.a;
    // Ink of digits and capitals: from the cap height (0.73 em) to the descender (0.24 em) of DejaVu.
    return {t, text: s.trim(), left: p.x, right: q.x, top: p.y - 0.73 * size * scale, bottom: p.y + 0.24 * size * scale};
  });
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const A = boxes[i], B = boxes[j];
      const w = Math.min(A.right, B.right) - Math.max(A.left, B.left);
      const h = Math.min(A.bottom, B.bottom) - Math.max(A.top, B.top);
      if (w > 0.5 && h > 0.5) problems.push(`overlap "${A.text}" and "${B.text}" (${w.toFixed(1)}×${h.toFixed(1)} px)`);
    }
  }
  const whole = svg.getBoundingClientRect();
  for (const B of boxes) {
    const node = B.t.closest('g.node');
    // A node's outline: the largest shape drawn in it (a table's cells are smaller shapes inside).
    const shapes = node ? Array.from(node.querySelectorAll('path, polygon, ellipse')).map(e => e.getBoundingClientRect()) : [];
    const shape = shapes.sort((a, b) => b.width * b.height - a.width * a.height)[0];
    const box = shape || whole;
    const where = shape ? 'its node' : 'the picture';
    if (B.left < box.left - 0.5 || B.right > box.right + 0.5 || B.top < box.top - 0.5 || B.bottom > box.bottom + 0.5)
      problems.push(`"${B.text}" outside ${where}`);
  }
  const faces = Array.from(document.fonts).filter(f => f.family.replace(/"/g, '') === '"""
    + FAMILY
    + r"""');
  return {problems, count: boxes.length, loaded: faces.filter(f => f.status === 'loaded').length,
          widths: ['sans-serif', '"DejaVu Sans"'].map(family => {
            const c = document.createElementNS('http://www.w3.org/1999/xhtml', 'canvas').getContext('2d');
            c.font = '20px ' + family; return c.measureText('0123456789 net out').width; })};
}"""
)


@pytest.fixture(scope="module")
def pictures(tmp_path_factory) -> dict[str, Path]:
    """The worked example's SVG and its step-through page, drawn once (the drawing ignores the machine's fonts)."""
    folder = tmp_path_factory.mktemp("pictures")
    net = graphengine.load(ROOT / "specs" / "doc_example.yaml")
    page = folder / "doc_example.html"
    page.write_text(build_page(net, epochs=5), encoding="utf-8")
    return {"svg": render(net, net.trace(), folder / "doc_example.svg"), "page": page}


def test_the_drawing_does_not_depend_on_the_machines_fonts(tmp_path, monkeypatch):
    """The same SVG under each setup: `dot` measures with the package's font, not the machine's."""
    net = graphengine.load(ROOT / "specs" / "doc_example.yaml")
    drawn = set()
    for folder in SETUPS.values():
        monkeypatch.setenv("FONTCONFIG_FILE", str(fonts_conf(folder, tmp_path)))
        drawn.add(to_svg(net, net.trace()))
    monkeypatch.delenv("FONTCONFIG_FILE")
    drawn.add(to_svg(net, net.trace()))
    assert len(drawn) == 1
    svg = drawn.pop()
    assert f'font-family="{FAMILY}"' in svg and "Helvetica" not in svg and "Arial" not in svg
    # Each embedded subset (read back with fontTools) has a glyph for every character its weight draws.
    from fontTools.ttLib import TTFont

    faces = re.findall(
        r"font-weight:(\w+);font-style:normal;unicode-range:[^;]*;src:url\(data:font/woff;base64,([^)]*)\)", svg
    )
    assert [weight for weight, _ in faces] == ["normal", "bold"]
    for weight, data in faces:
        font = TTFont(io.BytesIO(base64.b64decode(data)))
        assert font["name"].getDebugName(1) == FAMILY
        drawn_here = used_characters(svg)[weight]
        assert {"∂", "δ", "×", "′"} & drawn_here or weight == "bold"
        assert {ord(c) for c in drawn_here} <= set(font.getBestCmap())


@needs_chromium
@pytest.mark.parametrize("setup", list(SETUPS))
def test_font_matrix_nothing_touches_overlaps_or_is_clipped(setup, pictures, tmp_path):
    folder = SETUPS[setup]
    if not any(folder.glob("*.ttf")):
        pytest.fail(f"{folder} has no fonts: run ./setup.sh --test (it installs the matrix's font packages)")
    sync_api = pytest.importorskip("playwright.sync_api")
    env = dict(os.environ, FONTCONFIG_FILE=str(fonts_conf(folder, tmp_path)))
    env.pop("FONTCONFIG_PATH", None)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, env=env)
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 768})
            found = {}
            for name, url, selector in (
                ("svg", pictures["svg"].as_uri(), "svg"),
                ("page", pictures["page"].as_uri() + "#step-45", "svg.ge-diagram"),
            ):
                page.goto(url)
                page.wait_for_selector(selector)
                page.evaluate("document.fonts.ready.then(() => true)")
                gaps = page.evaluate(MEASURE_GAPS)
                boxes = page.evaluate(MEASURE_BOXES, selector)
                assert boxes["loaded"] >= 1, f"{name}: the embedded {FAMILY} did not load"
                assert boxes["count"] > 50
                assert gaps["problems"] == [], f"{setup} {name}"
                assert boxes["problems"] == [], f"{setup} {name}"
                found[name] = boxes["widths"]
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SHOTS / f"fonts-{setup}-{name}.png"))
        finally:
            browser.close()
    # The setup really is that machine: outside the diagram, its own sans-serif (narrower than
    # DejaVu Sans for Liberation and FreeFont) draws text; inside, the embedded font does.
    sans, embedded = found["page"]
    assert (abs(sans - embedded) / embedded < 0.02) == (setup == "dejavu"), found
