"""``audit``: the maths of a written worked example found, each number recognised as a quantity
and judged as ``check`` judges it.
"""

__all__: list[str] = []
