"""``--json`` on every command that reports: strict JSON (no NaN), the facts checked against
the worked example's numbers by hand and against the files the command wrote."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

DOC = "specs/doc_example.yaml"


def strict(text: str) -> dict:
    def refuse(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")

    data = json.loads(text, parse_constant=refuse)
    assert isinstance(data, dict)
    return data


def test_validate_json_counts_the_worked_example(cli):
    ran = cli("validate", DOC, "--json")
    assert ran.code == 0 and ran.err == ""
    # Counted from the YAML: i1 i2 h1 h2 o1 o2; 8 edges; w1…w8, b1, b2 (both biases frozen).
    assert strict(ran.out) == {
        "spec": DOC,
        "ok": True,
        "nodes": 6,
        "inputs": 2,
        "outputs": 2,
        "edges": 8,
        "parameters": 10,
        "trainable": 8,
        "layers": 2,
        "loss": "half_squared_error",
        "samples": 1,
        "validation_samples": 0,
    }


def test_validate_json_of_a_bad_spec_is_the_one_line_error(cli):
    ran = cli("validate", "tests/fixtures/bad/bias_empty.yaml", "--json")
    assert ran.code == 2 and ran.out == "" and ran.err.startswith("error: ")


# The worked example's pieces for w5, by hand (Mazur's numbers): out_o1 = 0.75136507,
# ∂E/∂out_o1 = 0.74136507, ∂out_o1/∂net_o1 = 0.186815602, ∂E/∂w5 = 0.082167041.
HAND_W5 = {"piece 1": 0.74136507, "piece 2": 0.186815602, "piece 3": 0.593269992}


def test_explain_json_holds_each_equation_with_its_numbers(cli):
    ran = cli("explain", DOC, "--param", "w5", "--json")
    assert ran.code == 0
    doc = strict(ran.out)
    assert doc["title"] == "Backpropagation worked out: doc_example"
    kinds = {item["kind"] for item in doc["items"]}
    assert kinds == {"heading", "paragraph", "equation", "table"}
    equations = [item for item in doc["items"] if item["kind"] == "equation"]
    for label, exact in HAND_W5.items():
        eq = next(e for e in equations if e["label"] == label)
        assert eq["value"] == pytest.approx(exact, abs=5e-5)  # 4 decimals
        assert eq["result"] == eq["steps"][-1] and len(eq["tex"]) == len(eq["steps"]) + 1
    total = next(e for e in equations if e["symbol"] == "∂E/∂w5" and e["label"] == "")
    assert total["value"] == pytest.approx(0.082167041, abs=5e-5)
    update = next(e for e in equations if e["symbol"] == "w5'")
    assert update["value"] == pytest.approx(0.4 - 0.5 * 0.082167041, abs=5e-5)
    table = next(item for item in doc["items"] if item["kind"] == "table")
    assert table["header"][0] == "parameter" and table["rows"][0][0] == "w5"


def test_explain_json_writes_to_a_file(cli, tmp_path):
    out = tmp_path / "w5.json"
    assert cli("explain", DOC, "--param", "w5", "--json", "-o", out).code == 0
    assert strict(out.read_text(encoding="utf-8"))["items"]


@pytest.mark.parametrize(("suffix", "fmt"), [(".svg", "svg"), (".dot", "dot")])
def test_render_json_names_the_file(cli, tmp_path, suffix, fmt):
    out = tmp_path / f"d{suffix}"
    ran = cli("render", DOC, "-o", out, "--json")
    assert ran.code == 0
    assert strict(ran.out) == {"written": [str(out)], "format": fmt}
    assert out.stat().st_size > 0


def test_report_json_names_the_page(cli, tmp_path):
    out = tmp_path / "step.html"
    ran = cli("report", DOC, "-o", out, "--json")
    assert ran.code == 0
    assert strict(ran.out) == {"written": [str(out)], "bytes": out.stat().st_size}


def test_exercise_json_lists_every_file(cli, tmp_path):
    folder = tmp_path / "ex"
    ran = cli("exercise", "-o", folder, "--no-pdf", "--json")
    assert ran.code == 0
    data = strict(ran.out)
    # Every file on disk but the folder's manifest (the hashes `exercise` keeps so that a rerun
    # never replaces a filled-in sheet: bookkeeping, not an exercise file).
    written = sorted(str(p) for p in folder.rglob("*") if p.is_file() and p.name != ".graphengine-written.json")
    assert sorted(data["written"]) == written
    # Each blank is a key with nothing after it but its letter, `# (a) …`, in blank.yaml.
    lines = (folder / "blank.yaml").read_text(encoding="utf-8").splitlines()
    blanks = [line for line in lines if re.fullmatch(r"[^#\s]+:\s*# \([a-z]+\) .*", line)]
    assert data["blanks"] == len(blanks)


def test_exercise_json_for_a_class(cli, tmp_path):
    students = tmp_path / "class.txt"
    students.write_text("Ana María\nBo Li\n", encoding="utf-8")
    folder = tmp_path / "cls"
    data = strict(cli("exercise", "-o", folder, "--students", students, "--no-pdf", "--json").out)
    assert data["students"] == [
        {
            "name": "Ana María",
            "folder": str(folder / "students" / "ana-maría"),
            "key": str(folder / "key" / "ana-maría"),
        },
        {"name": "Bo Li", "folder": str(folder / "students" / "bo-li"), "key": str(folder / "key" / "bo-li")},
    ]
    assert all(
        Path(s["folder"], "blank.yaml").is_file() and Path(s["key"], "spec.yaml").is_file() for s in data["students"]
    )
    assert data["key"] == str(folder / "key" / "key.csv") and Path(data["key"]).is_file()
    assert sorted(data["written"]) == sorted(
        str(p) for p in folder.rglob("*") if p.is_file() and p.name != ".graphengine-written.json"
    )


def test_export_and_import_json(cli, tmp_path):
    onnx = tmp_path / "moons.onnx"
    ran = cli("export", "specs/moons.yaml", "-o", onnx, "--json")
    assert ran.code == 0 and ran.err == ""
    # 2-16-16-1: 2·16 + 16·16 + 16·1 = 304 weights and 16 + 16 + 1 = 33 biases.
    assert strict(ran.out) == {"written": [str(onnx)], "format": "onnx", "parameters": 337}
    spec = tmp_path / "back.yaml"
    ran = cli("import", onnx, "-o", spec, "--json")
    assert ran.code == 0 and ran.err == ""
    assert strict(ran.out) == {"written": [str(spec)], "nodes": 2 + 16 + 16 + 1, "edges": 304, "parameters": 337}
    assert spec.is_file()
