"""A generated mesh of N contracts through `meshguard check` with every output format.

Budget (DESIGN.md §9): < 10 s for lint + policy + all reports over 1,000
contracts (data excluded) on a 2-core machine, and time growing linearly
100 → 1,000 → 5,000. A third table runs 1,000 products that all have data with
``--jobs 1`` and ``--jobs 2`` and prints the speed-up. Each figure is the median of --runs whole-process runs
(fresh `python -m meshguard`), with the peak RSS of the process (wait4) and
the size of index.html. A second table runs the 1,000-contract mesh with small
sample data for 100 products (the data stage included).

    python benchmarks/mesh.py [--runs 3] [--sizes 100,1000,5000]

Generated repos go to benchmarks/_work/ (gitignored).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"
DOMAINS = ("ecommerce", "healthcare", "finance", "logistics", "marketing", "hr", "iot", "risk")
FORMATS = ("json", "junit", "sarif", "markdown", "github", "text")

CONTRACT = """apiVersion: v3.1.0
kind: DataContract
id: {id}
name: {name}
version: 1.{minor}.0
status: active
domain: {domain}
dataProduct: {id}
description:
  purpose: Generated product {n} for the mesh benchmark.
team:
  name: {domain}-team-{team}
  members:
    - username: owner{team}@example.com
      role: owner
support:
  - channel: "#{id}"
    url: https://chat.example.com/channels/{id}
schema:
  - name: {table}
    physicalType: table
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
        required: true
        unique: true
        classification: internal
        description: Surrogate key.
      - name: email
        logicalType: string
        required: {required}
        classification: restricted
        tags: [pii]
        description: Contact e-mail address.
      - name: amount
        logicalType: number
        classification: internal
        description: Amount in euros.
{extra}    quality:
      - type: library
        metric: rowCount
        mustBeGreaterThan: 0
{servers}"""

SERVER = """servers:
  - server: sample
    type: local
    path: data/{table}.csv
    format: csv
"""


def generate(n: int, with_data: int, seed: int = 7) -> Path:
    repo = WORK / f"mesh-{n}-{with_data}"
    if (repo / ".complete").exists():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    (repo / "contracts").mkdir(parents=True)
    (repo / "data").mkdir()
    rng = random.Random(seed)
    for i in range(n):
        domain = DOMAINS[i % len(DOMAINS)]
        pid = f"{domain}-product-{i:05d}"
        table = f"t{i:05d}"
        extra = ""
        if rng.random() < 0.2:  # some lint warnings: a property without a description
            extra = "      - name: note\n        logicalType: string\n"
        data = i < with_data
        text = CONTRACT.format(
            id=pid,
            name=f"Product {i}",
            minor=i % 7,
            domain=domain,
            n=i,
            team=i % 37,
            table=table,
            required="true" if rng.random() < 0.9 else "false",
            extra=extra,
            servers=SERVER.format(table=table) if data else "",
        )
        folder = repo / "contracts" / domain
        folder.mkdir(exist_ok=True)
        (folder / f"{pid}.odcs.yaml").write_text(text)
        if data:
            rows = ["id,email,amount"] + [
                f"{r},user{r}@example.org,{rng.uniform(0, 500):.2f}" for r in range(rng.randint(200, 2000))
            ]
            (repo / "data" / f"{table}.csv").write_text("\n".join(rows) + "\n")
    (repo / "meshguard.yaml").write_text("reports: reports\n")
    (repo / ".complete").write_text("ok\n")
    return repo


def run_check(repo: Path, extra: list[str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in MiB, exit code) of one whole `meshguard check` process."""
    shutil.rmtree(repo / "reports", ignore_errors=True)
    shutil.rmtree(repo / "out", ignore_errors=True)
    outputs = [a for f in FORMATS for a in ("--output", f"{f}=out/results.{f}")]
    cmd = [sys.executable, "-m", "meshguard", "check", "--format", "json", *outputs, "--no-history", *extra]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"meshguard check failed ({proc.returncode}): {err.strip()[:500]}")
    return wall, usage.ru_maxrss // 1024, proc.returncode


def measure(repo: Path, runs: int, extra: list[str]) -> dict[str, float]:
    walls, peaks = [], []
    for _ in range(runs):
        wall, peak, _code = run_check(repo, extra)
        walls.append(wall)
        peaks.append(peak)
    index = repo / "reports" / "index.html"
    pages = list((repo / "reports" / "products").glob("*.html"))
    return {
        "wall": statistics.median(walls),
        "peak": statistics.median(peaks),
        "index_kib": index.stat().st_size / 1024,
        "pages": len(pages),
        "total_mib": sum(p.stat().st_size for p in (repo / "reports").rglob("*") if p.is_file()) / 2**20,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="100,1000,5000")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"meshguard check, all formats ({', '.join(FORMATS)} + html), median of {args.runs} runs")
    print("\n1) lint + policy + versioning + all reports (--no-data)")
    print(
        f"{'contracts':>10} {'wall s':>8} {'s/1000':>8} {'peak MiB':>9} {'index KiB':>10} {'pages':>6} {'reports MiB':>12}"
    )
    base = None
    for n in sizes:
        repo = generate(n, 0)
        m = measure(repo, args.runs, ["--no-data"])
        per_k = m["wall"] / n * 1000
        base = base or per_k
        print(
            f"{n:>10} {m['wall']:>8.2f} {per_k:>8.2f} {m['peak']:>9.0f} {m['index_kib']:>10.0f} "
            f"{m['pages']:>6} {m['total_mib']:>12.1f}   (per-contract time ×{per_k / base:.2f} vs {sizes[0]})"
        )
    print("\n2) 1,000 contracts, 100 of them with sample data (200-2,000 rows each), data stage on")
    repo = generate(1000, 100)
    m = measure(repo, args.runs, [])
    print(f"{1000:>10} {m['wall']:>8.2f} {'':>8} {m['peak']:>9.0f} {m['index_kib']:>10.0f} {m['pages']:>6}")
    print("\n3) 1,000 products, every one with sample data: --jobs 1 vs --jobs 2 (worker processes)")
    repo = generate(1000, 1000)
    walls: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.runs):  # alternating, so both see the same machine
        for jobs in (1, 2):
            walls[jobs].append(run_check(repo, ["--jobs", str(jobs)])[0])
    one, two = statistics.median(walls[1]), statistics.median(walls[2])
    pairs = statistics.median(a / b for a, b in zip(walls[1], walls[2], strict=True))
    print(
        f"  --jobs 1: {one:.2f} s   --jobs 2: {two:.2f} s   speed-up {one / two:.2f}x (median of pairs {pairs:.2f}x)"
    )


if __name__ == "__main__":
    main()
