"""Trained weights of a big network in a sidecar file next to the spec: ``out.weights.safetensors``.

A trained spec of a million weights written as YAML numbers is tens of MB that take
seconds to write and longer to read. Above a threshold of parameters (10 000 by default)
:meth:`Network.save <graphengine.engine.network.Network.save>` writes the values as one float64
array (parameter-vector order) through :mod:`graphengine.engine.weights`, and the YAML names it::

    weights_file: {file: out.weights.safetensors, sha256: 3f1c…, parameters: 1000000}

The sidecar is written first, then the YAML (both atomically), and the YAML carries the
SHA-256 of the values and of the parameter names, so a YAML never silently reads a missing,
stale or foreign sidecar: loading one is one call and one located error line. Small
networks stay plain YAML a person can read.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DataError

if TYPE_CHECKING:
    from ..spec.schema import Spec
    from .plan import Plan

#: Networks with more parameters than this get a sidecar weights file.
DEFAULT_THRESHOLD = 10_000
SUFFIX = ".weights.safetensors"
_ARRAY = "parameters"


def sidecar_path(yaml_path: Path) -> Path:
    """``out.yaml`` → ``out.weights.safetensors`` (next to it)."""
    return yaml_path.with_name(yaml_path.name.rsplit(".", 1)[0] + SUFFIX)


def values_hash(theta: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(theta, dtype="<f8").tobytes()).hexdigest()


def names_hash(names: list[str]) -> str:
    """A fingerprint of the parameter order: a sidecar of another network never loads."""
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


def write_sidecar(yaml_path: Path, plan: Plan, theta: np.ndarray) -> dict[str, Any]:
    """Write the values next to ``yaml_path``; return the ``weights_file`` entry for the YAML."""
    from .weights import save_weights

    path = sidecar_path(yaml_path)
    values = np.ascontiguousarray(theta, dtype=np.float64)
    save_weights(path, {_ARRAY: values}, {"names_sha256": names_hash(plan.parameter_names)})
    return {"file": path.name, "sha256": values_hash(values), "parameters": len(values)}


def read_sidecar(spec: Spec, plan: Plan) -> np.ndarray:
    """The parameter values from the spec's ``weights_file``, checked against the spec."""
    from .weights import load_weights

    entry = spec.weights_file
    assert entry is not None
    from .._util.reading import referenced_path

    where = ("weights_file", "file")
    # the rule for every file a file names: below the spec's folder unless --allow-outside-data
    path, problem = referenced_path(spec.file, entry.file)
    if problem is not None:
        raise spec.error(DataError, problem, where)
    if not path.exists():  # a FIFO or a device is not missing: the reader refuses it in one line
        raise spec.error(DataError, f"the weights file `{entry.file}` is missing (looked for {path})", where)
    try:
        arrays, metadata = load_weights(path)
    except DataError as e:
        raise spec.error(DataError, f"`{entry.file}`: {e.message}", where) from None
    values = arrays.get(_ARRAY)
    if values is None or values.ndim != 1 or values.dtype != np.float64:
        raise spec.error(DataError, f"`{entry.file}` holds no float64 `{_ARRAY}` array", where)
    if len(values) != len(plan.parameter_names) or metadata.get("names_sha256") != names_hash(plan.parameter_names):
        raise spec.error(
            DataError,
            f"`{entry.file}` holds the weights of another network ({len(values):,} values; "
            f"this spec has {len(plan.parameter_names):,} parameters)",
            where,
        )
    if values_hash(values) != entry.sha256:
        raise spec.error(
            DataError,
            f"`{entry.file}` does not hold the values this spec was saved with (sha256 differs: "
            "rewritten by another save?)",
            ("weights_file", "sha256"),
        )
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):  # refused as everywhere else, whatever its sha256 says
        raise spec.error(
            DataError,
            f"`{entry.file}`: value {bad[0]} (`{plan.parameter_names[bad[0]]}`) is `{values[bad[0]]}`, "
            "not a finite number",
            where,
        )
    return values.copy()  # writable: training updates it in place
