"""Fuzz every parser of meshguard with generated hostile input (hypothesis, fixed seed).

    .venv/bin/python scripts/fuzz.py                    # 10,000 inputs per parser
    .venv/bin/python scripts/fuzz.py --examples 500 --only config lint

Each input must end in a result or a clear one-line MeshguardError; any other
exception, a native panic, a multi-line message or an input that takes longer
than 20 s is a crash. Each parser runs in a child process: when a native library
aborts the whole process on an input, that input is recorded as a crash and the
child restarts after it. Prints one row per parser; crashes go to
benchmarks/_work/fuzz-crashes.json and the exit code is 1 when there was one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
WORK = PROJECT / "benchmarks" / "_work"
sys.path[:0] = [str(PROJECT / "tests"), str(PROJECT / "src")]
os.environ.setdefault("RUST_BACKTRACE", "0")

from fuzzkit import fuzz, strategies  # noqa: E402


def child(name: str, examples: int, seed: int, skip: int) -> None:
    tally = fuzz(name, examples, seed, skip=skip, current=WORK / f"fuzz-current-{name}.json")
    print(json.dumps({**asdict(tally), "crashes": [asdict(c) for c in tally.crashes]}))


def parent(name: str, examples: int, seed: int) -> dict[str, object]:
    """Run ``name`` in children until every input was tried, surviving native aborts."""
    total = {"tried": 0, "results": 0, "errors": 0, "crashes": [], "messages": {}, "aborts": 0}
    skip = 0
    current = WORK / f"fuzz-current-{name}.json"
    while True:
        current.unlink(missing_ok=True)
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                name,
                "--examples",
                str(examples),
                "--seed",
                str(seed),
                "--skip",
                str(skip),
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode == 0:
            part = json.loads(proc.stdout.strip().splitlines()[-1])
            for key in ("tried", "results", "errors"):
                total[key] += part[key]  # type: ignore[operator]
            total["crashes"] += part["crashes"]  # type: ignore[operator]
            for k, v in part["messages"].items():
                total["messages"][k] = total["messages"].get(k, 0) + v  # type: ignore[union-attr,attr-defined]
            return total
        last = json.loads(current.read_text(encoding="utf-8"))  # the input that killed the process
        tail = [line for line in proc.stderr.splitlines() if line.strip()][-3:]
        total["aborts"] += 1  # type: ignore[operator]
        total["tried"] += last["n"] - skip  # type: ignore[operator]
        total["results"] += last["n"] - skip - 1  # an approximation: the inputs before it passed
        total["crashes"].append(  # type: ignore[union-attr]
            {
                "target": name,
                "error": f"process died (exit {proc.returncode}): " + " | ".join(tail),
                "input": last["input"],
            }
        )
        skip = last["n"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--only", nargs="*", default=None, help=f"parsers: {', '.join(strategies())}")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--skip", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    if args.child:
        child(args.child, args.examples, args.seed, args.skip)
        return 0
    crashes: list[object] = []
    total = 0
    print(
        f"{'parser':<16} {'inputs':>7} {'results':>8} {'errors':>7} {'crashes':>8} {'aborts':>7} {'seconds':>8}"
    )
    for name in args.only or list(strategies()):
        t0 = time.perf_counter()
        t = parent(name, args.examples, args.seed)
        total += int(t["tried"])  # type: ignore[call-overload]
        crashes += t["crashes"]  # type: ignore[arg-type]
        print(
            f"{name:<16} {t['tried']:>7} {t['results']:>8} {t['errors']:>7} {len(t['crashes']):>8}"  # type: ignore[arg-type]
            f" {t['aborts']:>7} {time.perf_counter() - t0:>8.1f}",
            flush=True,
        )
        top = sorted(t["messages"].items(), key=lambda kv: -kv[1])[:3]  # type: ignore[attr-defined]
        if top:
            print("    most frequent errors: " + "; ".join(f"{k} ×{n}" for k, n in top))
    print(f"total inputs: {total}, crashes: {len(crashes)}")
    if crashes:
        out = WORK / "fuzz-crashes.json"
        out.write_text(json.dumps(crashes, indent=1), encoding="utf-8")
        print(f"crashes written to {out.relative_to(PROJECT)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
