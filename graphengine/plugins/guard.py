"""Plugins checked where they run, not only when they load.

Every plugin function from a file or an entry point (built-ins are trusted and left bare,
so they cost nothing) is wrapped in a :class:`Guarded` call once its load-time check
(:mod:`.verify`) has passed. Each call

- hands the plugin read-only views of its arrays, so an in-place change cannot corrupt
  ``net`` (the plugin gets a clear error instead);
- turns anything the plugin raises — ``SystemExit`` and ``KeyboardInterrupt`` too, except the
  user's own Ctrl-C — into one :class:`PluginError` naming the plugin, its file and line;
- converts the result to a float64 array (a Python list is fine) and refuses complex or
  non-numeric results, a wrong shape, and NaN where the arguments were finite.

:func:`check_at_values` goes further for the steps people read (``run``, ``explain``,
``check``, ``render``): at the actual ``net`` of every sample it refuses non-finite values and
compares each plugin derivative (and a loss's gradient, on a spread of samples) with a float64
central finite difference; training spot-checks the first samples before and after.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .._util.interrupts import interrupt_presses, raised_by_plugin
from ..errors import PluginError
from .registry import KINDS, Activation, Initializer, Loss, Optimizer, Plugin
from .verify import ATOL, RTOL, STEP, display, first_line_of, line_in

if TYPE_CHECKING:
    from ..engine.compute import Forward
    from ..engine.plan import Plan

# ---------------------------------------------------------------------- one guarded call

# role → (what the plugin function is called in messages, how the result's shape follows from the arguments)
_ROLES: dict[str, tuple[str, Callable[..., tuple[int, ...]]]] = {
    "function": ("function", lambda x, *rest: x.shape),
    "derivative": ("derivative", lambda x, y, *rest: x.shape),
    "loss": ("function", lambda y, t, *rest: (y.shape[0],)),
    "gradient": ("gradient", lambda y, t, *rest: y.shape),
    "terms": ("terms", lambda y, t, *rest: y.shape),
    "classes": ("classes", lambda y, *rest: y.shape),  # per output; one column over all: see _shape
    "optimizer": ("function", lambda grad, *rest: grad.shape),
    "initializer": ("function", lambda rng, fan_in, fan_out, *rest: (int(fan_in), int(fan_out))),
}


def _read_only(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        view = value.view()
        view.flags.writeable = False
        return view
    return value


class Guarded:
    """A plugin function that checks its own calls (see the module docstring). It keeps the
    wrapped function's name, docstring and ``__code__``, so errors point at the plugin's file."""

    def __init__(self, plugin: Plugin, fn: Callable[..., Any], role: str) -> None:
        functools.update_wrapper(self, fn)
        self.plugin, self.fn, self.role = plugin, fn, role
        self.__code__ = getattr(fn, "__code__", None)

    def error(self, message: str, line: int | None = None) -> PluginError:
        """A :class:`PluginError` naming the plugin and the function, at ``line`` of its file."""
        kind = KINDS[type(self.plugin)]
        part = _ROLES[self.role][0]
        what = f"{kind} `{self.plugin.name}`" + (f" ({part})" if part != "function" else "")
        code = self.__code__
        if code is None:
            return PluginError(f"{what} from {self.plugin.source}: {message}")
        return PluginError(f"{what}: {message}", file=display(Path(code.co_filename)), line=line or code.co_firstlineno)

    def __call__(self, *args: Any, **params: Any) -> np.ndarray:
        given = [_read_only(a) for a in args] if self.role != "optimizer" else [_read_only(args[0]), *args[1:]]
        presses = interrupt_presses()
        try:
            result = self.fn(*given, **params)
        except BaseException as e:
            if not raised_by_plugin(e, presses):
                raise
            code = self.__code__
            line = line_in(e.__traceback__, Path(code.co_filename)) if code is not None else None
            hint = ""
            if isinstance(e, ValueError) and "read-only" in str(e):
                hint = " (a plugin must not change the arrays it is given; compute a new array)"
            raise self.error(f"raised {type(e).__name__}: {first_line_of(e)}{hint}", line) from None
        shape = _ROLES[self.role][1](*args)
        if self.role == "classes" and not getattr(self.plugin, "classes_per_output", False):
            shape = (shape[0], 1)  # one decision over all outputs: one column of codes
        values = self._as_array(result, shape)
        if self.role in ("classes", "initializer"):
            if self.role == "initializer" and not np.isfinite(values).all():
                raise self.error("returned a non-finite weight")
            return values
        total = np.add.reduce(values, axis=None)  # NaN anywhere (or inf − inf) makes the sum NaN: one pass
        if total != total:
            nan = np.isnan(values)
            arrays = [a for a in args if isinstance(a, np.ndarray)]
            if self.role == "optimizer":
                arrays = arrays[:1]
            finite_in = _finite_inputs(arrays, values.shape)
            bad = nan & finite_in
            if bad.any():
                raise self.error(f"returned nan {_where(bad, arrays, self.role)}")
        return values

    def _as_array(self, result: Any, shape: tuple[int, ...]) -> np.ndarray:
        """``result`` as a writable float64 array shaped ``shape``, or the error saying what it is."""
        if type(result) is np.ndarray and result.dtype == np.float64 and result.shape == shape:
            return result if result.flags.writeable else result.copy()
        try:
            values = np.asarray(result)
        except Exception:  # a ragged list, an object numpy cannot take
            raise self.error(f"returned {type(result).__name__}, not an array of numbers") from None
        if values.dtype.kind == "c":
            raise self.error(f"returned complex numbers (dtype {values.dtype}); return real float64 values")
        if values.dtype.kind not in "fiub":
            raise self.error(f"returned {type(result).__name__} of dtype {values.dtype}, not an array of numbers")
        if values.shape != shape:
            raise self.error(
                f"returned shape {values.shape} where shape {shape} was expected; a plugin must be vectorised "
                "(numpy operations such as np.where, not if/else or loops over values)"
            )
        values = values.astype(np.float64, copy=False)
        return values if values.flags.writeable and values is not result else values.copy()


def _finite_inputs(arrays: list[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """Where every argument is finite, per element of the result (per sample for a loss)."""
    finite = np.ones(shape, dtype=bool)
    for a in arrays:
        ok = np.isfinite(a)
        if ok.shape != shape:  # a loss: one value per sample from (samples, outputs) arrays
            ok = ok.reshape(ok.shape[0], -1).all(axis=1) if ok.ndim and ok.shape[0] == shape[0] else ok.all()
        finite &= ok
    return finite


def _where(bad: np.ndarray, arrays: list[np.ndarray], role: str) -> str:
    """Where a bad value is, in the words of the arguments: ``at x = 5.5`` or ``for sample 3``."""
    k = tuple(np.argwhere(bad)[0]) if bad.ndim else ()
    if role in ("function", "derivative") and arrays and arrays[0].shape == bad.shape:
        return f"at x = {float(arrays[0][k]):.9g}, where every argument is finite"
    if role in ("loss", "gradient", "terms"):
        return f"for sample {int(k[0]) if k else 0}, whose outputs and targets are finite"
    return "from finite arguments"


# ---------------------------------------------------------------------- guarding a registry

_FUNCTIONS = {
    Activation: (("function", "function"), ("derivative_function", "derivative")),
    Loss: (
        ("function", "loss"),
        ("gradient_function", "gradient"),
        ("terms_function", "terms"),
        ("classes_function", "classes"),
    ),
    Optimizer: (("function", "optimizer"),),
    Initializer: (("function", "initializer"),),
}


def guarded(plugin: Plugin) -> Plugin:
    """A copy of ``plugin`` whose functions are :class:`Guarded` (a built-in is returned as it is)."""
    if plugin.source == "built-in" or isinstance(plugin.function, Guarded):
        return plugin
    copy = dataclasses.replace(plugin)
    for attribute, role in _FUNCTIONS[type(plugin)]:
        fn = getattr(plugin, attribute, None)
        if fn is not None:
            setattr(copy, attribute, Guarded(copy, fn, role))
    return copy


def is_guarded(plugin: Plugin) -> bool:
    """Whether ``plugin`` came from a plugin file or an entry point (and checks its calls)."""
    return isinstance(plugin.function, Guarded)


def uses_plugins(plan: Plan) -> bool:
    """Whether the compiled network evaluates any guarded activation or loss."""
    return is_guarded(plan.loss) or any(is_guarded(g.activation) for level in plan.levels for g in level.groups)


# ---------------------------------------------------------------------- at the values the network sees

# Differences checked per loss (rows of samples × outputs perturbed at once).
MAX_LOSS_ROWS, MAX_LOSS_COLUMNS = 64, 32


def _close_to_some_difference(
    f: Callable[[np.ndarray], np.ndarray], z: np.ndarray, y: np.ndarray, d: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Where the derivative ``d`` matches no finite difference of ``f`` at ``z`` (central, or one-sided
    — so a correct derivative at a kink, where ``net`` sits exactly on it, still passes)."""
    h = STEP * np.maximum(1.0, np.abs(z))
    with np.errstate(all="ignore"):
        up, down = f(z + h), f(z - h)
        central = (up - down) / (2 * h)
        forward, backward = (up - y) / h, (y - down) / h
    usable = np.isfinite(central) & np.isfinite(y)
    close = np.abs(d - central) <= ATOL + RTOL * np.abs(central)
    for one_sided in (forward, backward):
        close |= np.abs(d - one_sided) <= 1e3 * (ATOL + RTOL * np.abs(one_sided))
    return usable & ~close, central


def check_at_values(plan: Plan, fwd: Forward, T: np.ndarray, rows: slice | None = None) -> None:
    """Check every guarded plugin where this network evaluates it (see the module docstring).

    ``fwd`` is the :class:`~graphengine.engine.compute.Forward` of the samples with targets ``T``;
    ``rows`` limits the check to some samples (training's spot check)."""
    pick = slice(None) if rows is None else rows
    for k, level in enumerate(plan.levels, start=1):
        for group in level.groups:
            activation = group.activation
            if not is_guarded(activation):
                continue
            z = np.asarray(fwd.nets[k][pick][:, group.columns])
            y = np.asarray(fwd.outs[k][pick][:, group.columns])
            d = np.asarray(fwd.level_dact(k)[pick][:, group.columns])
            # A guarded plugin's functions are all Guarded (see `guarded`).
            function = cast(Guarded, activation.function)
            derivative = cast(Guarded, activation.derivative_function)
            for values, what in ((y, "function"), (d, "derivative")):
                bad = ~np.isfinite(values) & np.isfinite(z)
                if bad.any():
                    s, j = (int(v) for v in np.argwhere(bad)[0])
                    guard = function if what == "function" else derivative
                    raise guard.error(
                        f"gave {values[s, j]} at net = {z[s, j]:.9g} (sample {s}); a plugin must be finite wherever "
                        "the network evaluates it"
                    )
            bad, central = _close_to_some_difference(functools.partial(function, **group.params), z, y, d)
            if bad.any():
                s, j = (int(v) for v in np.argwhere(bad)[0])
                shown = f" with {', '.join(f'{p} = {v:g}' for p, v in group.params.items())}" if group.params else ""
                raise derivative.error(
                    f"wrong derivative at net = {z[s, j]:.9g} (sample {s}){shown}, where this network evaluates it: "
                    f"expected {central[s, j]:.9g} (central finite difference), got {d[s, j]:.9g}"
                )
    if is_guarded(plan.loss):
        _check_loss(plan, np.asarray(fwd.outputs[pick]), np.asarray(T[pick]))


def _check_loss(plan: Plan, Y: np.ndarray, T: np.ndarray) -> None:
    """The loss and its gradient at the network's outputs: finite, and the gradient against
    central differences on up to MAX_LOSS_ROWS samples × MAX_LOSS_COLUMNS outputs, in two calls."""
    params = plan.loss_params
    # A guarded loss's functions are all Guarded (see `guarded`).
    function, gradient = cast(Guarded, plan.loss.function), cast(Guarded, plan.loss.gradient_function)
    values = function(Y, T, **params)
    bad = ~np.isfinite(values) & np.isfinite(Y).all(axis=1) & np.isfinite(T).all(axis=1)
    if bad.any():
        s = int(np.flatnonzero(bad)[0])
        raise function.error(
            f"gave {values[s]} for sample {s} (outputs {Y[s].tolist()[:8]}, targets {T[s].tolist()[:8]}); "
            "check that the outputs are in the loss's domain"
        )
    rows = np.linspace(0, len(Y) - 1, min(len(Y), MAX_LOSS_ROWS)).astype(np.intp)
    columns = np.linspace(0, Y.shape[1] - 1, min(Y.shape[1], MAX_LOSS_COLUMNS)).astype(np.intp)
    y, t = Y[rows], T[rows]
    g = gradient(y, t, **params)
    # One row per (sample, output) pair, that output moved by ±h: two calls for all of them.
    ys = np.repeat(y, len(columns), axis=0)
    ts = np.repeat(t, len(columns), axis=0)
    which = np.tile(columns, len(rows))
    h = STEP * np.maximum(1.0, np.abs(ys[np.arange(len(ys)), which]))
    up, down = ys.copy(), ys.copy()
    up[np.arange(len(ys)), which] += h
    down[np.arange(len(ys)), which] -= h
    with np.errstate(all="ignore"):
        central = (function(up, ts, **params) - function(down, ts, **params)) / (2 * h)
    got = g[np.repeat(np.arange(len(rows)), len(columns)), which]
    bad = np.isfinite(central) & ~(np.abs(got - central) <= ATOL + RTOL * np.abs(central))
    if bad.any():
        m = int(np.flatnonzero(bad)[0])
        s, j = int(rows[m // len(columns)]), int(which[m])
        raise gradient.error(
            f"wrong gradient ∂L/∂y[{j}] for sample {s}, where this network evaluates it: expected "
            f"{central[m]:.9g} (central finite difference), got {got[m]:.9g}"
        )
