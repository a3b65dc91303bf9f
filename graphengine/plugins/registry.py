"""The plugin types (activations, losses, optimisers, initialisers), their decorators and the
:class:`Registry`: one way in for built-ins and user plugins alike. A leaf: of the package it imports only errors.

A plugin is a plain Python object made by a decorator::

    import numpy as np
    from graphengine import activation

    @activation(formula=r"x\\,\\sigma(\\beta x)")
    def swish(x, beta=1.0):
        "Swish (Ramachandran et al. 2017): x·σ(βx)."
        return x / (1.0 + np.exp(-beta * x))

    @swish.derivative
    def swish(x, y, beta=1.0):      # receives the output y too, like jax's defjvps
        s = 1.0 / (1.0 + np.exp(-beta * x))
        return s + beta * y * (1.0 - s)

Keyword arguments with defaults after the first argument(s) are the plugin's
parameters; a spec sets them (``activation: {name: swish, beta: 1.5}``).
A :class:`Registry` collects plugins from modules and refuses a second plugin
with a name already taken, naming both sources.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import PluginError, did_you_mean

Array = np.ndarray


_POSITIONAL = {
    "activation": "(x)",
    "derivative": "(x, y)",
    "loss": "(y, t)",
    "gradient": "(y, t)",
    "optimizer": "(grad, state)",
    "initializer": "(rng, fan_in, fan_out)",
}


def _parameters(fn: Callable[..., Any], n_positional: int, what: str) -> dict[str, float]:
    """Named numeric parameters of a plugin function: its keyword arguments with defaults."""
    params: dict[str, float] = {}
    signature = inspect.signature(fn)
    leading = list(signature.parameters.values())[:n_positional]
    if len(leading) < n_positional or any(p.default is not p.empty for p in leading):
        raise PluginError(
            f"{what} `{fn.__name__}` must take {_POSITIONAL[what]} first, without defaults, then its "
            f"parameters with defaults; got {fn.__name__}{signature}"
        )
    for i, p in enumerate(signature.parameters.values()):
        if i < n_positional:
            if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                raise PluginError(f"{what} `{fn.__name__}` must take {n_positional} positional argument(s) first")
            continue
        if p.default is p.empty or isinstance(p.default, bool) or not isinstance(p.default, (int, float)):
            raise PluginError(
                f"{what} `{fn.__name__}`: parameter `{p.name}` needs a numeric default (e.g. `{p.name}=1.0`)"
            )
        params[p.name] = float(p.default)
    return params


def _signature(params: dict[str, float]) -> str:
    return "(" + ", ".join(f"{k}={v:g}" for k, v in params.items()) + ")" if params else "no parameters"


def _first_line(fn: Callable[..., Any]) -> str:
    doc = inspect.getdoc(fn) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


@dataclass(eq=False)
class Activation:
    """An elementwise activation ``y = f(x, **params)`` with its derivative ``dy/dx``.

    ``function(x, **params)`` and ``derivative(x, y, **params)`` take and return
    float64 arrays of any shape (the engine passes ``(samples, neurons)``).
    """

    name: str
    function: Callable[..., Array]
    params: dict[str, float] = field(default_factory=dict)
    description: str = ""
    formula: str | None = None  # LaTeX of f in terms of x, for explanations
    derivative_formula: str | None = None  # LaTeX of dy/dx in x and y = f(x)
    source: str = "built-in"
    derivative_function: Callable[..., Array] | None = None
    export: str | None = None  # the function as a formula for PyTorch/ONNX export (graphengine.interop.expression)

    def derivative(self, fn: Callable[..., Array]) -> Activation:
        """Decorator: declare ``f'(x, y, **params)`` right under ``f``."""
        given = _parameters(fn, 2, "derivative")
        if given != self.params:
            raise PluginError(
                f"activation `{self.name}`: derivative `{fn.__name__}` must take (x, y) and the same "
                f"parameters as the function: {_signature(self.params)}, got {_signature(given)}"
            )
        self.derivative_function = fn
        return self

    def __call__(self, x: Array, **params: float) -> Array:
        return self.function(x, **params)

    def grad(self, x: Array, y: Array, **params: float) -> Array:
        """``dy/dx`` at ``x`` (where ``y = f(x)``)."""
        assert self.derivative_function is not None
        return self.derivative_function(x, y, **params)


@dataclass(eq=False)
class Loss:
    """A per-sample loss ``L(y, t, **params)`` with its gradient ``dL/dy``.

    ``function(y, t)`` maps outputs and targets shaped ``(samples, outputs)`` to
    ``(samples,)``; ``gradient(y, t)`` returns ``(samples, outputs)``, so losses that
    couple outputs (softmax) work. ``terms(y, t)``, when given, splits a loss that
    sums over outputs into its per-output terms.
    """

    name: str
    function: Callable[..., Array]
    params: dict[str, float] = field(default_factory=dict)
    description: str = ""
    formula: str | None = None
    source: str = "built-in"
    gradient_function: Callable[..., Array] | None = None
    # LaTeX of one output's term and of ∂L/∂y_k, in y (that output), t (its target) and
    # n (the number of outputs), for explanations.
    term_formula: str | None = None
    gradient_formula: str | None = None
    terms_function: Callable[..., Array] | None = None
    # ``classes(y)``: the class codes that outputs (or targets) shaped (samples, outputs) pick,
    # shaped (samples, decisions); the accuracy is the share of codes equal to the targets'.
    # ``classes_per_output``: every output is its own yes/no decision (codes 0/1), else one
    # decision over all outputs (code k is output k). None for losses that are not about
    # classes (no accuracy, no predicted class is reported).
    classes_function: Callable[[Array], Array] | None = None
    classes_per_output: bool = False
    export: str | None = None  # the per-sample loss as a formula for PyTorch export (graphengine.interop.expression)

    def gradient(self, fn: Callable[..., Array]) -> Loss:
        """Decorator: declare ``dL/dy(y, t, **params)`` right under the loss."""
        given = _parameters(fn, 2, "gradient")
        if given != self.params:
            raise PluginError(
                f"loss `{self.name}`: gradient `{fn.__name__}` must take (y, t) and the same "
                f"parameters as the loss: {_signature(self.params)}, got {_signature(given)}"
            )
        self.gradient_function = fn
        return self

    def terms(self, fn: Callable[..., Array]) -> Loss:
        """Decorator: the per-output terms ``(samples, outputs)`` whose sum is the loss."""
        self.terms_function = fn
        return self

    def classes(self, fn: Callable[[Array], Array] | None = None, *, per_output: bool = False) -> Any:
        """Decorator: ``classes(y)`` → the class codes ``(samples, decisions)`` that outputs or
        targets ``y`` pick; a loss that has it is a classifier (accuracy, predicted classes).

        ``@L.classes``: one decision over all outputs, code k meaning output k (arg-max);
        ``@L.classes(per_output=True)``: a yes/no decision per output, codes 0 and 1.
        """

        def declare(f: Callable[[Array], Array]) -> Loss:
            self.classes_function, self.classes_per_output = f, per_output
            return self

        return declare(fn) if fn is not None else declare

    @property
    def is_classifier(self) -> bool:
        """Whether the loss decides classes (``@L.classes``), so an accuracy is measured."""
        return self.classes_function is not None

    def __call__(self, y: Array, t: Array, **params: float) -> Array:
        return self.function(y, t, **params)

    def grad(self, y: Array, t: Array, **params: float) -> Array:
        assert self.gradient_function is not None
        return self.gradient_function(y, t, **params)


def activation(
    fn: Callable[..., Array] | None = None,
    *,
    name: str | None = None,
    formula: str | None = None,
    derivative_formula: str | None = None,
    export: str | None = None,
) -> Any:
    """Make an :class:`Activation` from ``f(x, **params)``; add the derivative with ``@f.derivative``."""

    def wrap(f: Callable[..., Array]) -> Activation:
        return Activation(
            name=name or f.__name__,
            function=f,
            params=_parameters(f, 1, "activation"),
            description=_first_line(f),
            formula=formula,
            derivative_formula=derivative_formula,
            export=export,
        )

    return wrap(fn) if fn is not None else wrap


def loss(
    fn: Callable[..., Array] | None = None,
    *,
    name: str | None = None,
    formula: str | None = None,
    term_formula: str | None = None,
    gradient_formula: str | None = None,
    export: str | None = None,
) -> Any:
    """Make a :class:`Loss` from ``L(y, t, **params)``; add the gradient with ``@L.gradient``.

    ``term_formula`` / ``gradient_formula`` (optional LaTeX in ``y``, ``t``, ``n``) let
    ``graphengine explain`` write one output's term and ``∂L/∂y`` with numbers substituted.
    """

    def wrap(f: Callable[..., Array]) -> Loss:
        return Loss(
            name=name or f.__name__,
            function=f,
            params=_parameters(f, 2, "loss"),
            description=_first_line(f),
            formula=formula,
            term_formula=term_formula,
            gradient_formula=gradient_formula,
            export=export,
        )

    return wrap(fn) if fn is not None else wrap


@dataclass(eq=False)
class Optimizer:
    """A parameter update rule ``step = f(grad, state, learning_rate=..., **params)``; θ ← θ − step.

    ``grad`` is the flat float64 gradient of the trainable parameters; ``state`` is a
    dict, empty at the first step, in which the rule keeps its running arrays (and
    ``state["t"]`` is the 1-based step number). Every optimiser has a
    ``learning_rate`` parameter whose default is its usual learning rate.
    """

    name: str
    function: Callable[..., Array]
    params: dict[str, float] = field(default_factory=dict)
    description: str = ""
    formula: str | None = None
    source: str = "built-in"

    def __call__(self, grad: Array, state: dict[str, Any], **params: float) -> Array:
        return self.function(grad, state, **params)


def optimizer(fn: Callable[..., Array] | None = None, *, name: str | None = None, formula: str | None = None) -> Any:
    """Make an :class:`Optimizer` from ``f(grad, state, learning_rate=..., **params) -> step``."""

    def wrap(f: Callable[..., Array]) -> Optimizer:
        params = _parameters(f, 2, "optimizer")
        if "learning_rate" not in params:
            raise PluginError(f"optimizer `{f.__name__}` needs a `learning_rate=<default>` parameter")
        return Optimizer(
            name=name or f.__name__, function=f, params=params, description=_first_line(f), formula=formula
        )

    return wrap(fn) if fn is not None else wrap


@dataclass(eq=False)
class Initializer:
    """A layer's initial weights ``W = f(rng, fan_in, fan_out, **params)``, shaped ``(fan_in, fan_out)``.

    ``rng`` is a ``numpy.random.Generator`` (seeded per layer, so results are reproducible).
    Its parameters must be numbers ≥ 0 (a scale, a gain, a standard deviation).
    """

    name: str
    function: Callable[..., Array]
    params: dict[str, float] = field(default_factory=dict)
    description: str = ""
    formula: str | None = None
    source: str = "built-in"

    def __call__(self, rng: np.random.Generator, fan_in: int, fan_out: int, **params: float) -> Array:
        return self.function(rng, fan_in, fan_out, **params)


def initializer(fn: Callable[..., Array] | None = None, *, name: str | None = None, formula: str | None = None) -> Any:
    """Make an :class:`Initializer` from ``f(rng, fan_in, fan_out, **params) -> W``."""

    def wrap(f: Callable[..., Array]) -> Initializer:
        return Initializer(
            name=name or f.__name__,
            function=f,
            params=_parameters(f, 3, "initializer"),
            description=_first_line(f),
            formula=formula,
        )

    return wrap(fn) if fn is not None else wrap


Plugin = Activation | Loss | Optimizer | Initializer
#: The plugin classes, for ``isinstance`` (the keys of :data:`KINDS`, typed).
PLUGIN_CLASSES = (Activation, Loss, Optimizer, Initializer)
KINDS: dict[type, str] = {
    Activation: "activation",
    Loss: "loss",
    Optimizer: "optimizer",
    Initializer: "initialiser",
}


def plugins_in(module: ModuleType) -> list[Plugin]:
    """The activations and losses a module defines, in definition order, each once."""
    seen: dict[int, Plugin] = {}
    for value in vars(module).values():
        if isinstance(value, PLUGIN_CLASSES) and id(value) not in seen:
            seen[id(value)] = value
    return list(seen.values())


class Registry:
    """Named plugins of each kind; a name is taken at most once per kind.

    :meth:`add` is the one way in (:meth:`add_all` loops over it).
    """

    def __init__(self) -> None:
        self.activations: dict[str, Activation] = {}
        self.losses: dict[str, Loss] = {}
        self.optimizers: dict[str, Optimizer] = {}
        self.initializers: dict[str, Initializer] = {}

    def table(self, kind: str) -> dict[str, Any]:
        """The plugins of one kind (a value of :data:`KINDS`) by name."""
        tables: dict[str, dict[str, Any]] = {
            "activation": self.activations,
            "loss": self.losses,
            "optimizer": self.optimizers,
            "initialiser": self.initializers,
        }
        return tables[kind]

    def all(self) -> list[Plugin]:
        """Every plugin, kind by kind in the order of :data:`KINDS`."""
        return [plugin for kind in KINDS.values() for plugin in self.table(kind).values()]

    def add(self, plugin: Plugin, source: str | None = None) -> None:
        """Register one plugin; a missing derivative or a taken name is a :class:`PluginError`."""
        kind = KINDS[type(plugin)]
        table = self.table(kind)
        if table.get(plugin.name) is plugin:  # the same object again (say, re-exported): nothing to do
            return
        if source is not None:
            plugin.source = source
        missing = (
            plugin.derivative_function is None
            if isinstance(plugin, Activation)
            else isinstance(plugin, Loss) and plugin.gradient_function is None
        )
        if missing:
            decorator = "derivative" if kind == "activation" else "gradient"
            code = getattr(plugin.function, "__code__", None)
            where = f" (line {code.co_firstlineno})" if code is not None else ""
            raise PluginError(
                f"{kind} `{plugin.name}` from {plugin.source}{where} has no {decorator}: "
                f"add one with `@{plugin.function.__name__}.{decorator}`"
            )
        if plugin.name in table:
            raise PluginError(
                f"{kind} `{plugin.name}` from {plugin.source} clashes with `{plugin.name}` "
                f"from {table[plugin.name].source}; rename one of them"
            )
        table[plugin.name] = plugin

    def add_all(self, plugins: Iterable[Plugin], source: str | None = None) -> None:
        for plugin in plugins:
            self.add(plugin, source)

    def activation(self, name: str) -> Activation:
        try:
            return self.activations[name]
        except KeyError:
            raise PluginError(self._unknown("activation", name, self.activations)) from None

    def loss(self, name: str) -> Loss:
        try:
            return self.losses[name]
        except KeyError:
            raise PluginError(self._unknown("loss", name, self.losses)) from None

    def optimizer(self, name: str) -> Optimizer:
        try:
            return self.optimizers[name]
        except KeyError:
            raise PluginError(self._unknown("optimizer", name, self.optimizers)) from None

    def initializer(self, name: str) -> Initializer:
        try:
            return self.initializers[name]
        except KeyError:
            raise PluginError(self._unknown("initialiser", name, self.initializers)) from None

    @staticmethod
    def _unknown(kind: str, name: str, table: dict[str, Any]) -> str:
        return (
            f"unknown {kind} `{name}`{did_you_mean(name, table)} (available: {', '.join(sorted(table))}); "
            "a plugin's file is named with --plugins FILE or GRAPHENGINE_PLUGINS"
        )


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond float range (10**400)
        return False


def check_params(plugin: Plugin, given: dict[str, Any], minimum: float | None = None) -> dict[str, float]:
    """Merge a spec's parameter values over the plugin's defaults; reject unknown or bad ones.

    The one check of plugin parameters (activations, losses, optimisers, initialisers): an
    unknown key gets a did-you-mean, a value must be a finite number (and ≥ ``minimum`` when
    given). The :class:`PluginError` carries ``parameter`` (the key) and ``unknown`` so the
    caller can point at the key in the spec.
    """
    kind = KINDS[type(plugin)]
    params = dict(plugin.params)
    for key, value in given.items():
        if key not in plugin.params:
            valid = ", ".join(f"`{k}`" for k in plugin.params) or "none"
            raise _parameter_error(
                f"{kind} `{plugin.name}` has no parameter `{key}`{did_you_mean(key, plugin.params)} "
                f"(its parameters: {valid})",
                key,
                unknown=True,
            )
        number = isinstance(value, (int, float)) and not isinstance(value, bool) and _finite(value)
        if not number or (minimum is not None and value < minimum):
            if isinstance(value, bool):
                shown = f"`{str(value).lower()}` (a boolean: YAML also reads yes/no/on/off as booleans)"
            elif isinstance(value, int) and not _finite(value):
                shown = f"an integer of {len(str(value))} digits"
            else:
                shown = f"`{value}`"
            rule = (
                "parameter `{key}` must be a finite number"
                if minimum is None
                else "`{key}` must be a number ≥ {minimum:g}"
            )
            raise _parameter_error(
                f"{kind} `{plugin.name}`: {rule.format(key=key, minimum=minimum)}, got {shown}", key, unknown=False
            )
        params[key] = float(value)
    return params


def _parameter_error(message: str, parameter: str, unknown: bool) -> PluginError:
    error = PluginError(message)
    error.parameter, error.unknown = parameter, unknown  # type: ignore[attr-defined]
    return error
