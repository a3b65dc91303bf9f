"""The public Python API: load a spec, run a step, train, read values and gradients.

>>> import graphengine
>>> net = graphengine.load("specs/doc_example.yaml")      # doctest: +SKIP
>>> trace = net.run()
>>> round(trace.loss, 9), round(trace.gradient("w5"), 9), round(trace.updated["w5"], 8)
(0.298371109, 0.082167041, 0.35891648)
"""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import yaml

from .engine import Backward, Forward, Plan, backward, compile_plan, forward, loss_of, step
from .errors import DataError, GraphEngineError
from .graph import build_graph
from .registry import Registry
from .spec import Spec, load_spec, parse_spec
from .train import Callback, History

DEFAULT_LEARNING_RATE = 0.1


@dataclass
class Trace:
    """Everything one forward/backward/update step computed.

    Node arrays are ``(samples, nodes)`` in plan order; use the accessors by name.
    """

    plan: Plan
    forward: Forward
    backward: Backward
    loss: float
    sample_losses: np.ndarray
    parameters: np.ndarray  # values before the step
    new_parameters: np.ndarray  # values after the step
    learning_rate: float
    targets: np.ndarray
    graph: nx.DiGraph | None = field(default=None, repr=False, compare=False)  # the network's, for drawing

    def _repr_svg_(self) -> str | None:
        """The annotated diagram of this step, for notebooks (None when Graphviz is missing)."""
        from .render import repr_svg

        return repr_svg(self)

    def _col(self, node: str) -> int:
        try:
            return self.plan.index[node]
        except KeyError:
            raise GraphEngineError(f"unknown node `{node}`") from None

    def net(self, node: str, sample: int = 0) -> float:
        return float(self.forward.net[sample, self._col(node)])

    def out(self, node: str, sample: int = 0) -> float:
        return float(self.forward.out[sample, self._col(node)])

    def dnet(self, node: str, sample: int = 0) -> float:
        """∂L/∂net of ``node`` for one sample (the batch loss's share from that sample)."""
        return float(self.backward.dnet[sample, self._col(node)])

    def dout(self, node: str, sample: int = 0) -> float:
        return float(self.backward.dout[sample, self._col(node)])

    def dact(self, node: str, sample: int = 0) -> float:
        return float(self.forward.dact[sample, self._col(node)])

    def gradient(self, parameter: str) -> float:
        return float(self.backward.grad[self.plan.parameter_index[parameter]])

    @property
    def gradients(self) -> dict[str, float]:
        return dict(zip(self.plan.parameters, self.backward.grad.tolist()))

    @property
    def values(self) -> dict[str, float]:
        return dict(zip(self.plan.parameters, self.parameters.tolist()))

    @property
    def updated(self) -> dict[str, float]:
        return dict(zip(self.plan.parameters, self.new_parameters.tolist()))

    @property
    def n_samples(self) -> int:
        return self.forward.out.shape[0]

    def loss_terms(self, sample: int = 0) -> dict[str, float] | None:
        """Per-output terms of the per-sample loss, when the loss sums over outputs."""
        terms = self.plan.loss.terms_function
        if terms is None:
            return None
        y = self.forward.out[sample : sample + 1, self.plan.outputs]
        t = self.targets[sample : sample + 1]
        values = terms(y, t, **self.plan.loss_params)[0]
        return {self.plan.nodes[c]: float(v) for c, v in zip(self.plan.outputs, values)}

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``graphengine run --json``."""
        n_in = self.plan.n_inputs
        samples = []
        for s in range(self.n_samples):
            nodes: dict[str, dict[str, float]] = {}
            for c, name in enumerate(self.plan.nodes):
                entry = {"out": float(self.forward.out[s, c])}
                if c >= n_in:
                    entry = {"net": float(self.forward.net[s, c]), **entry}
                nodes[name] = entry
            samples.append({"nodes": nodes, "loss": float(self.sample_losses[s])})
        return {"loss": self.loss, "samples": samples, "gradients": self.gradients, "updated": self.updated}


class Network:
    """A loaded, validated network with its current parameter values."""

    def __init__(self, spec: Spec, registry: Registry | None = None) -> None:
        self.spec = spec
        self.registry = registry
        with _gc_paused():  # a big graph is objects that all live on: nothing for the collector
            self.graph: nx.DiGraph = build_graph(spec, registry)
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

    def _repr_svg_(self) -> str | None:
        """The annotated diagram of the next step (structure only without data), for notebooks."""
        from .render import repr_svg

        return repr_svg(self)

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
        from .explain import explain

        trace = self.trace(learning_rate)
        return explain(self, trace, params, node, digits, sample, full).render(format)

    def check(self, hand_file: str | os.PathLike[str], learning_rate: float | None = None) -> list[Any]:
        """Verdicts on the hand-computed values in ``hand_file`` (``graphengine check``)."""
        from .check import check, read_hand

        return check(self, self.trace(learning_rate), read_hand(hand_file))

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
        return dict(zip(self.plan.parameters, self.theta.tolist()))

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
        new = step(self.plan, self.theta, bwd.grad, lr)
        return Trace(self.plan, fwd, bwd, total, per_sample, self.theta.copy(), new, lr, self.T, graph=self.graph)

    def run(self, learning_rate: float | None = None) -> Trace:
        """One training step over all the data; the network keeps the updated parameters."""
        trace = self.trace(learning_rate)
        self.theta = trace.new_parameters.copy()
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

    # ------------------------------------------------------------------ saving
    def to_data(self, with_values: bool = True) -> dict[str, Any]:
        """The spec as YAML-ready data, with the current parameter values (``with_values=False``:
        the structure only, its layers without ``weights``/``biases``, for a sidecar save)."""
        data = _plain(self.spec.raw)
        data.pop("weights_file", None)
        if not with_values:
            for layer in data.get("layers") or []:
                if isinstance(layer, dict):
                    layer.pop("weights", None)
                    layer.pop("biases", None)
            return data
        values = self.parameters
        params = data.get("parameters") or {}
        for name in list(params):
            entry = params[name]
            if isinstance(entry, dict):
                entry["value"] = values[name]
            else:
                params[name] = values[name]
        for node_name, node in (data.get("nodes") or {}).items():
            if isinstance(node, dict) and _is_number(node.get("bias")):
                node["bias"] = values[f"{node_name}.bias"]
        for edge in data.get("edges") or []:
            if isinstance(edge, dict) and _is_number(edge.get("weight")):
                edge["weight"] = values[f"{edge['from']}->{edge['to']}"]
        if self.graph.graph.get("layers"):
            from .layers import layer_data

            for i, trained in layer_data(self.graph, self.theta).items():
                data["layers"][i].update(trained)  # explicit values replace `init` from now on
        return data

    def save(self, path: str | os.PathLike[str], sidecar_threshold: int | None = None) -> None:
        """Write the spec with the current parameters, atomically (a temp file, then rename).

        With more than ``sidecar_threshold`` parameters (default 10 000) the values go to
        ``<name>.weights.safetensors`` next to it, written first and named (with a hash) in
        the YAML; see :mod:`graphengine.sidecar`.
        """
        from .sidecar import DEFAULT_THRESHOLD, write_sidecar

        threshold = DEFAULT_THRESHOLD if sidecar_threshold is None else sidecar_threshold
        big = len(self.theta) > threshold
        data = self.to_data(with_values=not big)
        for key in ("csv", "file"):
            source = data.get("data", {}).get(key) if isinstance(data.get("data"), dict) else None
            if isinstance(source, str) and self.spec.file and not Path(source).is_absolute():
                # Keep the data file reachable from where the trained spec is written.
                target = (Path(self.spec.file).parent / source).resolve()
                data["data"][key] = os.path.relpath(target, Path(path).resolve().parent)
        if big:
            check_writable(path)  # before the sidecar: a YAML that cannot be written leaves no sidecar
            data["weights_file"] = write_sidecar(Path(path), self.plan, self.theta)
        # The C emitter (when PyYAML has it) writes the same text, ~5x faster for big layers.
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        text = yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=None, width=100, allow_unicode=True)
        write_atomic(Path(path), text)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a while (as it was after): building a graph of
    100k edges otherwise spends a third of its time in collections that free nothing."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _plain(value: Any) -> Any:
    """A deep copy of YAML data (aliases become independent copies)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise a one-line :class:`GraphEngineError` when ``path`` clearly cannot be written:
    it is a folder, a folder on its way is a file, or the folder is read-only. Commands
    call it before any work, so a failing output never comes after another one was written."""
    path = Path(path)
    if path.is_dir():
        raise GraphEngineError("cannot write: it is a folder, not a file", file=str(path))
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise GraphEngineError(f"cannot write: `{folder}` is a file, not a folder", file=str(path))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise GraphEngineError(f"cannot write: no permission to write in `{folder}`", file=str(path))


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write a file so that readers never see a partial one (a temp file, then rename).

    An operating-system failure (no such folder, no permission, disk full) becomes a
    one-line :class:`GraphEngineError` naming the file.
    """
    check_writable(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise GraphEngineError(f"cannot write: {e.strerror or e}", file=str(path)) from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise GraphEngineError(f"cannot write: {e.strerror or e}", file=str(path)) from e
        raise


def load(path: str | os.PathLike[str], registry: Registry | None = None) -> Network:
    """Load, validate and compile a spec file."""
    return Network(load_spec(path), registry)
