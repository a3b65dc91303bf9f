"""Regression tests for crashes and silent mistakes found by fuzzing (tests/test_fuzz.py).

Each bad input: exit status 2, one `error: ` line on stderr naming the file, line, key and
bad value, no traceback, no output file left behind.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Ran

from graphengine.errors import SpecError

DOC = Path(__file__).resolve().parent.parent / "specs" / "doc_example.yaml"


def fails(cli: Callable[..., Ran], argv: list[str], status: int = 2) -> str:
    ran = cli(*argv)
    assert ran.code == status
    err = ran.err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


TWO_NODES = """\
inputs: [x]
outputs: [y]
nodes:
  {name}: {{activation: sigmoid}}
  y: {{}}
edges:
  - {{from: x, to: {name}, weight: 0.5}}
  - {{from: {name}, to: y, weight: 0.5}}
data:
  - {{inputs: {{x: 1}}, targets: {{y: 0}}}}
"""


# ---------------------------------------------------------------------- one line, always


def test_error_message_with_a_newline_in_a_key_stays_one_line(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    spec = write(tmp_path, DOC.read_text() + '"a\\nb": 1\n')
    err = fails(cli, ["validate", spec])
    assert "unknown key `a\\nb`" in err


def test_error_str_escapes_control_characters() -> None:
    e = SpecError("unknown key `a\nb\tc\u2028`", file="f.yaml", line=3, path=("x\ny",))
    assert str(e) == "f.yaml:3: x\\ny: unknown key `a\\nb\\tc\\u2028`"


# ---------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ('"a->b"', "node name `a->b` contains `->`"),
        ('"a\\nb"', "node name `a\\nb` contains the control character '\\n'"),
        ('"a\\tb"', "contains the control character '\\t'"),
        ('" h"', "node name ` h` starts or ends with a space; write `h`"),
        ('"h "', "starts or ends with a space"),
    ],
)
def test_names_that_would_garble_output_are_refused(
    tmp_path: Path, cli: Callable[..., Ran], name: str, message: str
) -> None:
    spec = write(tmp_path, TWO_NODES.format(name=name))
    err = fails(cli, ["validate", spec])
    assert message in err and ":4: nodes." in err


def test_arrow_in_an_input_name_is_refused(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    text = TWO_NODES.format(name="h").replace("[x]", '["x->"]').replace("from: x,", 'from: "x->",')
    err = fails(cli, ["validate", write(tmp_path, text.replace("{x: 1}", '{"x->": 1}'))])
    assert ":1: inputs[0]: input name `x->` contains `->`" in err


def test_two_inline_weights_never_share_one_implicit_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., Ran]
) -> None:
    # Before: the edges a -> `b->c` and `a->b` -> c were both named `a->b->c` and silently
    # became ONE shared parameter (0.1 was lost, 0.9 used twice). `->` in node names is now
    # refused; the implicit-name clash is checked on its own as well (name check off here).
    import graphengine.model.graph

    spec = write(
        tmp_path,
        'inputs: [a, "a->b"]\noutputs: [c, "b->c"]\nnodes:\n  c: {}\n  "b->c": {}\nedges:\n'
        '  - {from: a, to: "b->c", weight: 0.1}\n  - {from: "a->b", to: c, weight: 0.9}\n',
    )
    err = fails(cli, ["validate", spec])
    assert ":1: inputs[1]: input name `a->b` contains `->`" in err
    monkeypatch.setattr(graphengine.model.graph, "_check_name", lambda *args: None)
    err = fails(cli, ["validate", spec])
    assert ":8: edges[1].weight: two inline numbers would both be named `a->b->c`" in err


AWKWARD = [
    "a b",
    "ü",
    "σ₁",
    "名前",
    'q\\"uote',
    "it's",
    "h1.bias",
    "x" * 200,
    "0.5",
    "1e-3",
    "a\\\\b",
    "a|b",
    "$x$",
    "<b>&",
]


@pytest.mark.parametrize("name", AWKWARD)
def test_awkward_names_work_everywhere(tmp_path: Path, cli: Callable[..., Ran], name: str) -> None:
    """Unicode, quotes, backslashes, spaces, dots, digits: run, explain (text, markdown, latex),
    render (DOT through Graphviz) and check all accept them."""
    spec = write(tmp_path, TWO_NODES.format(name=f'"{name}"'))
    shown = name.replace('\\"', '"').replace("\\\\", "\\")
    assert cli("run", "--json", spec).code == 0
    assert cli("explain", "--format", "markdown", spec).code == 0
    assert cli("explain", "--format", "latex", "-o", tmp_path / "e.tex", spec).code == 0
    assert cli("render", "-o", tmp_path / "d.svg", spec).code == 0
    from html import unescape

    assert f">{shown}<" in unescape((tmp_path / "d.svg").read_text(encoding="utf-8"))  # a label, whole
    import yaml

    hand = tmp_path / "hand.yaml"
    hand.write_text(yaml.safe_dump({f"{shown}.out": 0.5}, allow_unicode=True), encoding="utf-8")
    ran = cli("check", spec, "--expect", hand)
    assert ran.code in (0, 1), ran.err


def test_check_refuses_an_ambiguous_quantity(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    # Node `grad` has the quantity `grad.out`; so does the gradient of parameter `out`.
    spec = write(
        tmp_path,
        "inputs: [x]\noutputs: [grad]\nnodes:\n  grad: {bias: out}\nedges:\n  - {from: x, to: grad, weight: 0.5}\n"
        "parameters:\n  out: 0.1\ndata:\n  - {inputs: {x: 1}, targets: {grad: 0}}\n",
    )
    hand = write(tmp_path, "grad.out: 0.1\n", "hand.yaml")
    err = fails(cli, ["check", spec, "--expect", hand])
    assert "hand.yaml:1: grad.out: quantity `grad.out` is ambiguous" in err


# ---------------------------------------------------------------------- data files


def test_nul_in_csv_path(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    spec = write(
        tmp_path,
        "inputs: [x]\noutputs: [y]\nnodes: {y: {}}\nedges: [{from: x, to: y, weight: 1}]\n"
        'data: {csv: "a\\0b", targets: [y]}\n',
    )
    err = fails(cli, ["validate", spec])
    assert ":5: data.csv: `a\\x00b` is not a usable file name" in err


# ---------------------------------------------------------------------- hand files


@pytest.mark.parametrize("value", ["1e999", "-1e999", "1" * 400])
def test_hand_value_too_large_for_a_float(tmp_path: Path, cli: Callable[..., Ran], value: str) -> None:
    # Before: 1e999 crashed with OverflowError; a 400-digit integer became `Infinity` in --json.
    hand = write(tmp_path, f"h1.net: 0.3775\nh1.out: {value}\n", "hand.yaml")
    err = fails(cli, ["check", str(DOC), "--expect", hand, "--json"])
    assert "hand.yaml:2: h1.out: `" in err and "is too large for a float" in err


# ---------------------------------------------------------------------- outputs: all or nothing

NAN = """\
inputs: [x]
outputs: [y]
nodes: {y: {bias: 0.0}}
edges: [{from: x, to: y, weight: 1.0}]
data: [{inputs: {x: 1.0e+100}, targets: {y: 1.0}}]
training: {learning_rate: 1.0e+100, epochs: 50}
"""
XOR = str(DOC.parent / "xor.yaml")


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.rglob("*")}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        # Before: the trained spec was written, then --plot / --svg failed (exit 2 with t.yaml left).
        (["train", XOR, "--epochs", "3", "-o", "t.yaml", "--plot", "afile/p.svg"], "`afile` is a file, not a folder"),
        (["train", XOR, "--epochs", "3", "-o", "t.yaml", "--svg", "afile/d/p.svg"], "`afile` is a file, not a folder"),
        (["train", XOR, "--epochs", "3", "-o", "afile/t.yaml"], "afile/t.yaml: cannot write: `afile` is a file"),
        (["train", "nan.yaml", "-o", "t.yaml", "--plot", "p.svg", "--svg", "d.svg"], "the loss became inf"),
        (["train", XOR, "-o", "t.yaml", "--plot", "p.txt"], "--plot: `p.txt` must end in"),
        (["render", "bad.yaml", "-o", "d.svg"], "bad.yaml:2: YAML"),
        (["render", XOR, "-o", "afile/d.dot"], "`afile` is a file, not a folder"),
        (["run", "bad.yaml", "--svg", "d.svg"], "bad.yaml:2: YAML"),
        (["explain", "bad.yaml", "-o", "e.md"], "bad.yaml:2: YAML"),
        (["explain", XOR, "-o", "afile/e.md"], "`afile` is a file, not a folder"),
    ],
)
def test_failing_commands_leave_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., Ran], argv: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("")
    (tmp_path / "nan.yaml").write_text(NAN)
    (tmp_path / "bad.yaml").write_text("inputs: [x\n")
    before = _files(tmp_path)
    err = fails(cli, argv)
    assert message in err
    assert _files(tmp_path) == before  # no output, no temp file


# ---------------------------------------------------------------------- YAML tags


@pytest.mark.parametrize("value", ['!!int "0x"', '!!float "abc"', '!!bool "maybe"', "!!timestamp 2001-13-45"])
def test_yaml_tag_that_does_not_fit_its_text(tmp_path: Path, cli: Callable[..., Ran], value: str) -> None:
    # Before: ValueError / KeyError tracebacks from PyYAML's constructors.
    spec = write(tmp_path, DOC.read_text().replace("name: doc_example", f"name: {value}"))
    err = fails(cli, ["validate", spec])
    assert "spec.yaml:3: YAML: `" in err and "` value; remove the tag or fix the value" in err


# ---------------------------------------------------------------------- validate decides


@pytest.mark.parametrize(
    ("training", "message"),
    [
        ("{optimizer: nadam}", "unknown optimizer `nadam`; did you mean `adam`?"),
        ("{optimizer: {name: adam, b: 1}}", "optimizer `adam` has no parameter `b`"),
        ("{optimizer: {name: adam, beta1: .nan}}", "parameter `beta1` must be a finite number"),
        ("{optimizer: {name: sgd, learning_rate: -1}}", "learning_rate must be positive, got `-1`"),
    ],
)
def test_validate_checks_the_optimizer_as_train_does(
    tmp_path: Path, cli: Callable[..., Ran], training: str, message: str
) -> None:
    # Before: `validate` said ok and only `train` refused these (a negative rate even trained uphill).
    text = DOC.read_text().replace("training:\n  learning_rate: 0.5", f"training: {training}")
    spec = write(tmp_path, text)
    for command in ("validate", "train"):
        err = fails(cli, [command, spec])
        assert "training.optimizer" in err and message in err


# ---------------------------------------------------------------------- overflowing values

OVERFLOW = (
    (DOC.parent / "skip_shared.yaml")
    .read_text()
    .replace("{from: h2, to: y, weight: -0.6}", "{from: h2, to: y, weight: 1.0e+308}")
)


def test_render_draws_an_overflowing_step(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    # Before: ValueError (int of NaN) choosing the colour of an edge whose gradient is inf/NaN.
    spec = write(tmp_path, OVERFLOW)
    for detail in ("full", "names"):
        assert cli("render", spec, "-o", tmp_path / "d.dot", "--detail", detail).code == 0
        dot = (tmp_path / "d.dot").read_text()
        assert 'penwidth="5.0"' in dot  # an infinite gradient: full width
        assert detail == "names" or "∂E/∂w <B>inf" in dot


def test_numpy_warnings_never_reach_stderr(tmp_path: Path) -> None:
    import subprocess
    import sys

    spec = write(tmp_path, OVERFLOW)
    ok = subprocess.run([sys.executable, "-m", "graphengine", "run", spec], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stderr == "" and "inf" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "graphengine", "train", spec], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "the loss became inf" in bad.stderr


# ---------------------------------------------------------------------- command-line usage errors


@pytest.mark.parametrize("lr", ["inf", "nan", "-inf", "1e999"])
@pytest.mark.parametrize("command", ["run", "render", "explain", "train", "check"])
def test_learning_rate_option_must_be_finite(tmp_path: Path, cli: Callable[..., Ran], command: str, lr: str) -> None:
    # Before: `--lr inf` and `--lr nan` were accepted (click's FloatRange lets them through).
    extra = {
        "render": ["-o", str(tmp_path / "d.svg")],
        "check": ["--expect", str(DOC.with_name("doc_example_hand.yaml"))],
    }
    err = fails(cli, [command, str(DOC), "--lr", lr, *extra.get(command, [])])
    assert "--lr" in err and ("not a finite number" in err or "not in the range" in err)
    assert not (tmp_path / "d.svg").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run"], "error: Missing argument 'SPEC'. (see `graphengine run --help`)"),
        (["rnu", "x.yaml"], "error: No such command 'rnu'. Did you mean 'run'? (see `graphengine --help`)"),
        (["run", str(DOC), "--bogus"], "error: No such option '--bogus'"),
        (["validate", str(DOC.parent)], "error: Invalid value for 'SPEC': File "),
        (["render", str(DOC), "-o", "d.jpg"], "cannot tell the diagram format of `d.jpg` from its suffix `.jpg`"),
    ],
)
def test_usage_errors_are_one_line(cli: Callable[..., Ran], argv: list[str], message: str) -> None:
    # Before: click's three-line "Usage: … / Try … / Error: …" block.
    assert message in fails(cli, argv)


def test_no_arguments_shows_the_help(cli: Callable[..., Ran]) -> None:
    ran = cli()
    assert ran.code in (0, 2)
    assert "Usage: graphengine" in ran.out + ran.err


# ---------------------------------------------------------------------- CSV files

CSV_SPEC = """\
inputs: [a, b]
outputs: [y]
nodes: {y: {activation: sigmoid}}
edges: [{from: a, to: y, weight: 0.5}, {from: b, to: y, weight: 0.5}]
data: {csv: d.csv, inputs: [a, b], targets: [t]}
"""


@pytest.mark.parametrize(
    "content", ["\ufeffa,b,t\n1,2,0\n", "a,b,t\r\n1,2,0\r\n", '"a","b","t"\n"1"," 2 ","0"\n', "a,b,t\n1,2,0"]
)
def test_csv_forms_that_read(tmp_path: Path, cli: Callable[..., Ran], content: str) -> None:
    # Before: a byte-order mark (Excel's "CSV UTF-8") made the first column `\ufeffa`.
    (tmp_path / "d.csv").write_text(content, encoding="utf-8", newline="")
    ran = cli("run", "--json", write(tmp_path, CSV_SPEC))
    assert ran.code == 0
    import json

    data = json.loads(ran.out)
    assert data["samples"][0]["nodes"]["a"]["out"] == 1.0 and data["samples"][0]["nodes"]["b"]["out"] == 2.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a;b;t\n1;2;0\n", "separate cells with ';', but a CSV file uses commas"),
        ("a\tb\tt\n1\t2\t0\n", "separate cells with '\\t'"),
        ("a,b,t\n1,2\n", "d.csv:2: 2 cell(s) but the header names 3 column(s)"),
        ("a,b,t\n1,x,0\n", "d.csv:2: column `b`: `x` is not a number"),
        ("a,b,t\n1,NaN,0\n", "d.csv:2: column `b`: `NaN` is not a finite number"),
        ("a,b,t\n1,1e400,0\n", "d.csv:2: column `b`: `1e400` is not a finite number"),
        ("a,b,t\n", "d.csv:1: the file has a header but no data rows"),
        ("", "d.csv:1: the file is empty"),
        ('a,b,t\n"1\n2",2,0\n', "d.csv:2: column `a`: `1\\n2` is not a number"),
    ],
)
def test_bad_csv_files(tmp_path: Path, cli: Callable[..., Ran], content: str, message: str) -> None:
    (tmp_path / "d.csv").write_text(content, encoding="utf-8", newline="")
    assert message in fails(cli, ["validate", write(tmp_path, CSV_SPEC)])


@pytest.mark.parametrize("sample", ["²", "٣", "-1", "1.0", "x", "0x1"])
def test_hand_sample_must_be_a_plain_number(tmp_path: Path, cli: Callable[..., Ran], sample: str) -> None:
    # Before: `sample: ²` passed str.isdigit and crashed int() with a ValueError traceback.
    hand = write(tmp_path, f"sample: {sample}\nh1.out: 0.593\n", "hand.yaml")
    err = fails(cli, ["check", str(DOC), "--expect", hand])
    assert "hand.yaml:1: sample: `sample` must be a sample number (0, 1, ...)" in err


# ---------------------------------------------------------------------- sizes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("inputs: [{name: x, size: 1000000000}]\noutputs: [x_0]\n", ":1: inputs[0].size: must be ≤ 1,000,000"),
        (
            "inputs: [x]\nlayers: [{name: h, size: 10000000000, from: x}]\noutputs: [h]\n",
            ":2: layers[0].size: must be ≤ 1,000,000",
        ),
        (
            "inputs: [{name: x, size: 4000}]\nlayers:\n  - {name: h, size: 4000, from: x}\noutputs: [h]\n",
            ":3: layers[0].size: layer `h` brings the layers to 16,000,000 edges; at most 10,000,000",
        ),
    ],
)
def test_layer_sizes_that_cannot_fit_are_refused_early(
    tmp_path: Path, cli: Callable[..., Ran], text: str, message: str
) -> None:
    # Before: a `size: 1000000000` typo built a billion node names (minutes, then MemoryError).
    assert message in fails(cli, ["validate", write(tmp_path, text)])


def test_memory_error_is_one_line(monkeypatch: pytest.MonkeyPatch, cli: Callable[..., Ran]) -> None:
    import graphengine.engine.network

    def boom(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(graphengine.engine.network, "load", boom)
    assert fails(cli, ["validate", str(DOC)]) == "error: not enough memory for this network and data\n"


# ---------------------------------------------------------------------- a reader that leaves early


@pytest.mark.parametrize("argv", [["run", "specs/digits.yaml"], ["explain", "specs/iris_4883.yaml", "--all"]])
def test_closed_pipe_ends_quietly(argv: list[str]) -> None:
    # Before: `graphengine run … | head` exited with status 1 (rich's broken-pipe exit), which
    # means "a check found something wrong" here.
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "graphengine", *argv],
        cwd=DOC.parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait() == 0 and err == b""


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ("x_1", ":3: inputs[1]: input `x_1` is listed twice"),
        ("{name: x, size: 2}", ":3: inputs[1].name: input `x_0` is listed twice"),
        ('{name: "x ", size: 2}', ":3: inputs[1].name: input layer name `x ` starts or ends with a space"),
    ],
)
def test_input_layer_errors_point_at_the_entry(
    tmp_path: Path, cli: Callable[..., Ran], second: str, message: str
) -> None:
    # Before: `inputs[3]` on line 1 (the index in the expanded list), and `x ` was accepted.
    text = (
        f"inputs:\n  - {{name: x, size: 3}}\n  - {second}\nlayers:\n  - {{name: h, size: 2, from: x}}\noutputs: [h]\n"
    )
    assert message in fails(cli, ["validate", write(tmp_path, text)])


@pytest.mark.parametrize("depth", [500, 900])
def test_deeply_nested_yaml(tmp_path: Path, cli: Callable[..., Ran], depth: int) -> None:
    # Before: RecursionError tracebacks (the spec's line map, the hand file's composer).
    nested = "[" * depth + "]" * depth
    spec = write(tmp_path, DOC.read_text().replace("name: doc_example", f"name: {nested}"))
    assert "YAML: lists or mappings are nested hundreds of levels deep" in fails(cli, ["validate", spec])
    hand = write(tmp_path, f"h1.out: {nested}\n", "hand.yaml")
    err = fails(cli, ["check", str(DOC), "--expect", hand])
    assert "hand.yaml: YAML: lists or mappings are nested hundreds of levels deep" in err


def test_very_long_names_are_refused_before_graphviz_chokes(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    # Before: Graphviz refuses quoted strings over 16384 characters; its early exit broke the
    # pipe and `render` ended silently with status 1.
    import yaml

    def spec_with(name: str) -> str:
        # YAML allows implicit keys of at most 1024 characters: the dumper writes `? key`.
        data = yaml.safe_load(TWO_NODES.format(name="h"))
        data["nodes"] = {name: data["nodes"]["h"], "y": {}}
        data["edges"] = [{"from": "x", "to": name, "weight": 0.5}, {"from": name, "to": "y", "weight": 0.5}]
        return write(tmp_path, yaml.safe_dump(data, width=100_000))

    err = fails(cli, ["render", spec_with("x" * 20000), "-o", str(tmp_path / "d.svg")])
    assert f": nodes.{'x' * 40}…: node name `{'x' * 20}…` is 20,000 characters long; at most 1,000" in err
    assert len(err) < 250 and not (tmp_path / "d.svg").exists()
    assert cli("render", spec_with("y" * 1000), "-o", tmp_path / "d.svg").code == 0


def test_dot_failing_early_is_a_render_error() -> None:
    from graphengine.errors import RenderError
    from graphengine.views.diagram.render import pipe

    with pytest.raises(RenderError, match="Graphviz's `dot` failed: .*syntax error"):
        pipe('digraph {\n  "' + "x" * 20000 + '"\n' + "  a -> b\n" * 20000 + "}\n", "svg")


@pytest.mark.parametrize("name", ["$\\\\frac$", "$$", "a $x$ b", "100$"])
def test_plot_title_is_text_not_mathtext(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., Ran], name: str
) -> None:
    # Before: a spec named `$$` or `$\frac$` crashed matplotlib's mathtext parser (ValueError
    # traceback) after the trained spec had already been written.
    monkeypatch.chdir(tmp_path)
    write(tmp_path, (DOC.parent / "xor.yaml").read_text().replace("name: xor", f'name: "{name}"'), "x.yaml")
    ran = cli("train", "x.yaml", "--epochs", "3", "--plot", "p.svg", "-o", "t.yaml")
    assert ran.code == 0, ran.err
    assert (tmp_path / "p.svg").stat().st_size > 0 and (tmp_path / "t.yaml").exists()


def test_plot_failure_leaves_no_trained_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., Ran]
) -> None:
    import matplotlib.figure

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("cannot draw")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", broken)
    err = fails(cli, ["train", XOR, "--epochs", "3", "--plot", "p.svg", "-o", "t.yaml"])
    assert "p.svg: --plot: matplotlib cannot draw the curve: cannot draw" in err
    assert list(tmp_path.iterdir()) == []


HUGE = "1" + "0" * 400


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"inputs: [x]\noutputs: [y]\nnodes: {{y: {{activation: {{name: leaky_relu, alpha: {HUGE}}}}}}}\n"
            "edges: [{from: x, to: y, weight: 1}]\n",
            ":3: nodes.y.activation: activation `leaky_relu`: parameter `alpha` must be a finite number, "
            "got an integer of 401 digits",
        ),
        (
            f"inputs: [x]\nlayers: [{{name: y, size: 2, from: x, init: {{name: uniform, scale: {HUGE}}}}}]\n"
            "outputs: [y]\n",
            ":2: layers[0].init.scale: initialiser `uniform`: `scale` must be a number ≥ 0, got an integer of 401 digits",
        ),
        (
            DOC.read_text().replace(
                "training:\n  learning_rate: 0.5", f"training: {{optimizer: {{name: adam, beta1: {HUGE}}}}}"
            ),
            "training.optimizer: optimizer `adam`: parameter `beta1` must be a finite number, got an integer of 401 digits",
        ),
    ],
)
def test_parameters_beyond_float_range(tmp_path: Path, cli: Callable[..., Ran], text: str, message: str) -> None:
    # Before: math.isfinite(10**400) raised OverflowError (a traceback).
    assert message in fails(cli, ["validate", write(tmp_path, text)])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (HUGE, "data.validation_split: expected a number, got an integer of 401 digits"),
        (".nan", "data.validation_split: expected a finite number, got `nan`"),
        ("1", "data.validation_split: must be < 1, got `1`"),
        ("0.9999999", "validation_split 0.9999999 of 4 row(s) leaves no training rows"),
    ],
)
def test_validation_split_messages(tmp_path: Path, cli: Callable[..., Ran], value: str, message: str) -> None:
    # Before: a 400-digit number printed whole, pydantic's "Input should be less than 1", and
    # `0.9999999` shown as `1`.
    (tmp_path / "d.csv").write_text("a,b,t\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    text = CSV_SPEC.replace("targets: [t]}", f"targets: [t], validation_split: {value}}}")
    assert message in fails(cli, ["validate", write(tmp_path, text)])


def test_hand_file_never_runs_code(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    marker = tmp_path / "ran"
    hand = write(
        tmp_path,
        f"h1.out: !!python/object/apply:os.system ['touch {marker}']\nh1.net: !!python/name:os.system\n",
        "hand.yaml",
    )
    err = fails(cli, ["check", str(DOC), "--expect", hand])
    assert "hand.yaml:1: h1.out: expected a number" in err and not marker.exists()
