"""The corpus of real worked examples (tests/fixtures/pages/) is whole and consistent.

Checks the material only, not ``audit``: every page has its source line, a spec that
``graphengine validate`` accepts, manifest entries that are the page's numbers in order
(line and text), and hand labels that ``truth.py`` (independent of graphengine) agrees
with; and truth.py's exact values agree with ``graphengine run --json``.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
KINDS = {"given", "quantity", "intermediate", "other"}
VERDICTS = {"right", "rounding", "carried"} | set(
    (
        "swapped wrong-weight missing-term missing-factor net-for-out derivative-of-net updated-weights "
        "factor-2 sign uphill learning-rate batch shared arithmetic truncated"
    ).split()
)


def _truth_module():
    spec = importlib.util.spec_from_file_location("pages_truth", PAGES / "truth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


truth = _truth_module()
MANIFEST = truth.load_manifest()


def test_the_corpus_has_its_pages():
    assert len(MANIFEST) >= 15
    for name in MANIFEST:
        assert (PAGES / f"{name}.md").is_file(), name


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_page_starts_with_its_source(name):
    first = (PAGES / f"{name}.md").read_text(encoding="utf-8").split("\n", 1)[0]
    assert first.startswith("<!-- source: http") and first.endswith("(retrieved via stored copy, 2026) -->")
    assert MANIFEST[name]["source"] in first


@pytest.mark.parametrize("name", sorted(n for n in MANIFEST if MANIFEST[n].get("spec")))
def test_spec_validates(name):
    result = subprocess.run(
        [sys.executable, "-m", "graphengine", "validate", str(PAGES / MANIFEST[name]["spec"])],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_manifest_lists_every_number_of_the_page_in_order(name):
    lines = (PAGES / f"{name}.md").read_text(encoding="utf-8").split("\n")
    on_page = [(i, t) for i, line in enumerate(lines[1:], 2) for t in truth.numbers_on(line)]
    listed = [(n["line"], n["text"]) for n in MANIFEST[name]["numbers"]]
    assert listed == on_page
    for n in MANIFEST[name]["numbers"]:
        assert n["text"] in lines[n["line"] - 1]
        assert n["kind"] in KINDS, n
        assert n["verdict"] in VERDICTS, n
        if n["kind"] == "intermediate":
            assert n.get("expr"), n
        if n["verdict"] not in ("right", "rounding"):
            assert n.get("why"), n


def test_truth_agrees_with_every_hand_label():
    _, problems = truth.truth(MANIFEST)
    assert problems == []


def test_the_scanner_keeps_signs_and_skips_indices():
    assert truth.numbers_on(r"$z^{(1)} = 0.2(1) – 0.3(2) + 0.4(-1) = -0.3$") == [
        "0.2",
        "1",
        "0.3",
        "2",
        "0.4",
        "-1",
        "-0.3",
    ]
    assert truth.numbers_on(r"w_{10} = w₅ + h1 \\ -0.5") == ["-0.5"]
    assert truth.numbers_on("w3 <- -0.7; x1 <- 0") == ["-0.7", "0"]
    assert truth.rounds_to(0.59327, "0.5933") and not truth.rounds_to(0.59327, "0.5932")
    assert truth.rounds_to(1.0, "1") and not truth.rounds_to(0.5646, "1")


@pytest.mark.parametrize(
    "name",
    [
        "vortune-mazur",
        "melfm-notes",
        "mihirsai-softmax",
        "ninjakx-three-layer",
        "sreekanth-relu-bce",
        "postnetwork-softmax",
        "rpubs-es-2-2-1",
        "rashid-errata-update",
    ],
)
def test_truth_matches_graphengine_run(name):
    spec_path = PAGES / MANIFEST[name]["spec"]
    ran = json.loads(
        subprocess.run(
            [sys.executable, "-m", "graphengine", "run", str(spec_path), "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    Q = truth.quantities(yaml.safe_load(spec_path.read_text(encoding="utf-8")))
    nodes = ran["samples"][0]["nodes"]
    ran_inputs = set(yaml.safe_load(spec_path.read_text(encoding="utf-8"))["inputs"])
    for node, values in nodes.items():
        for kind, value in values.items():
            if node in ran_inputs and kind != "out":
                continue  # truth.py does not derive the inputs' gradients
            assert Q[f"{node}.{kind}"] == pytest.approx(value, rel=1e-12, abs=1e-15), (node, kind)
    assert Q["loss"] == pytest.approx(ran["loss"], rel=1e-12)
    for p, g in ran["gradients"].items():
        assert Q[f"grad.{p}"] == pytest.approx(g, rel=1e-12, abs=1e-15), p
        assert Q[f"updated.{p}"] == pytest.approx(ran["updated"][p], rel=1e-12, abs=1e-15), p


def test_truth_reads_every_sample_of_a_batch_page():
    """A page that works several samples: truth.py's forward values per sample agree with graphengine."""
    spec_path = PAGES / MANIFEST["tanh-batch-example"]["spec"]
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    ran = json.loads(
        subprocess.run(
            [sys.executable, "-m", "graphengine", "run", str(spec_path), "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert len(ran["samples"]) == len(spec["data"]) == 4
    for k, sample in enumerate(ran["samples"]):
        Q = truth.quantities(spec, k)
        for node in ("h1", "h2", "o1"):
            for kind in ("net", "out"):
                assert Q[f"{node}.{kind}"] == pytest.approx(sample["nodes"][node][kind], rel=1e-12, abs=1e-15)
    assert truth.quantities(spec, 1)["h1.net"] != truth.quantities(spec, 0)["h1.net"]
