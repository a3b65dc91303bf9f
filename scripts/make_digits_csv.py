"""Write specs/data/digits.csv from scikit-learn's bundled 8×8 digits.

Source: scikit-learn's ``load_digits`` (scikit-learn is BSD-3-Clause), which is, in
its own words, "a copy of the test set of the UCI ML hand-written digits datasets"
(E. Alpaydin, C. Kaynak, 1998: "Optical Recognition of Handwritten Digits",
https://archive.ics.uci.edu/dataset/80). scikit-learn's documentation names no
licence for the data; the UCI Machine Learning Repository publishes its datasets
under CC BY 4.0 — cite the UCI page above when you reuse the data.

1797 samples, 64 pixel intensities 0..16 divided by 16 (so in [0, 1], written
exactly), columns ``pixel_0_0`` … ``pixel_7_7`` and the class in ``digit``.

Run (scikit-learn is needed only here, not by graphengine)::

    .venv/bin/pip install scikit-learn
    .venv/bin/python scripts/make_digits_csv.py
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "specs" / "data" / "digits.csv"


def main() -> int:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        print("error: this script needs scikit-learn: .venv/bin/pip install scikit-learn", file=sys.stderr)
        return 2
    digits = load_digits()
    assert digits.data.shape == (1797, 64)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*digits.feature_names, "digit"])
    for pixels, label in zip(digits.data, digits.target):
        # k/16 is exact in binary floating point, so `:g` writes it exactly (0.3125, not 0.31250000001).
        writer.writerow([f"{v / 16:g}" for v in pixels] + [int(label)])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(buffer.getvalue(), encoding="utf-8")
    print(f"wrote {OUT} ({len(digits.target)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
