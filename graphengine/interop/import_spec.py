"""A stack of dense layers read from another tool becomes a spec with ``layers:``.

Used by :mod:`graphengine.interop.onnx_import` and :mod:`graphengine.interop.from_torch`: each layer is
its weights ``(out, in)`` (``nn.Linear``'s layout), its biases (or none) and a built-in
activation. The spec's layer ``weights`` are rows per source (``(in, out)``), so each
weight keeps its value exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import yaml

__all__ = ["DenseLayer", "layered_spec", "spec_text"]


@dataclass
class DenseLayer:
    weight: np.ndarray  # (out, in)
    bias: np.ndarray | None  # (out,)
    activation: str = "identity"
    activation_params: dict[str, float] = field(default_factory=dict)
    name: str | None = None  # a name from the source (an ONNX initializer's prefix), when usable


_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")

#: A loss as a spec writes it: its name (``mse``), or a mapping with its name and parameters
#: (YAML data, checked when the spec is loaded).
LossChoice = str | dict[str, Any]


def _input_entries(names: list[str] | None, n_inputs: int) -> list[Any]:
    """``[{name: x, size: N}]``, or the source's own input names (as one input layer when
    they are ``p_0 … p_{N-1}``)."""
    if not names or len(names) != n_inputs:
        return [{"name": "x", "size": n_inputs}]
    prefix = names[0].rpartition("_")[0]
    if prefix and names == [f"{prefix}_{i}" for i in range(n_inputs)]:
        return [{"name": prefix, "size": n_inputs}]
    return list(names)


def layered_spec(
    name: str,
    layers: list[DenseLayer],
    input_names: list[str] | None = None,
    loss: LossChoice = "mse",
    description: str | None = None,
) -> dict[str, Any]:
    """The spec data (YAML-ready) for ``layers`` applied in order to the inputs."""
    n_inputs = layers[0].weight.shape[1]
    inputs = _input_entries(input_names, n_inputs)
    if isinstance(inputs[0], dict):
        source: Any = inputs[0]["name"]
        taken = {source}
    else:
        source, taken = list(inputs), set(inputs)
    entries = []
    for i, layer in enumerate(layers, start=1):
        layer_name = layer.name if layer.name and _IDENTIFIER.match(layer.name) else f"layer{i}"
        while layer_name in taken:
            layer_name += "_"
        taken.add(layer_name)
        size = layer.weight.shape[0]
        activation: Any = layer.activation
        if layer.activation_params:
            activation = {"name": layer.activation, **layer.activation_params}
        entry: dict[str, Any] = {"name": layer_name, "size": size, "from": source, "activation": activation}
        entry["weights"] = np.asarray(layer.weight, dtype=np.float64).T.tolist()
        if layer.bias is None:
            entry["bias"] = False
        else:
            entry["biases"] = np.asarray(layer.bias, dtype=np.float64).tolist()
        entries.append(entry)
        source = layer_name
    data: dict[str, Any] = {"name": name}
    if description:
        data["description"] = description
    data.update({"inputs": inputs, "layers": entries, "outputs": [source], "loss": loss})
    return data


def spec_text(data: dict[str, Any], header: str) -> str:
    """The spec as YAML, after a comment saying where it came from."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    body = yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=None, width=100, allow_unicode=True)
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    return comment + body
