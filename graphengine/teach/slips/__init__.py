"""The one library of classic backpropagation slips: each a small named function computing what
that slip gives from the learner's own values.
"""

__all__: list[str] = []
