"""Big specs' one-line blocks read without PyYAML (spec/yamlblocks.py) give PyYAML's result.

The oracle is ``yamldoc._read_whole`` (PyYAML alone): the data, the key-path → line map (in
order) and every error message must be the same whether or not the blocks are taken.
"""

import random

import pytest
import yaml

import graphengine.spec.yamlblocks as yamlblocks
from graphengine.errors import SpecError
from graphengine.spec import yamldoc
from graphengine.spec.messages import empty_value


def outcome(read, text):
    try:
        data, lines = read(text, "s.yaml", empty_value)
    except SpecError as e:
        return ("error", str(e))
    return (data, list(lines.items()))


def same_as_pyyaml(text: str, monkeypatch) -> bool:
    """Compare read_yaml (blocks taken wherever possible) with PyYAML alone; True if blocks were taken."""
    monkeypatch.setattr(yamlblocks, "MIN_BYTES", 0)
    monkeypatch.setattr(yamldoc, "MIN_BYTES", 0)
    assert outcome(yamldoc.read_yaml, text) == outcome(yamldoc._read_whole, text)
    probe = yamldoc._CachingLoader("")
    taken = yamlblocks.split_blocks(text, lambda v: probe.resolve(yaml.ScalarNode, v, (True, False)))
    return taken is not None


EXPLICIT = """\
name: explicit
inputs: [i1, i2]
outputs: [o1]
nodes:
  h1: {activation: tanh, bias: b1}
  o1: {activation: identity, bias: 0.5}   # a comment after an item

  h2: {activation: {name: leaky_relu, alpha: 0.2}}
edges:
# a comment at column 0 inside the block
  - {from: i1, to: h1, weight: w1}
  - {from: i2, to: h1, weight: -0.25}
  - { from : i1 , to: h2, weight: 1.5e+3 }
  - {from: h1, to: o1, weight: 2}
  - {from: h2, to: o1, weight: .5}
parameters:
  w1: 0.15
  b1: -3
loss: mse
"""


def test_a_spec_written_out_gives_pyyamls_data_and_lines(monkeypatch):
    # The nodes block holds a nested mapping (PyYAML reads that block); edges and parameters are taken.
    assert same_as_pyyaml(EXPLICIT, monkeypatch)
    simple = EXPLICIT.replace("  h2: {activation: {name: leaky_relu, alpha: 0.2}}\n", "")
    assert same_as_pyyaml(simple, monkeypatch)


def test_a_benchmark_sized_spec_loads_through_the_blocks_with_pyyamls_result():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import bench_layered

    big = bench_layered.edges_spec(bench_layered.width(10_000))
    assert len(big) >= yamlblocks.MIN_BYTES  # the size the blocks are read at
    assert outcome(yamldoc.read_yaml, big) == outcome(yamldoc._read_whole, big)


@pytest.mark.parametrize(
    "scalar",
    ["1e5", "1.0e5", "-.5", "+1", "+1.5", "1_000", "0x1F", "0o17", "yes", "No", "null", "~", "true", "1.",
     "-0", "00", "1:30", ".inf", "-.inf", ".nan", "2001-12-14", "=", "1.5e-3", "1.5E+3", "n0_1", "a.b-c+d", "-x"],
)  # fmt: skip
def test_every_kind_of_plain_scalar_reads_as_pyyaml_reads_it(scalar, monkeypatch):
    text = f"edges:\n  - {{from: a, to: b, weight: {scalar}}}\nparameters:\n  w: {scalar}\n  {scalar}: 1\n"
    same_as_pyyaml(text, monkeypatch)


@pytest.mark.parametrize(
    "text",
    [
        "edges:\n  - {from: a, to: b, weight: 1}\n  - {from: a, from: b, weight: 1}\n",  # a repeated key
        "parameters:\n  w: 1\n  w: 2\n",  # a repeated mapping key
        "parameters:\n  w:\n  v: 2\n",  # a key with nothing after it
        "edges:\n  - {from: a, to: b, weight: 1}\n - {from: a, to: c, weight: 1}\n",  # bad indentation
        "edges:\n  - {from: a, to: b, weight: 1}\n   - {from: a, to: c, weight: 1}\n",
        "edges:\n  - {from: a, to: b, weight: 1\n",  # an unclosed brace
        "edges:\n  - {from: a, to: b,\n     weight: 1}\n",  # a flow mapping over two lines
        "edges:\n  - {from: a, to: b, weight: 1}\nedges:\n  - {from: a, to: b, weight: 2}\n",  # the key twice
        "edges:\n- {from: a, to: b, weight: 1}\n- {from: b, to: c, weight: 2}\nloss: mse\n",  # items at column 0
        "edges:\n  - {from: a, to: b, weight: 1}\n  - {}\n",
        "edges:\n  - {from: a, to: b, weight: 1,}\n",
        "edges:\n  - {from: a, to: b, weight:1}\n",
        "edges:\n  - {from: a, to: b, weight: 1}#not a comment\n",
        "edges:\n  - {from: a, to: b, weight: 1} # a comment\n",
        'description: "x\nedges:\n  - {from: a, to: b, weight: 1}\n  y"\n',  # inside a quoted string
        "nodes:\n  h: {bias: 1}\n  g: sigmoid\nparameters: {w: 1}\n",
        "a: 1\nb:\n  c: 2\n  d: {e: f}\n",
        "- a\n- b\n",
        "edges: []\n",
        "edges:\n",
        "edges:\nloss: mse\n",
        "edges:  \n  - {from: a, to: b, weight: 1}\n",
        "edges: # c\n  - {from: a, to: b, weight: 1}\n",
        "edges:\n  - {from: a, to: b, weight: 1}\n---\nx: 1\n",
    ],
)
def test_unusual_blocks_and_mistakes_read_and_fail_as_with_pyyaml(text, monkeypatch):
    same_as_pyyaml(text, monkeypatch)


TOKENS = ["a", "n0_1", "w", "from", "to", "weight", "1", "-2", "0.5", "-0.25", "1e5", "true", "null", "x.y", "+3"]


def random_document(rng: random.Random) -> str:
    lines = []
    for block in range(rng.randint(1, 4)):
        key = rng.choice(["edges", "nodes", "parameters", "extra", "nodes"]) + ("" if block < 2 else str(block))
        lines.append(f"{key}:")
        indent = " " * rng.choice([0, 2, 2, 4])
        listed = rng.random() < 0.5
        for _ in range(rng.randint(0, 5)):
            pairs = ", ".join(f"{rng.choice(TOKENS)}: {rng.choice(TOKENS)}" for _ in range(rng.randint(1, 3)))
            if listed:
                lines.append(f"{indent}- {{{pairs}}}")
            elif rng.random() < 0.5:
                lines.append(f"{indent or '  '}{rng.choice(TOKENS)}: {{{pairs}}}")
            else:
                lines.append(f"{indent or '  '}{rng.choice(TOKENS)}: {rng.choice(TOKENS)}")
            if rng.random() < 0.1:
                lines.append(rng.choice(["", "# note", "  # note"]))
    return "\n".join(lines) + "\n"


def test_random_documents_read_as_with_pyyaml(monkeypatch):
    rng = random.Random(24)
    taken = 0
    for _ in range(400):
        taken += same_as_pyyaml(random_document(rng), monkeypatch)
    assert taken > 30  # the blocks were really read by the fast path in many of them


def test_sure_floats_are_what_pyyamls_resolver_calls_floats():
    rng = random.Random(5)
    loader = yamldoc._CachingLoader("")
    for _ in range(3000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 4)))
        text = rng.choice(["", "-", "+"]) + digits + "." + digits[: rng.randint(0, 3)]
        text += rng.choice(["", "e+1", "E-12", "e3"])
        sure = yamlblocks._SURE_FLOAT(text) is not None
        tag = loader.resolve(yaml.ScalarNode, text, (True, False))
        if sure:
            assert tag == "tag:yaml.org,2002:float", text
            assert float(text) == yaml.safe_load(text)
