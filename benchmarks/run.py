"""Run every benchmark with one BLAS thread and print one table per benchmark.

    .venv/bin/python benchmarks/run.py            # everything (~3 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --quick    # skip 1M edges and the explicit-edge specs
    .venv/bin/python benchmarks/run.py mlp io     # only these sections (installs digits layered doc mlp io)
    .venv/bin/python benchmarks/run.py installs   # issue 24's figures in the core and the full install

(a) digits 64-32-10: seconds per epoch, graphengine vs hand-written numpy vs PyTorch
    (CPU, float64; `pip install torch==2.13.0` into .venv, skipped with a note otherwise);
(b) layered random networks, 1k-1M edges: load+validate+compile, forward+backward per
    batch of 64, peak memory — one process per measurement;
(c) `graphengine train specs/doc_example.yaml --epochs 10000` as a whole process vs
    benchmarks/doc_example_numpy.py (hyperfine when installed, else repeated runs);
(d) MLP 784-256-128-10 epoch, float64 and float32, vs hand-written numpy and PyTorch;
(0) installs: the acceptance figures (CSV, start-up, 10 000 epochs, 100k edges, float32 MLP)
    in the core install (benchmarks/.venv-core, made on first use) and this one, side by side;
(e) reading a 20 000 x 784 CSV (vs pandas, numpy.loadtxt; time and peak memory), a spec
    of 100k explicit edges, and trained specs of 100k / 1M weights (sidecar save/load).

The environment is set here, before numpy is imported, and inherited by every
subprocess: one BLAS/OpenMP thread, and OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset
together (they pin an old kernel that slows a current numpy); threadpoolctl reports
what was loaded. Not part of the test suite (pytest collects tests/ only).
"""

from __future__ import annotations

import os
import sys

os.environ.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
# Bytecode caches are written, as for a user (a child compiling every module each run is not).
for _name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "PYTHONDONTWRITEBYTECODE"):
    os.environ.pop(_name, None)

import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
PYTHON = sys.executable
GRAPHENGINE = str(Path(PYTHON).with_name("graphengine"))


def table(headers: list[str], rows: list[list]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def environment() -> str:
    try:
        from threadpoolctl import threadpool_info

        blas = [
            f"{i['internal_api']} {i.get('version')} ({i.get('architecture')}, {i['num_threads']} thread)"
            for i in threadpool_info()
        ]
    except ImportError:
        blas = ["unknown (.venv/bin/pip install threadpoolctl to see which BLAS and how many threads)"]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    try:
        import torch

        torch_version = f"torch {torch.__version__}"
    except ImportError:
        torch_version = "torch not installed (.venv/bin/pip install torch==2.13.0)"
    return (
        f"python {platform.python_version()}, numpy {np.__version__}, {torch_version}\n"
        f"cpu: {cpu}, {os.cpu_count()} cores; BLAS: {'; '.join(blas) or 'none found'}"
    )


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None else f"{a / b:.2f}x"


def digits() -> str:
    import bench_digits

    rows = []
    for r in bench_digits.main():
        label = "full batch (1797)" if r["batch"] == 1797 else f"batch {r['batch']}"
        t = r.get("torch")
        rows.append(
            [
                label,
                f"{r['graphengine'] * 1e3:.2f}",
                f"{r['numpy'] * 1e3:.2f}",
                "skipped" if t is None else f"{t * 1e3:.2f}",
                ratio(r["graphengine"], r["numpy"]),
                ratio(t, r["graphengine"]),
            ]
        )
    data = "specs/data/digits.csv" if bench_digits.CSV.exists() else "random data of the same shape"
    head = ["digits 64-32-10, ms/epoch", "graphengine", "numpy", "torch", "ge / numpy", "torch / ge"]
    note = f"(10 epochs, best of {bench_digits.REPEATS}, runs interleaved; SGD lr 0.1; data: {data})"
    return table(head, rows) + "\n" + note


def layered(quick: bool) -> str:
    import bench_layered

    rows = []
    numpy_pass: dict[tuple[str, bool, bool], float] = {}
    for size, edges in bench_layered.SIZES.items():
        if quick and edges > 100_000:
            continue
        impls = ["numpy", "layers"]
        if not quick and edges <= 100_000:
            impls.append("edges")
        if edges >= 10_000 and (not quick or edges <= 10_000) and edges <= 100_000:
            impls += ["sparse-numpy", "sparse-edges"]
        runs = [(impl, False) for impl in impls]
        if edges >= 100_000:
            runs += [("numpy", True), ("layers", True)]
        for impl, tuned in runs:
            r = bench_layered.measure(size, impl, malloc_tuned=tuned)
            if tuned:
                impl += " (malloc)"
            if "error" in r:
                rows.append([size, impl, "-", "-", "error: " + " ".join(r["error"]), "-", "-", "-"])
                continue
            sparse = impl.startswith("sparse")
            is_numpy = impl.split()[0].endswith("numpy")
            if is_numpy:
                numpy_pass[(size, sparse, tuned)] = r["pass_s"]
            load = f"{r['load_s']:.2f}" if "load_s" in r else "-"
            spec = f"{r['spec_mb']:.3f}" if "spec_mb" in r else "-"
            rows.append(
                [
                    size,
                    impl,
                    r["edges"],
                    spec,
                    load,
                    f"{r['pass_s'] * 1e3:.3f}",
                    "" if is_numpy else ratio(r["pass_s"], numpy_pass.get((size, sparse, tuned))),
                    f"{r['peak_mb']:.0f}",
                ]
            )
    head = ["edges", "implementation", "edges", "spec MB", "load+compile s", "fwd+bwd ms", "vs numpy", "peak MB"]
    note = (
        "(4 layers of width w, batch 64; layers = spec with `layers:`; edges = every edge written out;\n"
        " sparse = 5 % of the edges kept, scipy.sparse blocks; (malloc) = glibc told to keep freed\n"
        " memory (MALLOC_MMAP_THRESHOLD_), which spares numpy's multi-MB temporaries their page faults;\n"
        " load+compile excludes imports; peak = max RSS (VmHWM) of that process,\n"
        " imports included: python+numpy ~35 MB, graphengine's imports ~60 MB)"
    )
    return table(head, rows) + "\n" + note


def doc_example() -> str:
    commands = {
        "graphengine train (10000 epochs)": [GRAPHENGINE, "train", "specs/doc_example.yaml", "--epochs", "10000"],
        "numpy script (10000 epochs)": [PYTHON, "benchmarks/doc_example_numpy.py", "10000"],
        "graphengine validate (start, imports, load)": [GRAPHENGINE, "validate", "specs/doc_example.yaml"],
        "numpy script, 0 epochs (start, import numpy)": [PYTHON, "benchmarks/doc_example_numpy.py", "0"],
    }
    means: dict[str, float] = {}
    if shutil.which("hyperfine"):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "h.json"
            args = ["hyperfine", "-N", "--warmup", "2", "--runs", "15", "--export-json", str(out)]
            done = subprocess.run(
                [*args, *(" ".join(c) for c in commands.values())], cwd=ROOT, capture_output=True, text=True
            )
            if done.returncode:
                return f"doc example: hyperfine failed: {done.stderr.strip()[-500:]}"
            for name, result in zip(commands, json.loads(out.read_text())["results"]):
                means[name] = result["mean"]
        how = "hyperfine, 15 runs after 2 warm-ups, mean"
    else:
        for name, command in commands.items():
            times = []
            for _ in range(10):
                start = time.perf_counter()
                subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
                times.append(time.perf_counter() - start)
            means[name] = sum(times) / len(times)
        how = "10 runs, mean (install hyperfine for better statistics)"
    bar = means["numpy script (10000 epochs)"]
    rows = [[name, f"{t * 1e3:.0f}", ratio(t, bar)] for name, t in means.items()]
    inside = in_process()
    rows += [[name, f"{t * 1e3:.0f}", ratio(t, inside["numpy: train(10000) in-process"])] for name, t in inside.items()]
    return table(["doc example", "ms", "vs numpy"], rows) + f"\n(processes: {how}; in-process: best of 5)"


def in_process() -> dict[str, float]:
    """The 10000 training epochs alone, without process start, imports and loading."""
    import doc_example_numpy

    import graphengine

    net = graphengine.load(ROOT / "specs" / "doc_example.yaml")
    theta = net.theta.copy()

    def graphengine_train() -> None:
        net.theta = theta.copy()
        net.train(10000)

    result = {}
    for name, run in (
        ("graphengine: Network.train(10000) in-process", graphengine_train),
        ("numpy: train(10000) in-process", lambda: doc_example_numpy.train(10000)),
    ):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        result[name] = min(times)
    return result


def mlp() -> str:
    import bench_mlp

    best = bench_mlp.main()
    rows = []
    for dtype in ("float64", "float32"):
        ge, hand, torch = (best[f"{who} {dtype}"] for who in ("graphengine", "numpy", "torch"))
        rows.append(
            [
                dtype,
                f"{ge:.3f}",
                f"{hand:.3f}",
                "skipped" if torch is None else f"{torch:.3f}",
                ratio(ge, hand),
                ratio(ge, torch),
            ]
        )
    head = ["784-256-128-10, CPU s/epoch", "graphengine", "numpy", "torch", "ge / numpy", "ge / torch"]
    note = (
        f"(ReLU, softmax cross-entropy, SGD lr 0.01, batch {bench_mlp.BATCH}, {bench_mlp.N} synthetic samples;\n"
        f" {bench_mlp.EPOCHS} epochs per run, best of {bench_mlp.REPEATS}, runners interleaved; every epoch ends with\n"
        " loss and accuracy on all the data, in all three)"
    )
    return table(head, rows) + "\n" + note


def io() -> str:
    import contextlib
    import io as text_io

    import bench_io

    buffer = text_io.StringIO()
    with contextlib.redirect_stdout(buffer):
        bench_io.main([])
    return buffer.getvalue().rstrip()


def installs() -> str:
    import bench_installs

    return bench_installs.report()


SECTIONS = ("installs", "digits", "layered", "doc", "mlp", "io")


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    chosen = [a for a in argv if a in SECTIONS] or list(SECTIONS)
    print(environment(), end="\n\n", flush=True)
    if "installs" in chosen:
        print(installs(), end="\n\n", flush=True)
    if "mlp" in chosen:
        print(mlp(), end="\n\n", flush=True)
    if "io" in chosen:
        print(io(), end="\n\n", flush=True)
    if "digits" in chosen:
        print(digits(), end="\n\n", flush=True)
    if "layered" in chosen:
        print(layered(quick), end="\n\n", flush=True)
    if "doc" in chosen:
        print(doc_example(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
