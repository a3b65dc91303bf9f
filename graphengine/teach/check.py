"""Judge hand-computed values: right, rounding, carried from an earlier mistake, or a named slip.

Python API (stable; ``audit`` and ``grade`` build on it)::

    from graphengine.teach.check import judge
    verdicts = judge(net, trace, {"h2.net": written, "grad.w5": 0.0822}, sample=0)
    [v.to_dict() for v in verdicts]   # name, quantity, written, exact, right, reason, because_of, note

``judge(net, trace, values, sample=0, file=None)`` takes the network, its trace and a mapping from a
quantity name (canonical or any notation of :mod:`graphengine.teach.notation`) to what the learner wrote:
a :class:`~graphengine.teach.hand.Written` (keeps digits, line and arithmetic), an
:class:`~graphengine.teach.arithmetic.Expression`, a number, or the number's text (``"0.5930"`` claims
four decimals; a float is taken with its shortest repr's digits), each optionally as ``(value, line)``.
``written_value(name, value, line)`` builds a :class:`Written` keeping the line a reader found it on
(``Verdict.written.line`` gives it back; errors name it). ``check(net, trace, hand_file)`` does the same
for a :class:`~graphengine.teach.hand.HandFile`. ``Verdict.mistake`` is true for a real mistake (a slip
code, ``arithmetic`` or ``carried``), false for right and ``rounding`` rows. ``CODES`` lists the slip codes.

How a value is judged (each written value ± one unit of its last written digit):

1. ``right``: within one unit of its last written digit of the exact value — and, when
   the learner wrote the arithmetic, the arithmetic gives the exact value within the
   uncertainty of its own numbers (so ``(0.25 × 0.10) + (0.30 × 0.05) + 0.35 = 0.39``
   is not right although 0.39 is 0.3925 rounded).
2. Otherwise it is recomputed from the learner's own written upstream values with their
   uncertainty propagated through the formula. If it follows: ``rounding`` when all of
   those values are right or themselves rounding ("carry more digits"), ``carried`` when
   some are real mistakes (``because_of`` names the root mistakes).
3. Otherwise the slips of :mod:`graphengine.teach.slips.library` are tried, each computed from the
   learner's own values (also through quantities the learner did not write); the closest code is
   ``reason``, every fitting one is in ``reasons``; then two slips in one value
   (:mod:`graphengine.teach.slips.pairs`, ``uphill+learning-rate``); then a value that is another
   blank's (``misplaced``: "this is grad.w6's value; written in grad.w5's blank?"), also rather than a
   loose slip when the learner wrote the same digits there (:func:`.misplaced.copied`); else
   ``arithmetic``. What follows a misplaced value is ``carried``.

Whether a written number is a value is :func:`graphengine.teach.claims.matches`; ``asked``
(``grade``: the sheet's 4 significant digits) widens it to the precision a sheet asks for.

The graph is walked in topological order and its reverse (:class:`Quantities`), memoised, never by recursion.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import SpecError, did_you_mean
from .arithmetic import Expression, Number
from .claims import rounding_habit, tolerance
from .hand import HandFile, Written, read_hand
from .misplaced import MISPLACED, Dependencies, belongs_to, copied
from .misspelt import one_meaning
from .notation import NOTATION_HELP, canonical
from .pairing import swapped_pairing, written_is
from .quantities import Getter, Quantities
from .slips.library import CODES, Candidate, SlipFit, SlipMatch, candidates
from .slips.pairs import pairs
from .unwritten import other_samples_spread
from .verdict import Verdict, WrittenInput, to_json, written_value
from .verdict import shown_beside as _shown

if TYPE_CHECKING:
    from ..engine.network import Network
    from ..engine.trace import Trace

__all__ = ["CODES", "HandFile", "Verdict", "Written", "check", "judge", "read_hand", "to_json", "written_value"]

MAX_CANDIDATES = 400  # per quantity, slips followed through unwritten quantities
PLACEHOLDER = "placeholder"  # a bare 0 for a value that is not 0, which no earlier mistake explains
FAR_SIGMAS, FAR_RELATIVE = 10.0, 0.05  # a slip's value this far from the written one cannot fit it
LOOSE_FIT = 0.25  # a slip's fit to the learner's values using more than this share of its allowance is loose
PUSH_DEPTH = 2  # how many unwritten quantities a slip is followed through
# Slips followed through quantities the learner did not write: those of the backward pass,
# the usual unwritten steps. The forward pass's many candidates (every other weight…) would,
# followed through, match a random wrong value by chance.
PUSHED_FROM = ("dout", "dnet", "dact", "grad")
PUSHED_CODES = frozenset({"missing-factor", "derivative-of-net", "updated-weights", "factor-2", "batch", "net-for-out"})


@dataclass(frozen=True)
class Learned:
    """The learner's value of a quantity, how uncertain it is, and what it rests on."""

    value: float
    sigma: float = 0.0
    sources: tuple[str, ...] = ()  # written quantities (canonical) it is computed from
    roots: tuple[str, ...] = ()  # root mistakes (canonical) among them
    deps: tuple[str, ...] = ()  # the quantities its formula used


def _merge(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x for g in groups for x in g))


class Judge:
    """Judges a sheet of written values against one step of a network."""

    def __init__(
        self,
        net: Network,
        trace: Trace,
        values: Mapping[str, WrittenInput],
        sample: int = 0,
        file: str | None = None,
        asked: int | None = None,
    ) -> None:
        n = trace.n_samples
        if not 0 <= sample < n:
            valid = f"0 to {n - 1}" if n > 1 else "0"
            raise SpecError(f"`sample` is {sample} but the spec has {n} sample(s) (valid: {valid})", file=file)
        self.quantities = Quantities(net, trace, sample)
        self.file = file
        self.asked = asked  # significant digits the sheet asks for (claims.py); None: the written ones
        self.sheet: dict[str, Written] = {}  # canonical → written
        self.renamed: dict[str, str] = {}  # canonical → a misspelt key graded under it
        for name, value in values.items():
            w = written_value(name, value)
            q = self._resolve(name, w)
            if q in self.sheet:
                first = self.sheet[q]
                raise SpecError(
                    f"`{name}` is `{q}` again (first as `{first.name}` on line {first.line})",
                    file=file,
                    line=w.line or None,
                    path=(name,),
                )
            self.sheet[q] = w
        self.learned: dict[str, Learned] = {}
        self._candidates: dict[str, list[Candidate]] = {}
        self._exact_numbers = self._exact_constants()
        self._best_fit = 0.0  # the last slip's gap over its allowance (0: exact)
        self._matched_on_exact = False  # did the last slip match with the exact values (not the learner's)?
        self._habit: Callable[[float], float] | None = None  # how the learner rounds (habit())
        self.placeholders: set[str] = set()  # bare zeros judged placeholders
        self._other_spread: dict[str, float] | None = None  # other samples' spread (unwritten.py)
        self.dependencies = Dependencies(self.quantities)

    def _resolve(self, name: str, w: Written) -> str:
        Q = self.quantities
        q = canonical(name, Q.names, Q.outputs)
        if q is not None and q in Q.ambiguous:
            raise SpecError(
                f"quantity `{name}` is ambiguous in this network (a node and a parameter, or the loss, share "
                "the name); rename the node or parameter in the spec to check it",
                file=self.file,
                line=w.line or None,
                path=(name,),
            )
        if q is None:
            meant = one_meaning(name, Q.names)
            if meant is not None:
                self.renamed[meant] = name
                return meant
            hint = did_you_mean(name, Q.names)
            if not hint and name.startswith("loss.") and Q.loss.terms_function is None:
                hint = f" (loss `{Q.loss.name}` does not split into per-output terms)"
            raise SpecError(
                f"unknown quantity `{name}`{hint} (quantities: NODE.net, NODE.out, NODE.dout, NODE.dnet, "
                f"NODE.dact, loss, loss.OUTPUT, grad.PARAM, updated.PARAM; or {NOTATION_HELP})",
                file=self.file,
                line=w.line or None,
                path=(name,),
            )
        return q

    def _exact_constants(self) -> list[float]:
        Q = self.quantities
        found = list(Q.values.values()) + [Q.learning_rate, 0.5, float(Q.samples)]
        found += [Q.exact(f"{i}.out") for i in Q.inputs] + [float(t) for t in Q.targets[Q.sample]]
        return found

    # ------------------------------------------------------------------ the learner's values
    def _get(self, q: str) -> float:
        learned = self.learned.get(q)
        return learned.value if learned is not None else self.quantities.exact(q)

    def measure(self, compute: Callable[[Getter], float]) -> Learned:
        """``compute`` on the learner's values, with their uncertainty propagated (± each one's sigma)."""
        used: list[str] = []

        def get(q: str) -> float:
            if q not in used:
                used.append(q)
            return self._get(q)

        value = float(compute(get))
        sigma, sources, roots = 0.0, [], []
        for d in used:
            mine = self.learned.get(d)
            if mine is None or (not mine.sources and mine.sigma == 0):
                continue  # exact: nothing to propagate
            step = mine.sigma or 1e-7 * max(1.0, abs(mine.value))
            shifted = float(compute(lambda q, d=d, x=mine.value + step: x if q == d else self._get(q)))
            delta = abs(shifted - value)
            tiny = 1e-15 * max(1.0, abs(value))
            if not delta > tiny:
                # locally flat (ReLU at a negative net) or not coupled (another output of the loss):
                # it rests on the learner's value only if the exact one would give something else
                exact_d = self.quantities.exact(d)
                exact = float(compute(lambda q, d=d, x=exact_d: x if q == d else self._get(q)))
                if not abs(exact - value) > tiny:
                    continue
            if mine.sigma:
                sigma += delta
            sources.append(mine.sources)
            roots.append(mine.roots)
        return Learned(value, sigma, _merge(*sources), _merge(*roots), tuple(used))

    # ------------------------------------------------------------------ judging
    def verdicts(self) -> list[Verdict]:
        results: dict[str, Verdict] = {}
        for q in self.quantities.order:
            derived = self._with_other_samples(q, self.measure(lambda get, q=q: self.quantities.formula(q, get)))
            w = self.sheet.get(q)
            if w is None:
                if self.asked is not None and q.split(".")[0] not in self.quantities.inputs:
                    # the learner worked it out too, rounding as they write: half a unit of their habit
                    spread = self.habit(derived.value)
                    derived = Learned(
                        derived.value, derived.sigma + spread, derived.sources, derived.roots, derived.deps
                    )
                self.learned[q] = derived
                continue
            verdict = self._judge(q, w, derived)
            said = [w.note] if w.note else []
            if q in self.renamed:
                said.append(f"key `{self.renamed[q]}` read as `{q}`")
            if said:
                verdict.note = "; ".join(said + ([verdict.note] if verdict.note else []))
            results[q] = verdict
            roots: tuple[str, ...] = ()
            if verdict.mistake:
                roots = (q,) if verdict.reason != "carried" else derived.roots
            sigma = w.unit if w.unit else self._expression_sigma(w.expression)
            self.learned[q] = Learned(w.value, sigma, (q,), roots, derived.deps)
        # in the order the learner wrote them
        place = {q: i for i, q in enumerate(self.sheet)}
        return [results[q] for q in sorted(results, key=lambda q: (self.sheet[q].line, place[q]))]

    def _with_other_samples(self, q: str, derived: Learned) -> Learned:
        """A batch quantity's other samples, which the learner worked out (unwritten) with their own
        rounding: its spread through those samples' values (:mod:`graphengine.teach.unwritten`)."""
        spread = self._other_samples_spread(q)
        return Learned(derived.value, derived.sigma + spread, derived.sources, derived.roots, derived.deps)

    def _other_samples_spread(self, q: str) -> float:
        if self.asked is None or self.quantities.samples < 2 or self.quantities.names[q][0] not in ("grad", "loss"):
            return 0.0
        if self._other_spread is None:
            Q = self.quantities
            self._other_spread = other_samples_spread(Q.net, Q.trace, Q.sample, self.habit)
        return self._other_spread.get(q, 0.0)

    def habit(self, x: float) -> float:
        """Half a unit of the last digit the learner keeps on ``x`` (:func:`claims.rounding_habit`)."""
        if self._habit is None:
            self._habit = rounding_habit([w for w in self.sheet.values() if w.expression is None])
        return self._habit(x)

    def _expression_sigma(self, expression: Expression | None) -> float:
        if expression is None:
            return 0.0
        signs = expression.term_signs()
        return expression.uncertainty(lambda n: self._number_sigma(n, signs.get(n.index, 1)))

    def _number_sigma(self, number: Number, sign: int = 1) -> float:
        """Numbers that are the network's own (a weight, an input, a target, η) or integers are exact.

        ``sign`` is that of the number's term: in ``0.1 − 0.62 × 0.5`` the 0.62 may be a weight −0.62."""
        if number.is_integer:
            return 0.0
        readings = (number.value, sign * number.value)
        if any(abs(r - c) <= 1e-12 * max(1.0, abs(c)) for r in readings for c in self._exact_numbers):
            return 0.0
        return number.unit

    def _judge(self, q: str, w: Written, derived: Learned) -> Verdict:
        """Right; else follows (rounding/carried); else the arithmetic's sum; else a slip; else arithmetic."""
        exact = self.quantities.exact(q)
        eps = 1e-9 * max(1.0, abs(exact))
        expression = w.expression
        # The learner's computation (the written arithmetic, else the number) and its uncertainty.
        computed = expression.computed if expression is not None else w.value
        computed_sigma = self._expression_sigma(expression) + eps if expression is not None else 0.0
        allowed = tolerance(w.unit, exact, self.asked) if (w.unit or expression is None) else computed_sigma
        arithmetic_right = expression is None or abs(computed - exact) <= computed_sigma
        arithmetic_follows = expression is None or abs(computed - derived.value) <= computed_sigma + derived.sigma
        own = bool(derived.sources) and abs(derived.value - exact) > 1e-12 * max(1.0, abs(exact))
        names = [self.sheet[s].name for s in derived.sources] if own else []
        verdict = Verdict(w.name, q, w, exact, False, from_written=names, recomputed=derived.value if own else None)
        yours = ", ".join(names)
        if abs(w.value - exact) <= allowed and (arithmetic_right or arithmetic_follows):
            verdict.right = True
            if own and abs(w.value - derived.value) > allowed:
                verdict.note = f"right, although from your written {yours} it would be {_shown(derived.value, w)}"
            elif expression is not None and abs(computed - w.value) > allowed:
                verdict.note = f"right, although your arithmetic gives {_shown(computed, w)}"
            return verdict
        bare_zero = expression is None and not w.unit and w.value == 0
        # a bare 0 the learner's right values can give (unwritten parts' rounding that cancels): not a blank filled
        zero_rounds = bare_zero and bool(derived.sources) and not derived.roots and abs(derived.value) <= derived.sigma
        # nor one an earlier mistake explains: the learner's own values give 0 (a ReLU switched off)
        explained = not set(derived.roots) <= self.placeholders and abs(derived.value) <= derived.sigma + eps
        if bare_zero and not zero_rounds and not explained:  # a blank filled, not worked out
            self.placeholders.add(q)
            verdict.reason, verdict.reasons = PLACEHOLDER, [PLACEHOLDER]
            verdict.note = f"0 written where the value is {_shown(exact, w)}: not worked out?"
            return verdict
        if arithmetic_right or arithmetic_follows:
            # a number written without a decimal part (`0`) claims no spread to absorb the learner's
            slack = derived.sigma if (w.unit or expression is not None or zero_rounds) else 0.0
            if abs(w.value - derived.value) <= allowed + slack + eps:
                return self._follows(verdict, derived)
            if expression is not None:  # the computation is fine, the written result is not
                verdict.reason, verdict.reasons = "arithmetic", ["arithmetic"]
                sum_of = len(expression.terms()) > 1
                what = ("your terms are right; they" if arithmetic_right else "your terms") + " add up to"
                verdict.note = f"{what if sum_of else 'your computation gives'} {_shown(computed, w)}, not {w.shown}"
                return verdict
        matches = self._slips(q, computed, computed_sigma if expression is not None else allowed, derived, expression)
        also = ""  # what the slip's note says of another blank holding these very digits
        if matches and (self._best_fit > LOOSE_FIT or "+" in matches[0].code) and expression is None and w.unit:
            # another blank's digits: copied, not a loose slip or a pair, unless the slip needs no coincidence (copied())
            code, slipped = matches[0].code, matches[0].value
            copy = copied(self.quantities, self.dependencies, self.sheet, q, w, allowed, slipped, self._worked, code)
            also = copy.slip_wins(self.sheet[copy.other].name) if copy is not None else ""
            matches = [] if copy is not None and not also else matches
        if matches:
            verdict.reasons = list(dict.fromkeys(match.code for match in matches))
            verdict.reason = verdict.reasons[0]
            sentences = [f"{match.sentence} (that gives {_shown(match.value, w)})" for match in matches]
            pairing = swapped_pairing(self.quantities, q, expression, self._get) if verdict.reason == "swapped" else ""
            if pairing:  # the written factors say it better than the generic sentence
                sentences[0] = f"{pairing} (that gives {_shown(matches[0].value, w)}; exact {_shown(exact, w)})"
            verdict.note = "; or ".join(list(dict.fromkeys(sentences))[:2])
            if derived.roots and not self._matched_on_exact:  # the slip is on top of an earlier mistake
                roots = ", ".join(self.sheet[r].name for r in derived.roots)
                verdict.note += f"; it also builds on your wrong {roots}"
            verdict.note += also
            return verdict
        other = None
        if expression is None and w.unit:
            other = belongs_to(self.quantities, self.dependencies, self.sheet, q, w, allowed)
        if other is not None:
            verdict.reason, verdict.reasons = MISPLACED, [MISPLACED]
            verdict.note = f"this is {self.sheet[other].name}'s value; written in {w.name}'s blank?"
            return verdict
        verdict.reason, verdict.reasons = "arithmetic", ["arithmetic"]
        verdict.note = "arithmetic or formula mistake"
        if own:
            verdict.note += f" (from your written {yours} it would be {_shown(derived.value, w)})"
        return verdict

    def _worked(self, q: str) -> float:
        return self.measure(lambda get: self.quantities.formula(q, get)).value  # from the learner's values

    def _follows(self, verdict: Verdict, derived: Learned) -> Verdict:
        if derived.roots:
            verdict.reason, verdict.reasons = "carried", ["carried"]
            verdict.because_of = [self.sheet[r].name for r in derived.roots]
            wrong = " and ".join(
                f"{self.sheet[r].name} (written {self.sheet[r].shown}, exact {_shown(self.quantities.exact(r), self.sheet[r])})"
                for r in derived.roots
            )
            them = "it" if len(derived.roots) == 1 else "them"
            verdict.note = f"follows from your wrong {wrong}: fix {them} first"
        else:
            verdict.reason, verdict.reasons = "rounding", ["rounding"]
            names = ", ".join(self.sheet[s].name for s in derived.sources)
            verdict.note = f"follows from your written {names} (rounding): carry more digits"
        return verdict

    # ------------------------------------------------------------------ slips
    def _slip_candidates(self, q: str, depth: int = 0) -> list[Candidate]:
        """The slips of ``q`` itself, and those of the unwritten quantities it uses, carried through its formula."""
        key = f"{q}@{depth}"
        if key in self._candidates:
            return self._candidates[key]
        found = list(candidates(self.quantities, q))
        room = len(found) + MAX_CANDIDATES  # slips followed through from unwritten quantities: at most this many
        learned = self.learned.get(q)
        deps = learned.deps if learned is not None else self.measure(lambda get: self.quantities.formula(q, get)).deps
        if depth < PUSH_DEPTH:
            for d in deps:
                if d not in self.quantities.names or self.quantities.names[d].kind not in PUSHED_FROM:
                    continue
                if (
                    d in self.sheet
                    or d not in self.quantities.names
                    or self.quantities.names[d].kind == "out"
                    and d.split(".")[0] in self.quantities.inputs
                ):
                    continue
                for c in self._slip_candidates(d, depth + 1):
                    if c.code not in PUSHED_CODES:
                        continue
                    if len(found) >= room:
                        break

                    def compute(get: Getter, c: Candidate = c, d: str = d) -> float:
                        return self.quantities.formula(q, lambda x: c.compute(get) if x == d else get(x))

                    found.append(Candidate(c.code, compute, f"{c.sentence} (in {d})", c.needs))
        self._candidates[key] = found
        return found

    def _slips(
        self, q: str, value: float, tolerance: float, derived: Learned, expression: Expression | None
    ) -> list[SlipMatch]:
        numbers = expression.numbers if expression is not None else ()
        signs = expression.term_signs() if expression is not None else {}
        found = [
            c
            for c in self._slip_candidates(q)
            if not numbers or all(any(written_is(n, x, signs.get(n.index, 1)) for n in numbers) for x in c.needs)
        ]
        tolerance += self._other_samples_spread(q)  # a slip's other samples: worked out unwritten too
        single = self._fits(q, value, tolerance, derived, found)
        if single:
            return single
        return self._fits(q, value, tolerance, derived, pairs(self.quantities, q, found))  # two slips in one value

    def _fits(
        self, q: str, value: float, tolerance: float, derived: Learned, found: list[Candidate]
    ) -> list[SlipMatch]:
        """The candidates that give the written ``value``, closest first."""
        # From the learner's own values first; a learner who redid an earlier value right on
        # the side (their sheet's value is wrong, the one they used is not) gets the exact ones,
        # and so does a slip that fits the exact values far more closely than any fits the
        # learner's (whose uncertain wrong values can make a loose fit).
        mine = self._attempt(self.measure, derived, value, tolerance, found)
        self._best_fit = mine[0].closeness if mine else 0.0
        if not mine or mine[0].closeness > LOOSE_FIT:
            exact = self._attempt(self._measure_exact, Learned(self.quantities.exact(q)), value, tolerance, found)
            if exact and (not mine or exact[0].closeness < mine[0].closeness / 2):
                self._matched_on_exact, self._best_fit = True, exact[0].closeness
                return [fit.match for fit in exact]
        self._matched_on_exact = False
        return [fit.match for fit in mine]

    def _attempt(
        self,
        measure: Callable[[Callable[[Getter], float]], Learned],
        right: Learned,
        value: float,
        tolerance: float,
        found: list[Candidate],
    ) -> list[SlipFit]:
        """The fit of every candidate that gives ``value``, closest first."""
        matches: list[SlipFit] = []
        get = self.quantities.exact if measure == self._measure_exact else self._get
        # a candidate far from the written value needs no uncertainty worked out (most pairs are)
        far = FAR_SIGMAS * (tolerance + right.sigma) + FAR_RELATIVE * abs(value)
        for i, c in enumerate(found):
            try:
                if not abs(float(c.compute(get)) - value) <= far:
                    continue
                got = measure(c.compute)
            except (ArithmeticError, ValueError):
                continue
            if not math.isfinite(got.value):
                continue
            distinct = abs(got.value - right.value) > max(right.sigma, 1e-12 * max(1.0, abs(right.value)))
            gap = abs(value - got.value)
            allowed = tolerance + got.sigma + 1e-9 * max(1.0, abs(got.value))
            if distinct and gap <= allowed:
                matches.append(SlipFit(gap / allowed if allowed else 0.0, i, SlipMatch(c.code, c.sentence, got.value)))
        return sorted(matches)

    def _measure_exact(self, compute: Callable[[Getter], float]) -> Learned:
        return Learned(float(compute(self.quantities.exact)))


def judge(
    net: Network,
    trace: Trace,
    values: Mapping[str, WrittenInput],
    sample: int = 0,
    file: str | None = None,
    asked: int | None = None,
) -> list[Verdict]:
    """Every written value's verdict, in the order written (raises :class:`SpecError` for an unknown quantity)."""
    return Judge(net, trace, values, sample, file, asked).verdicts()


def check(net: Network, trace: Trace, hand: HandFile, asked: int | None = None) -> list[Verdict]:
    """Every verdict of a hand file (raises :class:`SpecError` for an unknown quantity or sample)."""
    n = trace.n_samples
    if hand.sample is not None and hand.sample >= n:
        valid = f"0 to {n - 1}" if n > 1 else "0"
        raise SpecError(
            f"`sample` is {hand.sample} but the spec has {n} sample(s) (valid: {valid})",
            file=hand.file,
            line=hand.sample_line,
            path=("sample",),
        )
    return judge(net, trace, hand.values, hand.sample or 0, hand.file, asked)
