"""Robustness, round 3 (issue 25): the newer surfaces under hostile and careless input.

Eight classes, each case asserting its exact outcome (exit status, one `error:` line, files
unchanged, nothing read or written outside): reading outside what the user named, writing over
what they did not name, readers that block, markup reaching a browser or terminal, tracebacks,
unbounded work, silently wrong results, Ctrl-C. Fixtures are generated here (ONNX models, class
folders, pages), so every case is reproducible from this file alone.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from helpers.robustness_tools import BOUNDED, DOC, ROOT, cli, fresh, refused
from hypothesis import given
from hypothesis import strategies as st

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

GRAPHENGINE = str(Path(sys.executable).with_name("graphengine"))


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry below ``folder``: a file's bytes, a link's target, a FIFO's kind."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = "-> " + os.readlink(path)
        elif path.is_fifo():
            found[name] = "fifo"
        elif path.is_file():
            found[name] = path.read_bytes()
        else:
            found[name] = "dir"
    return found


# ====================================================================== ONNX models, generated


def dense_model(
    weight: np.ndarray | None = None, bias: np.ndarray | None = None, props: dict[str, str] | None = None
) -> onnx.ModelProto:
    """x (N, 2) → Gemm(W (2, 3) transposed, b) → Tanh → y: the model every odd case starts from."""
    weight = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]) if weight is None else weight
    bias = np.array([0.1, 0.2, 0.3]) if bias is None else bias
    nodes = [
        helper.make_node("Gemm", ["x", "W", "b"], ["h"], name="dense", transB=1),
        helper.make_node("Tanh", ["h"], ["y"], name="act"),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None, 2])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [None, 3])],
        [numpy_helper.from_array(weight, "W"), numpy_helper.from_array(bias, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    for key, value in (props or {}).items():
        model.metadata_props.add(key=key, value=value)
    return model


def save(model: onnx.ModelProto, path: Path) -> Path:
    path.write_bytes(model.SerializeToString())
    return path


def external(model: onnx.ModelProto, location: str, offset: int = 0, length: int | None = None) -> onnx.ModelProto:
    """``model`` with its weight W stored outside it, at ``location``."""
    weight = next(t for t in model.graph.initializer if t.name == "W")
    weight.ClearField("raw_data")
    weight.ClearField("double_data")
    weight.data_location = TensorProto.EXTERNAL
    weight.external_data.add(key="location", value=location)
    weight.external_data.add(key="offset", value=str(offset))
    if length is not None:
        weight.external_data.add(key="length", value=str(length))
    return model


W_BYTES = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]).astype("<f8").tobytes()


# ====================================================================== 1. reading outside what the user named


@pytest.mark.parametrize(
    "where",
    ["parent", "absolute", "link-out", "dotdot-inside", "secret-in-cwd", "deep-parent"],
)
def test_onnx_external_data_outside_the_models_folder_is_refused(tmp_path, monkeypatch, where):
    home = fresh(tmp_path)
    models = home / "models"
    models.mkdir()
    outside = home / "outside.bin"
    outside.write_bytes(W_BYTES)
    location = {
        "parent": "../outside.bin",
        "absolute": str(outside),
        "link-out": "inside.bin",
        "dotdot-inside": "sub/../../outside.bin",
        "secret-in-cwd": "../.secret_token",
        "deep-parent": "../../../../../../" + str(outside).lstrip("/"),
    }[where]
    if where == "link-out":
        (models / "inside.bin").symlink_to(outside)
    if where == "secret-in-cwd":
        (home / ".secret_token").write_bytes(W_BYTES)
    monkeypatch.chdir(home)
    model = save(external(dense_model(), location), models / "m.onnx")
    line = refused(["import", str(model), "-o", str(home / "out.yaml")])
    assert "outside" in line or "absolute path" in line, line
    assert not (home / "out.yaml").exists()


def test_onnx_external_data_inside_the_folder_is_read(tmp_path):
    (tmp_path / "w.bin").write_bytes(b"\0" * 16 + W_BYTES)
    model = save(external(dense_model(), "w.bin", offset=16, length=len(W_BYTES)), tmp_path / "m.onnx")
    status, _, err = cli(["import", str(model), "-o", str(tmp_path / "out.yaml")])
    assert status == 0, err
    assert "0.6" in (tmp_path / "out.yaml").read_text()  # the weights came from w.bin


def test_onnx_external_data_outside_is_read_when_allowed(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "w.bin").write_bytes(W_BYTES)
    model = save(external(dense_model(), "../w.bin"), tmp_path / "models" / "m.onnx")
    status, _, err = cli(["import", str(model), "-o", str(tmp_path / "out.yaml"), "--allow-outside-data"])
    assert status == 0, err


@pytest.mark.parametrize("problem", ["missing", "short", "negative-offset", "fifo"])
def test_onnx_external_data_that_cannot_be_read_is_one_line(tmp_path, problem):
    if problem == "fifo":
        os.mkfifo(tmp_path / "w.bin")
    elif problem != "missing":
        (tmp_path / "w.bin").write_bytes(W_BYTES[:10])
    offset = -5 if problem == "negative-offset" else 0
    model = save(external(dense_model(), "w.bin", offset=offset, length=len(W_BYTES)), tmp_path / "m.onnx")
    refused(["import", str(model), "-o", str(tmp_path / "out.yaml")], seconds=20)
    assert not (tmp_path / "out.yaml").exists()


@pytest.mark.parametrize("where", ["parent", "absolute", "link-out"])
def test_sidecar_outside_the_specs_folder_is_refused(tmp_path, where):
    from graphengine.engine.network import load
    from graphengine.engine.sidecar import write_sidecar

    home = fresh(tmp_path)
    inner = home / "inner"
    inner.mkdir()
    net = load(DOC)
    entry = write_sidecar(home / "real.yaml", net.plan, net.theta)
    sidecar = home / entry["file"]
    name = {"parent": f"../{sidecar.name}", "absolute": str(sidecar), "link-out": "w" + sidecar.suffix}[where]
    if where == "link-out":
        (inner / name).symlink_to(sidecar)
    spec = inner / "spec.yaml"
    spec.write_text(
        DOC.read_text() + f"\nweights_file: {{file: '{name}', sha256: {entry['sha256']}, parameters: 10}}\n"
    )
    line = refused(["run", str(spec)])
    assert "outside" in line and "weights_file" in line, line
    status, _, err = cli(["run", str(spec), "--allow-outside-data"])
    assert status == 0, err


# ====================================================================== 2. writing over what the user did not name


def _filled_class(tmp_path: Path) -> Path:
    folder = tmp_path / "cls"
    assert cli(["exercise", "-o", str(folder), "--no-pdf", "--shape", "2-1"])[0] == 0
    return folder


def test_exercise_rerun_keeps_a_filled_in_sheet(tmp_path):
    folder = _filled_class(tmp_path)
    sheet = folder / "blank.yaml"
    sheet.write_text(sheet.read_text() + "# my answers\n")
    before = snapshot(folder)
    line = refused(["exercise", "-o", str(folder), "--no-pdf", "--shape", "2-1", "--seed", "4"])
    assert "blank.yaml" in line and "--force" in line
    assert snapshot(folder) == before


def test_exercise_rerun_with_force_replaces(tmp_path):
    folder = _filled_class(tmp_path)
    (folder / "blank.yaml").write_text("h1.out: 1\n")
    status, _, err = cli(["exercise", "-o", str(folder), "--no-pdf", "--shape", "2-1", "--force"])
    assert status == 0, err
    assert "h1.out: 1\n" != (folder / "blank.yaml").read_text()


def test_exercise_rerun_unchanged_is_allowed(tmp_path):
    folder = _filled_class(tmp_path)
    status, _, err = cli(["exercise", "-o", str(folder), "--no-pdf", "--shape", "2-1", "--seed", "9"])
    assert status == 0, err


def test_exercise_into_a_folder_holding_the_users_spec(tmp_path):
    shutil.copy(DOC, tmp_path / "spec.yaml")
    theirs = (tmp_path / "spec.yaml").read_bytes()
    status, _, err = cli(["exercise", "-o", str(tmp_path), "--no-pdf"])
    # the exercise's own spec goes to key/: the user's is left as it was, and named as no handout
    assert status == 0 and (tmp_path / "spec.yaml").read_bytes() == theirs
    assert (tmp_path / "key" / "spec.yaml").read_bytes() != theirs
    assert "spec.yaml lies beside the worksheet" in err


def test_exercise_student_folder_that_is_a_link_out(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "cls"
    folder.mkdir()
    (folder / "students").mkdir()
    (folder / "students" / "ana").symlink_to(outside)
    students = tmp_path / "students.txt"
    students.write_text("Ana\nBo\n")
    line = refused(["exercise", "-o", str(folder), "--no-pdf", "--shape", "2-1", "--students", str(students)])
    assert "symbolic link" in line
    assert list(outside.iterdir()) == [] and sorted(p.name for p in folder.iterdir()) == ["students"]


def test_exercise_output_folder_that_is_a_link(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    line = refused(["exercise", "-o", str(tmp_path / "link"), "--no-pdf", "--shape", "2-1"])
    assert "symbolic link" in line and list((tmp_path / "real").iterdir()) == []


@pytest.mark.parametrize("target", ["page", "spec"])
def test_audit_annotate_never_replaces_an_input(tmp_path, target):
    spec = tmp_path / "spec.yaml"
    shutil.copy(DOC, spec)
    page = tmp_path / "page.md"
    page.write_text("$$net_{h1} = 0.15 \\times 0.05 + 0.2 \\times 0.1 + 0.35 = 0.3775$$\n")
    before = snapshot(tmp_path)
    annotated = page if target == "page" else spec
    status, _, err = cli(["audit", str(page), "--spec", str(spec), "--annotate", str(annotated)])
    assert status == 2 and err.count("\n") == 1 and err.startswith("error: "), err
    assert snapshot(tmp_path) == before


def test_import_onto_the_model_itself(tmp_path):
    model = save(dense_model(), tmp_path / "m.onnx")
    before = model.read_bytes()
    refused(["import", str(model), "-o", str(model)])
    assert model.read_bytes() == before


def _writers(spec: Path, target: str, home: Path) -> dict[str, list[str]]:
    model = save(dense_model(), home / "m.onnx")
    return {
        "explain": ["explain", str(spec), "-o", target],
        "render": ["render", str(spec), "-o", target],
        "run-svg": ["run", str(spec), "--svg", target],
        "report": ["report", str(spec), "-o", target],
        "import": ["import", str(model), "-o", target],
        "train": ["train", str(spec), "--epochs", "1", "-o", target],
    }


WRITERS = ["explain", "render", "run-svg", "report", "import", "train"]


@pytest.mark.parametrize("command", WRITERS)
@pytest.mark.parametrize("kind", ["fifo", "proc-fd-link", "dev-null", "link-to-file"])
def test_outputs_never_replace_special_files_or_write_through_links(tmp_path, command, kind):
    spec = tmp_path / "spec.yaml"
    shutil.copy(DOC, spec)
    suffix = {"report": ".html", "render": ".svg", "run-svg": ".svg", "train": ".yaml", "import": ".yaml"}
    name = tmp_path / ("out" + suffix.get(command, ".txt"))
    if kind == "fifo":
        os.mkfifo(name)
    elif kind == "proc-fd-link":
        name.symlink_to("/proc/self/fd/1")
    elif kind == "link-to-file":
        (tmp_path / "real.txt").write_text("keep me\n")
        name.symlink_to(tmp_path / "real.txt")
    target = "/dev/null" if kind == "dev-null" else str(name)
    argv = _writers(spec, target, tmp_path)[command]
    before = snapshot(tmp_path)
    line = refused(argv, seconds=30)
    assert any(
        reason in line for reason in ("symbolic link", "not a regular file", "must end in", "cannot tell the diagram")
    ), line
    assert snapshot(tmp_path) == before
    assert Path("/dev/null").is_char_device()


def test_check_target_rules(tmp_path):
    from graphengine._util.files import check_target
    from graphengine._util.reading import read_bytes, run_inputs
    from graphengine.errors import GraphEngineError

    (tmp_path / "new.txt").parent.mkdir(exist_ok=True)
    check_target(tmp_path / "new.txt")  # a new file is fine
    read_file = tmp_path / "in.txt"
    read_file.write_text("x")
    check_target(read_file)  # outside a run, an existing file may be replaced
    with run_inputs():
        read_bytes(read_file, 100)
        with pytest.raises(GraphEngineError, match="this command reads"):
            check_target(read_file)
        with pytest.raises(GraphEngineError, match="this command reads"):
            check_target(tmp_path / "." / "in.txt")


# ====================================================================== 3. readers that block or read without bound


def _class_for_grading(tmp_path: Path) -> Path:
    folder = tmp_path / "cls"
    students = tmp_path / "students.txt"
    students.write_text("Ana\nBo\n")
    assert cli(["exercise", "-o", str(folder), "--no-pdf", "--shape", "2-1", "--students", str(students)])[0] == 0
    return folder


def _where(folder: Path, which: str) -> Path:
    """A file of Ana's in a class folder: her sheet, her answers, the class key."""
    return {"blank.yaml": folder / "students" / "ana", "answers.yaml": folder / "key" / "ana"}.get(
        which, folder / "key"
    ) / which


def _special(path: Path, kind: str) -> None:
    if path.exists() or path.is_symlink():
        path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")


SPECIALS = ["fifo", "dev-zero"]


@pytest.mark.parametrize("kind", SPECIALS)
@pytest.mark.parametrize("which", ["blank.yaml", "answers.yaml", "key.csv"])
def test_grade_never_blocks_on_a_special_file(tmp_path, kind, which):
    folder = _class_for_grading(tmp_path)
    target = _where(folder, which)
    _special(target, kind)
    status, _, err = cli(["grade", str(folder)], seconds=30)
    assert status == 2 and "not a regular file" in err and "Traceback" not in err, err


@pytest.mark.parametrize("kind", SPECIALS)
@pytest.mark.parametrize(
    "command", ["students", "hand", "audit-page", "onnx", "plugins-env", "plugins-option", "sidecar"]
)
def test_named_files_never_block(tmp_path, kind, command, monkeypatch):
    spec = tmp_path / "spec.yaml"
    shutil.copy(DOC, spec)
    name = {
        "students": "students.txt",
        "hand": "hand.yaml",
        "audit-page": "page.md",
        "onnx": "m.onnx",
        "plugins-env": "p.py",
        "plugins-option": "p.py",
        "sidecar": "w.npz",
    }[command]
    special = tmp_path / name
    _special(special, kind)
    argv = {
        "students": ["exercise", "-o", str(tmp_path / "cls"), "--students", str(special), "--no-pdf"],
        "hand": ["check", str(spec), "--expect", str(special)],
        "audit-page": ["audit", str(special), "--spec", str(spec)],
        "onnx": ["import", str(special), "-o", str(tmp_path / "out.yaml")],
        "plugins-env": ["validate", str(spec)],
        "plugins-option": ["validate", str(spec), "--plugins", str(special)],
        "sidecar": ["run", str(spec)],
    }[command]
    if command == "plugins-env":
        monkeypatch.setenv("GRAPHENGINE_PLUGINS", str(special))
    if command == "sidecar":
        spec.write_text(
            DOC.read_text()
            + "\nweights_file: {file: w.npz, sha256: '0000000000000000000000000000000000000000000000000000000000000000', parameters: 10}\n"
        )
    line = refused(argv, seconds=30)
    assert "not a regular file" in line or (command == "sidecar" and "outside" in line), line
    assert not (tmp_path / "cls").exists() and not (tmp_path / "out.yaml").exists()


@pytest.mark.parametrize("command", ["students", "hand", "audit-page"])
def test_a_file_past_the_cap_is_refused_before_reading(tmp_path, monkeypatch, command):
    spec = tmp_path / "spec.yaml"
    shutil.copy(DOC, spec)
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(3 * 1024 * 1024)  # sparse: three megabytes of NUL, never in memory here
    monkeypatch.setenv("GRAPHENGINE_MAX_READ_MB", "1")
    argv = {
        "students": ["exercise", "-o", str(tmp_path / "cls"), "--students", str(big), "--no-pdf"],
        "hand": ["check", str(spec), "--expect", str(big)],
        "audit-page": ["audit", str(big), "--spec", str(spec)],
    }[command]
    line = refused(argv)
    assert "MB" in line or "more than a page" in line, line


# ====================================================================== 4. markup reaching a browser or terminal

HOSTILE_NAMES = [
    "<!--<script>",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "a&b<c>d",
    "\u2028x\u2029",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_script_json_never_holds_markup(name):
    from graphengine._util.escape import script_json

    text = script_json({"name": name, "list": [name]})
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert json.loads(text) == {"name": name, "list": [name]}


@pytest.mark.parametrize("name", HOSTILE_NAMES[:4])
def test_page_script_element_holds_no_markup(tmp_path, name):
    import re

    from graphengine.views.stepthrough.page import _json_script

    html = "<script type='application/json'>" + _json_script({"n": name}) + "</script>"
    body = re.search(r"<script[^>]*>(.*)</script>", html, re.S)[1]
    assert "<" not in body
    assert json.loads(body) == {"n": name}


MARKDOWN_NAMES = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "a<b", "x>y", "<!--", "&lt;b&gt;"]


@pytest.mark.parametrize("name", MARKDOWN_NAMES)
def test_explain_markdown_renders_no_html_from_a_name(tmp_path, name):
    markdown_it = pytest.importorskip("markdown_it")
    from graphengine._util.escape import markdown_math
    from graphengine.views.derivation.mathfmt import name_tex

    tex = markdown_math(name_tex(name))
    assert "<" not in tex and ">" not in tex
    rendered = markdown_it.MarkdownIt("commonmark").render("$$\n" + tex + "\n$$\n")
    assert "<img" not in rendered and "<script" not in rendered and "<!--" not in rendered


def test_explain_markdown_of_a_spec_with_hostile_names(tmp_path):
    markdown_it = pytest.importorskip("markdown_it")
    text = DOC.read_text()
    spec = tmp_path / "spec.yaml"
    hostile = '"<img src=x onerror=alert(1)>"'
    spec.write_text(text.replace("[i1, i2]", f"[{hostile}, i2]").replace("{i1: 0.05", "{" + hostile + ": 0.05"))
    status, out, err = cli(["explain", str(spec), "--format", "markdown"])
    if status != 0:  # the name rules refuse it: nothing reaches a browser either
        assert err.startswith("error: ") and err.count("\n") == 1
        return
    rendered = markdown_it.MarkdownIt("commonmark").render(out)
    assert "<img" not in rendered


TERMINAL_ATTACKS = ["\x1b]0;pwned\x07", "\x1b[2J\x1b[H", "\x07\x07", "\u202eevil", "\r\x1b[1A", "\x9b31m"]


@pytest.mark.parametrize("attack", TERMINAL_ATTACKS)
def test_terminal_escaper_shows_controls(attack):
    from graphengine._util.escape import terminal

    shown = terminal("Ana" + attack)
    assert shown.isprintable() and shown.startswith("Ana")


@pytest.mark.parametrize("attack", TERMINAL_ATTACKS[:4])
@pytest.mark.parametrize("form", ["table", "csv", "json"])
def test_grade_keeps_escape_sequences_from_a_class_key_off_the_terminal(tmp_path, attack, form):
    folder = _class_for_grading(tmp_path)
    key = folder / "key" / "key.csv"
    key.write_text(key.read_text().replace("Ana", "Ana" + attack))
    argv = ["grade", str(folder)] + {"table": [], "csv": ["--csv"], "json": ["--json"]}[form]
    status, out, err = cli(argv)
    assert status == 0, err
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out and "\x9b" not in out
    if form == "json":
        assert json.loads(out)["sheets"][0]["student"].startswith("Ana")


def test_error_lines_show_control_characters_escaped(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(DOC.read_text() + '\n"bad\\e]0;x\\a": 1\n')
    line = refused(["validate", str(spec)])
    assert "\x1b" not in line and "\x07" not in line


def _serve(tmp_path: Path):
    from graphengine.views.stepthrough.page import error_page
    from graphengine.views.stepthrough.serve import LiveSpec, make_server

    def page(text: str, token: str) -> str:
        if text.startswith("boom"):
            raise ValueError("a plugin's own bug")
        return "<html>page</html>"

    spec = tmp_path / "spec.yaml"
    shutil.copy(DOC, spec)
    server = make_server(LiveSpec(spec, page, lambda text: {}, error_page), 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, spec


def _get(port: int, host: str | None, path: str = "/") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("GET", path, skip_host=True)
    if host is not None:
        connection.putheader("Host", host)
    connection.endheaders()
    response = connection.getresponse()
    return response.status, response.read()


@pytest.mark.parametrize(
    "host, status",
    [
        ("127.0.0.1:{port}", 200),
        ("localhost:{port}", 200),
        ("LOCALHOST:{port}", 200),
        ("evil.example:{port}", 421),
        ("evil.example", 421),
        ("127.0.0.1:1", 421),
        ("127.0.0.1", 421),
        (None, 421),
    ],
)
def test_serve_answers_only_its_own_host(tmp_path, host, status):
    server, _ = _serve(tmp_path)
    port = server.server_address[1]
    try:
        got, body = _get(port, None if host is None else host.format(port=port))
        assert got == status
        assert (b"page" in body) == (status == 200)
    finally:
        server.shutdown()
        server.server_close()


# ====================================================================== 5. tracebacks → one line


def _odd_models() -> dict[str, onnx.ModelProto]:
    models: dict[str, onnx.ModelProto] = {}
    m = dense_model()
    m.graph.node[0].ClearField("input")
    m.graph.node[0].input.extend(["x"])
    models["one-input-gemm"] = m
    m = dense_model()
    del m.graph.node[1].output[:]
    models["node-without-outputs"] = m
    models["scalar-weight"] = dense_model(weight=np.array(0.5))
    m = dense_model()
    m.graph.initializer[0].CopyFrom(helper.make_tensor("W", TensorProto.STRING, [1], [b"abc"]))
    models["string-weight"] = m
    m = dense_model()
    m.graph.initializer[0].CopyFrom(helper.make_tensor("W", TensorProto.COMPLEX64, [3, 2], [1 + 2j] * 6))
    models["complex-weight"] = m
    m = dense_model()
    m.graph.initializer[0].dims[:] = [30, 20]  # the data holds 6 values
    models["lying-dims"] = m
    m = dense_model()
    big = TensorProto(name="W", data_type=TensorProto.DOUBLE, dims=[1_000_000, 1_000_000])
    m.graph.initializer[0].CopyFrom(big)
    models["huge-declared-no-data"] = m
    models["metadata-not-json"] = dense_model(props={"loss": "{not json"})
    models["metadata-deep"] = dense_model(props={"loss": "[" * 100_000})
    models["metadata-number"] = dense_model(props={"loss": "5"})
    models["bias-wrong-size"] = dense_model(bias=np.array([1.0, 2.0]))
    models["nan-weight"] = dense_model(weight=np.array([[np.nan, 0.2], [0.3, 0.4], [0.5, 0.6]]))
    m = dense_model()
    m.graph.initializer[0].dims[:] = [-3, 2]
    models["negative-dim"] = m
    m = dense_model()
    m.graph.node.insert(0, helper.make_node("Constant", [], ["c"], name="const"))
    models["constant-without-value"] = m
    # MatMul + Add with a one-input Add
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["h"], name="mm"),
        helper.make_node("Add", ["h"], ["y"], name="add"),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None, 2])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [None, 3])],
        [numpy_helper.from_array(np.ones((2, 3)), "W")],
    )
    models["one-input-add"] = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    nodes = [helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None, 2])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [None, 3])],
        [numpy_helper.from_array(np.ones(3), "W")],
    )
    models["vector-matmul"] = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return models


ODD_MODELS = sorted(_odd_models())


@pytest.mark.parametrize("case", ODD_MODELS)
def test_odd_onnx_models_are_one_line(tmp_path, case):
    model = save(_odd_models()[case], tmp_path / "m.onnx")
    line = refused(["import", str(model), "-o", str(tmp_path / "out.yaml")], seconds=30)
    assert str(model) in line
    assert not (tmp_path / "out.yaml").exists()
    if case == "complex-weight":
        assert "complex" in line


@pytest.mark.parametrize("content", [b"", b"\x00" * 10, b"\x08\x96\x01" * 1000, b"not a model at all"])
def test_broken_onnx_files_are_one_line(tmp_path, content):
    (tmp_path / "m.onnx").write_bytes(content)
    refused(["import", str(tmp_path / "m.onnx"), "-o", str(tmp_path / "out.yaml")])


@pytest.mark.parametrize(
    "key",
    [
        b"student,folder\n\xff\xfeAna,ana\n",
        b"student,folder\nAna," + b"x" * 200_000 + b"\n",
        b"student,folder\nAna\0,ana\n",
    ],
    ids=["non-utf8", "huge-cell", "nul"],
)
def test_grade_on_a_broken_class_key(tmp_path, key):
    folder = _class_for_grading(tmp_path)
    (folder / "key" / "key.csv").write_bytes(key)
    status, _, err = cli(["grade", str(folder)])
    assert status in (0, 2) and "Traceback" not in err
    if status == 2:
        assert err.startswith("error: ") and "key.csv" in err


@pytest.mark.parametrize("which", ["blank.yaml", "answers.yaml"])
@pytest.mark.parametrize("shape", ["[", "{a: "])
def test_grade_on_yaml_nested_100000_deep(tmp_path, which, shape):
    folder = _class_for_grading(tmp_path)
    _where(folder, which).write_text("h1.out: " + shape * 100_000 + "\n")
    status, _, err = cli(["grade", str(folder)], seconds=60)
    assert status == 2 and "Traceback" not in err and "RecursionError" not in err, err
    assert all(line.startswith("error: ") for line in err.splitlines())


@pytest.mark.parametrize("value", ["0e1000000", "1e-1000000", "0.5e999999", "-0e400000"])
def test_check_hand_value_past_a_floats_places(tmp_path, value):
    hand = tmp_path / "hand.yaml"
    hand.write_text(f"h1.out: {value}\n")
    line = refused(["check", str(DOC), "--expect", str(hand)])
    assert "hand.yaml:1" in line


@pytest.mark.parametrize("power", ["10^{999}", "10^{-999}", "10^{308}", "10^{400}"])
def test_audit_of_huge_powers_of_ten(tmp_path, power):
    page = tmp_path / "page.md"
    page.write_text(f"$$net_{{h1}} = 1 \\times {power}$$\n")
    status, _, err = cli(["audit", str(page), "--spec", str(DOC)])
    assert status in (0, 1) and err == "", err


def test_npz_member_that_is_not_an_array(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "d.npz", "w") as z:
        z.writestr("X.npy", b"not an array")
        z.writestr("y.txt", b"text")
    from graphengine.engine.datafiles import read_npz
    from graphengine.errors import DataError

    with pytest.raises(DataError) as raised:
        read_npz(tmp_path / "d.npz")
    assert "d.npz" in str(raised.value)


def test_npz_text_member_is_refused(tmp_path):
    import zipfile

    buffer = tmp_path / "d.npz"
    np.savez(buffer, X=np.ones((2, 2)))
    with zipfile.ZipFile(buffer, "a") as z:
        z.writestr("notes.txt", b"text")
    from graphengine.engine.datafiles import read_npz
    from graphengine.errors import DataError

    with pytest.raises(DataError, match="not a numpy array"):
        read_npz(buffer)


def test_plot_boundary_over_the_whole_float_range(tmp_path):
    text = DOC.read_text().replace(
        "  - inputs: {i1: 0.05, i2: 0.10}\n    targets: {o1: 0.01, o2: 0.99}\n",
        "  - inputs: {i1: 1.0e+308, i2: -1.0e+308}\n    targets: {o1: 0.01, o2: 0.99}\n"
        "  - inputs: {i1: -1.0e+308, i2: 1.0e+308}\n    targets: {o1: 0.01, o2: 0.99}\n",
    )
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    status, _, err = cli(["train", str(spec), "--epochs", "1", "--plot-boundary", str(tmp_path / "b.png")])
    assert status == 0, err
    assert (tmp_path / "b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("command", [["run"], ["explain"], ["validate"], ["explain", "--format", "markdown"]])
def test_an_ascii_only_output_encoding(tmp_path, command):
    env = dict(os.environ, PYTHONIOENCODING="ascii", LC_ALL="C")
    done = subprocess.run(
        [GRAPHENGINE, command[0], str(DOC), *command[1:]], capture_output=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    done.stdout.decode("utf-8")  # ASCII with \u escapes (rich) or UTF-8 (click's own fallback)


def test_serve_survives_a_client_reset_and_a_foreign_error(tmp_path):
    server, spec = _serve(tmp_path)
    port = server.server_address[1]
    try:
        for _ in range(3):  # connect, ask, and reset without reading
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
        assert _get(port, f"127.0.0.1:{port}")[0] == 200
        spec.write_text("boom\n")
        time.sleep(0.01)
        status, body = _get(port, f"127.0.0.1:{port}")
        assert status == 200 and b"ValueError" in body
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("kind", ["lazy", "meta", "complex", "integer-bias-bool"])
def test_from_torch_of_modules_without_real_values(kind):
    torch = pytest.importorskip("torch")
    from graphengine.errors import GraphEngineError
    from graphengine.interop.from_torch import from_torch

    if kind == "lazy":
        module = torch.nn.Sequential(torch.nn.LazyLinear(3))
    elif kind == "meta":
        module = torch.nn.Sequential(torch.nn.Linear(2, 3, device="meta"))
    elif kind == "complex":
        module = torch.nn.Sequential(torch.nn.Linear(2, 3, dtype=torch.complex64))
    else:
        module = torch.nn.Sequential(torch.nn.Linear(2, 3))
        module[0].bias = torch.nn.Parameter(torch.ones(3, dtype=torch.bool), requires_grad=False)
    with pytest.raises(GraphEngineError) as raised:
        from_torch(module)
    assert "\n" not in str(raised.value)


# ====================================================================== 6. unbounded work

MEGABYTE_PAGES = {
    "backticks": "`" * 60_000 + "x" * 940_000,
    "fence-of-backticks": "```" + "`" * 60_000 + "\nx\n" * 10,
    "backtick-runs": ("`" * 7 + "a") * 120_000,
    "unclosed-paren": "\\( " * 250_000,
    "unclosed-bracket": "\\[ " * 250_000,
    "unclosed-display": "$$ " * 300_000,
    "html-comments": "<!-- " * 200_000,
    "dollars": "$a " * 300_000,
    "newlines-in-inline": "$a\n" * 300_000,
}


@pytest.mark.parametrize("case", sorted(MEGABYTE_PAGES))
def test_audit_reads_a_megabyte_page_in_linear_time(tmp_path, case):
    from graphengine.errors import DocumentError
    from graphengine.teach.audit.scan import read_chains

    text = MEGABYTE_PAGES[case]
    started = time.perf_counter()
    for part in (text, text[: len(text) // 4]):
        try:
            read_chains(part, "page.md")
        except DocumentError as e:  # more formulas than a page holds: refused, after a linear scan
            assert "formulas" in e.message
    assert time.perf_counter() - started < 20  # was minutes: quadratic backtracking


@pytest.mark.parametrize("case", ["\\begin{equation} ", "% comment $x$\n", "\\begin{verbatim} "])
def test_audit_reads_a_megabyte_tex_page_in_linear_time(case):
    from graphengine.teach.audit.scan import read_chains

    started = time.perf_counter()
    read_chains(case * (1_000_000 // len(case)), "page.tex", tex=True)
    assert time.perf_counter() - started < 20


def test_audit_refuses_more_formulas_than_a_page_holds(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("".join(f"$$h_1 = 0.{i}$$\n" for i in range(25_000)))
    line = refused(["audit", str(page), "--spec", str(DOC)], seconds=60)
    assert "formulas" in line


def test_audit_prints_a_bounded_number_of_leftovers(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("\\( " * 5_000)
    status, out, err = cli(["audit", str(page), "--spec", str(DOC)], seconds=60)
    assert status in (0, 1) and "Traceback" not in err
    assert len(out.splitlines()) < 300 and "more" in out


def test_a_bad_student_name_is_found_before_any_exercise(tmp_path):
    students = tmp_path / "students.txt"
    students.write_text("".join(f"Student {i}\n" for i in range(10_000)) + "Eve\x1b[2J\n")
    started = time.perf_counter()
    line = refused(["exercise", "-o", str(tmp_path / "cls"), "--students", str(students), "--no-pdf"])
    assert time.perf_counter() - started < 10
    assert "students.txt:10001" in line and "\\x1b" in line
    assert not (tmp_path / "cls").exists()


def test_trace_dicts_are_built_once():
    import graphengine

    trace = graphengine.load(DOC).trace()
    assert trace.values is trace.values and trace.updated is trace.updated
    assert trace.values == dict(zip(trace.plan.parameter_names, trace.theta.tolist()))


def test_step_summary_is_linear_in_parameters(tmp_path):
    from graphengine.engine.network import Network

    def spec(width: int) -> str:
        inputs = ", ".join(f"x_{i}: 0.{i % 10}" for i in range(width))
        return (
            f"name: wide\ninputs:\n  - {{name: x, size: {width}}}\nlayers:\n"
            f"  - {{name: h, size: {width}, from: x, activation: tanh, init: xavier}}\n"
            "  - {name: y, size: 2, from: h, init: xavier}\noutputs: [y]\nloss: mse\n"
            f"data:\n  - inputs: {{{inputs}}}\n    targets: {{y_0: 0.2, y_1: 0.7}}\n"
        )

    trace = Network.from_yaml(spec(200)).trace()
    started = time.perf_counter()
    changed = [p for p in trace.plan.parameter_names if trace.updated[p] != trace.values[p]]
    assert time.perf_counter() - started < 2  # 40 000 parameters: quadratic took minutes
    assert changed


WIDE_SPEC = (
    "name: w\ninputs: [a, b]\nlayers:\n  - {name: y, size: 1, from: [a, b]}\noutputs: [y]\nloss: mse\n"
    "data:\n  DATA\n  inputs: [a, b]\n  targets: [y]\n"
)
# Address space and CPU seconds for one bounded run: a normal spec needs about 600 MB of address
# space (Python, numpy, pandas mapped); the million-column file took 3.6 GB and 93 s.
BOUNDED_MEGABYTES, BOUNDED_SECONDS = 900, 60


def bounded_run(argv: list[str], cwd: Path) -> tuple[int, str, float]:
    """Run ``graphengine ARGV`` in a subprocess under an address-space and CPU-time cap:
    (exit status, stderr, wall seconds)."""
    import resource

    def caps() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (BOUNDED_MEGABYTES << 20,) * 2)
        resource.setrlimit(resource.RLIMIT_CPU, (BOUNDED_SECONDS,) * 2)

    started = time.perf_counter()
    done = subprocess.run(
        [GRAPHENGINE, *argv], cwd=cwd, preexec_fn=caps, capture_output=True, text=True, timeout=5 * BOUNDED_SECONDS
    )
    return done.returncode, done.stderr, time.perf_counter() - started


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(row) + "\n")


@pytest.mark.parametrize("where", ["header", "row", "row-after-a-quote"])
def test_a_million_column_csv_is_refused_from_its_first_wide_line(tmp_path, where):
    wide = 1_000_000
    if where == "header":  # three columns the spec reads, then a million it does not
        header = ["a", "b", "y"] + [f"c{i}" for i in range(3, wide)]
        write_rows(tmp_path / "wide.csv", header, [["0.5"] * wide] * 3)
        expected = (
            "wide.csv:1: the first line is longer than 133,120 bytes, but the spec reads 2 input(s) and 1 target(s)"
        )
    else:  # the header is right; row 3 is a million cells wide (after a quoted cell: no fast scan)
        first = ['"0.1"' if where == "row-after-a-quote" else "0.1", "0.2", "0.3"]
        write_rows(tmp_path / "wide.csv", ["a", "b", "y"], [first, ["0.5"] * wide, ["0.1", "0.2", "0.3"]])
        expected = "wide.csv:3: 1000000 cell(s) but the header names 3 column(s)"
    (tmp_path / "spec.yaml").write_text(WIDE_SPEC.replace("DATA", "csv: wide.csv"))
    status, err, seconds = bounded_run(["validate", "spec.yaml"], tmp_path)
    assert status == 2 and err.count("\n") == 1 and err.startswith("error: ") and expected in err, err
    assert seconds < BOUNDED_SECONDS  # was 93 s and 3.6 GB (and SIGSEGV under a memory cap)


def test_a_wide_csv_within_the_bound_is_read(tmp_path):
    # 1,040 columns: the most a table may have for a spec reading 2 inputs and 1 target.
    header = ["a", "b", "y"] + [f"c{i}" for i in range(3, 1040)]
    write_rows(tmp_path / "wide.csv", header, [[str(k / 10)] * 1040 for k in range(4)])
    (tmp_path / "spec.yaml").write_text(WIDE_SPEC.replace("DATA", "csv: wide.csv"))
    status, out, err = cli(["validate", str(tmp_path / "spec.yaml")])
    assert status == 0 and "4 samples" in out, err
    write_rows(tmp_path / "wide.csv", [*header, "one_more"], [[str(k / 10)] * 1041 for k in range(4)])
    line = refused(["validate", str(tmp_path / "spec.yaml")])
    assert "wide.csv:1: the header has 1,041 cells" in line and "at most 1,040 columns" in line


@pytest.mark.parametrize("kind", ["parquet", "npy"])
def test_a_wide_binary_table_is_refused_from_its_header(tmp_path, kind):
    columns = 50_000
    if kind == "parquet":
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        names = ["a", "b", "y"] + [f"c{i}" for i in range(3, columns)]
        pq.write_table(pa.table({n: [0.5] for n in names}), tmp_path / "wide.parquet")
        data = "file: wide.parquet"
    else:
        np.save(tmp_path / "wide.npy", np.full((2, columns), 0.5))
        data = "file: wide.npy"
    spec = WIDE_SPEC.replace("DATA", data)
    if kind == "npy":
        spec = spec.replace("[a, b]\n  targets: [y]", "['0', '1']\n  targets: ['2']")
    (tmp_path / "spec.yaml").write_text(spec)
    line = refused(["validate", str(tmp_path / "spec.yaml")])
    assert f"the table has {columns:,} columns" in line and "at most 1,040 columns" in line, line


AUDIT_LONG_FORMULAS = {
    "nested-subscripts": "$$net" + "_{a" * 5_000 + "}" * 5_000 + " = 1$$\n",  # was cubic: minutes
    "sum-of-50000": "$$net_{h1} = " + " + ".join(["0.1"] * 50_000) + "$$\n",  # was quadratic: 4,000 took 30 s
    "product-of-20000": "$$net_{h1} = " + " \\times ".join(["1.0001"] * 20_000) + "$$\n",
    "chain-of-2000-sums": "$$net_{h1} = " + " = ".join(" + ".join(["0.1"] * 100) for _ in range(200)) + "$$\n",
}


@pytest.mark.parametrize("case", sorted(AUDIT_LONG_FORMULAS))
def test_audit_of_one_very_long_formula_is_bounded(tmp_path, case):
    page = tmp_path / "page.md"
    page.write_text(AUDIT_LONG_FORMULAS[case])
    started = time.perf_counter()
    status, out, err = cli(["audit", str(page), "--spec", str(DOC)], seconds=60)
    assert status in (0, 1) and err == "", err
    assert time.perf_counter() - started < 20
    assert "page.md: " in out  # the summary line: the page was read to its end


# ====================================================================== 7. silently wrong → refused


def test_nan_in_a_sidecar_is_refused_even_with_a_matching_sha256(tmp_path):
    from graphengine.engine.network import load
    from graphengine.engine.sidecar import write_sidecar

    net = load(DOC)
    theta = net.theta.copy()
    theta[3] = np.nan
    entry = write_sidecar(tmp_path / "spec.yaml", net.plan, theta)
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        DOC.read_text()
        + f"\nweights_file: {{file: {entry['file']}, sha256: {entry['sha256']}, parameters: {entry['parameters']}}}\n"
    )
    line = refused(["run", str(spec)])
    assert "not a finite number" in line and "spec.yaml:" in line


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_infinity_in_a_sidecar_is_refused(tmp_path, value):
    from graphengine.engine.network import load
    from graphengine.engine.sidecar import write_sidecar

    net = load(DOC)
    theta = net.theta.copy()
    theta[0] = value
    entry = write_sidecar(tmp_path / "spec.yaml", net.plan, theta)
    (tmp_path / "spec.yaml").write_text(
        DOC.read_text()
        + f"\nweights_file: {{file: {entry['file']}, sha256: {entry['sha256']}, parameters: {entry['parameters']}}}\n"
    )
    assert "not a finite number" in refused(["run", str(tmp_path / "spec.yaml")])


@pytest.mark.parametrize(
    "name, problem",
    [
        ("Ana\x1b[2J", "control character"),
        ("Bo\u202eLi", "control character"),
        ("Cy\x00", "control character"),
        ("D" * 201, "characters long"),
    ],
)
def test_a_bad_student_name_is_located_in_the_student_list(tmp_path, name, problem):
    students = tmp_path / "students.txt"
    students.write_text(f"Ann\n{name}\n", encoding="utf-8")
    line = refused(["exercise", "-o", str(tmp_path / "cls"), "--students", str(students), "--no-pdf"])
    assert f"{students}:2:" in line and problem in line and "exercise.yaml" not in line
    assert "\x1b" not in line and "\u202e" not in line


def test_a_student_list_that_is_not_utf8(tmp_path):
    students = tmp_path / "students.txt"
    students.write_bytes(b"Ann\nB\xe9a\n")
    line = refused(["exercise", "-o", str(tmp_path / "cls"), "--students", str(students), "--no-pdf"])
    assert f"{students}:2:" in line and "UTF-8" in line


@pytest.mark.parametrize(
    "value, says",
    [
        ("9" * 5_000, "is too large for a float"),
        ("1e999999999", "is too large for a float"),
        ("-1e-99999999", "past what a float holds"),
        (".nan", "expected a number, got `.nan`"),
        ("yes", "expected a number, got `yes`"),
        ("[1, 2]", "expected a number, got a list or mapping"),
        ("'" + "a" * 300_000 + "'", "expected a number, got `aaaa"),
    ],
    ids=["5000-digits", "1e999999999", "tiny-place", "nan", "yes", "list", "300000-letters"],
)
def test_a_sheet_whose_only_answer_is_unreadable_is_graded_with_that_line(tmp_path, value, says):
    # It was "the file is empty" (no line) and the sheet not graded: the one answer set aside
    # as unreadable left only comments behind.
    folder = _class_for_grading(tmp_path)
    sheet = folder / "students" / "ana" / "blank.yaml"
    lines = sheet.read_text().splitlines()
    at = next(k for k, line in enumerate(lines) if not line.startswith("#"))
    key = lines[at].split(":")[0]
    lines[at] = f"{key}: {value}"
    sheet.write_text("\n".join(lines) + "\n")
    status, out, err = cli(["grade", str(folder)])
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"error: {sheet}:{at + 1}: {key}: ") and says in err, err
    assert "empty" not in err and "unreadable (a)" in out  # graded: that answer is wrong, the rest blank


# ====================================================================== 8. Ctrl-C


@pytest.mark.slow
def test_ctrl_c_during_report_replay_exits_130_without_a_page(tmp_path):
    out = tmp_path / "x.html"
    process = subprocess.Popen(
        [GRAPHENGINE, "report", str(ROOT / "specs" / "xor.yaml"), "-o", str(out), "--epochs", "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert b"page written" not in stdout and not out.exists()
    assert b"Traceback" not in stderr


# ====================================================================== fuzzers

TENSOR_TYPES = [TensorProto.DOUBLE, TensorProto.FLOAT, TensorProto.INT64, TensorProto.STRING, TensorProto.COMPLEX128]
OPS = ["Gemm", "MatMul", "Add", "Tanh", "Relu", "Identity", "Conv", "LeakyRelu", "Constant"]


@st.composite
def onnx_graphs(draw):
    names = ["x", "W", "b", "h", "y", "c"]
    nodes = []
    for i in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(OPS))
        inputs = draw(st.lists(st.sampled_from(names), max_size=3))
        outputs = draw(st.lists(st.sampled_from(names), max_size=2))
        nodes.append(helper.make_node(op, inputs, outputs, name=f"n{i}"))
    initializers = []
    for name in draw(st.lists(st.sampled_from(["W", "b", "c"]), max_size=3, unique=True)):
        kind = draw(st.sampled_from(TENSOR_TYPES))
        dims = draw(st.lists(st.integers(0, 4), max_size=3))
        count = int(np.prod(dims)) if dims else 1
        if kind == TensorProto.STRING:
            values = [b"s"] * count
        elif kind == TensorProto.COMPLEX128:
            values = [1 + 1j] * count
        else:
            values = [draw(st.floats(allow_nan=True, allow_infinity=True, width=32)) for _ in range(count)]
            if kind == TensorProto.INT64:
                values = [int(v) if np.isfinite(v) else 0 for v in values]
        tensor = helper.make_tensor(name, kind, dims, values)
        if draw(st.booleans()):
            tensor.dims[:] = [count + draw(st.integers(1, 3))]  # dims that lie
        initializers.append(tensor)
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None, 2])],
        [helper.make_tensor_value_info(draw(st.sampled_from(["y", "h"])), TensorProto.DOUBLE, [None, 2])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    if draw(st.booleans()):
        model.metadata_props.add(key="loss", value=draw(st.text(max_size=20)))
    return model


@BOUNDED
@given(model=onnx_graphs())
def test_fuzz_onnx_import_is_a_spec_or_one_line(tmp_path, model):
    home = fresh(tmp_path)
    path = save(model, home / "m.onnx")
    status, _, err = cli(["import", str(path), "-o", str(home / "out.yaml")], seconds=30)
    if status == 0:
        assert (home / "out.yaml").exists()
    else:
        assert status == 2 and err.count("\n") == 1 and err.startswith("error: "), err
        assert not (home / "out.yaml").exists()


PAGE_ALPHABET = st.sampled_from(list("$\\()[]{}`~<!->%=0123456789.h_ \n") + ["\\frac", "\\times", "$$", "```"])


@BOUNDED
@given(text=st.lists(PAGE_ALPHABET, max_size=300).map("".join), tex=st.booleans())
def test_fuzz_audit_readers_never_crash(text, tex):
    from graphengine.errors import DocumentError
    from graphengine.teach.audit.scan import read_chains

    try:
        page = read_chains(text, "page", tex=tex)
    except DocumentError:
        return
    for chain in page.chains:
        for side in chain.sides:
            side.number()


@BOUNDED
@given(text=st.lists(PAGE_ALPHABET, max_size=200).map("".join))
def test_fuzz_audit_command_is_a_report_or_one_line(tmp_path, text):
    home = fresh(tmp_path)
    page = home / "page.md"
    page.write_text(text)
    status, out, err = cli(["audit", str(page), "--spec", str(DOC), "--json"], seconds=30)
    assert status in (0, 1, 2) and "Traceback" not in err
    if status in (0, 1):
        json.loads(out)  # strict JSON


# ====================================================================== 4b. markup in a real browser

CHROMIUM = "/usr/bin/chromium"
BROWSER_NAMES = ["<!--<script>", "</script><script>window.pwned=1</script>", '<img src=x onerror="window.pwned=1">']


@pytest.fixture(scope="module")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


def _open(chromium, path: Path) -> tuple[object, list[str]]:
    context = chromium.new_context()
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))
    page.goto(path.as_uri())
    return page, errors


def _renamed_input(home: Path, name: str) -> Path:
    """The doc example with its input `i1` renamed to ``name`` everywhere."""
    import re

    spec = home / "spec.yaml"
    spec.write_text(re.sub(r"\bi1\b", json.dumps(name).replace("\\", "\\\\"), DOC.read_text()))
    return spec


@pytest.mark.parametrize("name", BROWSER_NAMES)
def test_page_with_a_hostile_name_runs_its_own_script_only(chromium, tmp_path, name):
    import graphengine
    from graphengine.views.stepthrough.page import build_page

    spec = _renamed_input(tmp_path, name)
    net = graphengine.load(spec)
    assert name in net.spec.inputs
    path = tmp_path / "page.html"
    path.write_text(build_page(net), encoding="utf-8")
    page, errors = _open(chromium, path)
    page.wait_for_selector("#ge-counter", timeout=10_000)
    first = page.inner_text("#ge-counter")
    page.keyboard.press("End")
    last = page.inner_text("#ge-counter")
    assert first != last and "step" in last  # the page's own script runs (not swallowed by the data)
    data = page.evaluate("() => JSON.parse(document.getElementById('ge-data').textContent)")
    assert name in json.dumps(data, ensure_ascii=False).replace('\\"', '"')  # the name is there, as data
    assert page.evaluate("() => window.pwned") is None
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("name", BROWSER_NAMES[1:])
def test_explain_markdown_rendered_to_html_runs_no_script(chromium, tmp_path, name):
    markdown_it = pytest.importorskip("markdown_it")
    spec = _renamed_input(tmp_path, name)
    status, out, err = cli(["explain", str(spec), "--format", "markdown"])
    assert status == 0, err
    html = tmp_path / "explain.html"
    html.write_text("<!doctype html><meta charset=utf-8>" + markdown_it.MarkdownIt("commonmark").render(out))
    page, errors = _open(chromium, html)
    page.wait_for_load_state("load")
    assert page.evaluate("() => window.pwned") is None
    assert page.evaluate("() => document.querySelectorAll('img, script').length") == 0
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("key, size", [("name", 20_000), ("description", 20_000)])
def test_titles_past_the_renderers_limits_are_refused_where_written(tmp_path, key, size):
    import re

    spec = tmp_path / "spec.yaml"
    text = DOC.read_text()
    text = (
        re.sub(rf"^{key}: .*$", f"{key}: " + "N" * size, text, flags=re.M)
        if f"\n{key}:" in text
        else (f"{key}: " + "N" * size + "\n" + text)
    )
    spec.write_text(text)
    line = refused(["render", str(spec), "-o", str(tmp_path / "x.svg")])
    assert "spec.yaml:" in line and f"{key}:" in line and "at most" in line and len(line) < 300
    assert not (tmp_path / "x.svg").exists()
