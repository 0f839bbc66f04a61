"""Whole-process wall time of `meshguard lint` on one contract and on a whole repo.

Budget (DESIGN.md §9): < 0.15 s for one contract on a 2-core machine.
Times the `meshguard` console script and, in the same rounds (interleaved), the bare
interpreter start-up (`python -c pass`), so the figure can be read on a noisy machine;
prints medians.

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


def interleaved(cmds: list[list[str]], cwd: Path, runs: int) -> list[tuple[float, int]]:
    """Median wall time and exit code of each command, timed round by round (one warm-up round)."""
    samples: list[list[float]] = [[] for _ in cmds]
    codes = [0] * len(cmds)
    for r in range(runs + 1):
        for i, cmd in enumerate(cmds):
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, cwd=cwd, capture_output=True)
            if r:
                samples[i].append(time.perf_counter() - t0)
            codes[i] = proc.returncode
    return [(statistics.median(s), c) for s, c in zip(samples, codes, strict=True)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--contract", type=Path, default=None)
    ap.add_argument("--repo", type=Path, default=ROOT)
    args = ap.parse_args()
    repo = args.repo.resolve()
    contracts = sorted((repo / "contracts").rglob("*.odcs.yaml"))
    one = args.contract or (contracts[0] if contracts else ROOT / "src/meshguard/scaffold/contract.odcs.yaml")
    script = Path(sys.executable).with_name("meshguard")  # the console script a user runs
    exe = [str(script)] if script.exists() else [sys.executable, "-m", "meshguard"]
    cmds = [[sys.executable, "-c", "pass"], [*exe, "lint", str(one)]]
    if contracts:
        cmds.append([*exe, "lint", "contracts"])
    results = interleaved(cmds, repo, args.runs)
    (bare, _), (t_one, c_one) = results[0], results[1]
    print(f"python start-up (reference)        median {bare * 1000:7.1f} ms")
    print(f"meshguard lint, one contract       median {t_one * 1000:7.1f} ms  (exit {c_one}, budget 150 ms)")
    if contracts:
        t_all, c_all = results[2]
        print(
            f"meshguard lint, {len(contracts):3d} contracts      median {t_all * 1000:7.1f} ms  (exit {c_all})"
        )
    print(f"ratio one-contract lint / bare python: {t_one / bare:.1f}x")


if __name__ == "__main__":
    main()
