"""Fuzz every parser of meshguard with generated hostile input (hypothesis, fixed seed).

    .venv/bin/python scripts/fuzz.py                    # 10,000 inputs per parser
    .venv/bin/python scripts/fuzz.py --examples 500 --only config lint

Each input must end in a result or a clear one-line MeshguardError; any other
exception, a native panic or an input that takes longer than 20 s is a crash.
Prints one row per parser; crashes go to benchmarks/_work/fuzz-crashes.json and
the exit code is 1 when there was one.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(PROJECT / "tests"), str(PROJECT / "src")]
os.environ.setdefault("RUST_BACKTRACE", "0")

from fuzzkit import Workdir, fuzz, strategies  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--only", nargs="*", default=None, help=f"parsers: {', '.join(strategies())}")
    args = ap.parse_args()
    names = args.only or list(strategies())
    if importlib.util.find_spec("meshguard.policy") is None and "waivers" in names:
        print("waivers: skipped (meshguard.policy.waivers is not in this checkout)")
        names.remove("waivers")
    work = Workdir()
    crashes = []
    print(f"{'parser':<16} {'inputs':>7} {'results':>8} {'errors':>7} {'crashes':>8} {'seconds':>8}")
    total = 0
    for name in names:
        t0 = time.perf_counter()
        tally = fuzz(name, args.examples, args.seed, work)
        total += tally.tried
        crashes += tally.crashes
        print(
            f"{name:<16} {tally.tried:>7} {tally.results:>8} {tally.errors:>7} {len(tally.crashes):>8}"
            f" {time.perf_counter() - t0:>8.1f}",
            flush=True,
        )
        top = sorted(tally.messages.items(), key=lambda kv: -kv[1])[:3]
        if top:
            print("    most frequent errors: " + "; ".join(f"{k} ×{n}" for k, n in top))
    print(f"total inputs: {total}, crashes: {len(crashes)}")
    if crashes:
        out = PROJECT / "benchmarks" / "_work" / "fuzz-crashes.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps([asdict(c) for c in crashes], indent=1), encoding="utf-8")
        print(f"crashes written to {out.relative_to(PROJECT)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
