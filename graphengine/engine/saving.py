"""Saving a network: its spec as YAML-ready data with the current parameter values, and the
file written atomically (with a sidecar for large weights).

The facade's :meth:`Network.to_data <graphengine.engine.network.Network.to_data>` and
:meth:`Network.save <graphengine.engine.network.Network.save>` call these.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .._util.files import check_writable, write_atomic

if TYPE_CHECKING:
    from .network import Network


def spec_data(network: Network, with_values: bool = True) -> dict[str, Any]:
    """The spec as YAML-ready data, with the current parameter values (``with_values=False``:
    the structure only, its layers without ``weights``/``biases``, for a sidecar save)."""
    data: dict[str, Any] = _plain(network.spec.raw)
    data.pop("weights_file", None)
    if not with_values:
        for layer in data.get("layers") or []:
            if isinstance(layer, dict):
                layer.pop("weights", None)
                layer.pop("biases", None)
        return data
    values = network.parameters
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
    if network.graph.graph.get("layers"):
        from ..model.layers import layer_data

        for i, trained in layer_data(network.graph, network.theta).items():
            data["layers"][i].update(trained)  # explicit values replace `init` from now on
    return data


def save(network: Network, path: Path, sidecar_threshold: int | None = None) -> None:
    """Write ``network``'s spec with its current parameters to ``path``, atomically (see
    :meth:`Network.save <graphengine.engine.network.Network.save>`)."""
    from .sidecar import DEFAULT_THRESHOLD, write_sidecar

    threshold = DEFAULT_THRESHOLD if sidecar_threshold is None else sidecar_threshold
    big = len(network.theta) > threshold
    data = spec_data(network, with_values=not big)
    if isinstance(data.get("data"), dict):
        from .provenance import data_reference

        data["data"] = data_reference(network.spec, data["data"], path)
    if big:
        check_writable(path)  # before the sidecar: a YAML that cannot be written leaves no sidecar
        data["weights_file"] = write_sidecar(path, network.plan, network.theta)
    # The C emitter (when PyYAML has it) writes the same text, ~5x faster for big layers.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=None, width=100, allow_unicode=True)
    write_atomic(path, text)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _plain(value: Any) -> Any:
    """A deep copy of YAML data (aliases become independent copies)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
