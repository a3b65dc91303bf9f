"""Every way a spec can be wrong gets one clear line on stderr and exit status 2.

One fixture file per failure mode lives in tests/fixtures/bad/ (its first line says what
is wrong with it). Each case checks, through the real CLI (`validate` and `run`): exit
status 2, exactly one line on stderr, ``error: FILE:LINE: KEY.PATH: message`` with the
bad value and, where a typo is likely, a suggestion; never a traceback.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import Ran

from graphengine.errors import GraphEngineError

BAD = Path(__file__).parents[1] / "fixtures" / "bad"

# fixture name: (line or None, key path or None, fragments the message must contain)
CASES: dict[str, tuple[int | None, str | None, list[str]]] = {
    "yaml_syntax": (3, None, ["YAML", "expected ',' or ']'", "started on line 2"]),
    "yaml_tab": (5, None, ["YAML", "tabs"]),
    "yaml_two_documents": (11, None, ["single YAML document", "---"]),
    "empty": (None, None, ["empty"]),
    "top_level_list": (1, None, ["top level", "got a list"]),
    "top_level_scalar": (1, None, ["top level", "`just some text`"]),
    "unknown_key_top": (6, "edgse", ["unknown key `edgse`", "did you mean `edges`?"]),
    "unknown_key_node": (5, "nodes.y.bais", ["unknown key `bais`", "did you mean `bias`?"]),
    "unknown_key_edge": (7, "edges[0].wieght", ["unknown key `wieght`", "did you mean `weight`?"]),
    "unknown_key_sample": (10, "data[0].target", ["unknown key `target`", "did you mean `targets`?"]),
    "unknown_key_training": (13, "training.epoch", ["unknown key `epoch`", "did you mean `epochs`?"]),
    "unknown_key_loss": (13, "loss.reduce", ["unknown key `reduce`", "did you mean `reduction`?"]),
    "unknown_key_parameter": (12, "parameters.w.trainabel", ["`trainabel`", "did you mean `trainable`?"]),
    "unknown_activation": (5, "nodes.y.activation", ["unknown activation `sigmoidd`", "did you mean `sigmoid`?"]),
    "unknown_activation_parameter": (5, "nodes.y.activation.alpah", ["`alpah`", "did you mean `alpha`?"]),
    "unknown_loss": (11, "loss", ["unknown loss `half_squared_eror`", "did you mean `half_squared_error`?"]),
    "bad_reduction": (11, "loss.reduction", ["'mean' or 'sum'", "`average`"]),
    "inputs_not_list": (2, "inputs", ["expected a list", "`x`"]),
    "nodes_list": (4, "nodes", ["expected a mapping", "got a list"]),
    "node_not_mapping": (5, "nodes.y", ["must be a mapping", "`{}`", "got `sigmoid`"]),
    "weight_true": (7, "edges[0].weight", ["expected a number", "`true` (a boolean)"]),
    "bias_yes": (5, "nodes.y.bias", ["expected a number", "(a boolean)"]),
    "weight_nan": (7, "edges[0].weight", ["finite number", "`nan`"]),
    "weight_inf": (7, "edges[0].weight", ["finite number", "`inf`"]),
    "bias_minus_inf": (5, "nodes.y.bias", ["finite number", "`-inf`"]),
    "parameter_nan": (12, "parameters.w", ["finite number", "`nan`"]),
    "parameter_inf": (12, "parameters.w.value", ["finite number", "`inf`"]),
    "trainable_not_bool": (12, "parameters.w.trainable", ["`true` or `false`", "`1`"]),
    "data_nan": (9, "data[0].inputs.x", ["finite number", "`nan`"]),
    "target_inf": (10, "data[0].targets.y", ["finite number", "`-inf`"]),
    "learning_rate_nan": (11, "training.learning_rate", ["finite number", "`nan`"]),
    "learning_rate_inf": (11, "training.learning_rate", ["finite number", "`inf`"]),
    "learning_rate_minus_inf": (11, "training.learning_rate", ["finite number", "`-inf`"]),
    "learning_rate_text": (11, "training.learning_rate", ["`1e-3`", "1.0e-3"]),
    "missing_weight": (7, "edges[0].weight", ["missing required key `weight`"]),
    "missing_outputs": (None, "outputs", ["missing required key `outputs`"]),
    "cycle": (9, "edges[3]", ["cycle a -> b -> c -> a"]),
    "self_loop": (7, "edges[0]", ["self-loop on `y`"]),
    "edge_unknown_node": (7, "edges[0].to", ["unknown node `z`"]),
    "edge_into_input": (7, "edges[0].to", ["edge into input `x`"]),
    "input_under_nodes": (5, "nodes.x", ["`x` is an input", "`nodes`"]),
    "input_in_outputs": (3, "outputs[1]", ["`x` is an input", "cannot be an output"]),
    "output_not_node": (3, "outputs[0]", ["output `z` is not a node"]),
    "clash_edge_name": (7, "edges[0].weight", ["`x->y`", "implicit name"]),
    "clash_bias_name": (5, "nodes.y.bias", ["`y.bias`", "implicit name"]),
    "missing_parameter": (7, "edges[0].weight", ["unknown parameter `w1`", "(declared: w2)"]),
    "quoted_number_weight": (7, "edges[0].weight", ["unknown parameter `0.5`", "quoted numbers"]),
    "duplicate_edge": (8, "edges[1]", ["duplicate edge `x` -> `y`", "edges[0]"]),
    "duplicate_key": (6, "nodes.y", ["duplicate key `y`", "first on line 5"]),
    "unreachable_node": (5, "nodes.z", ["node `z` is not reachable from any input"]),
    "sample_missing_input": (10, "data[0].inputs", ["missing input value for `x2`"]),
    "sample_target_not_output": (10, "data[0].targets.h", ["`h` is not an output", "outputs: y"]),
    "sample_unknown_input": (9, "data[0].inputs.z", ["`z` is not an input"]),
    "epochs_negative": (11, "training.epochs", ["≥ 0", "`-5`"]),
    "epochs_float": (11, "training.epochs", ["expected an integer", "`2.5`"]),
    "epochs_bool": (11, "training.epochs", ["expected an integer", "(a boolean)"]),
    "batch_size_zero": (11, "training.batch_size", ["≥ 1", "`0`"]),
    "huge_integer_weight": (7, "edges[0].weight", ["finite number", "401 digits"]),
    "alias_bomb": (2, None, ["alias"]),
    # A first spec: a key left empty says what to write; a misaligned line names its neighbour.
    "bias_empty": (7, "nodes.y.bias", ["no value", "`bias: 0.1`", "`bias: b1`", "leave the key out"]),
    "bias_empty_flow": (5, "nodes.y.bias", ["no value", "`bias: 0.1`"]),
    "parameter_empty": (9, "parameters.w", ["no value", "`w: 0.5`", "trainable"]),
    "section_empty": (4, "nodes", ["no value", "lines below it, indented"]),
    "list_item_empty": (8, "edges[1]", ["an empty list item", "after the `-`"]),
    "learning_rate_empty": (12, "training.learning_rate", ["no value", "`learning_rate: 0.1`"]),
    "indent_node": (6, None, ["check the indentation of line 6", "line up with `h` on line 5", "2 spaces, not 3"]),
    "indent_sample": (10, None, ["check the indentation of line 10", "`inputs` on line 9", "4 spaces, not 3"]),
    "indent_edge": (9, None, ["check the indentation of line 9", "the `-` on line 8", "2 spaces, not 1"]),
    "indent_parameter": (10, None, ["check the indentation of line 10", "`w` on line 9", "2 spaces, not 4"]),
}


def check_one_line_error(err: str, file: str, line: int | None, path: str | None, fragments: list[str]) -> str:
    """The error contract: one line, ``error: FILE[:LINE]: [PATH: ]message``, no traceback."""
    assert "Traceback" not in err
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    message = lines[0]
    where = f"error: {file}:{line}: " if line else f"error: {file}: "
    assert message.startswith(where), message
    if path:
        assert message[len(where) :].startswith(f"{path}: "), message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def test_every_fixture_has_a_case() -> None:
    assert {p.stem for p in BAD.glob("*.yaml")} == set(CASES)


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_spec(name: str, command: str, cli: Callable[..., Ran]) -> None:
    line, path, fragments = CASES[name]
    file = str(BAD / f"{name}.yaml")
    ran = cli(command, file)
    assert ran.code == 2
    assert ran.out == ""
    check_one_line_error(ran.err, file, line, path, fragments)


def test_train_refuses_bad_spec_and_writes_nothing(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    file = str(BAD / "cycle.yaml")
    out_file = tmp_path / "trained.yaml"
    ran = cli("train", file, "--epochs", "3", "-o", str(out_file))
    assert ran.code == 2
    check_one_line_error(ran.err, file, 9, "edges[3]", ["cycle"])
    assert list(tmp_path.iterdir()) == []


def test_missing_file_and_directory(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    missing = str(tmp_path / "nope.yaml")
    ran = cli("validate", missing)
    assert ran.code == 2
    check_one_line_error(ran.err, missing, None, None, ["no such file"])


def test_binary_file_is_one_line(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    file = tmp_path / "binary.yaml"
    file.write_bytes(b"inputs: [x]\x00\x01")
    ran = cli("validate", str(file))
    assert ran.code == 2
    check_one_line_error(ran.err, str(file), None, None, ["YAML", "#x0000"])


def test_python_tag_is_refused_and_never_executed(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    marker = tmp_path / "pwned"
    text = f"inputs: !!python/object/apply:os.system ['touch {marker}']\noutputs: [y]\nnodes: {{y: {{}}}}\n"
    # The same text *would* run the command under an unsafe loader: the test is meaningful.
    proof = tmp_path / "proof"
    yaml.unsafe_load(text.replace(str(marker), str(proof)))
    assert proof.exists()

    spec = tmp_path / "evil.yaml"
    spec.write_text(text)
    for command in ("validate", "run", "train"):
        ran = cli(command, str(spec))
        assert ran.code == 2
        check_one_line_error(ran.err, str(spec), 1, None, ["python/object/apply:os.system", "refused"])
    assert not marker.exists()


@pytest.mark.parametrize("tag", ["!!python/name:os.system", "!!python/object:os.system", "!!binary aGk="])
def test_other_tags_refused_or_typed(tag: str, tmp_path: Path, cli: Callable[..., Ran]) -> None:
    spec = tmp_path / "tag.yaml"
    spec.write_text(f"inputs: [x]\noutputs: [y]\nname: {tag}\nnodes: {{y: {{}}}}\n")
    ran = cli("validate", str(spec))
    assert ran.code == 2
    check_one_line_error(ran.err, str(spec), 3, None, [])


def test_alias_bomb_is_refused_before_expansion(cli: Callable[..., Ran]) -> None:
    # 9**9 ≈ 387 million strings if expanded; the refusal comes from counting, not expanding.
    file = str(BAD / "alias_bomb.yaml")
    ran = cli("validate", file)
    assert ran.code == 2
    assert "refusing to expand" in ran.err


def test_debug_shows_the_traceback(cli: Callable[..., Ran]) -> None:
    with pytest.raises(GraphEngineError, match="did you mean `edges`"):
        cli("--debug", "validate", BAD / "unknown_key_top.yaml")


def test_end_to_end_subprocess(tmp_path: Path) -> None:
    file = str(BAD / "unknown_activation.yaml")
    proc = subprocess.run(
        [sys.executable, "-m", "graphengine", "run", file], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    check_one_line_error(proc.stderr, file, 5, "nodes.y.activation", ["did you mean `sigmoid`?"])

    proc = subprocess.run(
        [sys.executable, "-m", "graphengine", "--debug", "run", file], capture_output=True, text=True, check=False
    )
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr and "PluginError" in proc.stderr


def test_zero_byte_file(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    file = tmp_path / "empty.yaml"
    file.write_bytes(b"")
    ran = cli("run", str(file))
    assert ran.code == 2
    check_one_line_error(ran.err, str(file), None, None, ["empty", "`inputs`"])


@pytest.mark.parametrize("command", [[], ["run"], ["train"], ["validate"]])
def test_help_reads_well(command: list[str], cli: Callable[..., Ran]) -> None:
    ran = cli(*command, "--help")
    assert ran.code == 0
    out = ran.out
    assert out.startswith(f"Usage: graphengine {' '.join(command)}".rstrip())
    for line in out.splitlines():
        if line.split()[:1] in (["run"], ["train"], ["validate"]):
            assert not line.endswith("..."), line  # summaries not cut short
    if command:
        assert "SPEC" in out and "--plugins" in out


def test_version() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "graphengine", "--version"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("graphengine, version ")


def test_suggestions_ignore_case(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    spec = tmp_path / "caps.yaml"
    spec.write_text((BAD / "unknown_loss.yaml").read_text().replace("half_squared_eror", "MSE"))
    ran = cli("validate", str(spec))
    assert ran.code == 2
    check_one_line_error(ran.err, str(spec), 11, "loss", ["unknown loss `MSE`", "did you mean `mse`?"])
