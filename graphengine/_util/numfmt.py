"""Numbers as people read them, in one place for the CLI tables, the diagrams and the derivations.

The three styles differ on purpose: tables show a fixed number of decimals (columns line
up); diagrams keep about three significant digits of small numbers (labels stay short);
derivations keep ``digits - 1`` significant digits and drop trailing zeros (numbers in
sentences and equations). All share :func:`decimals_for`.
"""

from __future__ import annotations

import math


def decimals_for(magnitude: float, precision: int, significant: int) -> int:
    """Decimals that show ``precision`` of them, or more for a small number so that
    ``significant`` significant digits remain.

    >>> decimals_for(0.5, 4, 3), decimals_for(0.000438, 4, 3), decimals_for(12.5, 2, 3)
    (4, 6, 2)
    """
    return max(precision, significant - 1 - math.floor(math.log10(magnitude)))


def table_number(x: float, precision: int = 9) -> str:
    """Fixed decimals for ordinary magnitudes, scientific for tiny or huge ones (CLI tables).

    >>> table_number(0.298371109), table_number(3e-9, 6), table_number(0.0)
    ('0.298371109', '3.000e-09', '0.000000000')
    """
    if x == 0 or 1e-4 <= abs(x) < 1e6:
        return f"{x:.{precision}f}"
    return f"{x:.{max(precision - 3, 3)}e}"


def diagram_number(x: float, precision: int = 4) -> str:
    """``precision`` decimals, more for small numbers so that three significant digits remain
    (``precision`` significant digits when it is below three).

    >>> diagram_number(0.593269992), diagram_number(0.000438568), diagram_number(-0.0226)
    ('0.5933', '0.000439', '-0.0226')
    >>> diagram_number(3e-9), diagram_number(0.15, 2)
    ('3.00e-09', '0.15')
    """
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return str(x)
    magnitude = abs(x)
    if magnitude >= 1e6:
        return f"{x:.3e}"
    decimals = precision
    if magnitude < 1:
        decimals = decimals_for(magnitude, precision, min(precision, 3))
        if decimals > precision + 4:
            return f"{x:.2e}"
    return f"{x:.{decimals}f}"


SCIENTIFIC_BELOW = 1e-4  # derivations: more than three zeros after the point is hard to count


def derivation_number(x: float, digits: int = 4) -> str:
    """``x`` rounded for reading: ``digits`` decimals, but at least ``digits - 1``
    significant digits for small values, trailing zeros dropped.

    >>> derivation_number(0.3775), derivation_number(0.08216704), derivation_number(0.000438)
    ('0.3775', '0.0822', '0.000438')
    >>> derivation_number(0.15), derivation_number(-2.5)
    ('0.15', '-2.5')

    Below ``SCIENTIFIC_BELOW`` (and from 10⁷) in scientific notation, so that a gradient of a
    trained network reads ``1.37e-8``, not ``0.0000000137``:

    >>> derivation_number(0.0000000137), derivation_number(-0.0000438), derivation_number(0.0001)
    ('1.37e-8', '-4.38e-5', '0.0001')
    """
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    magnitude = abs(x)
    if magnitude >= 1e7 or magnitude < SCIENTIFIC_BELOW:
        mantissa, exponent = f"{x:.{max(digits - 1, 1)}e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    text = f"{x:.{decimals_for(magnitude, digits, digits - 1)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
