"""Which optimiser training uses, and with which parameters: the command line's choice over
the spec's ``training:`` section over the optimiser's defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import KeyPath, PluginError
from ..plugins.discovery import default_registry
from ..plugins.registry import Optimizer, check_params

if TYPE_CHECKING:
    from .network import Network

__all__ = ["resolve_optimizer"]


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
