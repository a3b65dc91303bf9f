"""Matrices and images as Graphviz HTML-like tables of coloured cells (the layer view's heatmaps).

Tables of cells, not embedded pictures, so SVG, PNG and PDF output all work and the DOT
text stays self-contained. Colours are computed for whole arrays at once.

>>> colours(np.array([[1.0, -1.0, 0.0]]), 1.0).tolist()
[['#b35806', '#542788', '#f7f7f7']]
"""

from __future__ import annotations

import math

import numpy as np

# A heatmap has at most this many cells a side (bigger matrices are averaged in blocks)
# and is drawn about this many points a side at most.
MAX_CELLS = 64
HEATMAP_POINTS = 260
# PuOr, dark purple → white → dark orange: weight values (red/blue stay the gradient's colours).
NEGATIVE, MIDDLE, POSITIVE = (84, 39, 136), (247, 247, 247), (179, 88, 6)
MISSING = "#d9d9d9"  # NaN: no edge between that source and neuron


def colours(values: np.ndarray, scale: float) -> np.ndarray:
    """Hex colours of ``values`` on the purple-white-orange scale ±``scale`` (NaN: no edge)."""
    t = np.clip(np.nan_to_num(values / scale if scale > 0 else values * 0.0), -1.0, 1.0)
    middle, end = np.array(MIDDLE, float), np.where(t[..., None] < 0, np.array(NEGATIVE, float), np.array(POSITIVE))
    rgb = np.rint(middle + np.abs(t)[..., None] * (end - middle)).astype(int)
    hexes = np.char.add("#", np.char.add(np.char.add(_hex(rgb[..., 0]), _hex(rgb[..., 1])), _hex(rgb[..., 2])))
    return np.where(np.isnan(values), MISSING, hexes)


def _hex(channel: np.ndarray) -> np.ndarray:
    return np.char.zfill(np.char.lower(np.char.mod("%X", channel)), 2)


def greys(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Hex greys: ``low`` white, ``high`` black (an image's pixels)."""
    t = np.clip((values - low) / (high - low), 0.0, 1.0) if high > low else np.zeros_like(values)
    level = _hex(np.rint(255 * (1 - t)).astype(int))
    return np.char.add("#", np.char.add(np.char.add(level, level), level))


def colour_scale(values: np.ndarray) -> float:
    """The |w| at which colours saturate: the 98th percentile of |w|, so that a few large weights do
    not wash out the rest (0 when there are none)."""
    finite = np.abs(values[np.isfinite(values)])
    return float(np.percentile(finite, 98)) if finite.size else 0.0


def pool(matrix: np.ndarray, limit: int = MAX_CELLS) -> np.ndarray:
    """Block means (ignoring NaN) so that neither side exceeds ``limit`` cells."""
    rows, cols = matrix.shape
    fr, fc = math.ceil(rows / limit), math.ceil(cols / limit)
    if fr == 1 and fc == 1:
        return matrix
    padded = np.full((math.ceil(rows / fr) * fr, math.ceil(cols / fc) * fc), np.nan)
    padded[:rows, :cols] = matrix
    blocks = padded.reshape(padded.shape[0] // fr, fr, padded.shape[1] // fc, fc)
    counts = (~np.isnan(blocks)).sum(axis=(1, 3))
    sums = np.nansum(blocks, axis=(1, 3))
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def cells(grid: np.ndarray, cell: int, border: str | None = None) -> str:
    """A table of coloured cells (``grid`` of hex colours), ``cell`` points a side."""
    td = f'<TD BGCOLOR="{{}}" WIDTH="{cell}" HEIGHT="{cell}" FIXEDSIZE="TRUE"></TD>'
    rows = "".join("<TR>" + "".join(td.format(c) for c in row) + "</TR>" for row in grid.tolist())
    frame = f' BORDER="1" COLOR="{border}"' if border else ' BORDER="0"'
    # A fixed size: a wider cell around the table would otherwise spread its columns apart.
    height, width = (n * cell + (2 if border else 0) for n in grid.shape)
    size = f' WIDTH="{width}" HEIGHT="{height}" FIXEDSIZE="TRUE"'
    return f'<TABLE{frame}{size} CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">{rows}</TABLE>'


def cell_size(shape: tuple[int, ...], points: int = HEATMAP_POINTS) -> int:
    """Points a side of a cell, so that the longer side of ``shape`` takes about ``points`` (2 to 12)."""
    return int(min(12, max(2, points // max(shape))))
