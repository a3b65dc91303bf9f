"""The cyclic garbage collector paused while a big spec is read, validated and built.

A spec of 100k edges is a few million objects that all live on; the collector would walk them
again and again (a third to a half of the load time) and free nothing.

>>> import gc
>>> with gc_paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """The collector off inside, as it was before after (nested uses are fine)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


# Set while a command starts with the collector off (see startup_without_collector).
_STARTUP = [False]


@contextmanager
def startup_without_collector() -> Iterator[None]:
    """A command's start-up with the collector off: importing numpy, networkx and pydantic and
    building the spec models make long-lived objects only, which the collector would walk again
    and again (about a seventh of ``run``'s start-up) and free nothing. :func:`end_of_startup`
    (called once the command's network is loaded) turns it back on; so does leaving.

    >>> with startup_without_collector():
    ...     before = gc.isenabled()
    ...     end_of_startup()
    ...     after = gc.isenabled()
    >>> before, after, gc.isenabled()
    (False, True, True)
    """
    collecting = gc.isenabled()
    gc.disable()
    _STARTUP[0] = collecting
    try:
        yield
    finally:
        _STARTUP[0] = False
        if collecting:
            gc.enable()


def end_of_startup() -> None:
    """The collector back on if :func:`startup_without_collector` turned it off (once)."""
    if _STARTUP[0]:
        _STARTUP[0] = False
        gc.enable()
