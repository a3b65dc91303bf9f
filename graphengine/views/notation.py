"""The symbols every view writes alike.

The loss is ``E`` in the derivation (``explain``: E = E_o1 + E_o2, ∂E/∂w5), so the diagram and
the step-through page write ∂E/∂w, δ = ∂E/∂net and "E =" too: one notation per page.

>>> f"∂{LOSS}/∂w5"
'∂E/∂w5'
"""

from __future__ import annotations

__all__ = ["LOSS"]

LOSS = "E"
