"""What a person reads: annotated diagrams (``diagram/``), the written chain rule
(``derivation/``), the step-through page (``stepthrough/``) and evaluation plots.
"""

__all__: list[str] = []
