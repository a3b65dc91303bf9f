"""``graphengine new``: a commented starter spec that runs; its numbers checked by a forward
pass written here from the YAML alone (tests/reference.py's activations and losses)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import reference
import yaml

CASES = [
    ("2-2-2", "sigmoid", "half_squared_error"),
    ("2-3-1", "tanh", "half_squared_error"),
    ("3-2-2", "tanh", "mse"),
    ("2-2-1", "sigmoid", "binary_cross_entropy"),
    ("2-2-2-1", "identity", "mse"),
    ("1-2-1", "relu", "half_squared_error"),
    ("4-3-2-2", "sigmoid", "mse"),
]


def forward_loss(spec: dict) -> float:
    """The loss of the spec's samples, layer by layer from the YAML's own names and numbers."""
    values = spec["parameters"]
    incoming: dict[str, list[tuple[str, str]]] = {}
    for edge in spec["edges"]:
        incoming.setdefault(edge["to"], []).append((edge["from"], edge["weight"]))
    losses = []
    for sample in spec["data"]:
        out = dict(sample["inputs"])
        pending = list(spec["nodes"])
        while pending:  # nodes in any order: compute each once its sources are known
            node = next(v for v in pending if all(u in out for u, _ in incoming[v]))
            pending.remove(node)
            attrs = spec["nodes"][node]
            net = sum(values[w] * out[u] for u, w in incoming[node]) + values[attrs["bias"]]
            out[node] = reference.activate(attrs["activation"], net)
        outputs = spec["outputs"]
        targets = [sample["targets"][o] for o in outputs]
        losses.append(reference.sample_loss(spec["loss"], [out[o] for o in outputs], targets))
    return sum(losses) / len(losses)


@pytest.mark.parametrize(("shape", "activation", "loss"), CASES)
def test_new_then_run(cli, tmp_path, shape, activation, loss):
    path = tmp_path / "x.yaml"
    made = cli("new", path, "--shape", shape, "--activation", activation, "--loss", loss)
    assert made.code == 0, made.err
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    sizes = [int(n) for n in shape.split("-")]
    assert len(spec["inputs"]) == sizes[0] and len(spec["outputs"]) == sizes[-1]
    assert len(spec["nodes"]) == sum(sizes[1:])
    assert len(spec["edges"]) == sum(a * b for a, b in zip(sizes, sizes[1:]))
    assert spec["loss"] == loss
    assert {v["activation"] for v in spec["nodes"].values()} == {activation}
    # Nice numbers: at most two decimals, none zero.
    written = [*spec["parameters"].values()]
    written += [x for s in spec["data"] for part in ("inputs", "targets") for x in s[part].values()]
    assert all(x != 0 and Decimal(str(x)).as_tuple().exponent >= -2 for x in written)
    ran = cli("run", path, "--json")
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["loss"] == pytest.approx(forward_loss(spec), rel=1e-12)
    assert cli("validate", path).code == 0


def test_comments_explain_each_section(cli, tmp_path):
    path = tmp_path / "mine.yaml"
    assert cli("new", path, "--shape", "2-3-1", "--activation", "tanh").code == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    spec = yaml.safe_load("\n".join(lines))
    assert spec["name"] == "mine"
    for key in ("inputs", "outputs", "nodes", "edges", "parameters", "loss", "data", "training"):
        at = next(k for k, line in enumerate(lines) if line.startswith(f"{key}:"))
        above = []
        for line in reversed(lines[:at]):
            if not line.startswith("#"):
                break
            above.append(line)
        assert above, f"no comment above `{key}`"
    # The header says how to use it, with this file's name.
    assert any(f"graphengine run {path}" in line for line in lines[:5])
    # The comments name what a newcomer edits next.
    text = "\n".join(lines)
    for word in ("bias", "trainable: false", "epochs", "activation", "target"):
        assert word in text


def test_same_seed_same_file_other_seed_other_numbers(cli, tmp_path):
    texts = []
    for name, seed in (("a.yaml", "3"), ("b.yaml", "3"), ("c.yaml", "4")):
        assert cli("new", tmp_path / name, "--seed", seed).code == 0
        texts.append(yaml.safe_load((tmp_path / name).read_text(encoding="utf-8")))
    assert texts[0]["parameters"] == texts[1]["parameters"]
    assert texts[0]["parameters"] != texts[2]["parameters"]


def test_never_replaces_a_file(cli, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("# my own work\n", encoding="utf-8")
    ran = cli("new", path)
    assert ran.code == 2
    assert ran.err == f"error: {path}: already exists; choose another name (nothing was written)\n"
    assert path.read_text(encoding="utf-8") == "# my own work\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x.txt"], "must end in .yaml or .yml"),
        (["x.yaml", "--shape", "2-9-1"], "--shape: `2-9-1` is not a hand-sized network"),
        (["x.yaml", "--shape", "two"], "--shape: `two` is not layer sizes"),
        (["x.yaml", "--loss", "binary_cross_entropy", "--activation", "tanh"], "needs outputs in (0, 1)"),
        (["nofolder/x.yaml"], "no such folder"),
    ],
)
def test_bad_options_are_one_line(cli, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    ran = cli("new", *args)
    assert ran.code == 2
    assert ran.err.startswith("error: ") and ran.err.count("\n") == 1 and message in ran.err
    assert not list(tmp_path.iterdir())


def test_json_names_what_was_written(cli, tmp_path):
    path = tmp_path / "n.yaml"
    ran = cli("new", path, "--shape", "3-2-1", "--json")
    assert ran.code == 0
    data = json.loads(ran.out)
    assert data == {"written": [str(path)], "nodes": 6, "edges": 8, "parameters": 11}
    assert path.is_file()
