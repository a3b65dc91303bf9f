"""Ctrl-C during training: the first press stops between steps, the second at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .._util.interrupts import is_default_interrupt_handler, note_interrupt

__all__ = ["deferred_interrupt"]


@contextmanager
def deferred_interrupt() -> Iterator[list[bool]]:
    """While training, Ctrl-C (SIGINT) only sets a flag that the loop reads after each batch, so
    it stops between steps and the epoch count matches the parameters; a second Ctrl-C interrupts
    at once. Outside the main thread, or when someone else handles SIGINT, nothing changes."""
    import signal
    import threading

    stop = [False]
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not is_default_interrupt_handler(previous):
        yield stop
        return

    def handler(signum: int, frame: Any) -> None:
        note_interrupt()  # the user's press: a KeyboardInterrupt now is not a plugin's error
        if stop[0]:
            raise KeyboardInterrupt
        stop[0] = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
