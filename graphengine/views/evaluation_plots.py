"""Pictures of how a network classifies: the confusion matrix, and the decision regions of a 2-input network.

matplotlib (the ``graphengine[plot]`` extra) is imported inside each function;
files are written atomically through :func:`graphengine.views.figure_files.save_figure`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.evaluation import ConfusionMatrix, class_codes, decisions
from ..errors import DataError
from .figure_files import save_figure

if TYPE_CHECKING:
    from ..engine.network import Network

# Points per side of the grid the decision regions are computed on (one vectorised forward pass).
BOUNDARY_GRID = 300


def _pyplot():  # noqa: ANN202 - a module
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _text(label: str) -> str:
    return label.replace("$", r"\$")  # labels are text, not matplotlib mathtext


def plot_confusion(matrices: list[ConfusionMatrix], path: str, title: str = "") -> None:
    """One heatmap per confusion matrix: counts in the cells, true class down, predicted across."""
    plt = _pyplot()
    n = len(matrices)
    side = max(3.5, 0.45 * max(len(m.labels) for m in matrices) + 2)
    fig, axes = plt.subplots(1, n, figsize=(side * n, side), squeeze=False)
    for ax, m in zip(axes[0], matrices):
        counts = m.matrix
        ax.imshow(counts, cmap="Blues", vmin=0, vmax=max(int(counts.max()), 1))
        ticks = np.arange(len(m.labels))
        labels = [_text(label) for label in m.labels]
        ax.set_xticks(ticks, labels, rotation=45 if max(map(len, labels)) > 3 else 0)
        ax.set_yticks(ticks, labels)
        ax.set(xlabel="predicted", ylabel="true", title=_text(m.name) if n > 1 else "")
        threshold = counts.max() / 2
        for i in range(len(ticks)):
            for j in range(len(ticks)):
                colour = "white" if counts[i, j] > threshold else "black"
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", color=colour, fontsize=9)
    if title:
        fig.suptitle(_text(title))
    save_figure(fig, path, "--plot", "confusion matrix")


def _palette(labels: list[str], plt: Any) -> list[Any]:
    """Colours per class: the labels' own when they all name distinct colours (`red`, `blue`), else tab10/tab20."""
    from matplotlib.colors import CSS4_COLORS, to_rgb

    named = [label.strip().lower() for label in labels]
    if all(n in CSS4_COLORS for n in named) and len(set(named)) == len(named):
        return [to_rgb(CSS4_COLORS[n]) for n in named]
    return list(plt.get_cmap("tab10" if len(labels) <= 10 else "tab20").colors[: len(labels)])


def check_two_inputs(net: Network) -> None:
    """Decision regions are drawn in the plane of the inputs, so there must be two."""
    if len(net.spec.inputs) != 2:
        raise net.spec.error(
            DataError,
            f"--plot-boundary draws the plane of a network with 2 inputs; this one has {len(net.spec.inputs)}",
            ("inputs",),
        )


def plot_boundary(net: Network, X: np.ndarray, T: np.ndarray, path: str, title: str = "") -> None:
    """The plane of a 2-input network coloured by the class it predicts (or by its output for a
    regression), with the rows ``X`` drawn on top in the colour of their true class (or target)."""
    check_two_inputs(net)
    plt = _pyplot()
    from matplotlib.colors import ListedColormap

    low, high = (X.min(axis=0), X.max(axis=0)) if len(X) else (np.full(2, -1.0), np.full(2, 1.0))
    # Written so that inputs spanning ±1e308 stay finite: the margin as a difference of tenths,
    # the plane clipped to a quarter of the float range (the grid's step is then finite too).
    margin = np.where(high > low, high * 0.1 - low * 0.1, 1.0)
    reach = np.finfo(np.float64).max / 4
    low, high = np.clip(low - margin, -reach, reach), np.clip(high + margin, -reach, reach)
    a, b = np.linspace(low[0], high[0], BOUNDARY_GRID), np.linspace(low[1], high[1], BOUNDARY_GRID)
    grid_a, grid_b = np.meshgrid(a, b)
    Y = net.predict(np.column_stack([grid_a.ravel(), grid_b.ravel()]))
    found = decisions(net)
    fig, ax = plt.subplots(figsize=(6.4, 5.4))
    x_name, y_name = (_text(n) for n in net.spec.inputs)
    if found:
        labels = found[0].labels
        palette = _palette(labels, plt)
        cmap = ListedColormap(palette)
        codes = class_codes(net.plan.loss, Y)[:, 0].reshape(grid_a.shape)
        ax.pcolormesh(a, b, codes, cmap=cmap, vmin=-0.5, vmax=len(labels) - 0.5, alpha=0.28, shading="auto")
        if len(labels) > 1:
            ax.contour(a, b, codes, levels=np.arange(len(labels)) + 0.5, colors="0.3", linewidths=0.8)
        if len(X):
            true = class_codes(net.plan.loss, T)[:, 0] if T.shape[1] else np.zeros(len(X), dtype=int)
            for k, label in enumerate(labels):
                mine = true == k
                if mine.any():
                    ax.scatter(
                        *X[mine].T, s=22, color=palette[k], edgecolors="black", linewidths=0.5, label=_text(label)
                    )
            ax.legend(title="true class", fontsize=8, loc="best")
        what = "decision regions" if len(found) == 1 else f"decision regions of {_text(found[0].name)}"
    else:
        values = Y[:, 0].reshape(grid_a.shape)
        mesh = ax.pcolormesh(a, b, values, cmap="viridis", shading="auto")
        fig.colorbar(mesh, ax=ax, label=f"output {_text(net.spec.outputs[0])}")
        if len(X) and T.shape[1]:
            ax.scatter(*X.T, c=T[:, 0], cmap="viridis", norm=mesh.norm, s=22, edgecolors="black", linewidths=0.5)
        what = f"output {_text(net.spec.outputs[0])}"
    ax.set(xlabel=x_name, ylabel=y_name, xlim=(low[0], high[0]), ylim=(low[1], high[1]))
    ax.set_title(f"{_text(title)}: {what}" if title else what)
    save_figure(fig, path, "--plot-boundary", "decision regions")
