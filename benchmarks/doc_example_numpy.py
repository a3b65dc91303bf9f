"""The worked example (specs/doc_example.yaml) trained by hand-written numpy: the bar for
``graphengine train specs/doc_example.yaml --epochs 10000`` as a whole process.

2-2-2 sigmoid network, half squared error, full batch, learning rate 0.5, biases frozen
(b1, b2 are not trainable in the spec). Prints the final loss and weights.
"""

import sys

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def train(epochs: int) -> tuple[float, np.ndarray, np.ndarray]:
    """Train for ``epochs`` full-batch steps; the final loss and weight matrices."""
    X = np.array([[0.05, 0.10]])
    T = np.array([[0.01, 0.99]])
    W1 = np.array([[0.15, 0.25], [0.20, 0.30]])  # [input, hidden]: w1 w3 / w2 w4
    W2 = np.array([[0.40, 0.50], [0.45, 0.55]])  # [hidden, output]: w5 w7 / w6 w8
    b1, b2, lr = 0.35, 0.60, 0.5
    losses = []  # the loss every epoch, as graphengine's training history keeps
    for _ in range(epochs):
        h = sigmoid(X @ W1 + b1)
        y = sigmoid(h @ W2 + b2)
        losses.append(0.5 * float(np.sum((T - y) ** 2)))
        d2 = (y - T) * y * (1.0 - y)
        d1 = (d2 @ W2.T) * h * (1.0 - h)
        W2 -= lr * (h.T @ d2)
        W1 -= lr * (X.T @ d1)
    h = sigmoid(X @ W1 + b1)
    y = sigmoid(h @ W2 + b2)
    return 0.5 * np.sum((T - y) ** 2), W1, W2


def main(epochs: int) -> None:
    loss, W1, W2 = train(epochs)
    print(f"doc_example: {epochs} epoch(s), loss → {loss:.7g}")
    print("  w1 w3 w2 w4 =", W1.ravel(), " w5 w7 w6 w8 =", W2.ravel())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000)
