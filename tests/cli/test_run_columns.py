"""Which columns a narrow ``run`` keeps: the least informative go first (the activation,
"used by", the frozen marks), the chain-rule pieces and the updated value always stay, and a
note says what was left out. Checked on the printed tables at 60, 80 and 120 columns."""

from __future__ import annotations

import pytest
from test_fitted_table import run_piped, tables

NODE_DROP_ORDER = ["activation", "net", "out"]
PARAMETER_DROP_ORDER = ["used by", "", "value"]
CHAIN_RULE = {"∂E/∂out", "∂out/∂net", "∂E/∂net"}
NODE_COLUMNS = ["node", "activation", "net", "out", "∂E/∂out", "∂out/∂net", "∂E/∂net"]
PARAMETER_COLUMNS = ["parameter", "used by", "value", "∂E/∂p", "updated", ""]


def shown(text: str) -> tuple[list[str], list[str]]:
    """The headers of the first node table and of the parameter table."""
    found = tables(text)
    nodes = next(headers for title, headers, _ in found if title.startswith("Forward and backward"))
    parameters = next(headers for title, headers, _ in found if title.startswith("Parameters"))
    return nodes, parameters


def dropped(columns: list[str], headers: list[str]) -> list[str]:
    return [c for c in columns if c not in headers]


# (spec, columns) → the node columns and parameter columns left out, in order.
EXPECTED = {
    ("specs/doc_example.yaml", 120): ([], []),
    ("specs/doc_example.yaml", 80): (["activation"], []),
    ("specs/doc_example.yaml", 60): (["activation", "net", "out"], ["used by", ""]),
}


@pytest.mark.parametrize(("spec", "columns"), sorted(EXPECTED))
def test_the_columns_a_width_keeps(spec, columns):
    text = run_piped(["run", spec], columns)
    nodes, parameters = shown(text)
    node_gone, parameter_gone = EXPECTED[spec, columns]
    assert dropped(NODE_COLUMNS, nodes) == node_gone
    assert dropped(PARAMETER_COLUMNS, parameters) == parameter_gone
    named = {"": "frozen marks"}
    for gone in (node_gone, parameter_gone):
        if gone:
            assert f"not shown at {columns} columns: {', '.join(named.get(c, c) for c in gone)}" in " ".join(
                text.split()
            )
    if not node_gone and not parameter_gone:
        assert "not shown" not in text


@pytest.mark.parametrize("spec", ["specs/xor.yaml", "specs/skip_shared.yaml", "specs/iris_4883.yaml"])
@pytest.mark.parametrize("columns", [60, 80, 120])
def test_chain_rule_and_update_always_stay(spec, columns):
    nodes, parameters = shown(run_piped(["run", spec], columns))
    assert CHAIN_RULE <= set(nodes) and "node" in nodes
    assert {"parameter", "∂E/∂p", "updated"} <= set(parameters)
    # What went, went in the order of least information first.
    node_gone = dropped(NODE_COLUMNS, nodes)
    assert set(node_gone) == set(NODE_DROP_ORDER[: len(node_gone)])
    parameter_gone = dropped(PARAMETER_COLUMNS, parameters)
    assert set(parameter_gone) == set(PARAMETER_DROP_ORDER[: len(parameter_gone)])
