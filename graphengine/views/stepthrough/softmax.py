"""The steps of a softmax cross-entropy loss with their numbers: each output's probability
``p_k = e^{y_k} / Σ_j e^{y_j}`` and each term ``E_k = −t_k ln p_k = −0 × ln 0.0797 = 0``.

The loss plugin's term formula (``-t_k \\ln p_k``) names no ``y`` or ``t`` that
:mod:`graphengine.views.derivation.explain` could substitute, so its equation would carry no
numbers; these are the same equations with them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..derivation.document import Eq
from ..derivation.mathfmt import M, name_tex

if TYPE_CHECKING:
    from ...engine.trace import Trace
    from ..derivation.chain_rule import ChainRule

LOSS = "softmax_cross_entropy"


def probabilities(x: ChainRule, trace: Trace, sample: int) -> list[float]:
    """softmax of the outputs of ``sample`` (exponentials shifted by the largest: the same ratios)."""
    ys = [trace.out(o, sample) for o in x.outputs]
    exps = [math.exp(y - max(ys)) for y in ys]
    return [e / sum(exps) for e in exps]


def softmax_equations(x: ChainRule, trace: Trace, sample: int) -> list[Eq] | None:
    """p_k = e^{y_k} / Σ_j e^{y_j} with numbers, for a softmax cross-entropy loss (else None)."""
    if x.loss.name != LOSS:
        return None
    ys = [trace.out(o, sample) for o in x.outputs]
    shifted = [math.exp(y - max(ys)) for y in ys]
    denominator = x.num(sum(shifted))
    eqs = []
    for o, e, p in zip(x.outputs, shifted, probabilities(x, trace, sample)):
        sym = M(f"p_{o}", rf"p_{{{name_tex(o, True)}}}")
        formula = M(f"e^{x.out(o).text} / Σ_j e^y_j", rf"\frac{{e^{{{x.out(o).tex}}}}}{{\sum_j e^{{y_j}}}}")
        top = x.num(e)
        numbers = M(f"{top.text} / {denominator.text}", rf"\frac{{{top.tex}}}{{{denominator.tex}}}")
        eqs.append(Eq([sym, formula, numbers, x.num(p)]))
    return eqs


def term_equation(x: ChainRule, trace: Trace, sample: int, o: str, value: float, eq: Eq) -> Eq:
    """``E_o = −t ln p = −0 × ln 0.0911 = 0``: the term with its numbers (softmax), else ``eq`` as it is."""
    if x.loss.name != LOSS:
        return eq
    k = x.outputs.index(o)
    target = x.num(float(trace.targets[sample, k]))
    prob = x.num(probabilities(x, trace, sample)[k])
    numbers = M(f"−{target.text} × ln {prob.text}", rf"-{target.tex} \times \ln\,{prob.tex}")
    rule = M(f"−t_{o} ln p_{o}", rf"-t_{{{name_tex(o, True)}}} \ln\,p_{{{name_tex(o, True)}}}")
    return Eq([eq.parts[0], rule, numbers, x.num(value)])
