"""Named arrays in a weights file: ``.safetensors`` (the safetensors package) or ``.npz``.

The one place that reads and writes such files, used by the trained-spec sidecar and by
``export``. Names are spec parameter names; metadata is a small ``str → str`` mapping (the
spec's name, a hash of its structure). Writes are atomic; files are never unpickled.

>>> import numpy as np, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "w.npz"
>>> save_weights(path, {"h1->y": np.array([0.5])}, {"spec": "demo"})
>>> arrays, metadata = load_weights(path)
>>> float(arrays["h1->y"][0]), metadata["spec"]
(0.5, 'demo')
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from types import ModuleType

import numpy as np

from .._util.files import write_atomic
from ..errors import DataError, GraphEngineError

SUFFIXES = (".safetensors", ".npz")
_METADATA_KEY = "__metadata__"  # npz: the metadata as one JSON string


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise GraphEngineError(
            f"a weights file ends in {' or '.join(SUFFIXES)}, not `{suffix or path.name}`", file=str(path)
        )
    return suffix


def _safetensors_numpy() -> ModuleType:
    try:
        import safetensors.numpy
    except ImportError:
        raise GraphEngineError(
            "`.safetensors` files need the safetensors package, a dependency of graphengine: pip install 'safetensors'"
        ) from None
    return safetensors.numpy


def save_weights(
    path: str | os.PathLike[str], arrays: dict[str, np.ndarray], metadata: dict[str, str] | None = None
) -> None:
    """Write ``arrays`` (name → array) and ``metadata`` to ``path`` atomically."""
    path = Path(path)
    metadata = {str(k): str(v) for k, v in (metadata or {}).items()}
    # np.ascontiguousarray would turn a 0-d array (a scalar parameter) into shape (1,).
    contiguous = {name: np.asarray(a).copy(order="C") for name, a in arrays.items()}
    if _suffix(path) == ".safetensors":
        data = _safetensors_numpy().save(contiguous, metadata=metadata or None)
    else:
        buffer = io.BytesIO()
        arrays = {**contiguous, _METADATA_KEY: np.array(json.dumps(metadata))}
        np.savez(buffer, **arrays)  # type: ignore[arg-type]  # numpy's stub matches **arrays to allow_pickle
        data = buffer.getvalue()
    write_atomic(path, data)


def load_weights(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read a weights file: (name → array, metadata). Raises :class:`DataError` naming the file."""
    path = Path(path)
    suffix = _suffix(path)
    from .._util.reading import MAX_DATA_BYTES, read_bytes, read_cap

    data = read_bytes(path, read_cap(MAX_DATA_BYTES), DataError)  # a regular file within the cap
    try:
        if suffix == ".safetensors":
            arrays = _safetensors_numpy().load(data)
            # safetensors' numpy API returns no metadata: it is the header's __metadata__ entry
            header_length = int.from_bytes(data[:8], "little")
            header = json.loads(data[8 : 8 + header_length])
            return arrays, dict(header.get(_METADATA_KEY) or {})
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files if name != _METADATA_KEY}
            metadata = json.loads(str(npz[_METADATA_KEY])) if _METADATA_KEY in npz.files else {}
        return arrays, metadata
    except GraphEngineError:
        raise
    except Exception as e:  # a truncated or foreign file: say so in one line
        raise DataError(f"not a readable {suffix} weights file ({type(e).__name__})", file=str(path)) from None
