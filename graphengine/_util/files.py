"""Writing output files: atomically (never a partial file) and after a writability check."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import GraphEngineError


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise a one-line :class:`GraphEngineError` when ``path`` clearly cannot be written:
    the name is empty, it is a folder, its folder does not exist (folders are never made
    silently) or is a file, or the folder is read-only. Commands call it before any work, so
    a failing output never comes after another one was written."""
    if not str(path).strip():
        raise GraphEngineError("cannot write: an empty file name")
    path = Path(path)
    if path.is_dir():
        raise GraphEngineError("cannot write: it is a folder, not a file", file=str(path))
    folder = path.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.is_dir() and existing != folder:
        raise GraphEngineError(f"cannot write: no such folder `{folder}` (make it first)", file=str(path))
    folder = existing
    if not folder.is_dir():
        raise GraphEngineError(f"cannot write: `{folder}` is a file, not a folder", file=str(path))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise GraphEngineError(f"cannot write: no permission to write in `{folder}`", file=str(path))


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write a file so that readers never see a partial one (a temp file, then rename).

    An operating-system failure (no such folder, no permission, disk full) becomes a
    one-line :class:`GraphEngineError` naming the file.
    """
    check_writable(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise GraphEngineError(f"cannot write: {e.strerror or e}", file=str(path)) from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise GraphEngineError(f"cannot write: {e.strerror or e}", file=str(path)) from e
        raise


def write_new(path: Path, text: str | bytes) -> None:
    """Write a file that must not exist yet, atomically: a starter file never replaces one
    the user already has (even one made between the check and the write).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_new(folder / "a.txt", "one")
    >>> write_new(folder / "a.txt", "two")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    graphengine.errors.GraphEngineError: ...a.txt: already exists; choose another name (nothing was written)
    """
    check_writable(path)
    if os.path.lexists(path):
        raise GraphEngineError("already exists; choose another name (nothing was written)", file=str(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
    except OSError as e:
        raise GraphEngineError(f"cannot write: {e.strerror or e}", file=str(path)) from e
    try:
        os.link(tmp, path)  # fails, instead of replacing, when the name was taken meanwhile
    except FileExistsError:
        raise GraphEngineError("already exists; choose another name (nothing was written)", file=str(path)) from None
    except OSError as e:
        raise GraphEngineError(f"cannot write: {e.strerror or e}", file=str(path)) from e
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_tree(folder: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` (relative name → bytes) under ``folder``, each atomically: the output of a
    command asked for a folder (``-o DIR``). ``DIR`` and the subfolders of ``files`` are made (they
    are the output); the folder that holds ``DIR`` must exist, as for any output file."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise GraphEngineError("cannot write: it is a file, not a folder", file=str(folder))
    if not folder.exists():
        check_writable(folder)  # its parent exists and can be written
    for name in files:
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise GraphEngineError(f"cannot write `{name}`: outside the output folder", file=str(folder))
    try:
        for name in files:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise GraphEngineError(f"cannot write: {e.strerror or e}", file=str(folder)) from e
    for name in files:
        check_writable(folder / name)
    for name, data in files.items():
        write_atomic(folder / name, data)
