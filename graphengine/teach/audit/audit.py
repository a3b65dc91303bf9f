"""Audit a written worked example: every value on the page, judged as ``check`` judges it.

The page's chains of equalities (:mod:`graphengine.teach.audit.scan`) are recognised as
quantities (:mod:`graphengine.teach.audit.recognise`), their arithmetic converted to the form
``check`` reads (:func:`graphengine.teach.latex_math.check_form`), and the whole page judged as
one sheet (:func:`graphengine.teach.check.judge`): right, ``rounding``, ``carried`` or a slip
code, with the page's line. A quantity written twice is judged twice, each time with the
page's other values. Parameters, inputs, targets and the learning rate that the page
states (``w_5 = 0.4``, ``\\eta = 0.5``) are compared with the spec. What is not
recognised is listed with the reason, never guessed and marked wrong.

>>> import graphengine
>>> from graphengine.teach.audit.scan import read_chains
>>> net = graphengine.load("specs/doc_example.yaml")
>>> page = read_chains("$$\\\\text{net}_{h2} = 0.25 \\\\times 0.10 + 0.30 \\\\times 0.05 + 0.35 = 0.39$$")
>>> [(r.quantity, r.verdict.reason) for r in audit(net, net.trace(), page).rows]
[('h2.net', 'swapped')]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from ...engine.network import Network
from ...engine.trace import Trace
from ...errors import SpecError
from ..arithmetic import parse as parse_arithmetic
from ..check import judge
from ..claims import rounded, truncated
from ..hand import Written
from ..latex_math import check_form, symbols
from ..quantities import Quantities
from ..verdict import Verdict, row_dict, written_value
from .defined import defined_verdict, from_page, through_page
from .inner import IN_DERIVATIVE, SQUARED, outs_in_derivatives, squared_errors
from .learned import page_notation
from .names import Named, brief, shown
from .recognise import Recognised, Recogniser
from .scan import Chain, Page, WrittenNumber
from .steps import TRUNCATED, Step, check_steps, exact_key, truncation_note
from .used import NAMED_BY_USE, named_by_use


@dataclass
class Given:
    """A value the spec gives (a weight, an input, a target, η), as the page states it."""

    name: str
    quantity: str  # `w5`, `target.o1`, `learning_rate`
    written: Written
    exact: float
    right: bool
    reason: str = ""
    note: str = ""
    because_of: list[str] = field(default_factory=list)

    @property
    def mistake(self) -> bool:
        return not self.right

    def to_dict(self) -> dict[str, Any]:
        data = row_dict(self.name, self.quantity, self.written, self.exact, self.right)
        if not self.right:
            data["reason"], data["note"] = self.reason, self.note
        return data


@dataclass
class Row:
    line: int
    text: str  # what the page writes: `h_2 = 0.39`
    quantity: str
    number: WrittenNumber
    verdict: Verdict | Given | Step
    how: str  # notation, arithmetic, value
    because_of_lines: list[int] = field(default_factory=list)  # where the root mistakes are written
    span: tuple[int, int] = (0, 0)  # offsets of the whole chain the number ends or continues
    operands: tuple[int, ...] = ()  # start offsets of every number of that chain (its arithmetic's too)

    def to_dict(self) -> dict[str, Any]:
        data = {**self.verdict.to_dict(), "line": self.line, "text": self.text, "recognised_by": self.how}
        for key in ("written_text", "note"):  # a 100,000-digit number is not echoed in full
            if key in data:
                data[key] = brief(data[key])
        if self.because_of_lines:
            data["because_of_lines"] = self.because_of_lines
        return data


@dataclass
class Unrecognised:
    line: int
    text: str
    why: str


@dataclass
class Audit:
    file: str
    sample: int
    rows: list[Row]
    unrecognised: list[Unrecognised]
    problems: list[tuple[int, str]]  # (line, what is malformed)

    @property
    def mistakes(self) -> list[Row]:
        return [r for r in self.rows if r.verdict.mistake]

    @property
    def wrong(self) -> list[Row]:
        return [r for r in self.rows if not r.verdict.right]


def _written(quantity: str, chain: Chain, number: WrittenNumber, line: int) -> Written:
    """The value as ``check`` reads it: the arithmetic before the number, ``= number``."""
    index = next(k for k, side in enumerate(chain.sides) if side.number() == number)
    before = [s.tree for s in chain.sides[:index] if s.tree is not None and s.number() is None]
    arithmetic = [t for t in before if not symbols(t)]
    text = check_form(arithmetic[-1]) if arithmetic else None
    if text is not None:
        try:
            return written_value(quantity, parse_arithmetic(f"{text} = {number.text}"), line)
        except SpecError:
            pass  # too long or beyond check's grammar: the number alone is still judged
    return written_value(quantity, number.text, line)


def audit(net: Network, trace: Trace, page: Page, sample: int = 0) -> Audit:
    """Recognise and judge every value on ``page`` (see the module docstring). A matrix with
    one row per sample (a batch written at once) has each row judged with its own sample."""
    batch = _batch_rows(page, int(trace.n_samples))
    if batch:
        mine = [c for c in page.chains if batch.get(id(c), sample) == sample]
        result = _audit_sample(net, trace, replace(page, chains=mine), sample)
        for other in sorted(set(batch.values()) - {sample}):
            chains = [c for c in page.chains if batch.get(id(c)) == other]
            part = _audit_sample(net, trace, replace(page, chains=chains, loose=[], problems=[]), other)
            result.rows += part.rows
            result.unrecognised += part.unrecognised
        result.rows.sort(key=lambda r: (r.line, r.number.start))
        result.unrecognised.sort(key=lambda u: u.line)
        return result
    return _audit_sample(net, trace, page, sample)


def _batch_rows(page: Page, samples: int) -> dict[int, int]:
    """The sample of each chain that is an element of a matrix with one row per sample."""
    if samples < 2:
        return {}
    return {id(c): c.element[0] for c in page.chains if c.element is not None and c.element[2] == samples}


def _audit_sample(net: Network, trace: Trace, page: Page, sample: int) -> Audit:
    Q = Quantities(net, trace, sample)
    recogniser = Recogniser(Q)
    recogniser.names.aliases = page_notation(page, Q.graph, recogniser.names)
    found: list[tuple[Recognised, WrittenNumber, int]] = []
    unrecognised: list[Unrecognised] = []
    pending: list[tuple[int, str, str, WrittenNumber, bool]] = []  # (line, text, why, number, named?)
    for chain in page.chains:
        values = [n for n in (side.number() for side in chain.sides) if n is not None]
        if not values:
            continue  # a formula, not a value
        result = recogniser.recognise(chain)
        for number in values:
            line = page.line(number.start)
            text = brief(f"{shown(result.lhs) or '…'} = {number.text}")
            named = bool(chain.lhs) and not (chain.sides and chain.sides[0].tokens == chain.lhs)
            if result.quantity is not None and result.quantity in Q.ambiguous:
                pending.append((line, text, f"`{result.quantity}` means two things in this network", number, named))
            elif result.quantity is None and result.given is None:
                if all(side.number() is not None and "." not in side.number().text for side in chain.sides):  # type: ignore[union-attr]
                    continue  # `k = 3`: a count or an index, not a value of the step
                pending.append((line, text, result.why_not or "not a quantity of this network", number, named))
            else:
                found.append((result, number, line))
    for chain, error_of, number in squared_errors(page.chains, Q):
        # ½ × (−0.747)²: the error inside an output's loss term, a value of its own
        error = Recognised(chain, "", error_of, how=SQUARED)
        found.append((error, number, page.line(number.start)))
    for chain, out in outs_in_derivatives(page.chains, recogniser.names):
        stated = chain.final()  # `y(1 − y) = 0.7391(1 − 0.7391)`: 0.7391 is the page's y
        if stated is not None:
            found.append((Recognised(chain, "", out, how=IN_DERIVATIVE), stated, page.line(stated.start)))
    for chain, gradient in named_by_use(page, Q):
        stated = chain.final()  # `the product of the three: 0.04969`, then `0.1 × 0.04969`
        if stated is not None:
            found.append((Recognised(chain, "", gradient, how=NAMED_BY_USE), stated, page.line(stated.start)))
    defined = recogniser.defined
    judged = {number.start for result, number, _ in found if result.quantity not in defined}
    stepped: list[tuple[WrittenNumber, Step]] = []
    stepped_wrong: set[int] = set()  # chains with a wrong intermediate number (a step row)
    off: set[int] = set()  # judged numbers their own chain's side before does not give
    exact = _exact_values(Q, defined)
    for chain in page.chains:
        steps, _ = check_steps(chain, judged, recogniser.value_of, exact, off)
        stepped += steps
        if any(not step.right for _, step in steps):
            stepped_wrong.add(id(chain))
    by_step = {number.start for number, _ in stepped}
    # a name that says nothing known stays listed, even when its arithmetic is checked as a step
    unrecognised += [
        Unrecognised(line, text, why) for line, text, why, n, named in pending if named or n.start not in by_step
    ]
    for loose in page.loose:
        listed = brief(", ".join(t.text for t in loose.numbers))
        unrecognised.append(Unrecognised(page.line(loose.numbers[0].start), listed, "not part of an equation"))

    sheet: dict[str, Written] = {}
    again: list[tuple[int, str, Written]] = []  # (index in found, quantity, written) of repeats
    for k, (result, number, line) in enumerate(found):
        if result.quantity is None or result.quantity in defined:
            continue
        w = _exactly(_written(result.quantity, result.chain, number, line), Q.exact(result.quantity))
        if result.quantity in sheet:
            again.append((k, result.quantity, w))
        else:
            sheet[result.quantity] = w
    verdicts: dict[int, Verdict | Given | Step] = {}
    if sheet:
        by_quantity = {v.quantity: v for v in judge(net, trace, sheet, sample, page.file)}
        for k, (result, _, _) in enumerate(found):
            if result.quantity in by_quantity and k not in {a[0] for a in again}:
                verdicts[k] = by_quantity[result.quantity]
    for k, q, w in again:
        other = {**sheet, q: w}
        verdicts[k] = next(v for v in judge(net, trace, other, sample, page.file) if v.quantity == q)
    for k, (result, number, line) in enumerate(found):
        verdict = verdicts.get(k)
        if (
            isinstance(verdict, Verdict)
            and not verdict.right
            and (id(result.chain) in stepped_wrong or number.start in off)
            and (quantity := result.quantity) is not None
            and sheet.get(quantity) is not None
        ):
            # the arithmetic before a number may hold an earlier step's slip (checked by
            # steps); a number that is itself the exact value is right
            alone = {**sheet, quantity: written_value(quantity, number.text, line)}
            again_verdict = next(v for v in judge(net, trace, alone, sample, page.file) if v.quantity == quantity)
            if again_verdict.right:
                verdicts[k] = again_verdict
        elif (
            isinstance(verdict, Verdict)
            and verdict.right
            and number.start in off
            and (quantity := result.quantity) is not None
            and sheet.get(quantity) is not None
            and result.chain.final() == number
        ):
            # `= (0.3 * 0.802184) + (0.4 * 0.80998) = 1`: right arithmetic, then a result that
            # does not follow from it (steps say so): the written result is judged alone
            alone = {**sheet, quantity: written_value(quantity, number.text, line)}
            again_verdict = next(v for v in judge(net, trace, alone, sample, page.file) if v.quantity == quantity)
            if not again_verdict.right:
                before = sheet[quantity]
                gives = f"{before.expression.computed:.6g}" if before.expression is not None else "another value"
                note = f"its own arithmetic gives {gives}, not {number.text}"
                verdicts[k] = replace(again_verdict, reason="arithmetic", reasons=["arithmetic"], note=note)
    for k, (result, number, line) in enumerate(found):
        if result.given is not None:
            verdicts[k] = _given(Q, result.given, written_value(result.lhs, number.text, line), result.lhs)
    for k, verdict in verdicts.items():
        if isinstance(verdict, Verdict):
            verdicts[k] = _cut(verdict)
    step_of = {number.start: step for number, step in stepped}
    for k, (result, number, _) in enumerate(found):
        if result.quantity in defined:
            mine = {q: (v, recogniser.units.get(q, 0.0)) for q, v in recogniser.written.items() if q != result.quantity}
            page_value = from_page(result.quantity, Q, mine)
            carried = through_page(result.quantity, Q, mine)
            # an error inside ½(N)² is judged as itself: a step through it judges its chain
            step = step_of.get(number.start) if result.how != SQUARED else None
            verdicts[k] = defined_verdict(result.quantity, number, defined[result.quantity], step, page_value, carried)
    rows = [
        Row(
            line,
            brief(f"{shown(result.lhs) or '…'} = {number.text}"),
            verdicts[k].quantity,
            number,
            verdicts[k],
            result.how,
            span=_span(result.chain),
            operands=_operands(result.chain),
        )
        for k, (result, number, line) in enumerate(found)
        if k in verdicts
    ]
    with_rows = {row.number.start for row in rows}
    owners = {n.start: c for c in page.chains for n in (side.number() for side in c.sides) if n is not None}
    rows += [
        Row(
            page.line(number.start),
            brief(f"{step.name} = {number.text}"),
            step.quantity,
            number,
            step,
            "steps",
            operands=_operands(owners[number.start]) if number.start in owners else (),
        )
        for number, step in stepped
        if number.start not in with_rows
    ]
    rows.sort(key=lambda r: (r.line, r.number.start))
    _repeats_not_cut(rows)
    first_line: dict[str, int] = {}
    for row in rows:
        first_line.setdefault(row.quantity, row.line)
    for row in rows:
        row.because_of_lines = [first_line[q] for q in row.verdict.because_of if q in first_line]
    unrecognised.sort(key=lambda u: u.line)
    problems = [(page.line(offset), message) for offset, message in page.problems]
    return Audit(page.file, sample, rows, unrecognised, problems)


def _cut(verdict: Verdict) -> Verdict:
    """A right value cut at its last digit instead of rounded, from the exact value and from
    the page's own numbers (its written arithmetic, its earlier values): ``truncated``."""
    w = verdict.written
    if not verdict.right or not w.unit:
        return verdict
    values = [verdict.exact]
    if verdict.recomputed is not None:
        values.append(verdict.recomputed)
    if w.expression is not None and math.isfinite(w.expression.computed):
        values.append(w.expression.computed)
    if not truncated(w.value, w.unit, *values):
        return verdict
    number = WrittenNumber(w.shown, w.value, w.unit, 0, 0)
    note = truncation_note(number, verdict.exact)
    return replace(verdict, right=False, reason=TRUNCATED, reasons=[TRUNCATED], note=note)


def _repeats_not_cut(rows: list[Row]) -> None:
    """A ``truncated`` value that the page wrote for the same quantity before (its 0.098
    again) is the page's own value repeated, not a new cut: right (``rows`` in page order)."""
    earlier: dict[str, list[tuple[float, int]]] = {}
    for row in rows:
        if row.quantity == "arithmetic":
            continue
        number = row.number
        if row.verdict.reason == TRUNCATED:
            before = next(
                (line for v, line in earlier.get(row.quantity, []) if rounded(number.value, number.unit, v)), None
            )
            if before is not None:
                note = f"the page's value from line {before}"
                if isinstance(row.verdict, Verdict):
                    row.verdict = replace(row.verdict, right=True, reason="", reasons=[], note=note)
                elif isinstance(row.verdict, Step):
                    row.verdict = replace(row.verdict, right=True, reason="", note=note)
        earlier.setdefault(row.quantity, []).append((number.value, row.line))


def _span(chain: Chain) -> tuple[int, int]:
    tokens = chain.lhs + [t for side in chain.sides for t in side.tokens]
    return (min(t.start for t in tokens), max(t.end for t in tokens)) if tokens else (0, 0)


EXACTLY = 1e-12
"""A written number within this fraction of its quantity's exact value is that value: it
carries no rounding into what follows from it (``1.45`` for a net of exactly 1.45)."""


def _exactly(w: Written, exact: float) -> Written:
    """``w`` with no rounding claimed when it is the exact value (see :data:`EXACTLY`)."""
    tight = EXACTLY * max(1.0, abs(exact))
    if w.unit > tight and abs(w.value - exact) <= tight:
        return replace(w, unit=tight)
    return w


def _exact_values(Q: Quantities, defined: dict[str, float]) -> set[float]:
    """Every exact value of the network (givens, quantities, defined ones), keyed for steps."""
    values = [*Q.values.values(), Q.learning_rate, *Q.targets[Q.sample], *defined.values()]
    values += [Q.exact(q) for q in Q.order]
    return {exact_key(v) for v in values if math.isfinite(v)}


def _operands(chain: Chain) -> tuple[int, ...]:
    tokens = chain.lhs + [t for side in chain.sides for t in side.tokens]
    return tuple(t.start for t in tokens if t.kind == "num")


def _given(Q: Quantities, named: Named, w: Written, lhs: str) -> Given:
    """A stated parameter, input, target or learning rate, against the spec."""
    if named.kind == "param":
        quantity, exact, what = named.name, Q.values[named.name], f"{named.name} = {Q.values[named.name]:g}"
    elif named.kind == "input":
        quantity = f"{named.name}.out"
        exact = Q.exact(quantity)
        what = f"input {named.name} = {exact:g} (sample {Q.sample})"
    elif named.kind == "target":
        k = Q.outputs.index(named.name)
        quantity, exact = f"target.{named.name}", float(Q.targets[Q.sample, k])
        what = f"target {named.name} = {exact:g} (sample {Q.sample})"
    else:
        quantity, exact, what = "learning_rate", Q.learning_rate, f"learning rate {Q.learning_rate:g}"
    right = abs(w.value - exact) <= w.unit * (1 + 1e-9) + 1e-15
    given = Given(lhs, quantity, w, exact, right)
    if not right:
        given.reason, given.note = "not-the-spec", f"the page says {w.text}, the spec has {what}"
    return given


MOST_DECIMALS = 12
"""The most decimals an exact value is shown with beside a page's number (a float has ~16 digits)."""


def verdict_word(verdict: Verdict | Given | Step) -> str:
    """``right``, ``rounding``, ``carried``, or the slip code."""
    return "right" if verdict.right else verdict.reason or "wrong"


def annotate(page: Page, result: Audit, tex: bool = False) -> str:
    """The page with every value that is not right boxed and its exact value beside it."""
    text = page.text
    for row in sorted(result.wrong, key=lambda r: r.number.start, reverse=True):
        number = row.number
        decimals = min(max(0, -math.floor(math.log10(number.unit))) + 2, MOST_DECIMALS)
        exact = f"{row.verdict.exact:.{decimals}f}"
        written = page.text[number.start : number.end]  # as the page writes it: `8.77 \times 10^{-3}` too
        word = verdict_word(row.verdict)
        mark = "wrong:" if tex else "✗"
        if not row.verdict.mistake:  # rounding, truncated: noted, no mistake
            mark = "" if tex else "≈"
        label = f"{mark} {word}".strip()
        note = f"\\boxed{{{written}}}\\ \\text{{[{label}, exact {exact}]}}"
        text = text[: number.start] + note + text[number.end :]
    return text


def to_json(result: Audit) -> dict[str, Any]:
    """The shape of ``graphengine audit --json``: check's rows plus ``line`` and ``text``."""
    return {
        "file": result.file,
        "sample": result.sample,
        "checked": len(result.rows),
        "mistakes": len(result.mistakes),
        "wrong": [r.to_dict() for r in result.wrong],
        "results": [r.to_dict() for r in result.rows],
        "not_recognised": [{"line": u.line, "text": u.text, "why": u.why} for u in result.unrecognised],
        "problems": [{"line": line, "message": message} for line, message in result.problems],
    }
