"""The one rule for names a user gives — inputs, nodes, layers, parameters and plugins.

Names are printed in tables, diagrams, formulas and one-line errors, and ``->`` joins the two
ends of an edge into its weight's name (``h1->o1``): a name is one line of text, without
control characters or spaces at either end, of at most :data:`MAX_NAME_LENGTH` characters.
"""

from __future__ import annotations

import unicodedata

MAX_NAME_LENGTH = 1000  # Graphviz refuses a quoted string over 16384 characters; a tooltip holds three names


def name_problem(name: str, what: str, arrow_allowed: bool = False) -> str | None:
    """What is wrong with ``name`` (a ``what`` name, e.g. "node"), or None when it is fine.

    >>> name_problem("h 1", "node") is None
    True
    >>> name_problem(" elu", "activation")
    'activation name ` elu` starts or ends with a space; write `elu`'
    """
    if not name:
        return f"{what} name is empty"
    bad = next((c for c in name if unicodedata.category(c) in ("Cc", "Zl", "Zp")), None)
    if bad is not None:
        return f"{what} name `{name}` contains the control character {bad!r}; names are one line of text"
    if name != name.strip():
        return f"{what} name `{name}` starts or ends with a space; write `{name.strip()}`"
    if len(name) > MAX_NAME_LENGTH:
        return f"{what} name `{name[:20]}…` is {len(name):,} characters long; at most {MAX_NAME_LENGTH:,}"
    if "->" in name and not arrow_allowed:
        return (
            f"{what} name `{name}` contains `->`, which joins the ends of an edge in weight names (`h1->o1`); "
            f"write `{name.replace('->', '_to_')}`"
        )
    return None
