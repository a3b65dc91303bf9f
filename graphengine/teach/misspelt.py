"""A misspelt quantity key with one meaning (``h2.uot`` is ``h2.out``): graded under it, with a note."""

from __future__ import annotations

import difflib
from collections.abc import Collection


def one_meaning(name: str, names: Collection[str]) -> str | None:
    """The one quantity a misspelt key means: the only name one swap of adjacent letters away
    (``h2.uot`` → ``h2.out``), else the only close name of the same length (difflib ratio ≥ 0.85);
    None otherwise."""
    swaps = [n for n in names if len(n) == len(name) and _one_swap(name, n)]
    if len(swaps) == 1:
        return str(swaps[0])
    if swaps:
        return None
    close = difflib.get_close_matches(name, [str(n) for n in names], n=2, cutoff=0.85)
    return close[0] if len(close) == 1 and len(close[0]) == len(name) else None


def _one_swap(a: str, b: str) -> bool:
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
