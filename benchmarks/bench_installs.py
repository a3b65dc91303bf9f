"""Issue 24's acceptance figures, measured in the core install and the full one, side by side.

The core install is what ``./setup.sh`` gives a user: a virtual environment with ``pip install
-e .`` and no extras (made once in ``benchmarks/.venv-core``, or pass ``--core PYTHON``); the
full one is the interpreter running this script (``.venv``, every extra). Every figure is CPU
time (user + system) of whole processes or of the measured call, the median of several runs
with the contenders taking turns, one BLAS thread (set by benchmarks/run.py). Python writes
bytecode caches as it does for a user (``PYTHONDONTWRITEBYTECODE`` is unset for the children,
and each command runs once before it is timed): otherwise every run would compile
graphengine's ~60 modules from source while the baseline's packages have their caches.

* CSV: graphengine reading a 20 000 x 784 CSV / ``numpy.loadtxt`` of it; peak memory growth
  over the arrays' size (benchmarks/bench_io.py's child);
* start-up: ``graphengine run specs/doc_example.yaml --json`` / ``python -c "import numpy,
  networkx, pydantic, yaml"``;
* training: ``graphengine train specs/doc_example.yaml --epochs 10000`` /
  ``benchmarks/doc_example_numpy.py 10000``;
* big specs: ``graphengine.load`` of 100 000 explicit edges minus that of the worked example;
* MLP: a float32 784-256-128-10 epoch / the hand-written numpy float32 one (bench_mlp);
* and, without a goal, what bounds the start-up figures: the baseline imports plus click (the
  command line's parser, before any of graphengine's code) / the baseline; ``train --epochs 0``
  / the whole numpy script.

    .venv/bin/python benchmarks/bench_installs.py [--core PYTHON]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORE_VENV = HERE / ".venv-core"
REPEATS = 11

GOALS = {
    "csv_time": ("CSV read / numpy.loadtxt", 1.2),
    "csv_memory": ("CSV peak memory / arrays", 3.0),
    "startup": ("run --json / unavoidable imports", 1.2),
    "epochs": ("train 10000 epochs / numpy script", 2.0),
    "edges": ("100k edges load - worked example (s)", 2.0),
    "mlp32": ("float32 MLP epoch / numpy float32", 1.1),
}
# What bounds the start-up figures from below (no goal): the same imports plus click, before any
# of graphengine's code; train's start-up alone (0 epochs) against the whole numpy script.
FLOORS = {
    "click_floor": "imports + click / imports",
    "train_start": "train 0 epochs / numpy script (10000 epochs)",
}
_CLICK_FLOOR = "import numpy, networkx, pydantic, yaml, click"

_LOAD_CHILD = r"""
import gc, json, sys, time
import graphengine
graphengine.load(sys.argv[1])  # warm: imports and plugin discovery are not the spec's
result = {}
for name, path in (("doc", sys.argv[1]), ("edges", sys.argv[2])):
    gc.collect(); start = time.process_time(); graphengine.load(path); result[name] = time.process_time() - start
print(json.dumps(result))
"""

_MLP_CHILD = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import bench_mlp
best = bench_mlp.main(only=("graphengine float32", "numpy float32"), repeats=5)
print(json.dumps(best))
"""


def core_python() -> Path:
    """The core install's interpreter, made on first use (needs PyPI once)."""
    python = CORE_VENV / "bin" / "python"
    if not python.exists():
        print(f"(making the core install in {CORE_VENV}: python -m venv + pip install -e .)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(CORE_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", str(ROOT)], check=True
        )
    return python


def cpu_seconds(command: list[str]) -> float:
    """User + system CPU time of one whole process (its output discarded)."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    if status:
        raise RuntimeError(f"{' '.join(command)} failed: {process.stderr.read().decode()[-500:]}")  # type: ignore[union-attr]
    return usage.ru_utime + usage.ru_stime


def median_ratio(numerator: list[str], denominator: list[str], repeats: int = REPEATS) -> tuple[float, float, float]:
    """(median numerator s, median denominator s, their ratio), the two commands taking turns
    after one untimed run each (bytecode caches written, files in the page cache)."""
    cpu_seconds(numerator)
    cpu_seconds(denominator)
    top, bottom = [], []
    for _ in range(repeats):
        top.append(cpu_seconds(numerator))
        bottom.append(cpu_seconds(denominator))
    return statistics.median(top), statistics.median(bottom), statistics.median(top) / statistics.median(bottom)


def measure(python: Path) -> dict[str, tuple[float, str]]:
    """Each acceptance figure in the install of ``python``: (value, how it was obtained)."""
    sys.path.insert(0, str(HERE))
    import bench_io
    import bench_layered

    graphengine = str(python.with_name("graphengine"))
    figures: dict[str, tuple[float, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        csv = bench_io.write_csv(Path(tmp))
        runs: dict[str, list[dict]] = {"graphengine": [], "loadtxt": []}
        for _ in range(3):
            for reader, arg in (("graphengine", csv.with_suffix(".yaml")), ("loadtxt", csv)):
                code = bench_io.CHILD.format(here=str(HERE))
                done = subprocess.run([str(python), "-c", code, reader, str(arg)], capture_output=True, text=True)
                runs[reader].append(json.loads(done.stdout) if not done.returncode else {"cpu": float("nan")})
        ge = min(runs["graphengine"], key=lambda r: r["cpu"])
        lt = min(runs["loadtxt"], key=lambda r: r["cpu"])
        figures["csv_time"] = (ge["cpu"] / lt["cpu"], f"{ge['cpu']:.2f} s / {lt['cpu']:.2f} s")
        figures["csv_memory"] = (
            ge["peak_growth_mb"] / ge["arrays_mb"],
            f"+{ge['peak_growth_mb']:.0f} MB / {ge['arrays_mb']:.0f} MB",
        )
        edges = Path(tmp) / "edges.yaml"
        edges.write_text(bench_layered.edges_spec(bench_layered.width(100_000)))
        loads = []
        for _ in range(3):
            done = subprocess.run(
                [str(python), "-c", _LOAD_CHILD, "specs/doc_example.yaml", str(edges)],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            loads.append(json.loads(done.stdout))
        edges_s = statistics.median(r["edges"] for r in loads)
        doc_s = statistics.median(r["doc"] for r in loads)
        figures["edges"] = (edges_s - doc_s, f"{edges_s:.2f} s - {doc_s:.3f} s")
    run, imports, ratio = median_ratio(
        [graphengine, "run", "specs/doc_example.yaml", "--json"],
        [str(python), "-c", "import numpy, networkx, pydantic, yaml"],
        repeats=21,  # a 50 ms difference on a noisy machine: more turns than the others
    )
    figures["startup"] = (ratio, f"{run * 1e3:.0f} ms / {imports * 1e3:.0f} ms")
    train, script, ratio = median_ratio(
        [graphengine, "train", "specs/doc_example.yaml", "--epochs", "10000"],
        [str(python), "benchmarks/doc_example_numpy.py", "10000"],
    )
    figures["epochs"] = (ratio, f"{train * 1e3:.0f} ms / {script * 1e3:.0f} ms")
    floor, imports, ratio = median_ratio(
        [str(python), "-c", _CLICK_FLOOR], [str(python), "-c", "import numpy, networkx, pydantic, yaml"], repeats=15
    )
    figures["click_floor"] = (ratio, f"{floor * 1e3:.0f} ms / {imports * 1e3:.0f} ms")
    start, script, ratio = median_ratio(
        [graphengine, "train", "specs/doc_example.yaml", "--epochs", "0"],
        [str(python), "benchmarks/doc_example_numpy.py", "10000"],
    )
    figures["train_start"] = (ratio, f"{start * 1e3:.0f} ms / {script * 1e3:.0f} ms")
    done = subprocess.run([str(python), "-c", _MLP_CHILD, str(HERE)], cwd=ROOT, capture_output=True, text=True)
    mlp = json.loads(done.stdout)
    figures["mlp32"] = (
        mlp["graphengine float32"] / mlp["numpy float32"],
        f"{mlp['graphengine float32']:.3f} s / {mlp['numpy float32']:.3f} s",
    )
    return figures


def report(core: Path | None = None) -> str:
    """The side-by-side table of both installs."""
    from run import table

    installs = {"core": measure(core or core_python()), "full": measure(Path(sys.executable))}
    rows = []
    for key, (label, goal) in GOALS.items():
        row = [label, f"<= {goal:g}"]
        for figures in installs.values():
            value, how = figures[key]
            row.append(f"{value:.2f} {'met' if value <= goal else 'NOT met'} ({how})")
        rows.append(row)
    for key, label in FLOORS.items():
        rows.append(
            [label, "(bound)", *(f"{figures[key][0]:.2f} ({figures[key][1]})" for figures in installs.values())]
        )
    return table(["figure (CPU time, median of runs)", "goal", "core install", "full install"], rows)


if __name__ == "__main__":
    os.environ.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    arguments = sys.argv[1:]
    core = Path(arguments[arguments.index("--core") + 1]) if "--core" in arguments else None
    sys.path.insert(0, str(HERE))
    print(report(core))
