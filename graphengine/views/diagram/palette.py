"""The diagrams' colours: what each shade means, and the style of a gradient on its scale."""

from __future__ import annotations

import math

# The package's own font, the only one `dot` sees (see typeface): measured and drawn alike everywhere.
FONT = "DejaVu Sans"
# Point sizes: node text is 12; the numbers on edges, a bias's row and the chain rule's factors are
# SMALL; the chain rule's caption and a shared parameter's count SMALLEST. Generous on purpose: a
# diagram is projected, or scaled down to a notebook's width, and 9-point print then goes unread.
SMALL = 11
SMALLEST = 10
# ColorBrewer RdBu, light → dark: red for ∂E/∂w > 0 (the step lowers w), blue for < 0.
POSITIVE = ("#f4a582", "#d6604d", "#b2182b")
NEGATIVE = ("#92c5de", "#4393c3", "#2166ac")
ZERO = "#9e9e9e"
# ColorBrewer Dark2 without its reds and blues, so a shared parameter's marker never reads as a gradient.
SHARED = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d")
MUTED = "#666666"
# The pen width of the largest |∂E/∂w| (the smallest is 1): the step-through page's highlight of the
# current edge (assets/page.css, `.ge-current`) is drawn at least this wide, so it never looks thinner.
WIDEST_PEN = 4.0
FILL = {"input": "#eeeeee", "neuron": "#ffffff", "output": "#fff8e6", "loss": "#fff1c9"}


def gradient_style(g: float, gmax: float) -> tuple[str, float, str]:
    """Line colour, pen width and text colour for a gradient ``g`` on the scale of the largest, ``gmax``.

    >>> gradient_style(0.08, 0.08), gradient_style(-0.01, 0.08), gradient_style(0.0, 0.08)
    (('#b2182b', 4.0, '#b2182b'), ('#92c5de', 1.38, '#2166ac'), ('#9e9e9e', 1.0, '#666666'))
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
    return shades[min(int(ratio * 3), 2)], round(1.0 + (WIDEST_PEN - 1.0) * ratio, 2), shades[2]
