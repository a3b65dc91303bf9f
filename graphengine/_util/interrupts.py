"""Whose Ctrl-C is it? A ``KeyboardInterrupt`` raised by plugin code is the plugin's error
(one line naming it, exit status 2); the user's own Ctrl-C still interrupts (exit status 130).

The CLI installs :func:`count_interrupt` as the SIGINT handler (:func:`watch_interrupts`), so
every real press is counted; code that runs a plugin compares the count before and after.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# The user's Ctrl-C presses seen while a guarded call runs; a KeyboardInterrupt with no press
# behind it was raised by the plugin itself. Counted only under watch_interrupts() (the CLI).
_presses = [0]
_watching = [False]


def count_interrupt(signum: int, frame: Any) -> None:
    """The SIGINT handler the CLI installs: count the press, then interrupt as Python would."""
    _presses[0] += 1
    raise KeyboardInterrupt


def interrupt_presses() -> int:
    """How many Ctrl-C presses were seen so far (to compare before and after plugin code runs)."""
    return _presses[0]


def note_interrupt() -> None:
    """Another SIGINT handler (training's) saw the user press Ctrl-C."""
    _presses[0] += 1


@contextmanager
def watch_interrupts() -> Iterator[None]:
    """While inside, a ``KeyboardInterrupt`` that no Ctrl-C caused counts as the plugin's error."""
    if threading.current_thread() is not threading.main_thread() or (
        signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    signal.signal(signal.SIGINT, count_interrupt)
    _watching[0] = True
    try:
        yield
    finally:
        _watching[0] = False
        signal.signal(signal.SIGINT, signal.default_int_handler)


def is_default_interrupt_handler(handler: Any) -> bool:
    """Whether ``handler`` is Python's own SIGINT handler or the CLI's counting one."""
    return handler is signal.default_int_handler or handler is count_interrupt


def raised_by_plugin(e: BaseException, presses_before: int) -> bool:
    """Whether plugin code raised ``e`` itself (not the user's Ctrl-C arriving during the call)."""
    if isinstance(e, KeyboardInterrupt):
        return _watching[0] and _presses[0] == presses_before
    return isinstance(e, (Exception, SystemExit))
