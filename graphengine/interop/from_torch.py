"""``graphengine.from_torch(module)``: an ``nn.Sequential`` of ``Linear`` layers and built-in
activations as a graphengine :class:`~graphengine.engine.network.Network` with ``layers:``.

Reads the live module's tensors (no file is unpickled). Supported: ``Linear`` (with or
without bias), ``Tanh``, ``ReLU``, ``Sigmoid``, ``LeakyReLU``, ``Softplus`` (``beta=1``;
torch switches to ``x`` above its ``threshold``, graphengine's softplus is exact) and
``Identity``; anything else is refused, naming it.

>>> import torch                                                     # doctest: +SKIP
>>> net = from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh()))  # doctest: +SKIP
>>> [layer["size"] for layer in net.to_data()["layers"]]             # doctest: +SKIP
[3]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from ..errors import GraphEngineError
from .import_spec import DenseLayer, LossChoice, layered_spec, spec_text

if TYPE_CHECKING:
    from ..engine.network import Network
    from ..plugins.registry import Registry

__all__ = ["from_torch", "torch_layers"]

_ACTIVATIONS = {"Tanh": "tanh", "ReLU": "relu", "Sigmoid": "sigmoid", "LeakyReLU": "leaky_relu", "Softplus": "softplus"}
SUPPORTED = "Linear, Identity, " + ", ".join(_ACTIVATIONS)


def _values(tensor: Any, where: str) -> Any:
    """A parameter's values as float64 numpy, or one line saying why there are none to take:
    a lazy module not yet run, a tensor on the meta device (shapes only), complex numbers."""
    import torch

    if torch.nn.parameter.is_lazy(tensor):
        raise GraphEngineError(f"{where} is not initialised yet (a lazy module): run one forward pass first")
    if tensor.is_meta:
        raise GraphEngineError(f"{where} is on the meta device: it has a shape but no values")
    if tensor.is_complex():
        raise GraphEngineError(f"{where} holds complex numbers; a network's weights are real numbers")
    if not (tensor.is_floating_point() or tensor.dtype in (torch.int8, torch.int16, torch.int32, torch.int64)):
        raise GraphEngineError(f"{where} holds {tensor.dtype} values, not real numbers")
    return tensor.detach().cpu().double().numpy().copy()


def torch_layers(module: Any) -> list[DenseLayer]:
    """The dense layers of an ``nn.Sequential``, in order."""
    try:
        import torch
    except ImportError:
        raise GraphEngineError("from_torch needs torch: pip install 'graphengine[torch]'") from None
    if not isinstance(module, torch.nn.Sequential):
        raise GraphEngineError(f"from_torch takes a torch.nn.Sequential, got {type(module).__name__}")
    layers: list[DenseLayer] = []
    for position, part in enumerate(module):
        kind = type(part).__name__
        where = f"module [{position}] ({kind})"
        if isinstance(part, torch.nn.Linear):
            weight = _values(part.weight, f"{where}.weight")
            bias = None if part.bias is None else _values(part.bias, f"{where}.bias")
            if layers and layers[-1].weight.shape[0] != weight.shape[1]:
                raise GraphEngineError(
                    f"{where} takes {weight.shape[1]} inputs, the layer before gives {layers[-1].weight.shape[0]}"
                )
            layers.append(DenseLayer(weight, bias))
        elif isinstance(part, torch.nn.Identity):
            continue
        elif kind in _ACTIVATIONS and type(part).__module__.startswith("torch.nn"):
            if not layers or layers[-1].activation != "identity":
                raise GraphEngineError(f"{where}: an activation must follow a Linear layer (one per layer)")
            if kind == "Softplus" and part.beta != 1:
                raise GraphEngineError(
                    f"{where}: beta={part.beta:g}; only beta = 1 (graphengine's softplus) is supported"
                )
            layers[-1].activation = _ACTIVATIONS[kind]
            if kind == "LeakyReLU":
                layers[-1].activation_params = {"alpha": float(cast(float, part.negative_slope))}
        else:
            raise GraphEngineError(f"{where} is not supported; from_torch reads {SUPPORTED}")
    if not layers:
        raise GraphEngineError("the module has no Linear layer")
    return layers


def from_torch(
    module: Any, name: str = "from_torch", loss: LossChoice = "mse", registry: Registry | None = None
) -> Network:
    """A :class:`Network` computing what ``module`` computes (in float64), with ``layers:``."""
    from ..engine.network import Network

    layers = torch_layers(module)
    data = layered_spec(name, layers, None, loss, description=f"from a torch.nn.Sequential of {len(module)} modules")
    return Network.from_yaml(spec_text(data, "Made by graphengine.from_torch."), registry, file="<from_torch>")
