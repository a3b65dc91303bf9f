"""Layered random networks of 1k to 1M edges: load+validate+compile time, forward+backward
time per batch of 64, and the process's peak memory.

Each measurement runs in its own process (``python bench_layered.py one SIZE IMPL``),
so that peak RSS belongs to that size alone. The network: 4 dense tanh/identity layers
of width w (4·w² edges), softmax cross-entropy over w classes. graphengine reads it
from a spec file — dense-layer syntax (``layers:``), or every edge written out
(``edges:``, the explicit form, for the sizes where that is practical) — and a pass is
``gradient(plan, θ, forward(plan, θ, X), T)``, what training runs per batch. The
hand-written numpy equivalent (numpy_mlp.MLP) does the same forward and backward.
A ``sparse`` variant keeps 5 % of the edges of a 4·w² network (w chosen for the same
edge count) and runs through the engine's scipy.sparse blocks; its bar is scipy.sparse
by hand.
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BATCH, DEPTH, DENSITY = 64, 4, 0.05
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def width(edges: int, density: float = 1.0) -> int:
    return round(math.sqrt(edges / (DEPTH * density)))


def layers_spec(w: int) -> str:
    lines = ["name: layered", f"inputs: [{{name: x, size: {w}}}]", "layers:"]
    previous = "x"
    for k in range(DEPTH):
        activation = "tanh" if k < DEPTH - 1 else "identity"
        lines.append(f"  - {{name: l{k}, size: {w}, from: {previous}, activation: {activation}, seed: {k}}}")
        previous = f"l{k}"
    lines += [f"outputs: [{previous}]", "loss: softmax_cross_entropy", ""]
    return "\n".join(lines)


def edges_spec(w: int, density: float = 1.0, seed: int = 0) -> str:
    """Every node and edge written out, weights inline (source-major edge order)."""
    rng = np.random.default_rng(seed)
    names = [[f"n{k}_{i}" for i in range(w)] for k in range(DEPTH + 1)]
    lines = ["name: layered", f"inputs: [{', '.join(names[0])}]", f"outputs: [{', '.join(names[-1])}]", "nodes:"]
    for k in range(1, DEPTH + 1):
        activation = "tanh" if k < DEPTH else "identity"
        lines += [f"  {v}: {{activation: {activation}, bias: 0.0}}" for v in names[k]]
    lines.append("edges:")
    for k in range(DEPTH):
        keep = rng.random((w, w)) < density
        scale = 1.0 / math.sqrt(w * density)
        weights = rng.uniform(-scale, scale, (w, w))
        for i, u in enumerate(names[k]):
            for j in np.flatnonzero(keep[i]).tolist():
                lines.append(f"  - {{from: {u}, to: {names[k + 1][j]}, weight: {weights[i, j]:.6f}}}")
    lines += ["loss: softmax_cross_entropy", ""]
    return "\n".join(lines)


def data(w: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return rng.normal(size=(BATCH, w)), np.eye(w)[rng.integers(0, w, BATCH)]


def time_pass(run) -> float:
    """Best seconds per call, calling enough times to fill ~1 s (at least 3)."""
    run()
    start = time.perf_counter()
    run()
    once = time.perf_counter() - start
    number = max(3, min(2000, int(0.2 / max(once, 1e-7))))
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(number):
            run()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def one(size: str, impl: str) -> dict:
    """One measurement in this process; impl: layers | edges | numpy | sparse-edges | sparse-numpy."""
    edges = SIZES[size]
    sparse = impl.startswith("sparse")
    w = width(edges, DENSITY if sparse else 1.0)
    X, T = data(w)
    result: dict = {"size": size, "impl": impl, "width": w}
    if impl in ("layers", "edges", "sparse-edges"):
        import graphengine
        from graphengine.engine.compute import forward, gradient

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "layered.yaml"
            text = layers_spec(w) if impl == "layers" else edges_spec(w, DENSITY if sparse else 1.0)
            path.write_text(text)
            result["spec_mb"] = len(text) / 1e6
            start = time.perf_counter()
            net = graphengine.load(path)
            result["load_s"] = time.perf_counter() - start
        plan, theta = net.plan, net.theta
        result["edges"] = net.graph.number_of_edges()
        result["blocks"] = sorted({b.kind for level in plan.levels for b in level.blocks})
        result["pass_s"] = time_pass(lambda: gradient(plan, theta, forward(plan, theta, X), T))
    elif impl == "numpy":
        from numpy_mlp import MLP

        mlp = MLP([w] * (DEPTH + 1))
        result["edges"] = DEPTH * w * w
        result["pass_s"] = time_pass(lambda: mlp.gradients(mlp.forward(X), T))
    elif impl == "sparse-numpy":
        result.update(_sparse_numpy(w, X, T))
    result["peak_mb"] = peak_mb()
    return result


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would include the parent's
    high-water mark inherited through fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sparse_numpy(w: int, X: np.ndarray, T: np.ndarray) -> dict:
    """scipy.sparse by hand: CSR weights; each stored weight's gradient read out of a dense xᵀδ."""
    import scipy.sparse as sp
    from numpy_mlp import log_softmax

    rng = np.random.default_rng(0)
    Ws = [sp.random(w, w, density=DENSITY, format="csr", random_state=rng) for _ in range(DEPTH)]
    coords = [(W.tocoo().row, W.tocoo().col) for W in Ws]

    def run() -> list[np.ndarray]:
        outs = [X]
        for k, W in enumerate(Ws):
            z = (W.T @ outs[-1].T).T
            outs.append(z if k == DEPTH - 1 else np.tanh(z))
        d = (np.exp(log_softmax(outs[-1])) - T) / len(T)
        grads = [None] * DEPTH
        for k in range(DEPTH - 1, -1, -1):
            rows, cols = coords[k]
            grads[k] = (outs[k].T @ d)[rows, cols]
            if k:
                d = (Ws[k] @ d.T).T * (1.0 - outs[k] * outs[k])
        return grads

    return {"edges": sum(W.nnz for W in Ws), "pass_s": time_pass(run)}


# glibc hands out blocks over 128 KB with mmap and returns them on free, so code that
# allocates multi-MB temporaries every call (the hand-written numpy MLP's ``outs[k].T @ d``)
# pays page faults each time; with these settings both sides keep their memory.
MALLOC_TUNED = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 31)}


def measure(size: str, impl: str, malloc_tuned: bool = False) -> dict:
    """Run :func:`one` in a fresh process (same environment) and read its JSON line."""
    env = {**os.environ, **(MALLOC_TUNED if malloc_tuned else {})}
    done = subprocess.run(
        [sys.executable, str(Path(__file__)), "one", size, impl], capture_output=True, text=True, cwd=HERE, env=env
    )
    if done.returncode:
        return {"size": size, "impl": impl, "error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(explicit_limit: int = 100_000) -> list[dict]:
    rows = []
    for size, edges in SIZES.items():
        impls = ["layers", "numpy"]
        if edges <= explicit_limit:
            impls.append("edges")
        if edges >= 10_000:
            impls += ["sparse-edges", "sparse-numpy"] if edges <= explicit_limit else []
        rows += [measure(size, impl) for impl in impls]
    return rows


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "one":
        sys.path.insert(0, str(HERE))
        print(json.dumps(one(sys.argv[2], sys.argv[3])))
    else:
        for row in main():
            print(row)
