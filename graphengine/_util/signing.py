"""Data paths signed by the user who wrote a trained spec: how a spec of yours reads data from anywhere.

A spec reads data only below its own folder (see :mod:`graphengine._util.reading`): a spec
from elsewhere cannot make graphengine read ``~/.ssh/id_rsa``. But ``train SPEC -o
/tmp/x/T.yaml`` writes a spec whose data file lies outside ``/tmp/x``, and the user's next
command, ``evaluate /tmp/x/T.yaml``, should work. So the trained spec names its data file by
its absolute path and carries a signature of that path::

    data: {csv: /home/ana/digits/data.csv, path_signature: 5be0…, ...}

The signature is an HMAC-SHA256 of the resolved path under a random key only this user can read
(``$XDG_CONFIG_HOME/graphengine/data-path.key``, else ``~/.config/graphengine/…``, mode 0600,
made on the first save that needs it). Reading verifies it: a spec you wrote reads its data from
any folder; a spec written by someone else (or on another machine, or edited to name another
file) carries no signature your key makes, and is refused as before. The key never leaves the
machine and signs nothing but data paths.

>>> import os, tempfile
>>> before = os.environ.get("XDG_CONFIG_HOME")
>>> os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()
>>> signature = sign_path("/data/digits.csv")
>>> path_signed(signature, "/data/digits.csv"), path_signed(signature, "/etc/shadow")
(True, False)
>>> _ = os.environ.pop("XDG_CONFIG_HOME") if before is None else os.environ.update(XDG_CONFIG_HOME=before)
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_NAME = "data-path.key"
_KEY_BYTES = 32
_PURPOSE = b"graphengine data path\0"  # the key signs nothing else


def key_file() -> Path:
    """Where this user's signing key lives."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "graphengine" / KEY_NAME


def _read_key() -> bytes | None:
    try:
        key = key_file().read_bytes()
    except OSError:
        return None
    return key if len(key) == _KEY_BYTES else None


def _make_key() -> bytes:
    """The key, made (owner-only, written once, never replaced) if there is none yet."""
    key = _read_key()
    if key is not None:
        return key
    path = key_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(_KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it meanwhile (or it is broken: then refuse to sign)
        existing = _read_key()
        if existing is None:
            raise OSError(f"{path} is not a graphengine key file; remove it to make a new one") from None
        return existing
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


def _mac(key: bytes, path: str | os.PathLike[str]) -> str:
    return hmac.new(key, _PURPOSE + os.fsencode(os.fspath(path)), hashlib.sha256).hexdigest()


def sign_path(path: str | os.PathLike[str]) -> str:
    """The signature of the absolute ``path`` under this user's key (the key is made if missing)."""
    return _mac(_make_key(), path)


def path_signed(signature: str | None, path: str | os.PathLike[str]) -> bool:
    """Whether ``signature`` is this user's signature of ``path`` (False without a key)."""
    key = _read_key()
    if not signature or key is None:
        return False
    return hmac.compare_digest(signature, _mac(key, path))
