"""Whole-process wall time of `meshguard lint` on one contract and on a whole repo.

Budget (DESIGN.md §9): < 0.15 s for one contract on a 2-core machine.
Prints the median of N runs and, side by side, the bare interpreter start-up
(`python -c pass`) so the figure can be read on a noisy machine.

    python benchmarks/lint_latency.py [--runs 15] [--contract PATH] [--repo DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], cwd: Path, runs: int) -> tuple[float, int]:
    samples = []
    code = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True)
        samples.append(time.perf_counter() - t0)
        code = proc.returncode
    return statistics.median(samples), code


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--contract", type=Path, default=None)
    ap.add_argument("--repo", type=Path, default=ROOT)
    args = ap.parse_args()
    repo = args.repo.resolve()
    contracts = sorted((repo / "contracts").rglob("*.odcs.yaml"))
    one = args.contract or (contracts[0] if contracts else ROOT / "src/meshguard/scaffold/example.odcs.yaml")
    exe = [sys.executable, "-m", "meshguard"]
    bare, _ = timed([sys.executable, "-c", "pass"], repo, args.runs)
    t_one, c_one = timed([*exe, "lint", str(one)], repo, args.runs)
    print(f"python start-up (reference)        median {bare * 1000:7.1f} ms")
    print(f"meshguard lint, one contract       median {t_one * 1000:7.1f} ms  (exit {c_one}, budget 300 ms)")
    if contracts:
        t_all, c_all = timed([*exe, "lint", "contracts"], repo, args.runs)
        print(
            f"meshguard lint, {len(contracts):3d} contracts      median {t_all * 1000:7.1f} ms  (exit {c_all})"
        )
    print(f"ratio one-contract lint / bare python: {t_one / bare:.1f}x")


if __name__ == "__main__":
    main()
