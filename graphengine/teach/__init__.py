"""Teaching: judging a learner's written numbers (quantities, notation, hand files, written
arithmetic, verdicts, ``check``), the library of classic slips (``slips/``), reading written
pages (``audit/``) and exercises for a class (``exercise/``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._util.lazy import lazy_exports

__all__ = ["Quantities", "judge"]

if TYPE_CHECKING:
    from .check import judge
    from .quantities import Quantities

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Quantities": ".quantities",
        "judge": ".check",
    },
)
