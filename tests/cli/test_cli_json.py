"""--json output is strict JSON even when a value overflows."""

import json

OVERFLOWING = """
inputs: [a]
outputs: [y]
nodes:
  y: {activation: identity}
edges:
  - {from: a, to: y, weight: 1.0e+308}
data:
  - inputs: {a: 10}
    targets: {y: 0}
"""


def test_non_finite_values_become_null(tmp_path, cli):
    spec = tmp_path / "big.yaml"
    spec.write_text(OVERFLOWING, encoding="utf-8")
    ran = cli("run", spec, "--json")
    assert ran.code == 0
    text = ran.out
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text, parse_constant=lambda name: pytest_fail(name))
    assert data["loss"] is None and data["samples"][0]["nodes"]["y"]["out"] is None
    assert data["samples"][0]["nodes"]["a"]["out"] == 10.0


def pytest_fail(name: str) -> None:
    raise AssertionError(f"non-standard JSON constant {name}")


def test_boolean_plugin_parameter_is_named_a_boolean(tmp_path, cli):
    spec = tmp_path / "yes.yaml"
    spec.write_text(
        "inputs: [a]\noutputs: [y]\nnodes:\n  y: {activation: {name: leaky_relu, alpha: yes}}\n"
        "edges:\n  - {from: a, to: y, weight: 1}\n",
        encoding="utf-8",
    )
    ran = cli("validate", spec)
    assert ran.code == 2
    err = ran.err
    assert err.count("\n") == 1
    assert (
        "yes.yaml:4: nodes.y.activation:" in err
        and "parameter `alpha` must be a finite number, got `true` (a boolean" in err
    )
