"""``graphengine export``: pick the format from the file's suffix (or ``--to``), write atomically.

* ``.py`` — a PyTorch module's source (:mod:`graphengine.interop.torch_source`);
* ``.onnx`` — an ONNX model (:mod:`graphengine.interop.onnx_export`);
* ``.safetensors`` / ``.npz`` — every parameter under its spec name, float64, with the
  spec's name and a hash of its structure as metadata (:mod:`graphengine.engine.weights`).

Nothing is written unless the whole file could be made.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._util.files import check_writable, write_atomic
from ..errors import GraphEngineError
from .structure import structure_hash

if TYPE_CHECKING:
    from ..engine.network import Network

__all__ = ["FORMATS", "export", "format_of", "weights_of"]

#: format name → the suffixes it is chosen by
FORMATS = {"torch": (".py",), "onnx": (".onnx",), "safetensors": (".safetensors",), "npz": (".npz",)}


def format_of(path: str | os.PathLike[str], to: str | None = None) -> str:
    """The format ``to`` names, or the one the suffix of ``path`` says."""
    if to is not None:
        return to
    suffix = Path(path).suffix.lower()
    for name, suffixes in FORMATS.items():
        if suffix in suffixes:
            return name
    known = ", ".join(s for suffixes in FORMATS.values() for s in suffixes)
    raise GraphEngineError(
        f"cannot tell the export format from `{suffix or Path(path).name}`: use a file ending in {known}, "
        f"or say it with --to {'|'.join(FORMATS)}",
        file=str(path),
    )


def weights_of(net: Network) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Every parameter as a float64 scalar array under its spec name, and the metadata."""
    arrays = {name: np.array(value, dtype=np.float64) for name, value in zip(net.plan.parameter_names, net.theta)}
    metadata = {
        "format": "graphengine parameters",
        "spec": net.spec.name or "",
        "structure_sha256": structure_hash(net),
        "trainable": ",".join("1" if t else "0" for t in net.plan.trainable),
    }
    return arrays, metadata


def export(
    net: Network, path: str | os.PathLike[str], to: str | None = None, dtype: str = "float64", source: str | None = None
) -> str:
    """Write ``net`` to ``path`` in the format ``to`` (default: from the suffix); return the format."""
    path = Path(path)
    fmt = format_of(path, to)
    check_writable(path)
    if fmt in ("safetensors", "npz"):
        if dtype != "float64":
            raise GraphEngineError(
                "weights files hold float64 values; --dtype applies to .py and .onnx", file=str(path)
            )
        from ..engine.weights import save_weights

        arrays, metadata = weights_of(net)
        if Path(path).suffix.lower() != f".{fmt}":
            raise GraphEngineError(f"a {fmt} weights file must end in .{fmt}", file=str(path))
        save_weights(path, arrays, metadata)
        return fmt
    if fmt == "torch":
        from .torch_source import torch_source

        write_atomic(path, torch_source(net, dtype, source))
        return fmt
    from .onnx_export import onnx_model

    write_atomic(path, onnx_model(net, dtype).SerializeToString())
    return fmt
