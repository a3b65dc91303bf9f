"""Big specs load fast and stay exact: the plain-document builder equals PyYAML's constructor,
and errors deep in a big spec keep their line."""

import gc

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from graphengine.engine.network import Network
from graphengine.errors import GraphError, SpecError
from graphengine.spec.load import parse_spec
from graphengine.spec.yamldoc import _construct_plain, _NotPlain, read_yaml

scalars = st.one_of(
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.text(max_size=8),
    st.sampled_from(
        ["1e-3", "0x1F", "1_000", "0o17", ".inf", "-.nan", "1:30", "2001-12-14", "~", "yes", "Off", "=", "<<"]
    ),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None)
@given(documents, st.sampled_from([None, True, False]))
def test_plain_builder_equals_pyyaml(document, flow):
    text = yaml.safe_dump({"root": document}, default_flow_style=flow)
    expected = yaml.safe_load(text)
    data, _ = read_yaml(text)
    assert repr(data) == repr(expected)  # repr: NaN equals itself, -0.0 differs from 0.0


@pytest.mark.parametrize(
    "text",
    ["a: &x [1, 2]\nb: *x\n", "base: &b {x: 1}\nderived: {<<: *b, y: 2}\n", "a: !!float 1\n", "a: 0x10\n", "a: 1_0\n"],
)
def test_aliases_merges_and_tags_go_through_pyyaml(text):
    root = yaml.compose(text, Loader=yaml.CSafeLoader)
    with pytest.raises(_NotPlain):
        _construct_plain(root)
    data, _ = read_yaml(text)
    assert data == yaml.safe_load(text)
    if "*x" in text and "[" in text:
        assert data["a"] is data["b"]  # PyYAML shares an aliased list


def big_spec(width: int, bad_edge: int | None = None, duplicate_at: int | None = None) -> str:
    names = [[f"n{k}_{i}" for i in range(width)] for k in range(3)]
    lines = [f"inputs: [{', '.join(names[0])}]", f"outputs: [{', '.join(names[2])}]", "nodes:"]
    lines += [f"  {v}: {{activation: tanh, bias: 0.0}}" for k in (1, 2) for v in names[k]]
    lines.append("edges:")
    count = 0
    for k in (0, 1):
        for u in names[k]:
            for v in names[k + 1]:
                target = "nowhere" if count == bad_edge else v
                lines.append(f"  - {{from: {u}, to: {target}, weight: {0.001 * (count % 97):.3f}}}")
                if count == duplicate_at:
                    lines.append(f"  - {{from: {u}, to: {target}, weight: 0.5}}")
                count += 1
    return "\n".join(lines) + "\nloss: mse\n"


def test_big_spec_errors_keep_their_line():
    width = 60  # 7200 edges
    text = big_spec(width, bad_edge=5000)
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if "to: nowhere" in t)
    with pytest.raises(GraphError) as caught:
        Network(parse_spec(text, "big.yaml"))
    assert caught.value.line == line and "unknown node `nowhere`" in str(caught.value)
    text = big_spec(width, duplicate_at=6000)
    with pytest.raises(GraphError, match="duplicate edge"):
        Network(parse_spec(text, "big.yaml"))
    text = big_spec(width).replace("weight: 0.050}", "weight: 0.050, wieght: 1}", 1)
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if "wieght" in t)
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "big.yaml")
    assert caught.value.line == line and "unknown key `wieght`" in str(caught.value)
    assert gc.isenabled()  # the collector is back on after every failure


def test_big_spec_loads_with_gc_restored():
    was = gc.isenabled()
    net = Network(parse_spec(big_spec(40), "big.yaml"))
    assert net.graph.number_of_edges() == 2 * 40 * 40 and gc.isenabled() == was
