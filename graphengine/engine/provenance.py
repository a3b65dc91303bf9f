"""Where a trained spec finds its data: the data reference :meth:`Network.save` writes.

A data file below the folder the trained spec is written to is named relative to it (the
folder can move as a whole). One outside it is named by its absolute path and signed with
the user's key (:mod:`graphengine._util.signing`), so ``train specs/digits.yaml -o
/tmp/x/T.yaml`` followed by ``evaluate /tmp/x/T.yaml`` reads ``specs/data/digits.csv`` from
any folder, for that user only: another user's graphengine refuses the path as it refuses any
spec naming a file outside its folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._util.signing import sign_path
from ..spec.schema import Spec

_FILE_KEYS = ("csv", "file")


def data_reference(spec: Spec, data: dict[str, Any], output: Path) -> dict[str, Any]:
    """``data`` (the spec's ``data:`` mapping) with its file named for a spec written to ``output``."""
    data = dict(data)
    data.pop("path_signature", None)  # a new one is made below if the file is still outside
    key = next((k for k in _FILE_KEYS if isinstance(data.get(k), str)), None)
    if key is None:
        return data
    source = Path(spec.file).parent / data[key] if spec.file else Path(data[key])
    target = source.resolve()
    folder = output.resolve().parent
    if target.is_relative_to(folder):
        data[key] = target.relative_to(folder).as_posix()
        return data
    data[key] = str(target)
    data["path_signature"] = sign_path(target)
    return data
