"""Reading and writing at real sizes, each measurement in its own process (time and peak memory).

* CSV: a synthetic 20 000 × 784 pixel table (integers 0-255 and a label column, fixed seed)
  read by graphengine (the spec's `data: {csv: ...}`), pandas.read_csv (C engine, float64)
  and numpy.loadtxt; peak memory is the process's peak RSS (VmHWM) growth over what it held
  after its imports (so the imports of pandas do not count against anyone).
* Big specs: 100 000 explicit edges (`edges:` written out, 4.7 MB of YAML): graphengine.load
  vs PyYAML's C loader alone (GC off) vs json.loads of the same data.
* Trained specs: a layered spec of ~100k and ~1M weights — load untrained, save trained
  (sidecar), load trained.

    .venv/bin/python benchmarks/bench_io.py [csv|spec|sidecar ...]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ROWS, PIXELS = 20_000, 784

CHILD = r"""
import gc, json, sys, time
sys.path.insert(0, {here!r})
import numpy as np
what, path = sys.argv[1], sys.argv[2]
def status_mb(key):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(key)) / 1024
def rss_mb():
    return status_mb("VmRSS")
out = {{}}
if what == "graphengine":
    import graphengine.engine.data, graphengine.spec.load
    spec = graphengine.spec.load.load_spec(path)
    before = rss_mb(); t = time.perf_counter(); c = time.process_time()
    data = graphengine.engine.data.load_data(spec)
    out["s"] = time.perf_counter() - t; out["cpu"] = time.process_time() - c; arrays = data.X.nbytes + data.T.nbytes
elif what == "pandas":
    import pandas as pd
    before = rss_mb(); t = time.perf_counter(); c = time.process_time()
    X = pd.read_csv(path, engine="c", dtype=np.float64).to_numpy(np.float64)
    out["s"] = time.perf_counter() - t; out["cpu"] = time.process_time() - c; arrays = X.nbytes
elif what == "loadtxt":
    before = rss_mb(); t = time.perf_counter(); c = time.process_time()
    X = np.loadtxt(path, delimiter=",", skiprows=1)
    out["s"] = time.perf_counter() - t; out["cpu"] = time.process_time() - c; arrays = X.nbytes
elif what == "load":
    import graphengine
    before = rss_mb(); t = time.perf_counter(); c = time.process_time()
    net = graphengine.load(path)
    out["s"] = time.perf_counter() - t; out["cpu"] = time.process_time() - c; arrays = net.theta.nbytes
    if len(sys.argv) > 3:  # then save it trained, and load that
        net.theta += 0.001
        c = time.process_time(); net.save(sys.argv[3]); out["save_cpu"] = time.process_time() - c
        del net; gc.collect()
        c = time.process_time(); again = graphengine.load(sys.argv[3]); out["reload_cpu"] = time.process_time() - c
        out["sidecar"] = "weights_file" in open(sys.argv[3]).read()
elif what == "yaml":
    import yaml
    text = open(path).read(); before = rss_mb()
    gc.disable(); t = time.perf_counter(); c = time.process_time(); data = yaml.load(text, Loader=yaml.CSafeLoader)
    out["s"] = time.perf_counter() - t; out["cpu"] = time.process_time() - c; gc.enable(); arrays = 0
elif what == "json":
    import yaml
    text = json.dumps(yaml.load(open(path).read(), Loader=yaml.CSafeLoader)); before = rss_mb()
    t = time.perf_counter(); c = time.process_time(); json.loads(text); out["s"] = time.perf_counter() - t; out["cpu"] = time.process_time() - c; arrays = 0
peak = status_mb("VmHWM")  # not ru_maxrss: that keeps the parent's peak across exec
out.update(peak_growth_mb=peak - before, arrays_mb=arrays / 2**20)
print(json.dumps(out))
"""


def child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(here=str(HERE)), *args], capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout)


def write_csv(folder: Path) -> Path:
    import numpy as np

    rng = np.random.default_rng(0)
    table = np.column_stack([rng.integers(0, 256, (ROWS, PIXELS)), rng.integers(0, 10, ROWS)])
    path = folder / "pixels.csv"
    header = ",".join([f"pixel_{i}" for i in range(PIXELS)] + ["label"])
    np.savetxt(path, table, fmt="%d", delimiter=",", header=header, comments="")
    (folder / "pixels.yaml").write_text(
        f"inputs: [{{name: x, size: {PIXELS}}}]\nlayers:\n  - {{name: y, size: 10, from: x}}\noutputs: [y]\n"
        "loss: softmax_cross_entropy\ndata: {csv: pixels.csv, inputs: {prefix: pixel_}, one_hot: label}\n"
    )
    return path


def csv_rows(repeats: int = 3) -> list[dict]:
    """Best of ``repeats`` per reader, readers taking turns."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp))
        size_mb = path.stat().st_size / 2**20
        best: dict[str, dict] = {}
        for _ in range(repeats):
            for reader, arg in (("graphengine", path.with_suffix(".yaml")), ("pandas", path), ("loadtxt", path)):
                r = child(reader, str(arg))
                if "error" in r:
                    best[reader] = r
                elif reader not in best or r["cpu"] < best[reader]["cpu"]:
                    best[reader] = r
    for r in best.values():
        r["file_mb"] = size_mb
    return [{"reader": k, **v} for k, v in best.items()]


def spec_rows(repeats: int = 3) -> list[dict]:
    import bench_layered

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "edges.yaml"
        path.write_text(bench_layered.edges_spec(bench_layered.width(100_000)))
        best: dict[str, dict] = {}
        for _ in range(repeats):
            for what in ("load", "yaml", "json"):
                r = child(what, str(path))
                if what not in best or r.get("cpu", 1e9) < best[what].get("cpu", 1e9):
                    best[what] = r
        return [{"what": k, "mb": path.stat().st_size / 2**20, **v} for k, v in best.items()]


def sidecar_rows() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, widths in (("100k", (300, 300, 30)), ("1M", (1000, 1000, 2))):
            path = Path(tmp) / f"u{label}.yaml"
            lines = [f"inputs: [{{name: x, size: {widths[0]}}}]", "layers:"]
            lines += [f"  - {{name: h, size: {widths[1]}, from: x, activation: relu, seed: 1}}"]
            lines += [f"  - {{name: y, size: {widths[2]}, from: h, seed: 2}}", "outputs: [y]", ""]
            path.write_text("\n".join(lines))
            r = child("load", str(path), str(Path(tmp) / f"t{label}.yaml"))
            rows.append({"size": label, **r})
    return rows


def main(parts: list[str]) -> None:
    parts = parts or ["csv", "spec", "sidecar"]
    if "csv" in parts:
        rows = csv_rows()
        pandas_cpu = next((r["cpu"] for r in rows if r["reader"] == "pandas" and "cpu" in r), None)
        print(f"CSV {ROWS} x {PIXELS + 1} ({rows[0].get('file_mb', 0):.0f} MB)")
        for r in rows:
            if "error" in r:
                print(f"  {r['reader']:12s} error: {r['error']}")
                continue
            print(
                f"  {r['reader']:12s} {r['cpu']:6.2f} s CPU ({r['s']:5.2f} s wall)  {r['cpu'] / pandas_cpu:5.2f}x pandas"
                f"   peak +{r['peak_growth_mb']:5.0f} MB"
                f" = {r['peak_growth_mb'] / r['arrays_mb']:4.2f}x the {r['arrays_mb']:.0f} MB of arrays"
            )
    if "spec" in parts:
        for r in spec_rows():
            print(
                f"  100k explicit edges ({r['mb']:.1f} MB) {r['what']:5s} {r.get('cpu', float('nan')):6.2f} s CPU"
                f" ({r.get('s', float('nan')):5.2f} s wall) {r.get('error', '')}"
            )
    if "sidecar" in parts:
        for r in sidecar_rows():
            if "error" in r:
                print(f"  trained {r['size']}: error {r['error']}")
                continue
            ratio = (r["save_cpu"] + r["reload_cpu"]) / r["cpu"]
            print(
                f"  trained spec {r['size']:4s} (CPU s): load untrained {r['cpu']:.2f}, save {r['save_cpu']:.2f},"
                f" load trained {r['reload_cpu']:.2f}; save+load = {ratio:.2f}x the untrained load"
                f" (sidecar: {r['sidecar']})"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
