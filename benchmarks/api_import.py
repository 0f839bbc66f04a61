"""Whole-process cost of importing the Python API, side by side with a bare interpreter.

``import meshguard`` must stay light (an orchestrator imports it in every task
process): it loads the package and its version only; the API, and what it
needs, load on first use. Prints medians of interleaved runs and the ratios.

    python benchmarks/api_import.py [--runs 25]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "python -c pass (reference)": "pass",
    "import meshguard": "import meshguard",
    "meshguard.check resolved": "import meshguard; meshguard.check",
    "meshguard.cli imported": "import meshguard.cli",
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=25)
    args = ap.parse_args()
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(args.runs):  # interleaved: a noisy neighbour slows every case alike
        for name, code in CASES.items():
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
            samples[name].append(time.perf_counter() - t0)
    bare = statistics.median(samples["python -c pass (reference)"])
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:28s} median {median * 1000:7.1f} ms   {median / bare:5.2f}x bare python")


if __name__ == "__main__":
    main()
