"""When training diverges: the message that names where the loss stopped being finite."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .compute import Forward

if TYPE_CHECKING:
    from .network import Network

__all__ = ["non_finite_message"]


def non_finite_message(net: Network, fwd: Forward, epoch: int, loss: float) -> str:
    """Name the first node, in topological (plan) order, whose value stopped being finite."""
    plan = net.plan
    message = f"epoch {epoch}: the loss became {loss}"
    net_bad = ~np.isfinite(fwd.net)
    out_bad = ~np.isfinite(fwd.out)
    columns = np.flatnonzero((net_bad | out_bad).any(axis=0))
    if len(columns):
        c = int(columns[0])
        what, bad = ("net", net_bad) if net_bad[:, c].any() else ("out", out_bad)
        sample = int(np.flatnonzero(bad[:, c])[0])
        value = (fwd.net if what == "net" else fwd.out)[sample, c]
        return (
            f"{message}; the first node that went non-finite is `{plan.nodes[c]}` "
            f"({what} = {value} in sample {sample}); try a smaller learning rate"
        )
    bad_params = np.flatnonzero(~np.isfinite(net.theta))
    if len(bad_params):
        k = int(bad_params[0])
        return f"{message}; parameter `{plan.parameter_names[k]}` is {net.theta[k]}; try a smaller learning rate"
    # Every node is finite, so the loss itself overflowed: name the sample and its output that did it.
    Y, T = fwd.outputs, net.T
    per_sample = np.asarray(plan.loss.function(Y, T, **plan.loss_params))
    samples = np.flatnonzero(~np.isfinite(per_sample))
    if len(samples):
        s = int(samples[0])
        split = plan.loss.terms_function
        terms = split(Y[s : s + 1], T[s : s + 1], **plan.loss_params) if split is not None else None
        bad_terms = np.flatnonzero(~np.isfinite(terms[0])) if terms is not None else np.array([], dtype=np.intp)
        k = int(bad_terms[0]) if len(bad_terms) else int(np.argmax(np.abs(Y[s] - T[s])))
        return (
            f"{message} although every node value is finite: the loss of sample {s} overflowed at output "
            f"`{plan.nodes[plan.outputs[k]]}` (out = {Y[s, k]:.6g}, target {T[s, k]:g}); try a smaller learning rate"
        )
    return (
        f"{message} although every node value is finite (outputs too large for the loss?); try a smaller learning rate"
    )
