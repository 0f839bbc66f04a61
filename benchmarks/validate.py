"""Data validation budget: meshguard (in memory, streaming, Spark) vs a hand-written polars
check of the same rules, and vs ``datacontract test`` (datacontract-cli) as the peer.

Generates N rows × 8 columns (ints, floats, strings, dates, a few defects) as Parquet
under benchmarks/_work/ (streamed to disk, never held whole), then runs, side by side
and alternately, in fresh subprocesses (so each peak RSS is its own):

  (a) meshguard in memory: ``run_quality`` on a contract with 12 rules (schema checks
      via pandera, library metrics, a SQL rule), reading the Parquet file;
  (b) meshguard streaming: the same with ``data.large_file_bytes: 0`` (lazy polars
      aggregations in the streaming engine; what files above the threshold get);
  (c) a hand-written polars check of the same rules: one ``select`` of counts;
  (d) meshguard's Spark path, ``local[2]``, the same contract with a ``spark`` server
      (needs the spark venv: --spark-venv, built by scripts/test.sh as .venv-spark);
  (e) ``datacontract test`` on the same Parquet file with the same ODCS contract
      (--dc-venv: ``python3 -m venv benchmarks/_work/dc-venv &&
      benchmarks/_work/dc-venv/bin/pip install 'datacontract-cli[duckdb]'``).

Then the streaming path alone at each of --scale rows (default 5M, 20M, 50M): its
peak memory must stay flat as the rows grow.

Budgets (DESIGN.md §9): (a)/(c) ≤ 1.3; (e)/(a) ≥ 5; peak ≤ 1.5× the frame.

    python benchmarks/validate.py [--rows N] [--runs R] [--scale 5000000,20000000,50000000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
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


def workdir(rows: int) -> Path:
    return WORK / str(rows)


def generate(rows: int) -> Path:
    """The Parquet file of ``rows`` rows (and its contracts), streamed to disk."""
    import polars as pl

    work = workdir(rows)
    path = work / "sales.parquet"
    (work / "contracts").mkdir(parents=True, exist_ok=True)
    (work / "contracts" / "sales.odcs.yaml").write_text(CONTRACT, encoding="utf-8")
    spark = CONTRACT.replace("type: local, path: sales.parquet", f"type: spark, path: {path}")
    (work / "contracts-spark").mkdir(exist_ok=True)
    (work / "contracts-spark" / "sales.odcs.yaml").write_text(spark, encoding="utf-8")
    if path.exists() and (work / "complete").exists():
        return path
    i = pl.col("i")
    lazy = pl.LazyFrame().select(pl.int_range(0, rows, dtype=pl.Int64).alias("i"))
    frame = lazy.select(
        sale_id=pl.when(i == 99).then(98).otherwise(i),
        # a few defects: nulls, a negative amount, a bad status, a duplicate id, an old date
        customer_id=pl.when(i % 1000 == 3).then(None).otherwise((i * 7919) % 200_000),
        amount=pl.when(i == 17).then(-5.0).otherwise(((i * 37) % 100_000).cast(pl.Float64) / 100.0),
        quantity=i % 100 + 1,
        status=pl.when(i == rows - 1)
        .then(pl.lit("lost"))
        .otherwise((i % 5).replace_strict(list(range(5)), STATUSES, return_dtype=pl.String)),
        country=(i % 7).replace_strict(list(range(7)), ["FR", "DE", "ES", "IT", "NL", "BE", "PT"]),
        sku="SKU-" + (i % 50_000).cast(pl.String),
        sold_on=pl.when(i == 5)
        .then(pl.date(2019, 1, 1))
        .otherwise(pl.date(2021, 1, 1) + pl.duration(days=(i * 1826) // rows)),
    )
    frame.sink_parquet(path)
    (work / "complete").touch()
    return path


def child_meshguard(work: Path, kind: str) -> dict[str, float]:
    from meshguard.config import Config, DataConfig
    from meshguard.contracts.load import load_contract
    from meshguard.quality.stage import run_quality
    from meshguard.stages import RunOptions

    threshold = {"inmemory": 2**62, "streaming": 0, "spark": 2**62}[kind]
    config = Config(root=work, data=DataConfig(large_file_bytes=threshold), spark={"master": "local[2]"})
    folder = "contracts-spark" if kind == "spark" else "contracts"
    contract = load_contract(work / folder / "sales.odcs.yaml", work).contract
    import pandera.polars  # noqa: F401 - import cost is not validation cost
    import polars  # noqa: F401

    if kind == "spark":  # the session start is not validation cost either
        from meshguard.sources.spark import session

        session(config.spark)

    t0 = time.perf_counter()
    out = run_quality(contract, config, RunOptions(), {})
    elapsed = time.perf_counter() - t0
    failed = sum(1 for c in out.checks if c.status == "failed")
    errored = [c.id for c in out.checks if c.status == "errored"]
    if errored:
        raise SystemExit(f"{kind}: errored checks {errored}")
    return {"elapsed": elapsed, "failed": failed, "checks": len(out.checks)}


def child_polars(work: Path) -> dict[str, float]:
    import polars as pl

    t0 = time.perf_counter()
    df = pl.read_parquet(work / "sales.parquet")
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


def child(kind: str, work: Path) -> None:
    if kind == "baseline":
        import duckdb  # noqa: F401
        import pandera.polars  # noqa: F401
        import polars  # noqa: F401

        import meshguard.quality.stage  # noqa: F401

        print(json.dumps({"peak_rss": peak_rss()}))
        return
    stats = child_polars(work) if kind == "polars" else child_meshguard(work, kind)
    stats["peak_rss"] = peak_rss()
    print(json.dumps(stats))


def run_child(kind: str, work: Path, python: str = sys.executable) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [python, __file__, "--child", kind, "--work", str(work)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"{kind} failed: {out.stderr[-1500:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    if kind == "spark":  # the JVM's memory is not in the Python process
        result["peak_rss"] = float("nan")
    return result


def run_datacontract(work: Path, venv: Path) -> dict[str, float]:
    """``datacontract test`` as a user runs it: one whole process (wall time and peak RSS)."""
    exe = venv / "bin" / "datacontract"
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(exe), "test", "contracts/sales.odcs.yaml"],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    failed = out.lower().count("failed")
    return {"elapsed": wall, "peak_rss": usage.ru_maxrss * 1024, "failed": failed, "exit": status, "out": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", default="5000000,20000000,50000000")
    parser.add_argument("--spark-venv", type=Path, default=ROOT / ".venv-spark")
    parser.add_argument("--dc-venv", type=Path, default=HERE / "_work" / "dc-venv")
    parser.add_argument("--child", choices=["inmemory", "streaming", "spark", "polars", "baseline"])
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.work)
        return
    import polars as pl

    mb = 2**20
    path = generate(args.rows)
    work = workdir(args.rows)
    frame_bytes = pl.read_parquet(path).estimated_size()  # freed before the children start
    base = run_child("baseline", work)["peak_rss"]
    kinds = ["inmemory", "streaming", "polars"]
    spark_python = args.spark_venv / "bin" / "python"
    if spark_python.exists():
        kinds.append("spark")
    else:
        print(f"(no Spark: {spark_python} missing; scripts/test.sh builds it)")
    dc = args.dc_venv / "bin" / "datacontract"
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
    if dc.exists():
        runs["datacontract"] = []
    else:
        print(f"(no peer: {dc} missing; see the module docstring)")
    run_child("inmemory", work)  # warm the page cache
    for _ in range(args.runs):
        for kind in runs:
            if kind == "datacontract":
                runs[kind].append(run_datacontract(work, args.dc_venv))
            else:
                py = str(spark_python) if kind == "spark" else sys.executable
                runs[kind].append(run_child(kind, work, py))
    med = {k: statistics.median(r["elapsed"] for r in v) for k, v in runs.items()}
    peak = {k: max(r["peak_rss"] for r in v) for k, v in runs.items()}
    print(
        f"data: {args.rows:,} rows x 8 columns, Parquet {path.stat().st_size / mb:.0f} MiB, "
        f"in memory {frame_bytes / mb:.0f} MiB; median of {args.runs} runs, alternating"
    )
    print(
        f"checks: meshguard {int(runs['inmemory'][0]['checks'])} "
        f"({int(runs['inmemory'][0]['failed'])} failed); polars rules failed: {int(runs['polars'][0]['failed'])}"
    )
    for kind in runs:
        rss = "n/a (JVM)" if peak[kind] != peak[kind] else f"{peak[kind] / mb:.0f} MiB"
        print(f"{kind:<13} median {med[kind]:7.3f} s  peak RSS {rss}")

    def pairs(a: str, b: str) -> float:
        return statistics.median(x["elapsed"] / y["elapsed"] for x, y in zip(runs[a], runs[b], strict=True))

    print(f"in-memory / hand-written polars: {pairs('inmemory', 'polars'):.2f} (budget <= 1.3)")
    print(f"streaming / hand-written polars: {pairs('streaming', 'polars'):.2f}")
    if "spark" in runs:
        print(f"spark local[2] / in-memory: {pairs('spark', 'inmemory'):.2f}")
    if "datacontract" in runs:
        print(
            f"datacontract test / in-memory: {pairs('datacontract', 'inmemory'):.1f}x slower, "
            f"/ streaming: {pairs('datacontract', 'streaming'):.1f}x (budget >= 5)"
        )
        last = runs["datacontract"][-1]
        print(
            f"  datacontract exit status {int(last['exit'])}; its summary: {str(last['out']).strip().splitlines()[-1:]}"
        )
    print(
        f"peak memory / frame: in-memory {(peak['inmemory'] - base) / frame_bytes:.2f}x, "
        f"streaming {(peak['streaming'] - base) / frame_bytes:.2f}x, "
        f"polars {(peak['polars'] - base) / frame_bytes:.2f}x above the {base / mb:.0f} MiB "
        f"interpreter+imports baseline (budget <= 1.5x)"
    )
    print("\nstreaming path alone, as rows grow (peak RSS must stay flat):")
    print(
        f"{'rows':>12} {'Parquet MiB':>12} {'frame MiB':>10} {'wall s':>8} {'peak RSS MiB':>13} {'peak/frame':>11}"
    )
    for rows in [int(x) for x in args.scale.split(",") if x]:
        p = generate(rows)
        w = workdir(rows)
        est = _frame_size(p)
        got = [run_child("streaming", w) for _ in range(2)]
        wall = statistics.median(g["elapsed"] for g in got)
        rss = max(g["peak_rss"] for g in got)
        print(
            f"{rows:>12,} {p.stat().st_size / mb:>12.0f} {est / mb:>10.0f} {wall:>8.2f} "
            f"{rss / mb:>13.0f} {rss / est:>11.2f}"
        )
    shutil.rmtree(WORK / "tmp", ignore_errors=True)


def _frame_size(path: Path) -> int:
    """The in-memory size the frame would have, from a 1M-row slice (the file is not loaded)."""
    import polars as pl

    rows = pl.scan_parquet(path).select(pl.len()).collect().item()
    head = pl.scan_parquet(path).head(1_000_000).collect()
    return int(head.estimated_size() * rows / max(1, head.height))


if __name__ == "__main__":
    main()
