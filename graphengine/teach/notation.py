"""The names a learner writes for a quantity, and the canonical name each one means.

Canonical names (what ``check --json`` reports as ``quantity``): ``NODE.net``,
``NODE.out``, ``NODE.dout`` (∂E/∂out), ``NODE.dact`` (∂out/∂net), ``NODE.dnet``
(∂E/∂net), ``loss``, ``loss.OUTPUT``, ``grad.PARAM``, ``updated.PARAM``.

The worked example's notation is accepted too:

=====================================  =================
written                                means
=====================================  =================
``net_h1``, ``out_h1``                 ``h1.net``, ``h1.out``
``E_o1``                               ``loss.o1``
``E_total``, ``E``                     ``loss``
``dE/dw5``, ``∂E/∂w5``                 ``grad.w5``
``dE/dout_o1``, ``∂E/∂out_o1``         ``o1.dout``
``dout_o1/dnet_o1``                    ``o1.dact``
``dE/dnet_o1``, ``delta_o1``, ``δ_o1``  ``o1.dnet``
``w5_new``, ``w5'``, ``w5′``, ``w5⁺``  ``updated.w5``
=====================================  =================

``E_total`` may stand for ``E`` in a derivative (``∂E_total/∂w5``), and ``L`` too.
``E_total_1``, ``E_1`` (the page's numbering) mean the first output's term, ``loss.o1``
in the worked example, when no output is called ``1``.

>>> known = {"h1.net", "o1.dact", "grad.w5", "updated.w5", "loss", "loss.o1"}
>>> [canonical(n, known) for n in ("net_h1", "dout_o1/dnet_o1", "∂E/∂w5", "w5⁺", "E_total", "E_o1", "x")]
['h1.net', 'o1.dact', 'grad.w5', 'updated.w5', 'loss', 'loss.o1', None]

An edge weight may be written in any spelling :mod:`graphengine.model.aliases` accepts:

>>> [canonical(n, {"grad.h1->o1", "updated.h1->o1"}) for n in ("∂E/∂w(h1→o1)", "grad.h1 → o1", "w(h1→o1)'")]
['grad.h1->o1', 'grad.h1->o1', 'updated.h1->o1']
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from ..model.aliases import spelled

_LOSS = r"(?:E_total|Etotal|E|L|total)"
_DERIVATIVE = re.compile(rf"[d∂]{_LOSS}\s*/\s*[d∂](?P<of>.+)")
_DACT = re.compile(r"[d∂]out_(?P<a>.+?)\s*/\s*[d∂]net_(?P<b>.+)")
_UPDATED = re.compile(r"(?P<p>.+?)(?:_new|_updated|'|′|⁺|\+)")
_NUMBERED_TERM = re.compile(r"E(?:_total)?_(?P<k>[1-9][0-9]*)")

NOTATION_HELP = (
    "net_h1, out_h1, E_o1 (E_total_1), E_total, dE/dw5 (∂E/∂w5), dE/dout_o1, dout_o1/dnet_o1, dE/dnet_o1, "
    "w5_new (w5', w5⁺)"
)


def candidates(name: str) -> list[str]:
    """The canonical names ``name`` may mean, most likely first (before knowing the network)."""
    name = name.strip()
    found = [name]
    if m := _DACT.fullmatch(name):
        if m["a"] == m["b"]:
            found.append(f"{m['a']}.dact")
    elif m := _DERIVATIVE.fullmatch(name):
        of = m["of"]
        if of.startswith("out_"):
            found.append(f"{of[4:]}.dout")
        elif of.startswith("net_"):
            found.append(f"{of[4:]}.dnet")
        found.append(f"grad.{of}")
    if name.startswith(("net_", "out_")):
        found.append(f"{name[4:]}.{name[:3]}")
    for prefix in ("delta_", "δ_", "δ"):
        if name.startswith(prefix) and len(name) > len(prefix):
            found.append(f"{name[len(prefix) :]}.dnet")
            break
    if name in ("E_total", "Etotal", "E", "L", "E_tot"):
        found.append("loss")
    elif name.startswith("E_"):
        found.append(f"loss.{name[2:]}")
    if m := _UPDATED.fullmatch(name):
        found.append(f"updated.{m['p']}")
    return found


def canonical(name: str, known: Collection[str], outputs: Sequence[str] = ()) -> str | None:
    """The canonical quantity ``name`` stands for in a network whose quantities are ``known``
    (``outputs`` in order, for the numbered loss terms ``E_total_1``)."""
    for candidate in candidates(name):
        if candidate in known:
            return candidate
        # A parameter written as the diagrams' or explain's alias: grad.w(h1→y) is grad.h1->y.
        kind, _, parameter = candidate.partition(".")
        if kind in ("grad", "updated") and (aliased := f"{kind}.{spelled(parameter)}") in known:
            return aliased
    if (m := _NUMBERED_TERM.fullmatch(name.strip())) and int(m["k"]) <= len(outputs):
        term = f"loss.{outputs[int(m['k']) - 1]}"
        return term if term in known else None
    return None
