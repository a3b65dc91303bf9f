"""MLP 784-256-128-10 (ReLU, softmax cross-entropy, SGD lr 0.01, batch 128): seconds per epoch.

Synthetic data (20 000 samples, fixed seed). graphengine trains a `layers:` spec through
the normal path (Network.train, float64 and float32); the hand-written numpy MLP and
PyTorch (CPU, when installed) do the same work per epoch in the same dtype: the
mini-batch steps in a shuffled order, then loss and accuracy on all the data.
"""

from __future__ import annotations

import time

import numpy as np

N, WIDTHS, BATCH, LEARNING_RATE = 20_000, (784, 256, 128, 10), 128, 0.01
EPOCHS, REPEATS = 2, 3

SPEC = """\
inputs: [{name: x, size: 784}]
layers:
  - {name: h1, size: 256, from: x, activation: relu, init: he, seed: 0}
  - {name: h2, size: 128, from: h1, activation: relu, init: he, seed: 1}
  - {name: y, size: 10, from: h2, seed: 2}
outputs: [y]
loss: softmax_cross_entropy
training: {optimizer: sgd, learning_rate: 0.01, batch_size: 128, seed: 0}
"""


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (N, WIDTHS[0]))
    T = np.eye(WIDTHS[-1])[rng.integers(0, WIDTHS[-1], N)]
    return X, T


class NumpyMLP:
    """ReLU hidden layers, identity outputs, mean softmax cross-entropy, plain SGD — by hand."""

    def __init__(self, dtype: type, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.dtype = dtype
        self.W = [(rng.standard_normal((a, b)) * np.sqrt(2 / a)).astype(dtype) for a, b in zip(WIDTHS, WIDTHS[1:])]
        self.b = [np.zeros(b, dtype) for b in WIDTHS[1:]]

    def forward(self, X: np.ndarray) -> list[np.ndarray]:
        outs = [X]
        last = len(self.W) - 1
        for k, (W, b) in enumerate(zip(self.W, self.b)):
            z = outs[-1] @ W + b
            outs.append(z if k == last else np.maximum(z, 0))
        return outs

    def epoch(self, X: np.ndarray, T: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
        order = rng.permutation(len(X))
        for s in range(0, len(X), BATCH):
            idx = order[s : s + BATCH]
            outs = self.forward(X[idx])
            z = outs[-1]
            e = np.exp(z - z.max(axis=1, keepdims=True))
            d = (e / e.sum(axis=1, keepdims=True) - T[idx]) / len(idx)
            for k in range(len(self.W) - 1, -1, -1):
                gW, gb = outs[k].T @ d, d.sum(axis=0)
                if k:
                    d = (d @ self.W[k].T) * (outs[k] > 0)
                self.W[k] -= LEARNING_RATE * gW
                self.b[k] -= LEARNING_RATE * gb
        z = self.forward(X)[-1]
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return float(-(T * log_p).sum(axis=1).mean()), float(np.mean(z.argmax(axis=1) == T.argmax(axis=1)))


def torch_runner(X: np.ndarray, T: np.ndarray, dtype: str):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    torch.manual_seed(0)
    tdtype = getattr(torch, dtype)
    layers = []
    for k, (a, b) in enumerate(zip(WIDTHS, WIDTHS[1:])):
        layers.append(torch.nn.Linear(a, b, dtype=tdtype))
        if k < len(WIDTHS) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    Xt, yt = torch.from_numpy(X.astype(dtype)), torch.from_numpy(T.argmax(axis=1))
    loss_fn = torch.nn.CrossEntropyLoss()

    def run() -> None:
        for _ in range(EPOCHS):
            order = torch.randperm(len(Xt))
            for s in range(0, len(Xt), BATCH):
                idx = order[s : s + BATCH]
                opt.zero_grad(set_to_none=True)
                loss_fn(model(Xt[idx]), yt[idx]).backward()
                opt.step()
            with torch.no_grad():
                logits = model(Xt)
                float(loss_fn(logits, yt)), float((logits.argmax(1) == yt).double().mean())

    return run


def runners() -> dict:
    import graphengine

    X, T = data()
    result = {}
    for dtype in ("float64", "float32"):
        net = graphengine.Network.from_yaml(SPEC)
        net.X, net.T = X, T

        def ge(net=net, dtype=dtype) -> None:
            net.train(EPOCHS, dtype=dtype)

        mlp = NumpyMLP(np.dtype(dtype).type)
        Xd, Td = X.astype(dtype), T.astype(dtype)
        rng = np.random.default_rng(0)

        def hand(mlp=mlp, Xd=Xd, Td=Td, rng=rng) -> None:
            for _ in range(EPOCHS):
                mlp.epoch(Xd, Td, rng)

        result[f"graphengine {dtype}"] = ge
        result[f"numpy {dtype}"] = hand
        result[f"torch {dtype}"] = torch_runner(X, T, dtype)
    return result


def main(only: tuple[str, ...] = (), repeats: int = REPEATS) -> dict[str, float | None]:
    """CPU seconds per epoch per runner (``only`` these, if given): best of ``repeats``, runners
    taking turns. CPU time, not wall time: with one BLAS thread it is the work done, and other
    processes on a shared machine change it far less than the wall clock."""
    todo = {name: run for name, run in runners().items() if not only or name in only}
    best: dict[str, float | None] = {name: (None if run is None else float("inf")) for name, run in todo.items()}
    for _ in range(repeats):
        for name, run in todo.items():
            if run is None:
                continue
            start = time.process_time()
            run()
            best[name] = min(best[name], (time.process_time() - start) / EPOCHS)  # type: ignore[type-var]
    return best


if __name__ == "__main__":
    for name, seconds in main().items():
        print(f"{name:22s} {'skipped' if seconds is None else f'{seconds:.3f} CPU s/epoch'}")
