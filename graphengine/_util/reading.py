"""Reading input files, in one place: what graphengine reads, and what it refuses to read.

- Only regular files. A FIFO, a device (``/dev/zero``), a socket or a folder is refused
  with one line; the file is opened with ``O_NONBLOCK`` and checked with ``fstat`` before
  a byte is read, so a FIFO without a writer cannot block.
- At most :data:`MAX_SPEC_BYTES` for a spec or hand file and :data:`MAX_DATA_BYTES` for a
  data file (``GRAPHENGINE_MAX_READ_MB`` sets one cap for all of them); a file that grows
  past its cap while it is read is refused too.
- A data file a spec names (``data.csv``) is resolved relative to the spec's folder and
  must lie below it (after following symbolic links) unless the user allows it
  (``--allow-outside-data``, or :func:`outside_data_allowed` in Python), or the spec carries the
  user's own signature of that path (a spec they saved with ``train -o``; see
  :mod:`graphengine._util.signing`). A spec written by someone else therefore cannot make
  graphengine read ``~/.ssh/id_rsa`` or ``/etc/shadow``.

Errors are :class:`DataError` / :class:`SpecError` with the file; they never quote the
file's content.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DataError, GraphEngineError, KeyPath, SpecError, similar_file

if TYPE_CHECKING:
    from ..spec.schema import Spec

MB = 1024 * 1024
#: A spec or hand file: a 10-million-edge layered spec written out with its weights is ~230 MB.
MAX_SPEC_BYTES = 256 * MB
#: A data file (CSV): its cells become Python strings while parsed, several times its size.
MAX_DATA_BYTES = 1024 * MB
CAP_VARIABLE = "GRAPHENGINE_MAX_READ_MB"

_outside_allowed: ContextVar[bool] = ContextVar("graphengine_outside_data_allowed", default=False)
#: The files one command has read, as (device, inode): the writer (files.py) never replaces one.
_run_inputs: ContextVar[set[tuple[int, int]] | None] = ContextVar("graphengine_run_inputs", default=None)


@contextlib.contextmanager
def run_inputs() -> Iterator[set[tuple[int, int]]]:
    """While inside, every file read through this module is remembered as an input of the run,
    so that no output of the same run can replace it (:func:`is_input`)."""
    seen: set[tuple[int, int]] = set()
    token = _run_inputs.set(seen)
    try:
        yield seen
    finally:
        _run_inputs.reset(token)


def note_input(info: os.stat_result) -> None:
    """Remember a file (its ``stat``) as an input of the current run."""
    seen = _run_inputs.get()
    if seen is not None:
        seen.add((info.st_dev, info.st_ino))


def is_input(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` (followed through links) is a file the current run has read."""
    seen = _run_inputs.get()
    if not seen:
        return False
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return False
    return (info.st_dev, info.st_ino) in seen


def read_cap(default: int) -> int:
    """The size cap in bytes: ``GRAPHENGINE_MAX_READ_MB`` when set (a positive number), else ``default``."""
    text = os.environ.get(CAP_VARIABLE, "").strip()
    if not text:
        return default
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = -1.0
    if not (0 < megabytes < 1e9):
        raise GraphEngineError(f"{CAP_VARIABLE}={text!r} must be a positive number of megabytes, such as 512")
    return int(megabytes * MB)


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _open_regular(file: str, cap: int, error: type[GraphEngineError], missing: bool) -> int:
    """A file descriptor of the regular file ``file`` (at most ``cap`` bytes), opened without
    blocking; anything else is ``error`` naming the file."""
    try:
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        if missing:
            raise
        raise error("no such file" + similar_file(file), file=file) from None
    except IsADirectoryError:
        raise error("cannot read: it is a folder, not a regular file", file=file) from None
    except ValueError:  # a NUL character in the name
        if missing:
            raise
        raise error("not a usable file name", file=file.replace("\0", "\\0")) from None
    except OSError as e:
        raise error(f"cannot read: {e.strerror or e}", file=file) from None
    try:
        info = os.fstat(fd)
        kind = _kind(info.st_mode)
        if kind is not None:
            raise error(f"cannot read: it is {kind}, not a regular file", file=file)
        _check_size(info.st_size, cap, file, error)
        note_input(info)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes(
    path: str | os.PathLike[str], cap: int, error: type[GraphEngineError] = SpecError, missing: bool = False
) -> bytes:
    """The bytes of the regular file ``path``, at most ``cap`` of them, or ``error`` naming the file
    (``missing=True``: a missing file raises ``FileNotFoundError`` and a name with a NUL byte
    ``ValueError``, for callers with their own messages).

    >>> read_bytes("/dev/zero", 10)
    Traceback (most recent call last):
    ...
    graphengine.errors.SpecError: /dev/zero: cannot read: it is a device, not a regular file
    """
    file = str(path)
    fd = _open_regular(file, cap, error, missing)
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            chunk = os.read(fd, min(16 * MB, cap + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            _check_size(total, cap, file, error)  # it grew while we read it
    except OSError as e:
        raise error(f"cannot read: {e.strerror or e}", file=file) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def check_readable(
    path: str | os.PathLike[str], cap: int | None = None, error: type[GraphEngineError] = SpecError
) -> None:
    """Refuse ``path`` as :func:`read_bytes` would (missing, not a regular file, over the cap)
    without reading it: for readers that open the file themselves (a hand file)."""
    os.close(_open_regular(str(path), read_cap(MAX_SPEC_BYTES) if cap is None else cap, error, False))


def _check_size(size: int, cap: int, file: str, error: type[GraphEngineError]) -> None:
    if size > cap:
        raise error(
            f"the file is larger than {cap / MB:,.0f} MB, the most graphengine reads "
            f"(set {CAP_VARIABLE} to allow more)",
            file=file,
        )


def read_text(
    path: str | os.PathLike[str],
    cap: int | None = None,
    error: type[GraphEngineError] = SpecError,
    what: str = "",
    bom: bool = False,
) -> str:
    """A text file the user names (spec, hand file, sheet, key, student list, page) as UTF-8 text,
    through :func:`read_bytes`: one line naming the file and the line of the first byte that
    is not UTF-8. ``what`` names the file in the "no such file" message (``the class key``);
    ``bom=True`` drops a leading byte-order mark.

    >>> read_text("/dev/null")
    Traceback (most recent call last):
    ...
    graphengine.errors.SpecError: /dev/null: cannot read: it is a device, not a regular file
    """
    file = str(path)
    try:
        data = read_bytes(path, read_cap(MAX_SPEC_BYTES) if cap is None else cap, error, missing=bool(what))
    except FileNotFoundError:
        raise error(f"no such file ({what})" + similar_file(file), file=file) from None
    except ValueError:
        raise error("not a usable file name", file=file.replace("\0", "\\0")) from None
    try:
        return data.decode("utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise error(
            f"not UTF-8 text ({e.reason} at byte {e.start}); save the file as UTF-8", file=file, line=line
        ) from None


def open_data_text(path: Path) -> io.TextIOBase:
    """A data file (CSV) as a text stream (UTF-8, a leading byte-order mark dropped), read
    through :func:`read_bytes` with the data cap. Decoding errors surface while reading, as
    ``UnicodeDecodeError``, and a missing file as ``FileNotFoundError``, like a plain ``open()``."""
    data = read_bytes(path, read_cap(MAX_DATA_BYTES), DataError, missing=True)
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")


# ---------------------------------------------------------------------- data paths named in a spec


@contextlib.contextmanager
def outside_data_allowed(allowed: bool = True) -> Iterator[None]:
    """While inside, a spec may name data files outside its own folder (``--allow-outside-data``).

    >>> from types import SimpleNamespace
    >>> with outside_data_allowed():
    ...     data_path(SimpleNamespace(file="/tmp/spec.yaml"), "/etc/hostname").as_posix()
    '/etc/hostname'
    """
    token = _outside_allowed.set(allowed)
    try:
        yield
    finally:
        _outside_allowed.reset(token)


def outside_allowed() -> bool:
    """Whether the user passed ``--allow-outside-data`` (see :func:`outside_data_allowed`)."""
    return _outside_allowed.get()


def referenced_path(referrer: str | os.PathLike[str] | None, name: str) -> tuple[Path, str | None]:
    """The file ``name`` that a file (``referrer``: a spec, an ONNX model) names, resolved relative
    to the referrer's folder, and what is wrong with it: ``None`` when it lies below that folder
    (after following symbolic links) or the user allows outside files, else a sentence saying so.
    The one rule for every reference inside a file: data files, sidecars, ONNX external data.

    >>> print(referenced_path("/srv/m/model.onnx", "../x.bin")[1])
    `../x.bin` is outside the folder `/srv/m`; a file reads only below its own folder (pass --allow-outside-data to allow it)
    """
    folder = Path(referrer).parent if referrer else Path.cwd()
    path = folder / name
    if _outside_allowed.get() or "\0" in name:
        return path, None  # a NUL: no such file can exist; opening it gives the one-line error
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):  # a symlink loop
        inside = False
    if inside:
        return path, None
    shown = "the working folder" if not referrer else f"the folder `{folder}`"
    return path, (
        f"`{name}` is outside {shown}; a file reads only below its own folder (pass --allow-outside-data to allow it)"
    )


def data_path(spec: Spec, name: str, where: KeyPath = ("data", "csv"), signature: str | None = None) -> Path:
    """The data file ``name`` that ``spec`` (a :class:`~graphengine.spec.load.Spec`) names at ``where``,
    resolved relative to the spec's folder (the working folder for a spec without a file); a
    :class:`DataError` at that key when it lies outside the folder, the user has not allowed it
    and ``signature`` (the spec's ``path_signature``) is not the user's own signature of it."""
    spec_file = spec.file
    folder = Path(spec_file).parent if spec_file else Path.cwd()
    path = folder / name
    if _outside_allowed.get():
        return path
    if "\0" in name:
        return path  # no such file can exist; opening it gives the one-line error
    try:
        resolved = path.resolve()
        inside = resolved.is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        resolved, inside = None, False
    if not inside:
        from .signing import path_signed

        if resolved is not None and path_signed(signature, resolved):
            return path  # a spec this user saved (train -o) names its own data file
        shown = "the working folder" if not spec_file else f"the spec's folder `{folder}`"
        why = (
            "; its path_signature is not one of yours (the spec was written by another user, on another "
            "machine, or edited)"
            if signature
            else ""
        )
        raise spec.error(
            DataError,
            f"`{name}` is outside {shown}; a spec reads data only below its own folder{why} "
            "(pass --allow-outside-data to allow it)",
            where,
        )
    return path
