"""Verifying plugins before anything computes with them: each is called on float64 arrays and
its derivative (activations) or gradient (losses) compared with central finite differences at a
spread of points, at the default parameters and at halved ones; an optimiser must take three
steps from a fresh state, each finite and shaped like the gradient.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from .._util.interrupts import interrupt_presses, raised_by_plugin
from ..errors import PluginError
from .registry import KINDS, Activation, Initializer, Loss, Optimizer, Plugin, Registry

# Points that avoid the usual kinks (0, ±1, ±2, ±δ for round δ) so a correct
# derivative of a piecewise function is never compared across its kink.
ACTIVATION_POINTS = np.array(
    [[-3.7, -2.3, -1.31, -0.77], [-0.29, 0.137, 0.42, 0.83], [1.29, 1.9, 2.6, 3.3]], dtype=np.float64
)
# Outputs in (0, 1) and target rows summing to 1, so probability losses (binary and
# softmax cross-entropy) are in their domain; residuals y − t range over ±0.9.
LOSS_OUTPUTS = np.array(
    [[0.12, 0.57, 0.91], [0.33, 0.08, 0.66], [0.74, 0.45, 0.21], [0.95, 0.29, 0.52]], dtype=np.float64
)
LOSS_TARGETS = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.3, 0.6, 0.1]], dtype=np.float64)
STEP = 1e-6
RTOL, ATOL = 1e-5, 1e-6


def display(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path.resolve())


def line_in(tb: TracebackType | None, path: Path) -> int | None:
    """The line of the innermost traceback frame inside ``path``."""
    line = None
    for frame in traceback.extract_tb(tb):
        if Path(frame.filename) == path:
            line = frame.lineno
    return line


def first_line_of(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else "(no message)"


def verify(plugin: Plugin) -> None:
    """Check one plugin on arrays against central finite differences; raise :class:`PluginError`."""
    if isinstance(plugin, Activation):
        _verify_activation(plugin)
    elif isinstance(plugin, Optimizer):
        _verify_optimizer(plugin)
    elif isinstance(plugin, Initializer):
        _verify_initializer(plugin)
    else:
        _verify_loss(plugin)


def check_all(registry: Registry) -> list[tuple[Plugin, PluginError | None]]:
    """Verify every plugin of ``registry``: each with its problem, or ``None`` when it is fine."""
    results: list[tuple[Plugin, PluginError | None]] = []
    plugins: list[Plugin] = [*registry.activations.values(), *registry.losses.values(), *registry.optimizers.values()]
    for plugin in plugins:
        try:
            verify(plugin)
        except PluginError as e:
            results.append((plugin, e))
        else:
            results.append((plugin, None))
    return results


def parameter_sets(plugin: Plugin) -> list[dict[str, float]]:
    """The defaults, and every parameter halved (0 becomes 0.5), so a forgotten parameter shows."""
    sets = [dict(plugin.params)]
    if plugin.params:
        sets.append({k: v / 2 if v else 0.5 for k, v in plugin.params.items()})
    return sets


def _fail(plugin: Plugin, fn: Callable[..., Any] | None, message: str, line: int | None = None) -> PluginError:
    """An error located at ``line`` of ``fn``'s file, else at ``fn``'s definition (or the plugin's source)."""
    code = getattr(fn, "__code__", None)
    kind = KINDS[type(plugin)]
    if code is None:
        return PluginError(f"{kind} `{plugin.name}` from {plugin.source}: {message}")
    return PluginError(
        f"{kind} `{plugin.name}`: {message}", file=display(Path(code.co_filename)), line=line or code.co_firstlineno
    )


# What numpy says when scalar-only code (math.exp, float(), if/else on values) meets an array.
_NOT_VECTORISED = re.compile(r"truth value of an array|only (0-dimensional|length-1|size-1) arrays")


def _raised(plugin: Plugin, fn: Callable[..., Any], what: str, given: str, e: BaseException) -> PluginError:
    """The error for an exception a plugin function raised: located at the line that raised it."""
    code = getattr(fn, "__code__", None)
    line = line_in(e.__traceback__, Path(code.co_filename)) if code is not None else None
    problem = f"{type(e).__name__}: {first_line_of(e)}"
    if isinstance(e, (TypeError, ValueError)) and _NOT_VECTORISED.search(str(e)):
        message = (
            f"{what} is not vectorised: on float64 arrays shaped {given} it raised {problem}; "
            "use numpy operations (np.exp, np.where) instead of math.* or if/else on values"
        )
    elif isinstance(e, ValueError) and "read-only" in str(e):
        message = f"{what} raised {problem}: a plugin must not change the arrays it is given; compute a new array"
    else:
        message = f"{what} raised {problem} when called on float64 arrays shaped {given}"
    return _fail(plugin, fn, message, line)


def _call(
    plugin: Plugin,
    fn: Callable[..., Any],
    role: str,
    args: tuple[np.ndarray, ...],
    params: dict[str, float],
    shape: tuple[int, ...],
    state: dict[str, Any] | None = None,
) -> np.ndarray:
    """Call a plugin function on arrays (an optimiser also gets ``state``); it must return ``shape``."""
    what = f"{'function' if role in ('activation', 'loss', 'optimizer') else role} `{fn.__name__}`"
    given = " and ".join(f"{a.shape}" for a in args)
    extra = () if state is None else (state,)
    presses = interrupt_presses()
    try:
        with np.errstate(all="ignore"):
            raw = fn(*[_read_only_copy(a) for a in args], *extra, **params)
            if np.iscomplexobj(raw):  # float64 conversion would drop the imaginary part silently
                raise _fail(plugin, fn, f"{what} returned complex numbers; return real float64 values")
            result = np.asarray(raw, dtype=np.float64)
    except PluginError:  # a guarded call (`graphengine plugins check`) has located its error already
        raise
    except BaseException as e:  # SystemExit and the plugin's own KeyboardInterrupt too
        if not raised_by_plugin(e, presses):
            raise
        raise _raised(plugin, fn, what, given, e) from None
    if result.shape != shape and role == "optimizer":
        raise _fail(
            plugin,
            fn,
            f"{what} must return a step shaped like the gradient: given a gradient shaped {given} "
            f"it returned shape {result.shape}",
        )
    if result.shape != shape:
        expected = "one value per sample, shaped" if role == "loss" else "shaped"
        raise _fail(
            plugin,
            fn,
            f"{what} is not vectorised: on arrays shaped {given} it returned shape {result.shape}, "
            f"expected {expected} {shape}",
        )
    return result


def _read_only_copy(a: np.ndarray) -> np.ndarray:
    """Plugins get arrays they cannot change: one that writes into its input fails here, at load."""
    copy = a.copy()
    copy.flags.writeable = False
    return copy


def _params_text(params: dict[str, float]) -> str:
    return f" with {', '.join(f'{k} = {v:g}' for k, v in params.items())}" if params else ""


def _close(expected: np.ndarray, got: np.ndarray) -> np.ndarray:
    close: np.ndarray = np.abs(got - expected) <= ATOL + RTOL * np.abs(expected)
    return close


def require_derivative(plugin: Plugin) -> None:
    """A plugin without its derivative (activation) or gradient (loss) is an error at its definition."""
    if isinstance(plugin, Activation) and plugin.derivative_function is None:
        name = plugin.function.__name__
        raise _fail(plugin, plugin.function, f"missing derivative: add one with `@{name}.derivative`")
    if isinstance(plugin, Loss) and plugin.gradient_function is None:
        name = plugin.function.__name__
        raise _fail(plugin, plugin.function, f"missing gradient: add one with `@{name}.gradient`")


def _verify_activation(a: Activation) -> None:
    require_derivative(a)
    x = ACTIVATION_POINTS
    for i, params in enumerate(parameter_sets(a)):
        y = _call(a, a.function, "activation", (x,), params, x.shape)
        assert a.derivative_function is not None  # require_derivative refused it otherwise
        d = _call(a, a.derivative_function, "derivative", (x, y), params, x.shape)
        h = STEP * np.maximum(1.0, np.abs(x))
        up = _call(a, a.function, "activation", (x + h,), params, x.shape)
        down = _call(a, a.function, "activation", (x - h,), params, x.shape)
        fd = (up - down) / (2 * h)
        usable = np.isfinite(y) & np.isfinite(fd)
        if not usable.any():
            if i == 0:
                raise _fail(a, a.function, f"gives no finite values at x in [{x.min()}, {x.max()}]")
            continue
        bad = usable & ~(np.isfinite(d) & _close(fd, d))
        if bad.any():
            k = tuple(np.argwhere(bad)[0])
            raise _fail(
                a,
                a.derivative_function,
                f"wrong derivative at x = {x[k]:g}{_params_text(params)}: expected {fd[k]:.9g} "
                f"(central finite difference), got {d[k]:.9g}",
            )


def _verify_loss(L: Loss) -> None:
    require_derivative(L)
    y, t = LOSS_OUTPUTS, LOSS_TARGETS
    samples, outputs = y.shape
    for i, params in enumerate(parameter_sets(L)):
        value = _call(L, L.function, "loss", (y, t), params, (samples,))
        assert L.gradient_function is not None  # require_derivative refused it otherwise
        g = _call(L, L.gradient_function, "gradient", (y, t), params, y.shape)
        if L.terms_function is not None:
            terms = _call(L, L.terms_function, "terms", (y, t), params, y.shape)
            off = ~_close(value, terms.sum(axis=1))
            if off.any():
                s = int(np.argmax(off))
                raise _fail(
                    L,
                    L.terms_function,
                    f"terms do not add up to the loss at y = {y[s].tolist()}, t = {t[s].tolist()}"
                    f"{_params_text(params)}: sum {terms[s].sum():.9g}, loss {value[s]:.9g}",
                )
        fd = np.empty_like(y)
        for j in range(outputs):  # samples are independent, so one column moves for all of them
            h = np.zeros_like(y)
            h[:, j] = STEP
            up = _call(L, L.function, "loss", (y + h, t), params, (samples,))
            down = _call(L, L.function, "loss", (y - h, t), params, (samples,))
            fd[:, j] = (up - down) / (2 * STEP)
        usable = np.isfinite(value)[:, None] & np.isfinite(fd)
        if not usable.any():
            if i == 0:
                raise _fail(L, L.function, "gives no finite values at the test points")
            continue
        bad = usable & ~(np.isfinite(g) & _close(fd, g))
        if bad.any():
            s, j = (int(v) for v in np.argwhere(bad)[0])
            raise _fail(
                L,
                L.gradient_function,
                f"wrong gradient ∂L/∂y[{j}] at y = {y[s].tolist()}, t = {t[s].tolist()}{_params_text(params)}: "
                f"expected {fd[s, j]:.9g} (central finite difference), got {g[s, j]:.9g}",
            )
    _verify_classes(L)


def _verify_classes(L: Loss) -> None:
    """A classifier's ``classes(y)`` gives whole-number codes: one column over all outputs
    (0 … outputs − 1), or one 0/1 column per output (``per_output``)."""
    fn = L.classes_function
    if fn is None:
        return
    y = LOSS_OUTPUTS
    samples, outputs = y.shape
    what = f"classes `{fn.__name__}`"
    try:
        with np.errstate(all="ignore"):
            codes = np.asarray(fn(y.copy()))
    except Exception as e:
        raise _raised(L, fn, what, f"{y.shape}", e) from None
    shape, highest = ((samples, outputs), 1) if L.classes_per_output else ((samples, 1), outputs - 1)
    if codes.shape != shape:
        raise _fail(
            L,
            fn,
            f"{what} must return class codes shaped {shape} for outputs shaped {y.shape}, got shape {codes.shape}",
        )
    if codes.dtype.kind not in "biu" or codes.min() < 0 or codes.max() > highest:
        raise _fail(L, fn, f"{what} must return whole-number class codes from 0 to {highest}, got {codes.tolist()}")


# Three successive gradients (one zero element, as frozen-looking parameters give).
OPTIMIZER_GRADIENTS = np.array(
    [[0.3, -1.2, 0.0, 2.5, -0.01], [0.5, -0.8, 0.0, 2.0, 0.02], [0.4, -1.0, 0.0, 3.0, -0.03]], dtype=np.float64
)


def _verify_optimizer(opt: Optimizer) -> None:
    """Three steps from a fresh state: each a finite step shaped like the gradient, or an error."""
    for params in parameter_sets(opt):
        state: dict[str, Any] = {"t": 0}
        for t, g in enumerate(OPTIMIZER_GRADIENTS, start=1):
            state["t"] = t
            step = _call(opt, opt.function, "optimizer", (g,), params, g.shape, state=state)
            if not np.isfinite(step).all():
                k = int(np.flatnonzero(~np.isfinite(step))[0])
                raise _fail(
                    opt,
                    opt.function,
                    f"step {t} from the gradient {g.tolist()}{_params_text(params)} is not finite: "
                    f"element {k} is {step[k]}",
                )


def _verify_initializer(init: Initializer) -> None:
    """An initialiser must give a finite ``(fan_in, fan_out)`` matrix at every parameter set."""
    fan_in, fan_out = 3, 4
    for params in parameter_sets(init):
        presses = interrupt_presses()
        try:
            with np.errstate(all="ignore"):
                weights = np.asarray(init(np.random.default_rng(0), fan_in, fan_out, **params), dtype=np.float64)
        except PluginError:
            raise
        except BaseException as e:
            if not raised_by_plugin(e, presses):
                raise
            raise _raised(init, init.function, f"function `{init.function.__name__}`", "(3, 4)", e) from None
        if weights.shape != (fan_in, fan_out):
            raise _fail(
                init, init.function, f"must return a (fan_in, fan_out) = (3, 4) matrix, returned shape {weights.shape}"
            )
        if not np.isfinite(weights).all():
            raise _fail(init, init.function, f"returned a non-finite weight{_params_text(params)}")
