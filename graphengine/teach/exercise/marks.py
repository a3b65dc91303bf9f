"""The records grading makes: a :class:`Mark` per blank (right, or wrong with a slip code and a
note) and a :class:`Sheet` per student (its marks, the marks it earns, its problems).

A mark is earned as an examiner gives it (:attr:`Sheet.earned`): a right value, a value that
follows from the learner's own by rounding, and — with follow-through, the default — a step
done right on an earlier mistake (``carried``, "error carried forward").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

UNANSWERED = "unanswered"
UNREADABLE = "unreadable"  # a line grade could not read: named, the rest of the sheet graded


@dataclass(frozen=True)
class Mark:
    """One written value judged: right, or wrong with a slip code and a note."""

    quantity: str
    written: str | None  # as written; None when left blank
    exact: float | None
    right: bool
    reason: str = ""  # a slip code (`sign`, `rounding`, …), `unanswered`, or "" when right
    note: str = ""
    own: float | None = None  # what the learner's own written values give, when that differs from exact
    letter: str = ""
    because_of: tuple[str, ...] = ()  # for `carried`: the root mistakes (canonical quantities)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"quantity": self.quantity, "letter": self.letter, "written": self.written}
        data |= {"exact": self.exact, "right": self.right, "reason": self.reason, "note": self.note}
        if self.because_of:
            data["because_of"] = list(self.because_of)
        return data


@dataclass
class Sheet:
    """One graded sheet."""

    student: str
    path: str
    spec: str
    marks: list[Mark] = field(default_factory=list)
    error: str = ""  # the sheet could not be read (one line); it is then not graded
    problems: list[str] = field(default_factory=list)  # lines not read; the rest is graded
    follow_through: bool = True  # `carried` earns its mark (--no-follow-through: it does not)

    @property
    def right(self) -> int:
        return sum(m.right for m in self.marks)

    @property
    def unanswered(self) -> int:
        return sum(m.reason == UNANSWERED for m in self.marks)

    @property
    def wrong(self) -> int:
        return len(self.marks) - self.right - self.unanswered

    @property
    def earned(self) -> int:
        """Marks earned as an examiner gives them: a right value; a value that follows from the
        learner's own written ones by rounding; with follow-through (the default) a `carried` value,
        the step itself done right on an earlier mistake ("error carried forward")."""
        credited = {"rounding", "carried"} if self.follow_through else {"rounding"}
        return sum(m.right or m.reason in credited for m in self.marks)

    @property
    def score(self) -> float:
        return self.earned / len(self.marks) if self.marks else 0.0

    def slips(self) -> Counter[str]:
        return Counter(m.reason for m in self.marks if not m.right and m.reason != UNANSWERED)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"student": self.student, "sheet": self.path, "spec": self.spec}
        if self.error:
            return data | {"error": self.error}
        data |= {"asked": len(self.marks), "right": self.right, "wrong": self.wrong, "unanswered": self.unanswered}
        if self.problems:
            data["problems"] = self.problems
        return data | {
            "earned": self.earned,
            "score": self.score,
            "slips": dict(sorted(self.slips().items())),
            "marks": [m.to_dict() for m in self.marks],
        }
