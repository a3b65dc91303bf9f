"""What a training run did: the loss (and accuracy) after every epoch, and that record as columns.

:class:`History` is what :meth:`Network.train <graphengine.engine.network.Network.train>` returns;
:func:`history_table` is its table (the ``history`` of ``train --json`` and the curve of ``--plot``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Callback", "History", "history_table"]

#: ``callback(epoch, loss, metrics)`` after every epoch; ``metrics`` may hold
#: ``accuracy``, ``val_loss`` and ``val_accuracy``.
Callback = Callable[[int, float, dict[str, float]], None]


@dataclass
class History:
    """What :meth:`Network.train` did: the loss (and accuracy) after every epoch."""

    losses: list[float]
    epochs: int
    interrupted: bool = False
    accuracies: list[float] | None = None  # for classification losses
    val_losses: list[float] | None = None  # with a validation split
    val_accuracies: list[float] | None = None
    optimizer: str = "sgd"
    learning_rate: float = 0.0

    @property
    def final_loss(self) -> float:
        return self.losses[-1] if self.losses else float("nan")

    def record(self, epoch: int, loss: float, metrics: dict[str, float]) -> None:
        """Epoch ``epoch`` done with ``loss`` and the :func:`~graphengine.engine.metrics.epoch_metrics`."""
        self.losses.append(loss)
        self.epochs = epoch
        columns = (("accuracy", self.accuracies), ("val_loss", self.val_losses), ("val_accuracy", self.val_accuracies))
        for key, column in columns:
            if column is not None and key in metrics:
                column.append(metrics[key])


def history_table(history: History, initial: dict[str, float] | None = None) -> dict[str, list[float]]:
    """The history as columns ``epoch``, ``loss`` (``accuracy``, ``val_loss``, ``val_accuracy``), starting
    with epoch 0 (the untrained network, measured by :func:`~graphengine.engine.metrics.evaluate`)
    when ``initial`` is given.

    >>> history_table(History([0.5, 0.25], 2), initial={"loss": 1.0})
    {'epoch': [0, 1, 2], 'loss': [1.0, 0.5, 0.25]}
    """
    columns = {
        "loss": history.losses,
        "accuracy": history.accuracies,
        "val_loss": history.val_losses,
        "val_accuracy": history.val_accuracies,
    }
    start = 0 if initial is not None else 1
    table: dict[str, list[float]] = {"epoch": list(range(start, len(history.losses) + 1))}
    for key, values in columns.items():
        if values is not None:
            table[key] = ([initial[key]] if initial is not None else []) + list(values)
    return table
