"""A plugin named in a spec: a name, or a mapping with the name and the plugin's parameters
(activations, losses, optimisers, initialisers)."""

from __future__ import annotations

from typing import Any, Literal

from .record import Record, cs, field
from .values import NAME, _describe


class PluginChoice(Record):
    """A plugin named in a spec: ``sigmoid``, or a mapping ``{name: leaky_relu, alpha: 0.2}``
    whose other keys are the plugin's parameters (checked against the plugin later)."""

    extra = "allow"
    name: str

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        return {"name": field(NAME)}

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def _name_or_mapping(
    model: type[PluginChoice],
    what: str,
    shape: str = "{name: ..., <parameters>}",
    no_name: str | None = None,
    name_required: bool = True,
) -> Any:
    """The validator of a field holding a plugin's name or a mapping with its name and parameters;
    ``no_name`` is the message for a mapping without ``name`` (default: the general one)."""

    def validate(value: Any) -> PluginChoice:
        expected = f"expected {what} name or {shape}, got {_describe(value)}"
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict):
            raise ValueError(expected)
        if name_required and "name" not in value:
            raise ValueError(no_name or expected)
        return model.model_validate(value)

    return validate


class ActivationSpec(PluginChoice):
    """``activation: sigmoid`` or ``activation: {name: leaky_relu, alpha: 0.2}``."""

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        return {"name": field(NAME, default="identity")}


_activation = _name_or_mapping(ActivationSpec, "an activation", no_name="an activation mapping needs a `name` key")


class LossSpec(PluginChoice):
    """``loss: mse`` or ``loss: {name: huber, reduction: sum, delta: 2.0}``."""

    reduction: Literal["mean", "sum"]

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        return {"name": field(NAME), "reduction": field(cs.literal_schema(["mean", "sum"]), default="mean")}


# Without `name`, pydantic's own "missing field" message names the key.
_loss = _name_or_mapping(LossSpec, "a loss", "{name: ..., reduction: mean|sum}", name_required=False)


class OptimizerSpec(PluginChoice):
    """``optimizer: adam`` or ``optimizer: {name: adam, beta1: 0.9}``."""


_optimizer = _name_or_mapping(
    OptimizerSpec, "an optimizer", no_name="an optimizer mapping needs a `name` key (sgd, momentum, adam, ...)"
)


class InitSpec(PluginChoice):
    """``init: xavier`` or ``init: {name: uniform, scale: 0.5}`` (see :mod:`graphengine.plugins.initializers`)."""


_init = _name_or_mapping(InitSpec, "an initialiser")
