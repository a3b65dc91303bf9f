"""Writing output files, in one place: what graphengine writes, and what it refuses to write.

- Atomically (a temp file, then rename): a reader never sees a partial file.
- Never through a symbolic link, and never onto something that is not a regular file (a FIFO,
  ``/dev/null``, a ``/proc/self/fd/1`` link): those are refused, not replaced.
- Never over a file the same run has read (its spec, page, model, hand file: see
  :func:`graphengine._util.reading.run_inputs`).
- A folder output (``-o DIR``) stays below ``DIR`` (no ``..``, no link out of it), and keeps a
  manifest of what it wrote, so that a second run does not replace work done since (a filled
  sheet) unless asked to (``force=True``, the command's ``--force``).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path

from ..errors import GraphEngineError
from .reading import _kind, is_input

#: The manifest a folder output keeps: relative name → sha256 of what graphengine wrote there.
MANIFEST = ".graphengine-written.json"


def check_target(path: str | os.PathLike[str]) -> None:
    """Refuse to replace ``path`` when it is a symbolic link, not a regular file, or a file
    this run reads (one line naming it)."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return  # a new file (the folder checks say what is wrong with its folder)
    except (OSError, ValueError) as e:
        raise GraphEngineError(f"cannot write: {getattr(e, 'strerror', None) or e}", file=str(path)) from None
    if stat.S_ISLNK(info.st_mode):
        raise GraphEngineError(
            "cannot write: it is a symbolic link; graphengine does not write through links (name the file itself)",
            file=str(path),
        )
    kind = _kind(info.st_mode)
    if kind is not None:
        raise GraphEngineError(f"cannot write: it is {kind}, not a regular file", file=str(path))
    if is_input(path):
        raise GraphEngineError(
            "cannot write: it is a file this command reads (an input); write to another file", file=str(path)
        )


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise a one-line :class:`GraphEngineError` when ``path`` clearly cannot be written:
    the name is empty, it is a folder, its folder does not exist (folders are never made
    silently) or is a file, or the folder is read-only. Commands call it before any work, so
    a failing output never comes after another one was written."""
    if not str(path).strip():
        raise GraphEngineError("cannot write: an empty file name")
    if "\0" in str(path):
        raise GraphEngineError("cannot write: not a usable file name", file=str(path).replace("\0", "\\0"))
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        raise GraphEngineError("cannot write: it is a folder, not a file", file=str(path))
    check_target(path)
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


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest(folder: Path) -> dict[str, str]:
    """What graphengine wrote in ``folder`` last time (name → sha256); {} when unknown."""
    path = folder / MANIFEST
    try:
        check_target(path)  # a regular file, not a link (so reading it cannot block)
        if not path.is_file() or path.stat().st_size > 16 * 1024 * 1024:
            return {}
        entries = json.loads(path.read_bytes())
    except (GraphEngineError, OSError, ValueError, RecursionError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {str(k): str(v) for k, v in entries.items()}


def _current(path: Path) -> str | None:
    """The sha256 of the regular file ``path`` as it is now (None when it is not there); the caller
    has checked with :func:`check_target` that it is a regular file, not a link. Not an input of
    the run: the file is read only to compare it with what was written."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 24):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise GraphEngineError(f"cannot read: {e.strerror or e}", file=str(path)) from None
    return digest.hexdigest()


def as_written(folder: Path, name: str) -> bool:
    """Is ``folder/name`` a regular file exactly as graphengine last wrote it there (its manifest's
    sha256)? A file a command may then remove as its own (``exercise`` moving its old answer key)."""
    target = Path(folder) / name
    try:
        check_target(target)
    except GraphEngineError:
        return False
    now = _current(target) if target.is_file() else None
    return now is not None and _manifest(Path(folder)).get(name) == now


def write_tree(folder: Path, files: dict[str, bytes], force: bool = False) -> None:
    """Write ``files`` (relative name → bytes) under ``folder``, each atomically: the output of a
    command asked for a folder (``-o DIR``). ``DIR`` and the subfolders of ``files`` are made (they
    are the output); the folder that holds ``DIR`` must exist, as for any output file.

    Nothing is written outside ``DIR``: no ``..``, no absolute name, no symbolic link on the
    way. A file already there is replaced only when it is what graphengine wrote last time
    (the manifest's sha256 matches), so work done since — a filled-in sheet — is never
    replaced unless ``force``. Everything is checked before the first file is written."""
    folder = Path(folder)
    if folder.is_symlink():
        raise GraphEngineError(
            "cannot write: the output folder is a symbolic link; name the folder itself", file=str(folder)
        )
    if folder.exists() and not folder.is_dir():
        raise GraphEngineError("cannot write: it is a file, not a folder", file=str(folder))
    if not folder.exists():
        check_writable(folder)  # its parent exists and can be written
    for name in files:
        if Path(name).is_absolute() or ".." in Path(name).parts or name == MANIFEST:
            raise GraphEngineError(f"cannot write `{name}`: outside the output folder", file=str(folder))
    previous = _manifest(folder)
    changed = []
    for name in files:
        step = folder
        for part in Path(name).parts[:-1]:
            step = step / part
            if step.is_symlink() or (step.exists() and not step.is_dir()):
                what = "a symbolic link" if step.is_symlink() else "a file"
                raise GraphEngineError(
                    f"cannot write `{name}`: `{step}` is {what}, not a folder inside the output folder",
                    file=str(folder),
                )
        target = folder / name
        check_target(target)
        now = _current(target)
        if now is not None and previous.get(name) != now:
            changed.append(name)
    if changed and not force:
        more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
        raise GraphEngineError(
            f"cannot write: `{changed[0]}`{more} already there and not as graphengine wrote it "
            "(changed since, or not ours); pass --force to replace, or write to another folder",
            file=str(folder),
        )
    try:
        for name in files:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise GraphEngineError(f"cannot write: {e.strerror or e}", file=str(folder)) from e
    for name in files:
        check_writable(folder / name)
    written = dict(previous)
    for name, data in files.items():
        write_atomic(folder / name, data)
        written[name] = _digest(data)
    write_atomic(folder / MANIFEST, json.dumps(written, indent=1, sort_keys=True) + "\n")
