"""Write specs/data/moons.csv and specs/data/moons_test.csv: two interleaving half-moons.

Synthetic (no source to credit): points on two half circles, the upper one centred at (0, 0)
labelled ``red``, the lower one centred at (1, 0.5) labelled ``blue``, each point moved by
Gaussian noise (σ = 0.15), rounded to 4 decimals. Seeded, so the files are always the same:
300 training rows (seed 0) and 200 test rows (seed 1)::

    .venv/bin/python scripts/make_moons_csv.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent.parent / "specs" / "data"


def moons(n: int, seed: int) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(angle), 1.0 - np.cos(angle))
    y = np.where(upper, np.sin(angle), 0.5 - np.sin(angle))
    points = np.column_stack([x, y]) + rng.normal(0.0, 0.15, (n, 2))
    return points.round(4), ["red" if u else "blue" for u in upper]


def write(path: Path, points: np.ndarray, labels: list[str]) -> None:
    rows = "".join(f"{a:.4f},{b:.4f},{label}\n" for (a, b), label in zip(points.tolist(), labels))
    path.write_text("x1,x2,colour\n" + rows, encoding="utf-8")


def main() -> int:
    write(DATA / "moons.csv", *moons(300, seed=0))
    write(DATA / "moons_test.csv", *moons(200, seed=1))
    print(f"wrote {DATA / 'moons.csv'} and {DATA / 'moons_test.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
