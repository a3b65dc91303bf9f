"""`explain --node` on deep chains: the walk after a node uses its own stack, not recursion."""

from __future__ import annotations

import pytest


def chain_spec(depth: int, weight: float = 1.01) -> str:
    """x → n1 → … → n<depth>, identity activations (so every value stays finite), one sample."""
    lines = ["inputs: [x]", f"outputs: [n{depth}]", "nodes:"]
    lines += [f"  n{i}: {{activation: identity, bias: 0}}" for i in range(1, depth + 1)]
    lines.append("edges:")
    lines += [
        f"  - {{from: {'x' if i == 1 else f'n{i - 1}'}, to: n{i}, weight: {weight}}}" for i in range(1, depth + 1)
    ]
    lines += ["loss: half_squared_error", "data:", f"  - {{inputs: {{x: 0.5}}, targets: {{n{depth}: 0.0}}}}"]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
@pytest.mark.parametrize("depth", [3000])
def test_explain_node_at_the_start_of_a_deep_chain(tmp_path, cli, depth):
    spec = tmp_path / "chain.yaml"
    spec.write_text(chain_spec(depth, weight=1.0))
    ran = cli("explain", spec, "--node", "n1")
    assert ran.code == 0
    out, err = ran.out, ran.err
    assert err == "" and "Traceback" not in out
    # Every node after n1 gets its ∂E/∂net once, deepest first, then n1's own.
    order = [out.find(f"∂E/∂net_n{i} =") for i in (depth, depth // 2, 2)]
    assert all(position >= 0 for position in order) and order == sorted(order)
    # With unit weights and identity activations, ∂E/∂net is (out − t) = 0.5 at every node.
    assert (
        f"∂E/∂net_n{depth // 2} = ∂E/∂out_n{depth // 2} × ∂out_n{depth // 2}/∂net_n{depth // 2} = 0.5 × 1 = 0.5" in out
    )


def test_a_short_chain_matches_the_hand_values(tmp_path, cli):
    spec = tmp_path / "chain.yaml"
    spec.write_text(chain_spec(3, weight=2.0))
    ran = cli("explain", spec, "--node", "n1", "--precision", "6")
    assert ran.code == 0
    out = ran.out
    # By hand: out_n3 = 2·2·2·0.5 = 4 = ∂E/∂net_n3 (identity, target 0); ∂E/∂net_n2 = 2·4; ∂E/∂net_n1 = 2·8.
    for node, value in (("n3", "4"), ("n2", "8"), ("n1", "16")):
        assert f"∂E/∂net_{node} = " in out and out.split(f"∂E/∂net_{node} = ")[1].splitlines()[0].endswith(
            f" = {value}"
        )
