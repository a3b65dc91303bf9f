"""The public Python API: load a spec, run a step, train, read values and gradients.

>>> import graphengine
>>> net = graphengine.load("specs/doc_example.yaml")
>>> trace = net.run()
>>> round(trace.loss, 9), round(trace.gradient("w5"), 9), round(trace.updated["w5"], 8)
(0.298371109, 0.082167041, 0.35891648)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from .._util.files import check_writable, write_atomic  # noqa: F401  (re-exported for older callers)
from .._util.gcpause import gc_paused
from ..errors import DataError
from ..model.graph import build_graph
from ..plugins.guard import check_at_values
from ..plugins.registry import Registry
from ..spec.load import load_spec, parse_spec
from ..spec.schema import Spec
from .compute import Plan, backward, compile_plan, forward, loss_of, step
from .history import Callback, History
from .trace import Trace

if TYPE_CHECKING:
    from ..teach.verdict import Verdict

DEFAULT_LEARNING_RATE = 0.1


class Network:
    """A loaded, validated network with its current parameter values."""

    def __init__(self, spec: Spec, registry: Registry | None = None) -> None:
        self.spec = spec
        self.registry = registry
        with gc_paused():  # a big graph is objects that all live on: nothing for the collector
            self.graph: nx.DiGraph[str] = build_graph(spec, registry)
            self.plan: Plan = compile_plan(self.graph)
        self.theta: np.ndarray = self.plan.values.copy()
        if spec.weights_file is not None:  # trained values in a sidecar file: one read
            from .sidecar import read_sidecar

            self.theta = read_sidecar(spec, self.plan)
        from .data import load_data

        data = load_data(spec)
        self.X, self.T = data.X, data.T
        self.X_val, self.T_val = data.X_val, data.T_val  # empty unless data.validation_split is set
        self.classes = data.classes  # one-hot class labels in output order, for CSV data

    def __repr__(self) -> str:
        """One line: name, shape, loss, parameters, samples (:mod:`graphengine.engine.summary`)."""
        from .summary import network_line

        return network_line(self)

    def _repr_svg_(self) -> str | None:
        """The annotated diagram of the next step (structure only without data), for notebooks."""
        from ..views.diagram.render import repr_svg

        return repr_svg(self)

    def _repr_html_(self) -> str | None:
        """The step-through page of the next step, embedded, for notebooks (None without data or Graphviz)."""
        from ..views.stepthrough.page import repr_html

        return repr_html(self)

    def explain(
        self,
        params: tuple[str, ...] | list[str] = (),
        node: str | None = None,
        format: str = "text",
        digits: int = 4,
        sample: int = 0,
        learning_rate: float | None = None,
        full: bool = False,
    ) -> str:
        """The chain-rule derivation of the next step as text, Markdown or LaTeX (``graphengine explain``)."""
        from ..views.derivation.explain import explain

        trace = self.trace(learning_rate)
        return explain(self, trace, params, node, digits, sample, full).render(format)

    def check(self, hand_file: str | os.PathLike[str], learning_rate: float | None = None) -> list[Verdict]:
        """Verdicts on the hand-computed values in ``hand_file`` (``graphengine check``)."""
        from ..teach.check import check, read_hand

        return check(self, self.trace(learning_rate), read_hand(Path(hand_file)))

    @classmethod
    def from_yaml(cls, text: str, registry: Registry | None = None, file: str | None = None) -> Network:
        return cls(parse_spec(text, file), registry)

    # ------------------------------------------------------------------ data
    def _require_data(self) -> None:
        if len(self.X) == 0:
            raise self.spec.error(DataError, "the spec has no `data` samples to compute a loss on", ("data",))

    # ------------------------------------------------------------------ parameters
    @property
    def parameters(self) -> dict[str, float]:
        """Current parameter values by name."""
        return dict(zip(self.plan.parameter_names, self.theta.tolist()))

    def learning_rate(self, override: float | None = None) -> float:
        if override is not None:
            return override
        return self.spec.training.learning_rate or DEFAULT_LEARNING_RATE

    # ------------------------------------------------------------------ computing
    def predict(self, X: np.ndarray) -> np.ndarray:
        """Outputs ``(samples, outputs)`` for inputs ``(samples, inputs)``."""
        return forward(self.plan, self.theta, np.asarray(X, dtype=np.float64)).out[:, self.plan.outputs]

    def loss(self, X: np.ndarray | None = None, T: np.ndarray | None = None) -> float:
        """The batch loss on the spec's data (or on ``X``, ``T``) at the current parameters."""
        X = self.X if X is None else X
        T = self.T if T is None else T
        return loss_of(self.plan, forward(self.plan, self.theta, X), T)[0]

    def trace(self, learning_rate: float | None = None) -> Trace:
        """Forward, backward and the would-be update on all data, without changing the network."""
        self._require_data()
        lr = self.learning_rate(learning_rate)
        fwd = forward(self.plan, self.theta, self.X)
        total, per_sample = loss_of(self.plan, fwd, self.T)
        bwd = backward(self.plan, self.theta, fwd, self.T)
        check_at_values(self.plan, fwd, self.T)  # plugins: finite and right where this step evaluates them
        new = step(self.plan, self.theta, bwd.grad, lr)
        return Trace(self.plan, fwd, bwd, total, per_sample, self.theta.copy(), new, lr, self.T, graph=self.graph)

    def run(self, learning_rate: float | None = None) -> Trace:
        """One training step over all the data; the network keeps the updated parameters."""
        trace = self.trace(learning_rate)
        self.theta = trace.new_theta.copy()
        return trace

    def train(
        self,
        epochs: int,
        learning_rate: float | None = None,
        batch_size: int | None = None,
        seed: int | None = None,
        callback: Callback | None = None,
        optimizer: str | None = None,
        dtype: str | None = None,
    ) -> History:
        """Train for ``epochs`` passes over the data with the spec's optimiser (default sgd).

        Full-batch unless ``batch_size`` is given (then mini-batches in an order shuffled
        with ``seed``). ``losses[k]`` is the loss on all training data after epoch ``k + 1``;
        for classification losses ``accuracies[k]`` too, and ``val_losses`` /
        ``val_accuracies`` with a validation split. ``callback(epoch, loss, metrics)`` is
        called after every epoch. Ctrl-C stops after the current batch and returns what was
        done (``interrupted=True``). A loss that becomes NaN or infinite raises
        :class:`TrainingError` naming the epoch and the first non-finite node.
        ``dtype="float32"`` (or ``training.dtype``) trains in float32; the parameters are
        float64 again afterwards.
        """
        from .train import fit

        return fit(self, epochs, learning_rate, batch_size, seed, callback, optimizer, dtype)

    def to_torch(self, dtype: str = "float64") -> Any:
        """This network as a ``torch.nn.Module`` with its current values (the module
        ``graphengine export SPEC -o NET.py`` writes; see :mod:`graphengine.interop.torch_source`)."""
        from ..interop.torch_source import torch_module

        return torch_module(self, dtype)

    # ------------------------------------------------------------------ saving
    def to_data(self, with_values: bool = True) -> dict[str, Any]:
        """The spec as YAML-ready data, with the current parameter values (``with_values=False``:
        the structure only, its layers without ``weights``/``biases``, for a sidecar save)."""
        from .saving import spec_data

        return spec_data(self, with_values)

    def save(self, path: str | os.PathLike[str], sidecar_threshold: int | None = None) -> None:
        """Write the spec with the current parameters, atomically (a temp file, then rename).

        With more than ``sidecar_threshold`` parameters (default 10 000) the values go to
        ``<name>.weights.safetensors`` next to it, written first and named (with a hash) in
        the YAML; see :mod:`graphengine.engine.sidecar`. A data file outside the new file's
        folder is named by its absolute path, signed for this user
        (:mod:`graphengine.engine.provenance`).
        """
        from .saving import save

        save(self, Path(path), sidecar_threshold)


def load(path: str | os.PathLike[str], registry: Registry | None = None) -> Network:
    """Load, validate and compile a spec file."""
    return Network(load_spec(Path(path)), registry)
