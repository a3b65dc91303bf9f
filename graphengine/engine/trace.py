"""Trace: everything one forward/backward/update step computed, read by node and parameter name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from ..model.aliases import resolve_node, resolve_parameter
from .compute import Backward, Forward, Plan


@dataclass(repr=False)  # its own __repr__ below
class Trace:
    """Everything one forward/backward/update step computed.

    Node arrays are ``(samples, nodes)`` in plan order; use the accessors by name.
    """

    plan: Plan
    forward: Forward
    backward: Backward
    loss: float
    sample_losses: np.ndarray
    theta: np.ndarray  # the flat parameter values before the step
    new_theta: np.ndarray  # after the step
    learning_rate: float
    targets: np.ndarray
    graph: nx.DiGraph[str] | None = field(default=None, repr=False, compare=False)  # the network's, for drawing

    def __repr__(self) -> str:
        """One line: name, shape, loss and its value, samples, learning rate."""
        from .summary import trace_line

        return trace_line(self)

    def __str__(self) -> str:
        """The tables ``graphengine run`` prints for this step, as plain text (what ``print(trace)`` shows)."""
        from ..views.run_tables import run_text  # the CLI's own tables, drawn in one place

        return run_text(self)

    def _repr_svg_(self) -> str | None:
        """The annotated diagram of this step, for notebooks (None when Graphviz is missing)."""
        from ..views.diagram.render import repr_svg

        return repr_svg(trace=self)

    def _repr_html_(self) -> str | None:
        """The step-through page of this step, embedded, for notebooks (None when it cannot be drawn)."""
        from ..views.stepthrough.page import repr_html

        return repr_html(trace=self)

    def _col(self, node: str) -> int:
        try:
            return self.plan.index[node]
        except KeyError:
            return self.plan.index[resolve_node(node, self.plan.index, "")]

    def net(self, node: str, sample: int = 0) -> float:
        return float(self.forward.net[sample, self._col(node)])

    def out(self, node: str, sample: int = 0) -> float:
        return float(self.forward.out[sample, self._col(node)])

    def dnet(self, node: str, sample: int = 0) -> float:
        """∂E/∂net of ``node`` for one sample (the batch loss's share from that sample)."""
        return float(self.backward.dnet[sample, self._col(node)])

    def dout(self, node: str, sample: int = 0) -> float:
        return float(self.backward.dout[sample, self._col(node)])

    def dact(self, node: str, sample: int = 0) -> float:
        return float(self.forward.dact[sample, self._col(node)])

    def gradient(self, parameter: str) -> float:
        """∂E/∂``parameter``, by its name or an alias (``h1->y``, ``w(h1→y)``)."""
        name = resolve_parameter(parameter, self.plan.parameter_index, "")
        return float(self.backward.grad[self.plan.parameter_index[name]])

    def _by_name(self, key: str, array: np.ndarray) -> dict[str, float]:
        """``array`` by parameter name, built once per array: callers index it per parameter
        (``trace.values[p]`` for each p), which must stay linear in the parameters. Read-only."""
        cache = self.__dict__.setdefault("_by_name_cache", {})
        hit = cache.get(key)
        if hit is None or hit[0] is not array:
            hit = (array, dict(zip(self.plan.parameter_names, array.tolist())))
            cache[key] = hit
        names: dict[str, float] = hit[1]
        return names

    @property
    def gradients(self) -> dict[str, float]:
        return self._by_name("gradients", self.backward.grad)

    @property
    def values(self) -> dict[str, float]:
        return self._by_name("values", self.theta)

    @property
    def updated(self) -> dict[str, float]:
        return self._by_name("updated", self.new_theta)

    @property
    def n_samples(self) -> int:
        return int(self.forward.out.shape[0])

    def loss_terms(self, sample: int = 0) -> dict[str, float] | None:
        """Per-output terms of the per-sample loss, when the loss sums over outputs."""
        terms = self.plan.loss.terms_function
        if terms is None:
            return None
        y = self.forward.out[sample : sample + 1, self.plan.outputs]
        t = self.targets[sample : sample + 1]
        values = terms(y, t, **self.plan.loss_params)[0]
        return {self.plan.nodes[c]: float(v) for c, v in zip(self.plan.outputs, values)}

    def all_loss_terms(self) -> np.ndarray | None:
        """``(samples, outputs)`` terms of the per-sample loss, when the loss sums over outputs."""
        terms = self.plan.loss.terms_function
        if terms is None:
            return None
        return np.asarray(terms(self.forward.out[:, self.plan.outputs], self.targets, **self.plan.loss_params))

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``graphengine run --json``.

        Per sample and node: ``net`` (neurons), ``out``, ``dout`` (∂E/∂out), ``dact``
        (∂out/∂net, neurons) and ``dnet`` (∂E/∂net, δ); per sample its ``loss`` and, when the
        loss sums over outputs, ``loss_terms`` (output → term)."""
        n_in = self.plan.n_inputs
        # One conversion per array, not a float() per number.
        net, out = self.forward.net.tolist(), self.forward.out.tolist()
        dact, dout, dnet = self.forward.dact.tolist(), self.backward.dout.tolist(), self.backward.dnet.tolist()
        terms = self.all_loss_terms()
        term_rows = terms.tolist() if terms is not None else None
        outputs = [self.plan.nodes[c] for c in self.plan.outputs]
        samples = []
        for s in range(self.n_samples):
            nodes: dict[str, dict[str, float]] = {}
            for c, name in enumerate(self.plan.nodes):
                if c >= n_in:
                    entry = {"net": net[s][c], "out": out[s][c], "dout": dout[s][c], "dact": dact[s][c]}
                else:
                    entry = {"out": out[s][c], "dout": dout[s][c]}
                entry["dnet"] = dnet[s][c]
                nodes[name] = entry
            sample: dict[str, Any] = {"nodes": nodes, "loss": float(self.sample_losses[s])}
            if term_rows is not None:
                sample["loss_terms"] = dict(zip(outputs, term_rows[s]))
            samples.append(sample)
        return {"loss": self.loss, "samples": samples, "gradients": self.gradients, "updated": self.updated}
