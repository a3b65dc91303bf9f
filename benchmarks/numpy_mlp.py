"""A hand-written numpy MLP: the bar graphengine's compiled engine is measured against.

tanh hidden layers, identity outputs, softmax cross-entropy (mean over the batch),
plain SGD — written the way one would by hand: one matrix product per layer forward,
two backward, no framework. Weights are ``(fan_in, fan_out)`` like graphengine's layers.
"""

from __future__ import annotations

import numpy as np


def log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


class MLP:
    def __init__(self, widths: list[int], seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.W = [rng.uniform(-1, 1, (a, b)) * np.sqrt(6 / (a + b)) for a, b in zip(widths, widths[1:])]
        self.b = [np.zeros(b) for b in widths[1:]]

    def forward(self, X: np.ndarray) -> list[np.ndarray]:
        """Every layer's output, the inputs first; the last entry holds the logits."""
        outs = [X]
        last = len(self.W) - 1
        for k, (W, b) in enumerate(zip(self.W, self.b)):
            z = outs[-1] @ W + b
            outs.append(z if k == last else np.tanh(z))
        return outs

    def loss(self, logits: np.ndarray, T: np.ndarray) -> float:
        return float(-(T * log_softmax(logits)).sum(axis=1).mean())

    def gradients(self, outs: list[np.ndarray], T: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """∂L/∂W and ∂L/∂b of the mean softmax cross-entropy."""
        d = (np.exp(log_softmax(outs[-1])) - T) / len(T)
        dW, db = [None] * len(self.W), [None] * len(self.W)
        for k in range(len(self.W) - 1, -1, -1):
            dW[k] = outs[k].T @ d
            db[k] = d.sum(axis=0)
            if k:
                d = (d @ self.W[k].T) * (1.0 - outs[k] * outs[k])
        return dW, db

    def sgd(self, dW: list[np.ndarray], db: list[np.ndarray], learning_rate: float) -> None:
        for W, b, gW, gb in zip(self.W, self.b, dW, db):
            W -= learning_rate * gW
            b -= learning_rate * gb

    def train_epoch(
        self, X: np.ndarray, T: np.ndarray, batch_size: int, learning_rate: float, rng: np.random.Generator
    ) -> tuple[float, float]:
        """One epoch of SGD, then the loss and accuracy on all data (as graphengine's train reports)."""
        n = len(X)
        if batch_size >= n:
            outs = self._full_outs if getattr(self, "_full_outs", None) is not None else self.forward(X)
            self.sgd(*self.gradients(outs, T), learning_rate)
        else:
            order = rng.permutation(n)
            for s in range(0, n, batch_size):
                idx = order[s : s + batch_size]
                self.sgd(*self.gradients(self.forward(X[idx]), T[idx]), learning_rate)
        # Full batch: this forward measures the loss and is the one the next step differentiates.
        self._full_outs = outs = self.forward(X)
        logits = outs[-1]
        return self.loss(logits, T), float(np.mean(logits.argmax(axis=1) == T.argmax(axis=1)))
