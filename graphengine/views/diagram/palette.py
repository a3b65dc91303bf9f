"""The diagrams' colours: what each shade means, and the style of a gradient on its scale."""

from __future__ import annotations

import math

FONT = "Helvetica,Arial,sans-serif"
# ColorBrewer RdBu, light → dark: red for ∂E/∂w > 0 (the step lowers w), blue for < 0.
POSITIVE = ("#f4a582", "#d6604d", "#b2182b")
NEGATIVE = ("#92c5de", "#4393c3", "#2166ac")
ZERO = "#9e9e9e"
# ColorBrewer Dark2 without its reds and blues, so a shared parameter's marker never reads as a gradient.
SHARED = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d")
MUTED = "#666666"
FILL = {"input": "#eeeeee", "neuron": "#ffffff", "output": "#fff8e6", "loss": "#fff1c9"}


def gradient_style(g: float, gmax: float) -> tuple[str, float, str]:
    """Line colour, pen width and text colour for a gradient ``g`` on the scale of the largest, ``gmax``.

    >>> gradient_style(0.08, 0.08), gradient_style(-0.01, 0.08), gradient_style(0.0, 0.08)
    (('#b2182b', 5.0, '#b2182b'), ('#92c5de', 1.5, '#2166ac'), ('#9e9e9e', 1.0, '#666666'))
    """
    if math.isnan(g):
        return ZERO, 1.0, MUTED
    if math.isinf(g):
        ratio = 1.0
    elif gmax == 0 or g == 0:
        return ZERO, 1.0, MUTED
    else:
        ratio = min(abs(g) / gmax, 1.0)
    shades = POSITIVE if g > 0 else NEGATIVE
    return shades[min(int(ratio * 3), 2)], round(1.0 + 4.0 * ratio, 2), shades[2]
