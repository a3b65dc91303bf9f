"""The training curve: loss (and accuracy) per epoch, drawn with matplotlib (``train --plot``)."""

from __future__ import annotations

from ..engine.history import History, history_table
from .figure_files import save_figure

__all__ = ["plot_history"]


def plot_history(history: History, path: str, title: str = "", initial: dict[str, float] | None = None) -> None:
    """Draw the loss (and accuracy) per epoch into an SVG, PNG or PDF file, atomically;
    with ``initial`` (:func:`~graphengine.engine.metrics.evaluate` before training) the curves start at epoch 0."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = history_table(history, initial)
    epochs = table["epoch"]
    with_accuracy = "accuracy" in table
    fig, axes = plt.subplots(1, 2 if with_accuracy else 1, figsize=(10 if with_accuracy else 6, 4), squeeze=False)
    ax = axes[0, 0]
    ax.plot(epochs, table["loss"], label="training")
    if "val_loss" in table:
        ax.plot(epochs, table["val_loss"], label="validation")
        ax.legend()
    ax.set(xlabel="epoch", ylabel="loss", title="loss")
    if all(v > 0 for v in table["loss"]) and len(table["loss"]) > 1:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    if with_accuracy:
        ax = axes[0, 1]
        ax.plot(epochs, table["accuracy"], label="training")
        if "val_accuracy" in table:
            ax.plot(epochs, table["val_accuracy"], label="validation")
            ax.legend()
        ax.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0, 1.02))
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title.replace("$", r"\$"))  # a spec name is text, not matplotlib mathtext
    save_figure(fig, path, "--plot", "curve")
