"""The training loop: optimisers over the flat parameter vector, accuracy, a NaN guard.

:meth:`Network.train <graphengine.engine.network.Network.train>` is the API; :func:`fit`
does the work. Full-batch training runs one forward pass per epoch: the pass that
measures the loss after a step is the one the next step differentiates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._util.interrupts import is_default_interrupt_handler, note_interrupt
from ..errors import GraphEngineError, KeyPath, PluginError, TrainingError
from ..plugins.discovery import default_registry
from ..plugins.guard import check_at_values, uses_plugins
from ..plugins.registry import Loss, Optimizer, check_params
from ..spec.limits import MAX_EPOCHS
from .compute import Forward, forward, gradient, loss_of

if TYPE_CHECKING:
    from .network import Network

#: ``callback(epoch, loss, metrics)`` after every epoch; ``metrics`` may hold
#: ``accuracy``, ``val_loss`` and ``val_accuracy``.
Callback = Callable[[int, float, dict[str, float]], None]


@dataclass
class History:
    """What :meth:`Network.train` did: the loss (and accuracy) after every epoch."""

    losses: list[float]
    epochs: int
    interrupted: bool = False
    accuracies: list[float] | None = None  # for classification losses
    val_losses: list[float] | None = None  # with a validation split
    val_accuracies: list[float] | None = None
    optimizer: str = "sgd"
    learning_rate: float = 0.0

    @property
    def final_loss(self) -> float:
        return self.losses[-1] if self.losses else float("nan")


# --------------------------------------------------------------------------- accuracy


def accuracy(loss: Loss, Y: np.ndarray, T: np.ndarray) -> float | None:
    """Share of outputs' class codes equal to the targets', as the loss decides classes
    (``@loss.classes``); None for losses that are not about classes, or without samples.

    >>> from graphengine.plugins.losses import softmax_cross_entropy
    >>> accuracy(softmax_cross_entropy, np.array([[2.0, 1.0], [0.0, 3.0]]), np.array([[1.0, 0], [1, 0]]))
    0.5
    """
    if len(Y) == 0 or loss.classes_function is None:
        return None
    return float(np.mean(loss.classes_function(Y) == loss.classes_function(T)))


def evaluate(net: Network) -> dict[str, float]:
    """Loss and accuracy of the current parameters on the training (and validation) data."""
    plan = net.plan
    result: dict[str, float] = {}
    for prefix, X, T in (("", net.X, net.T), ("val_", net.X_val, net.T_val)):
        if len(X) == 0:
            continue
        fwd = forward(plan, net.theta, X)
        result[prefix + "loss"] = loss_of(plan, fwd, T)[0]
        acc = accuracy(plan.loss, fwd.outputs, T)
        if acc is not None:
            result[prefix + "accuracy"] = acc
    return result


# --------------------------------------------------------------------------- optimisers


def resolve_optimizer(
    net: Network, name: str | None = None, learning_rate: float | None = None
) -> tuple[Optimizer, dict[str, float]]:
    """The optimiser and its parameters: ``name``/``learning_rate`` override ``training:``.

    The learning rate comes from ``learning_rate``, else ``training.learning_rate``,
    else the optimiser mapping's ``learning_rate``, else the optimiser's default.
    """
    spec = net.spec
    registry = net.registry or default_registry()
    chosen = spec.training.optimizer
    path: KeyPath = ("training", "optimizer")
    given: dict[str, Any] = {}
    if name is None and chosen is not None:
        name, given = chosen.name, chosen.params
    elif name is not None:
        try:
            return _with_rate(registry.optimizer(name), {}, net, learning_rate)
        except PluginError as e:
            raise PluginError(f"--optimizer: {e.message}") from None
    name = name or "sgd"
    try:
        opt = registry.optimizer(name)
        params = check_params(opt, given)
    except PluginError as e:
        raise spec.error(PluginError, e.message, path) from None
    if "learning_rate" in given and spec.training.learning_rate is not None:
        raise spec.error(
            PluginError,
            "the learning rate is set twice, in training.learning_rate and in training.optimizer; keep one",
            path + ("learning_rate",),
        )
    if params.get("learning_rate", 1.0) <= 0:
        raise spec.error(
            PluginError,
            f"learning_rate must be positive, got `{params['learning_rate']:g}`",
            path + ("learning_rate",),
        )
    return _with_rate(opt, params, net, learning_rate)


def _with_rate(
    opt: Optimizer, params: dict[str, float], net: Network, learning_rate: float | None
) -> tuple[Optimizer, dict[str, float]]:
    params = dict(opt.params) | params
    if learning_rate is not None:
        params["learning_rate"] = float(learning_rate)
    elif net.spec.training.learning_rate is not None:
        params["learning_rate"] = net.spec.training.learning_rate
    return opt, params


# --------------------------------------------------------------------------- the loop


def fit(
    net: Network,
    epochs: int,
    learning_rate: float | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    callback: Callback | None = None,
    optimizer: str | None = None,
    dtype: str | None = None,
) -> History:
    """Train ``net`` in place for ``epochs`` passes over its data; see :meth:`Network.train`.

    Every call starts the optimiser afresh (no momentum or Adam moments carried over).
    ``dtype`` (else ``training.dtype``, else float64) is what the parameters, data,
    activations and optimiser state are computed in; ``net.theta`` is float64 again after.
    """
    net._require_data()
    if not 0 <= epochs <= MAX_EPOCHS:
        raise TrainingError(f"epochs must be between 0 and {MAX_EPOCHS:,}, got {epochs:,}", file=net.spec.file)
    opt, params = resolve_optimizer(net, optimizer, learning_rate)
    spec, plan = net.spec, net.plan
    batch_size = batch_size or spec.training.batch_size
    seed = spec.training.seed if seed is None else seed
    rng = np.random.default_rng(seed)
    mini = batch_size is not None and batch_size < len(net.X)
    classify = plan.loss.is_classifier
    validate = len(net.X_val) > 0

    history = History(
        [],
        0,
        accuracies=[] if classify else None,
        val_losses=[] if validate else None,
        val_accuracies=[] if classify and validate else None,
        optimizer=opt.name,
        learning_rate=params["learning_rate"],
    )
    # Only trainable parameters move; with none frozen the update needs no gather/scatter.
    frozen = not bool(plan.trainable.all())
    movable = np.flatnonzero(plan.trainable)
    state: dict[str, Any] = {"t": 0}
    float_type = np.dtype(dtype or spec.training.dtype or "float64")
    theta = net.theta = np.array(net.theta, dtype=float_type)  # updated in place from here on

    def update(grad: np.ndarray) -> None:
        state["t"] += 1
        if frozen:
            theta[movable] -= opt.function(grad[movable], state, **params)
        else:
            np.subtract(theta, opt.function(grad, state, **params), out=theta)

    spot_check = uses_plugins(plan)  # plugins checked at the values they meet, before and after
    if spot_check:
        check_at_values(plan, forward(plan, theta, net.X[:SPOT_CHECK_ROWS]), net.T[:SPOT_CHECK_ROWS])
    # Overflow is expected when training diverges; it is reported below, by node, not as warnings.
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"), _deferred_interrupt() as stop:
            history = _loop(net, epochs, history, update, rng, batch_size if mini else None, callback, stop)
    finally:
        # run, explain, check and render stay float64 exact whatever training ran in.
        net.theta = np.asarray(net.theta, dtype=np.float64)
    if spot_check and not history.interrupted and np.isfinite(net.theta).all():
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            check_at_values(plan, forward(plan, net.theta, net.X[:SPOT_CHECK_ROWS]), net.T[:SPOT_CHECK_ROWS])
    return history


# Samples whose values the plugins are checked at before and after training.
SPOT_CHECK_ROWS = 64


@contextmanager
def _deferred_interrupt() -> Iterator[list[bool]]:
    """While training, Ctrl-C (SIGINT) only sets a flag that the loop reads after each batch, so
    it stops between steps and the epoch count matches the parameters; a second Ctrl-C interrupts
    at once. Outside the main thread, or when someone else handles SIGINT, nothing changes."""
    import signal
    import threading

    stop = [False]
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not is_default_interrupt_handler(previous):
        yield stop
        return

    def handler(signum: int, frame: Any) -> None:
        note_interrupt()  # the user's press: a KeyboardInterrupt now is not a plugin's error
        if stop[0]:
            raise KeyboardInterrupt
        stop[0] = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def _loop(
    net: Network,
    epochs: int,
    history: History,
    update: Callable[[np.ndarray], None],
    rng: np.random.Generator,
    batch_size: int | None,
    callback: Callback | None,
    stop: list[bool] | None = None,
) -> History:
    stop = [False] if stop is None else stop
    spec, plan, theta = net.spec, net.plan, net.theta
    # The data in the training dtype (no copy in float64).
    X, T, X_val, T_val = (a.astype(theta.dtype, copy=False) for a in (net.X, net.T, net.X_val, net.T_val))
    n = len(X)
    classify, validate = history.accuracies is not None, history.val_losses is not None
    try:
        # Mini-batches differentiate their own forward passes: no full-data pass before epoch 1.
        fwd = forward(plan, theta, X) if batch_size is None else None
        for epoch in range(1, epochs + 1):
            if batch_size is not None:
                fwd = None  # last epoch's full-data pass is not needed: let its memory go now
                order = rng.permutation(n)
                for s in range(0, n, batch_size):
                    idx = order[s : s + batch_size]
                    update(gradient(plan, theta, forward(plan, theta, X[idx]), T[idx]))
                    if stop[0] and s + batch_size < n:  # Ctrl-C within the epoch: it does not count
                        history.interrupted = True
                        return history
            else:
                assert fwd is not None
                update(gradient(plan, theta, fwd, T))
            fwd = forward(plan, theta, X)
            loss = loss_of(plan, fwd, T)[0]
            if not math.isfinite(loss):
                raise TrainingError(_non_finite_message(net, fwd, epoch, loss), file=spec.file, path=("training",))
            history.losses.append(loss)
            history.epochs = epoch
            metrics: dict[str, float] = {}
            if classify:
                metrics["accuracy"] = accuracy(plan.loss, fwd.outputs, T)  # type: ignore[assignment]
                history.accuracies.append(metrics["accuracy"])  # type: ignore[union-attr]
            if validate:
                fv = forward(plan, theta, X_val)
                metrics["val_loss"] = loss_of(plan, fv, T_val)[0]
                history.val_losses.append(metrics["val_loss"])  # type: ignore[union-attr]
                if classify:
                    metrics["val_accuracy"] = accuracy(plan.loss, fv.outputs, T_val)  # type: ignore[assignment]
                    history.val_accuracies.append(metrics["val_accuracy"])  # type: ignore[union-attr]
            if callback is not None:
                callback(epoch, loss, metrics)
            if stop[0]:
                history.interrupted = True
                break
    except KeyboardInterrupt:
        history.interrupted = True
    return history


def _non_finite_message(net: Network, fwd: Forward, epoch: int, loss: float) -> str:
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


# --------------------------------------------------------------------------- plots


PLOT_FORMATS = (".svg", ".png", ".pdf")


def check_plot(path: str, option: str = "--plot") -> None:
    """Fail early (before training) when a plot cannot be written."""
    if Path(path).suffix.lower() not in PLOT_FORMATS:
        raise GraphEngineError(f"{option}: `{path}` must end in {', '.join(PLOT_FORMATS)}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise GraphEngineError(
            f"{option} needs matplotlib, which is not installed: pip install 'graphengine[plot]'"
        ) from None


def history_table(history: History, initial: dict[str, float] | None = None) -> dict[str, list[float]]:
    """The history as columns ``epoch``, ``loss`` (``accuracy``, ``val_loss``, ``val_accuracy``), starting
    with epoch 0 (the untrained network, measured by :func:`evaluate`) when ``initial`` is given."""
    columns = {
        "loss": history.losses,
        "accuracy": history.accuracies,
        "val_loss": history.val_losses,
        "val_accuracy": history.val_accuracies,
    }
    start = 0 if initial is not None else 1
    table: dict[str, list[float]] = {"epoch": list(range(start, len(history.losses) + 1))}
    for key, values in columns.items():
        if values is not None:
            table[key] = ([initial[key]] if initial is not None else []) + list(values)
    return table


def plot_history(history: History, path: str, title: str = "", initial: dict[str, float] | None = None) -> None:
    """Draw the loss (and accuracy) per epoch into an SVG, PNG or PDF file, atomically;
    with ``initial`` (:func:`evaluate` before training) the curves start at epoch 0."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = history_table(history, initial)
    epochs = table["epoch"]
    with_accuracy = "accuracy" in table
    fig, axes = plt.subplots(1, 2 if with_accuracy else 1, figsize=(10 if with_accuracy else 6, 4), squeeze=False)
    ax = axes[0, 0]
    ax.plot(epochs, table["loss"], label="training")
    if "val_loss" in table:
        ax.plot(epochs, table["val_loss"], label="validation")
        ax.legend()
    ax.set(xlabel="epoch", ylabel="loss", title="loss")
    if all(v > 0 for v in table["loss"]) and len(table["loss"]) > 1:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    if with_accuracy:
        ax = axes[0, 1]
        ax.plot(epochs, table["accuracy"], label="training")
        if "val_accuracy" in table:
            ax.plot(epochs, table["val_accuracy"], label="validation")
            ax.legend()
        ax.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0, 1.02))
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title.replace("$", r"\$"))  # a spec name is text, not matplotlib mathtext
    save_figure(fig, path, "--plot", "curve")


def save_figure(fig: Any, path: str, option: str, what: str = "picture") -> None:
    """Write a matplotlib figure to ``path`` (its suffix names the format) atomically, and close it."""
    import io
    import warnings

    import matplotlib.pyplot as plt

    from .._util.files import write_atomic

    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Glyph … missing from font": noise on stderr
            fig.tight_layout()
            fig.savefig(buffer, format=Path(path).suffix.lower().lstrip("."))
    except (ValueError, RuntimeError) as e:
        raise GraphEngineError(f"{option}: matplotlib cannot draw the {what}: {e}", file=path) from None
    finally:
        plt.close(fig)
    write_atomic(Path(path), buffer.getvalue())
