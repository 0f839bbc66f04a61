"""What the status line costs: ``meshguard check`` on a large CSV with its stderr on a
terminal (the status line drawn from the first step, redrawn as steps arrive and every
quarter second) vs the same run with stderr on a pipe (no status line).

Generates N rows of customers (one planted defect: a row count over the contract's
maximum) as CSV under benchmarks/_work/progress/ in a child process, then alternates the
two runs, each a whole process (cold imports), and prints the wall times side by side,
their medians and the median of the per-run ratios. Both sides must fail the gate
(exit 1: the defect found); the terminal side must have drawn status frames.

    python benchmarks/progress.py [--rows N] [--runs R]
"""

from __future__ import annotations

import argparse
import os
import pty
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work" / "progress"

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: customers
name: customers
version: 1.0.0
status: active
team: {name: bench}
servers:
  - {server: s, type: local, path: data/customers.csv, format: csv}
schema:
  - name: customers
    properties:
      - {name: customer_id, logicalType: integer, required: true, primaryKey: true}
      - {name: email, logicalType: string, classification: restricted, logicalTypeOptions: {pattern: "^[^@]+@[^@]+$"}}
      - {name: age, logicalType: integer, logicalTypeOptions: {minimum: 0, maximum: 120}}
      - name: tier
        logicalType: string
        quality:
          - {metric: invalidValues, arguments: {validValues: [gold, silver, bronze]}, mustBe: 0}
    quality:
      - {metric: rowCount, mustBeBetween: [1, 1000]}
"""

GENERATE = """\
import sys
import polars as pl
n, path = int(sys.argv[1]), sys.argv[2]
i = pl.int_range(0, n, eager=True)
pl.DataFrame({
    "customer_id": i,
    "email": "person" + i.cast(pl.String) + "@example.org",
    "age": (i % 90).cast(pl.Int64),
    "tier": (i % 3).replace_strict({0: "gold", 1: "silver", 2: "bronze"}, return_dtype=pl.String),
}).write_csv(path)
"""

COMMAND = ("-m", "meshguard", "check", "--no-history", "--no-reports", "--no-policy")


def make_repo(rows: int) -> Path:
    repo = WORK / f"repo-{rows}"
    data = repo / "data" / "customers.csv"
    if not data.exists():
        data.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-c", GENERATE, str(rows), str(data)], check=True)
    (repo / "contracts").mkdir(exist_ok=True)
    (repo / "contracts" / "customers.odcs.yaml").write_text(CONTRACT)
    (repo / "meshguard.yaml").write_text("data: {failing_samples: 3}\n")
    return repo


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MESHGUARD_PROGRESS_DELAY": "0"}
    for var in ("CI", "GITHUB_ACTIONS", "GITLAB_CI"):
        env.pop(var, None)
    return env


def on_terminal(repo: Path) -> tuple[float, int, int]:
    """(seconds, exit code, status frames drawn) with stderr on a pseudo-terminal."""
    master, slave = pty.openpty()
    got = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            got.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *COMMAND], cwd=repo, env=_env(), stdout=subprocess.DEVNULL, stderr=slave
    )
    took = time.perf_counter() - t0
    os.close(slave)
    reader.join(timeout=30)
    os.close(master)
    return took, proc.returncode, got.count(b"\r")


def on_pipe(repo: Path) -> tuple[float, int, int]:
    """(seconds, exit code, bytes on stderr) with stderr on a pipe."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *COMMAND], cwd=repo, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    return time.perf_counter() - t0, proc.returncode, len(proc.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    repo = make_repo(args.rows)
    size = (repo / "data" / "customers.csv").stat().st_size
    print(
        f"{args.rows:,} rows ({size / 10**6:.1f} MB of CSV), {args.runs} runs, load {os.getloadavg()[0]:.1f}"
    )
    print(f"{'run':>4} {'terminal s':>11} {'frames':>7} {'pipe s':>8} {'ratio':>6}")
    terminal, pipe, ratios = [], [], []
    for n in range(1, args.runs + 1):
        t, code_t, frames = on_terminal(repo)
        p, code_p, stderr_bytes = on_pipe(repo)
        if code_t != 1 or code_p != 1 or frames < 3 or stderr_bytes:
            print(f"unexpected: exit {code_t}/{code_p}, {frames} frames, {stderr_bytes} bytes on the pipe")
            return 1
        terminal.append(t)
        pipe.append(p)
        ratios.append(t / p)
        print(f"{n:>4} {t:>11.2f} {frames:>7} {p:>8.2f} {t / p:>6.2f}")
    print(
        f"median: terminal {statistics.median(terminal):.2f} s, pipe {statistics.median(pipe):.2f} s, "
        f"terminal/pipe {statistics.median(ratios):.2f}x (load {os.getloadavg()[0]:.1f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
