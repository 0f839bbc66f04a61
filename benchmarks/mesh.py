"""A mesh at scale: N generated contracts through ``meshguard check`` with every report.

Budgets (DESIGN.md §9), each a whole process as a user runs it (``python -m
meshguard check``, cold imports), on a 2-core machine:

  1. lint + policy + versioning + every report (json, junit, sarif, markdown,
     github, text, and the HTML site), ``--no-data``: 10,000 contracts in under
     15 s, the time per contract flat from 1,000 to 10,000;
  2. 1,000 products that each have sample data (200-2,000 CSV rows), data stage on,
     ``--jobs 2``: under 5 s (``--jobs 1`` is printed beside it).

Each repo is generated in a temporary folder under ``benchmarks/_work/`` (``--workdir``
names another parent) with its own ``meshguard.yaml`` (so the configuration walk-up stops
there) and removed afterwards. The parent matters: a run writes one file per product, and
on some machines creating a file costs far more in one folder than in another (where the
system's temporary folder is watched, for example); the folder is printed with the figures. One product carries a
planted defect, and every run is checked to report it and nothing else: in (1) the
product without a retention SLA fails GDPR-003 and is the only one failing; in (2)
the product whose sample has a negative amount fails ``amount.minimum`` and is the
only one failing.

The policy engine's share is printed apart: each size also runs with
``--no-policy`` (in the same interleaved round), and the products' own policy timings
(summed over the worker processes) come from the JSON result.

    python benchmarks/mesh.py [--runs 3] [--sizes 1000,5000,10000] [--data-products 1000]
                              [--baseline OLD/src]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOMAINS = ("ecommerce", "healthcare", "finance", "logistics", "marketing", "hr", "iot", "risk")
FORMATS = ("junit", "sarif", "markdown", "github", "text")
#: ``python -c pass`` on the machine the budgets were set on (DESIGN.md §9)
BUDGET_STARTUP = 0.0137

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
slaProperties:
{retention}  - property: freshness
    value: 100
    unit: y
    element: {table}.signed_up
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
        required: true
        classification: restricted
        tags: [pii]
        description: Contact e-mail address.
      - name: amount
        logicalType: number
        logicalTypeOptions: {{minimum: 0}}
        classification: internal
        description: Amount in euros.
      - name: signed_up
        logicalType: date
        classification: internal
        description: Day of sign-up.
{extra}    quality:
      - type: library
        metric: rowCount
        mustBeGreaterThan: 0
{servers}"""

RETENTION = """  - property: retention
    value: 10
    unit: y
    element: {table}.signed_up
"""

SERVER = """servers:
  - server: sample
    type: local
    path: ./{table}.csv
    format: csv
"""


def generate(repo: Path, n: int, with_data: bool, seed: int = 7) -> str:
    """``n`` contracts under ``repo`` (and a CSV sample each when ``with_data``); returns the id
    of the product with the planted defect."""
    rng = random.Random(seed)
    planted = n // 2
    (repo / "contracts").mkdir(parents=True)
    (repo / "meshguard.yaml").write_text("contracts: {dir: contracts}\nreports: reports\n")
    for i in range(n):
        domain = DOMAINS[i % len(DOMAINS)]
        pid, table = f"{domain}-product-{i:05d}", f"t{i:05d}"
        extra = ""
        if rng.random() < 0.2:  # some warnings: a property without a description
            extra = "      - name: note\n        logicalType: string\n        classification: internal\n"
        text = CONTRACT.format(
            id=pid,
            name=f"Product {i}",
            minor=i % 7,
            domain=domain,
            n=i,
            team=i % 37,
            table=table,
            # the planted defect of the contract-only mesh: personal data kept with no retention SLA
            retention="" if i == planted and not with_data else RETENTION.format(table=table),
            extra=extra,
            servers=SERVER.format(table=table) if with_data else "",
        )
        folder = repo / "contracts" / domain
        folder.mkdir(exist_ok=True)
        (folder / f"{pid}.odcs.yaml").write_text(text)
        if with_data:
            note = ",note" if extra else ""
            rows = [f"id,email,amount,signed_up{note}"]
            for r in range(rng.randint(200, 2000)):
                # the planted defect of the data mesh: one negative amount
                amount = -1.0 if i == planted and r == 7 else rng.uniform(0, 500)
                rows.append(
                    f"{r},user{r}@example.org,{amount:.2f},2026-0{1 + r % 9}-1{r % 10}{note and ',n'}"
                )
            (folder / f"{table}.csv").write_text("\n".join(rows) + "\n")  # next to its contract
    return f"{DOMAINS[planted % len(DOMAINS)]}-product-{planted:05d}"


def run_check(repo: Path, extra: list[str], src: Path = ROOT / "src") -> dict[str, Any]:
    """One whole ``meshguard check`` process (meshguard from ``src``): wall seconds, CPU seconds
    (user + sys, the process and its worker processes), peak RSS (MiB), exit code; its JSON
    result is left in ``repo/out.json``."""
    shutil.rmtree(repo / "reports", ignore_errors=True)
    shutil.rmtree(repo / "out", ignore_errors=True)
    outputs = [a for f in FORMATS for a in ("--output", f"{f}=out/results.{f}")]
    cmd = [sys.executable, "-m", "meshguard", "check", "--format", "json", *outputs, "--no-history", *extra]
    env = {**os.environ, "PYTHONPATH": str(src)}
    with (repo / "out.json").open("wb") as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=repo, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        if code not in (0, 1):
            raise SystemExit(f"meshguard check exited {code}: {err.read().decode().strip()[-800:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return {"wall": wall, "cpu": cpu, "peak": usage.ru_maxrss / 1024, "exit": code}


def startup() -> float:
    """The median wall seconds of five bare ``python -c pass`` (the budgets were set when it took 13.7 ms)."""
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def summarise(path: Path) -> dict[str, Any]:
    """What the checks below need of a JSON result (read in a child process: the result of a
    large mesh is hundreds of MiB, and this process must stay small, because Linux reports a
    child's peak RSS as at least its parent's peak at the fork)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    products = doc["products"]
    failing = sorted(p["id"] for p in products if p["verdict"] in ("fail", "error"))
    return {
        "products": len(products),
        "failing": failing[:10],
        "failed_checks": {
            p["id"]: [c["id"] for c in p["checks"] if c["status"] == "failed"]
            for p in products
            if p["id"] in failing[:10]
        },
        "policy_s": sum(p["timings"].get("policy", 0.0) for p in products),
        "policy_ran": any("policy" in p["timings"] for p in products),
    }


def summary_of(repo: Path) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--summarise", str(repo / "out.json")]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"cannot read the result: {done.stderr.strip()[-800:]}")
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def verify(repo: Path, got: dict[str, Any], planted: str, failing_check: str | None, n: int) -> float:
    """Checks the run found the planted defect and nothing else; returns the products' policy
    seconds (summed over every worker)."""
    s = summary_of(repo)
    if s["products"] != n:
        raise SystemExit(f"expected {n} products, the result has {s['products']}")
    if s["failing"] != [planted] or got["exit"] != 1:
        raise SystemExit(f"expected only {planted} to fail (exit 1), got {s['failing']} (exit {got['exit']})")
    failed = s["failed_checks"][planted]
    if failing_check is not None and not any(c.endswith(failing_check) for c in failed):
        raise SystemExit(f"{planted}: no failed {failing_check} check (failed: {failed})")
    if failing_check is None and not any("GDPR-003" in c for c in failed):
        raise SystemExit(f"{planted}: GDPR-003 did not fail (failed: {failed})")
    policy_s: float = s["policy_s"]
    return policy_s


def verify_no_policy(repo: Path, n: int) -> None:
    s = summary_of(repo)
    if s["products"] != n or s["policy_ran"]:
        raise SystemExit("the --no-policy run should check every product without the policy stage")


def contracts_mesh(work: Path, sizes: list[int], runs: int, baseline: Path | None = None) -> None:
    print("1) lint + policy + versioning + every report (--no-data), whole processes")
    print(
        f"{'contracts':>10} {'wall s':>8} {'s/1000':>7} {'cpu s':>7} {'no-policy s':>12} {'cpu s':>7} "
        f"{'policy s':>9} {'peak MiB':>9} {'html MiB':>9}"
    )
    base = None
    for n in sizes:
        repo = work / f"mesh-{n}"
        planted = generate(repo, n, with_data=False)
        full, bare, policy, old = [], [], [], []
        for _ in range(runs):  # interleaved: all see the same machine
            got = run_check(repo, ["--no-data"])
            policy.append(verify(repo, got, planted, None, n))
            full.append(got)
            html = sum(p.stat().st_size for p in (repo / "reports").rglob("*") if p.is_file()) / 2**20
            bare.append(run_check(repo, ["--no-data", "--no-policy"]))
            verify_no_policy(repo, n)
            if baseline is not None:
                old.append(run_check(repo, ["--no-data"], src=baseline))
                verify(repo, old[-1], planted, None, n)
        wall = statistics.median(g["wall"] for g in full)
        nopol = statistics.median(g["wall"] for g in bare)
        per_k = wall / n * 1000
        base = base or per_k
        print(
            f"{n:>10} {wall:>8.2f} {per_k:>7.2f} {statistics.median(g['cpu'] for g in full):>7.2f} "
            f"{nopol:>12.2f} {statistics.median(g['cpu'] for g in bare):>7.2f} "
            f"{statistics.median(policy):>9.2f} {max(g['peak'] for g in full):>9.0f} {html:>9.1f}"
            f"   (time per contract x{per_k / base:.2f} vs {sizes[0]})"
        )
        if old:
            print(
                f"{'baseline':>10} {statistics.median(g['wall'] for g in old):>8.2f} {'':>7} "
                f"{statistics.median(g['cpu'] for g in old):>7.2f} {'':>12} {'':>7} {'':>9} "
                f"{max(g['peak'] for g in old):>9.0f}   this/baseline: wall "
                f"{statistics.median(a['wall'] / b['wall'] for a, b in zip(full, old, strict=True)):.2f}x, cpu "
                f"{statistics.median(a['cpu'] / b['cpu'] for a, b in zip(full, old, strict=True)):.2f}x "
                "(medians of the per-round ratios)"
            )
        shutil.rmtree(repo)
    print("   cpu s: user + sys of the process and its workers; under load it moves less than wall")
    print("   policy s: the products' policy-stage seconds summed over the worker processes")


def data_mesh(work: Path, n: int, runs: int, baseline: Path | None = None) -> None:
    print(f"\n2) {n} products, every one with sample data: --jobs 2 (budget < 5 s) and --jobs 1")
    repo = work / f"data-{n}"
    planted = generate(repo, n, with_data=True)
    sides: dict[str, tuple[list[str], Path]] = {
        "--jobs 2": (["--jobs", "2"], ROOT / "src"),
        "--jobs 1": (["--jobs", "1"], ROOT / "src"),
    }
    if baseline is not None:  # the other checkout, --jobs 2, in the same rounds
        sides["baseline --jobs 2"] = (["--jobs", "2"], baseline)
    got: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    bare: list[float] = []  # the interpreter's start-up, in the same rounds: the machine's speed
    for _ in range(runs):  # alternating, so all see the same machine
        bare.append(startup())
        for side, (extra, src) in sides.items():
            one = run_check(repo, extra, src=src)
            one["policy"] = verify(repo, one, planted, "amount.minimum", n)
            got[side].append(one)
    start = statistics.median(bare)
    print(
        f"  {'python -c pass':>17}: {start * 1000:7.1f} ms (median of {len(bare)} rounds x 5; the budget, 5 s "
        f"when it took {BUDGET_STARTUP * 1000:.1f} ms, is {5 / BUDGET_STARTUP:.0f}x start-up)"
    )
    for side, runs_of in got.items():
        wall = statistics.median(g["wall"] for g in runs_of)
        print(
            f"  {side:>17}: {wall:7.2f} s"
            f"  cpu s {statistics.median(g['cpu'] for g in runs_of):7.2f}"
            f"  policy s {statistics.median(g['policy'] for g in runs_of):6.2f}"
            f"  peak MiB {max(g['peak'] for g in runs_of):.0f}"
            f"  = {wall / start:.0f}x start-up"
        )

    def ratio(a: str, b: str, key: str) -> float:
        return statistics.median(x[key] / y[key] for x, y in zip(got[a], got[b], strict=True))

    print(
        f"  speed-up of --jobs 2: {ratio('--jobs 1', '--jobs 2', 'wall'):.2f}x (median of the interleaved pairs)"
    )
    if baseline is not None:
        print(
            f"  --jobs 2 / baseline --jobs 2: wall {ratio('--jobs 2', 'baseline --jobs 2', 'wall'):.2f}x, "
            f"cpu {ratio('--jobs 2', 'baseline --jobs 2', 'cpu'):.2f}x (medians of the per-round ratios)"
        )
    shutil.rmtree(repo)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="1000,5000,10000")
    ap.add_argument("--data-products", type=int, default=1000, help="0: skip the data mesh")
    ap.add_argument(
        "--baseline",
        type=Path,
        help="another checkout's src/ (e.g. from `git archive <old> src`), timed in the same rounds",
    )
    ap.add_argument(
        "--workdir",
        type=Path,
        default=ROOT / "benchmarks" / "_work",
        help="where the generated repos go (a temporary folder inside it; default benchmarks/_work)",
    )
    ap.add_argument("--summarise", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.summarise:
        print(json.dumps(summarise(args.summarise)))
        return
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores, median of {args.runs} runs")
    args.workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="meshguard-mesh-", dir=args.workdir) as tmp:
        print(f"repos generated in {tmp}")
        sizes = [int(s) for s in args.sizes.split(",") if s]
        if sizes:
            contracts_mesh(Path(tmp), sizes, args.runs, args.baseline)
        if args.data_products:
            data_mesh(Path(tmp), args.data_products, args.runs, args.baseline)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
