"""Data validation budget: meshguard vs a hand-written polars check of the same rules.

Generates 5,000,000 rows × 8 columns (ints, floats, strings, dates, a few defects)
as Parquet under benchmarks/_work/, then runs, side by side and alternately, in
fresh subprocesses (so each peak RSS is its own):

  (a) meshguard: ``run_quality`` on a contract with 12 rules (schema checks via
      pandera, library metrics, a SQL rule), reading the Parquet file;
  (b) a hand-written polars check of the same rules: one ``select`` of counts.

Prints the median wall time of each, their ratio, and peak memory against the
frame's in-memory size. Budget (DESIGN.md §9): ratio ≤ 1.3, peak ≤ 1.5× the frame.

    python benchmarks/validate.py [--rows N] [--runs R]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work" / "validate"

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: sales
name: sales
version: 1.0.0
status: active
team: {name: bench}
servers:
  - {server: bench, type: local, path: sales.parquet, format: parquet}
schema:
  - name: sales
    properties:
      - {name: sale_id, logicalType: integer, required: true, unique: true}
      - name: customer_id
        logicalType: integer
        quality:
          - {metric: nullValues, mustBeLessOrEqualTo: 1, unit: percent}
      - name: amount
        logicalType: number
        logicalTypeOptions: {minimum: 0}
      - name: quantity
        logicalType: integer
        logicalTypeOptions: {minimum: 1, maximum: 100}
      - name: status
        logicalType: string
        required: true
        quality:
          - metric: invalidValues
            arguments: {validValues: [placed, paid, shipped, delivered, cancelled]}
            mustBe: 0
      - name: country
        logicalType: string
        logicalTypeOptions: {maxLength: 2}
      - {name: sku, logicalType: string}
      - name: sold_on
        logicalType: date
        logicalTypeOptions: {minimum: "2020-01-01"}
    quality:
      - {metric: rowCount, mustBeGreaterThan: 0}
      - type: sql
        query: SELECT COUNT(*) FROM {object} WHERE amount > 10000
        mustBe: 0
"""

STATUSES = ["placed", "paid", "shipped", "delivered", "cancelled"]


def generate(rows: int) -> Path:
    import polars as pl

    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / "sales.parquet"
    (WORK / "contracts").mkdir(exist_ok=True)
    (WORK / "contracts" / "sales.odcs.yaml").write_text(CONTRACT, encoding="utf-8")
    marker = WORK / f"rows-{rows}"
    if path.exists() and marker.exists():
        return path
    i = pl.int_range(0, rows, eager=True)
    frame = pl.DataFrame(
        {
            "sale_id": i,
            "customer_id": (i * 7919) % 200_000,
            "amount": ((i * 37) % 100_000).cast(pl.Float64) / 100.0,
            "quantity": (i % 100 + 1).cast(pl.Int64),
            "status": pl.Series(STATUSES * (rows // len(STATUSES) + 1))[:rows],
            "country": pl.Series(["FR", "DE", "ES", "IT", "NL", "BE", "PT"] * (rows // 7 + 1))[:rows],
            "sku": ("SKU-" + (i % 50_000).cast(pl.String)),
            "sold_on": pl.date_range(pl.date(2021, 1, 1), pl.date(2025, 12, 31), "1d", eager=True)
            .sample(rows, with_replacement=True, seed=1)
            .sort(),
        }
    )
    # a few defects: a negative amount, a bad status, a duplicate id, nulls, an old date
    frame = frame.with_columns(
        pl.when(i == 17).then(-5.0).otherwise(pl.col("amount")).alias("amount"),
        pl.when(i == rows - 1).then(pl.lit("lost")).otherwise(pl.col("status")).alias("status"),
        pl.when(i == 99).then(98).otherwise(pl.col("sale_id")).alias("sale_id"),
        pl.when(i % 1000 == 3).then(None).otherwise(pl.col("customer_id")).alias("customer_id"),
        pl.when(i == 5).then(pl.date(2019, 1, 1)).otherwise(pl.col("sold_on")).alias("sold_on"),
    )
    frame.write_parquet(path)
    for old in WORK.glob("rows-*"):
        old.unlink()
    marker.touch()
    return path


def child_meshguard() -> dict[str, float]:
    from meshguard.config import Config
    from meshguard.contracts.load import load_contract
    from meshguard.quality.stage import run_quality
    from meshguard.stages import RunOptions

    config = Config(root=WORK)
    contract = load_contract(WORK / "contracts" / "sales.odcs.yaml", WORK).contract
    import pandera.polars  # noqa: F401 - import cost is not validation cost
    import polars  # noqa: F401

    t0 = time.perf_counter()
    out = run_quality(contract, config, RunOptions(), {})
    elapsed = time.perf_counter() - t0
    failed = sum(1 for c in out.checks if c.status == "failed")
    return {"elapsed": elapsed, "failed": failed, "checks": len(out.checks)}


def child_polars() -> dict[str, float]:
    import polars as pl

    t0 = time.perf_counter()
    df = pl.read_parquet(WORK / "sales.parquet")
    valid = ["placed", "paid", "shipped", "delivered", "cancelled"]
    counts = df.select(
        pl.col("sale_id").is_null().sum().alias("sale_id_required"),
        pl.col("sale_id").is_duplicated().sum().alias("sale_id_unique"),
        (pl.col("customer_id").null_count() / pl.len() * 100).alias("customer_id_nulls_pct"),
        (pl.col("amount") < 0).sum().alias("amount_min"),
        (pl.col("quantity") < 1).sum().alias("quantity_min"),
        (pl.col("quantity") > 100).sum().alias("quantity_max"),
        pl.col("status").is_null().sum().alias("status_required"),
        (~pl.col("status").is_in(valid)).sum().alias("status_invalid"),
        (pl.col("country").str.len_chars() > 2).sum().alias("country_len"),
        (pl.col("sold_on") < pl.date(2020, 1, 1)).sum().alias("sold_on_min"),
        pl.len().alias("row_count"),
        (pl.col("amount") > 10000).sum().alias("sql_amount"),
    ).row(0, named=True)
    # the same output meshguard gives: a few failing rows per failed rule
    for name, expr in {
        "amount_min": pl.col("amount") < 0,
        "status_invalid": ~pl.col("status").is_in(valid),
        "sale_id_unique": pl.col("sale_id").is_duplicated(),
        "sold_on_min": pl.col("sold_on") < pl.date(2020, 1, 1),
    }.items():
        if counts[name]:
            df.filter(expr).head(5).to_dicts()
    elapsed = time.perf_counter() - t0
    failed = sum(1 for k, v in counts.items() if v and k not in ("row_count", "customer_id_nulls_pct"))
    return {"elapsed": elapsed, "failed": failed + (counts["customer_id_nulls_pct"] > 1)}


def peak_rss() -> int:
    """This process's peak resident set (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(kind: str) -> None:
    if kind == "baseline":
        import duckdb  # noqa: F401
        import pandera.polars  # noqa: F401
        import polars  # noqa: F401

        import meshguard.quality.stage  # noqa: F401

        print(json.dumps({"peak_rss": peak_rss()}))
        return
    stats = child_meshguard() if kind == "meshguard" else child_polars()
    stats["peak_rss"] = peak_rss()
    print(json.dumps(stats))


def run_child(kind: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", choices=["meshguard", "polars", "baseline"])
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    import polars as pl

    path = generate(args.rows)
    frame_bytes = pl.read_parquet(path).estimated_size()  # freed before the children start
    base = run_child("baseline")["peak_rss"]
    runs: dict[str, list[dict[str, float]]] = {"meshguard": [], "polars": []}
    run_child("meshguard")  # warm the page cache
    for _ in range(args.runs):
        for kind in ("meshguard", "polars"):
            runs[kind].append(run_child(kind))
    med = {k: statistics.median(r["elapsed"] for r in v) for k, v in runs.items()}
    peak = {k: max(r["peak_rss"] for r in v) for k, v in runs.items()}
    ratios = [m["elapsed"] / p["elapsed"] for m, p in zip(runs["meshguard"], runs["polars"], strict=True)]
    mb = 2**20
    print(
        f"data: {args.rows:,} rows x 8 columns, Parquet {path.stat().st_size / mb:.0f} MiB, "
        f"in memory {frame_bytes / mb:.0f} MiB"
    )
    print(
        f"checks: meshguard {int(runs['meshguard'][0]['checks'])} "
        f"({int(runs['meshguard'][0]['failed'])} failed); polars rules failed: {int(runs['polars'][0]['failed'])}"
    )
    print(f"meshguard  median {med['meshguard']:.3f} s  peak RSS {peak['meshguard'] / mb:.0f} MiB")
    print(f"polars     median {med['polars']:.3f} s  peak RSS {peak['polars'] / mb:.0f} MiB")
    print(
        f"ratio meshguard/polars: median of pairs {statistics.median(ratios):.2f} "
        f"(medians {med['meshguard'] / med['polars']:.2f}; budget <= 1.3)"
    )
    print(
        f"peak memory / frame: meshguard {peak['meshguard'] / frame_bytes:.2f}x total, "
        f"{(peak['meshguard'] - base) / frame_bytes:.2f}x above the {base / mb:.0f} MiB interpreter+imports "
        f"baseline (budget <= 1.5x); polars {peak['polars'] / frame_bytes:.2f}x total, "
        f"{(peak['polars'] - base) / frame_bytes:.2f}x above baseline"
    )


if __name__ == "__main__":
    main()
