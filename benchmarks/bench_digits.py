"""Digits 64-32-10 (tanh, softmax cross-entropy, SGD lr 0.1): seconds per epoch.

graphengine trains a spec written with the dense-layer syntax whose data is
specs/data/digits.csv, through the normal path (load → Network.train). The
hand-written numpy MLP and PyTorch (CPU, float64) do the same work per epoch:
the mini-batch (or full-batch) steps, then loss and accuracy on all the data.
When specs/data/digits.csv is missing, random data of the same shape is used.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from numpy_mlp import MLP

ROOT = Path(__file__).resolve().parent.parent
CSV = ROOT / "specs" / "data" / "digits.csv"
EPOCHS, LEARNING_RATE, REPEATS = 10, 0.1, 7

SPEC = """\
name: digits benchmark
inputs: [{{name: pixel, size: 64}}]
layers:
  - {{name: hidden, size: 32, from: pixel, activation: tanh, seed: 0}}
  - {{name: digit, size: 10, from: hidden, seed: 1}}
outputs: [digit]
loss: softmax_cross_entropy
{data}
training: {{optimizer: sgd, learning_rate: {lr}}}
"""
CSV_DATA = """\
data:
  csv: {csv}
  inputs: {{prefix: pixel_}}
  one_hot: {{column: digit, classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}}
"""


def load_network():
    """The graphengine network, its data from the CSV (or random data of digits' shape)."""
    import graphengine

    data = CSV_DATA.format(csv=CSV) if CSV.exists() else ""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "digits.yaml"
        path.write_text(SPEC.format(data=data, lr=LEARNING_RATE))
        net = graphengine.load(path)
    if not CSV.exists():
        rng = np.random.default_rng(0)
        net.X = rng.uniform(0, 1, (1797, 64))
        net.T = np.eye(10)[rng.integers(0, 10, 1797)]
    return net


def interleaved(runners: dict) -> dict:
    """Seconds per epoch for each runner: the best of REPEATS runs of EPOCHS epochs, the
    runners taking turns so that a busy moment on the machine hurts them all alike."""
    best = dict.fromkeys(runners, float("inf"))
    for run in runners.values():
        run(1)  # warm-up
    for _ in range(REPEATS):
        for name, run in runners.items():
            start = time.perf_counter()
            run(EPOCHS)
            best[name] = min(best[name], (time.perf_counter() - start) / EPOCHS)
    return best


def graphengine_runner(batch: int):
    net = load_network()
    return lambda epochs: net.train(epochs, batch_size=batch, seed=0)


def numpy_runner(batch: int):
    net = load_network()  # the same data
    X, T = net.X, net.T
    mlp, rng = MLP([64, 32, 10]), np.random.default_rng(0)

    def run(epochs: int) -> None:
        for _ in range(epochs):
            mlp.train_epoch(X, T, batch, LEARNING_RATE, rng)

    return run


def torch_runner(batch: int):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    net = load_network()
    X, labels = torch.from_numpy(net.X), torch.from_numpy(net.T.argmax(axis=1))
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.Tanh(), torch.nn.Linear(32, 10)).double()
    opt = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(0)
    n = len(X)

    def run(epochs: int) -> None:
        for _ in range(epochs):
            order = torch.randperm(n, generator=generator) if batch < n else torch.arange(n)
            for s in range(0, n, batch):
                idx = order[s : s + batch]
                opt.zero_grad()
                loss_fn(model(X[idx]), labels[idx]).backward()
                opt.step()
            with torch.no_grad():  # loss and accuracy on all data, as the others report
                logits = model(X)
                float(loss_fn(logits, labels))
                float((logits.argmax(dim=1) == labels).double().mean())

    return run


def main() -> list[dict]:
    rows = []
    for batch in (32, 1797):
        runners = {"graphengine": graphengine_runner(batch), "numpy": numpy_runner(batch)}
        torch_run = torch_runner(batch)
        if torch_run is not None:
            runners["torch"] = torch_run
        rows.append({"batch": batch, "torch": None, **interleaved(runners)})
    return rows


if __name__ == "__main__":
    for row in main():
        print(row)
