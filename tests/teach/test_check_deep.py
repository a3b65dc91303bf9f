"""`check` walks the graph in topological order, never by recursion: long chains work."""

from __future__ import annotations

import time

import pytest

from graphengine.engine.network import Network
from graphengine.spec.load import parse_spec
from graphengine.teach.check import judge


def chain(n: int) -> Network:
    """x → n1 → … → n_n, identity nodes with weight 1 and bias 0.001: net_k = 0.5 + 0.001·k."""
    nodes = "\n".join(f"  n{k}: {{activation: identity, bias: 0.001}}" for k in range(1, n + 1))
    edges = "\n".join(f"  - {{from: {'x' if k == 1 else f'n{k - 1}'}, to: n{k}, weight: 1.0}}" for k in range(1, n + 1))
    text = (
        f"inputs: [x]\noutputs: [n{n}]\nnodes:\n{nodes}\nedges:\n{edges}\nloss: half_squared_error\n"
        f"data:\n  - inputs: {{x: 0.5}}\n    targets: {{n{n}: 0.2}}\n"
    )
    return Network(parse_spec(text))


@pytest.mark.parametrize("n", [300, 3000])
def test_a_mistake_halfway_down_a_long_chain_is_carried_to_the_end(n):
    net = chain(n)
    trace = net.trace()
    half = n // 2
    out = 0.5 + 0.001 * n
    assert trace.out(f"n{n}") == pytest.approx(out, rel=1e-12)
    start = time.perf_counter()
    sheet = {
        f"net_n{half}": f"{0.5 + 0.001 * half + 0.1:.4f}",  # 0.1 too much
        f"out_n{n}": f"{out + 0.1:.4f}",  # carried all the way down
    }
    sheet["grad.x->n1"] = f"{-(out - 0.2) * 0.5:.4f}"  # the sign flipped
    verdicts = {v.name: v for v in judge(net, trace, sheet)}
    assert time.perf_counter() - start < 20
    assert verdicts[f"net_n{half}"].reason == "arithmetic"
    carried = verdicts[f"out_n{n}"]
    assert (carried.reason, carried.because_of) == ("carried", [f"net_n{half}"])
    assert "fix it first" in carried.note
    assert verdicts["grad.x->n1"].reason == "sign"
