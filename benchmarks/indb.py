"""Live table budget: ``meshguard test`` on a PostgreSQL table vs the hand-written SQL aggregate
of the same rules run through ``psql``, both as whole processes, side by side.

Starts a throwaway PostgreSQL cluster (tests/pg_server.py), fills a ``sales`` table of
N rows × 8 columns server-side (``generate_series``; ``amount`` is ``numeric(12,4)``)
with planted defects (a -0.0004 amount against ``minimum: 0``, a duplicate id, a null
status, an unknown status, a date before the minimum), then runs alternately:

  (a) ``meshguard test`` (CLI, cold imports): the checks run inside PostgreSQL through
      Ibis, one aggregate + one duplicate GROUP BY + a few failing rows;
  (b) ``psql -c`` with one hand-written aggregate of the same counts (``count(*) FILTER``),
      a duplicate GROUP BY and the same failing-row fetches; its output is checked to
      find every planted defect.

Peak RSS is each whole process's own (``wait4``). Then meshguard alone at each of
--scale rows: its peak RSS must stay flat as the table grows.

Budgets (DESIGN.md §9): (a)/(b) ≤ 1.5; meshguard's peak RSS < 300 MiB, flat in rows.

    python benchmarks/indb.py [--rows 10000000] [--runs 5] [--scale 1000000,10000000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work" / "indb"
sys.path.insert(0, str(ROOT / "tests"))

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: sales
name: sales
version: 1.0.0
status: active
team: {{name: bench}}
servers:
  - {{server: pg, type: postgres, host: {host}, port: {port}, database: postgres, schema: public}}
schema:
  - name: sales
    physicalName: {table}
    properties:
      - {{name: sale_id, logicalType: integer, required: true, unique: true}}
      - name: customer_id
        logicalType: integer
        quality:
          - {{metric: nullValues, mustBeLessOrEqualTo: 1, unit: percent}}
      - name: amount
        logicalType: number
        physicalType: numeric(12,4)
        logicalTypeOptions: {{minimum: 0}}
      - name: quantity
        logicalType: integer
        logicalTypeOptions: {{minimum: 1, maximum: 100}}
      - name: status
        logicalType: string
        required: true
        logicalTypeOptions: {{enum: [placed, paid, shipped, delivered, cancelled]}}
      - name: country
        logicalType: string
        logicalTypeOptions: {{maxLength: 2}}
      - name: sku
        logicalType: string
        logicalTypeOptions: {{pattern: "^SKU-[0-9]+$"}}
      - name: sold_on
        logicalType: date
        logicalTypeOptions: {{minimum: "2020-01-01"}}
    quality:
      - {{metric: rowCount, mustBeGreaterThan: 0}}
"""

FILL = """
CREATE TABLE {table} AS SELECT
  CASE WHEN i = 99 THEN 98 ELSE i END::bigint AS sale_id,
  CASE WHEN i % 1000 = 3 THEN NULL ELSE (i * 7919) % 200000 END::bigint AS customer_id,
  CASE WHEN i = 17 THEN -0.0004 ELSE ((i * 37) % 100000) / 100.0 END::numeric(12,4) AS amount,
  (i % 100 + 1)::int AS quantity,
  CASE WHEN i = 23 THEN NULL WHEN i = {last} THEN 'lost'
       ELSE (ARRAY['placed','paid','shipped','delivered','cancelled'])[i % 5 + 1] END AS status,
  (ARRAY['FR','DE','ES','IT','NL','BE','PT'])[i % 7 + 1]::varchar(2) AS country,
  'SKU-' || (i % 50000) AS sku,
  CASE WHEN i = 5 THEN DATE '2019-01-01' ELSE DATE '2021-01-01' + (i * 1826 / {rows})::int END AS sold_on
FROM generate_series(0::bigint, {last}) AS i;
ANALYZE {table};
"""

#: the same rules, written by hand: one aggregate, the duplicate keys, a few failing rows
REFERENCE = """
SELECT count(*) AS rows,
  count(*) FILTER (WHERE sale_id IS NULL) AS sale_id_required,
  count(*) FILTER (WHERE customer_id IS NULL) AS customer_id_nulls,
  count(*) FILTER (WHERE amount < 0) AS amount_min,
  count(*) FILTER (WHERE quantity < 1) AS quantity_min,
  count(*) FILTER (WHERE quantity > 100) AS quantity_max,
  count(*) FILTER (WHERE status IS NULL) AS status_required,
  count(*) FILTER (WHERE status NOT IN ('placed','paid','shipped','delivered','cancelled')) AS status_enum,
  count(*) FILTER (WHERE length(country) > 2) AS country_len,
  count(*) FILTER (WHERE sku !~ '^SKU-[0-9]+$') AS sku_pattern,
  count(*) FILTER (WHERE sold_on < DATE '2020-01-01') AS sold_on_min
FROM {table};
SELECT sum(n) AS duplicate_rows FROM (SELECT count(*) AS n FROM {table} GROUP BY sale_id HAVING count(*) > 1) d;
SELECT * FROM {table} WHERE amount < 0 LIMIT 5;
SELECT * FROM {table} WHERE status IS NULL LIMIT 5;
SELECT * FROM {table} WHERE status NOT IN ('placed','paid','shipped','delivered','cancelled') LIMIT 5;
SELECT * FROM {table} WHERE sold_on < DATE '2020-01-01' LIMIT 5;
SELECT * FROM {table} WHERE sale_id IN (SELECT sale_id FROM {table} GROUP BY sale_id HAVING count(*) > 1) LIMIT 5;
"""

MB = 2**20


@contextmanager
def server(port: int | None) -> Iterator[dict[str, str | int]]:
    """A throwaway cluster, or the one already listening on ``port`` (tables kept between runs)."""
    if port:
        yield {"host": "127.0.0.1", "port": port, "user": "meshguard"}
        return
    from pg_server import postgres

    with postgres() as pg:
        yield pg


def psql(pg: dict[str, str | int], sql: str) -> list[str]:
    cmd = ["psql", "-h", str(pg["host"]), "-p", str(pg["port"]), "-U", str(pg["user"]), "-d", "postgres"]
    out = subprocess.run([*cmd, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"psql failed: {out.stderr[-500:]}")
    return out.stdout.splitlines()


def fill(pg: dict[str, str | int], rows: int) -> str:
    table = f"sales_{rows}"
    if psql(pg, f"SELECT to_regclass('{table}') IS NOT NULL") == ["t"]:
        return table
    t0 = time.perf_counter()
    psql(pg, FILL.format(table=table, rows=rows, last=rows - 1))
    print(f"(filled {table}: {rows:,} rows in {time.perf_counter() - t0:.1f} s)")
    return table


def whole(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, int, str]:
    """(wall seconds, peak RSS bytes, exit code, output) of one whole process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - t0, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status), out


def meshguard(pg: dict[str, str | int], table: str) -> tuple[float, int, int, str]:
    work = WORK / table
    (work / "contracts").mkdir(parents=True, exist_ok=True)
    text = CONTRACT.format(host=pg["host"], port=pg["port"], table=table)
    (work / "contracts" / "sales.odcs.yaml").write_text(text, encoding="utf-8")
    (work / "meshguard.yaml").write_text("contracts: {dir: contracts}\n", encoding="utf-8")  # the root
    env = {**os.environ, "MESHGUARD_PG_USER": str(pg["user"])}
    exe = str(Path(sys.executable).parent / "meshguard")
    return whole([exe, "test", "--format", "json"], work, env)


def reference(pg: dict[str, str | int], table: str) -> tuple[float, int, int, str]:
    cmd = ["psql", "-h", str(pg["host"]), "-p", str(pg["port"]), "-U", str(pg["user"]), "-d", "postgres"]
    sql = REFERENCE.format(table=table)
    return whole([*cmd, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql], ROOT, dict(os.environ))


def check_reference(out: str) -> None:
    """The hand-written check must find every planted defect."""
    counts = [int(v) for v in out.splitlines()[0].split("|")]
    rows, _, _, amount, _, _, status_null, status_enum, _, _, sold_on = counts
    dup = int(out.splitlines()[1])
    found = {"amount -0.0004": amount, "null status": status_null, "lost status": status_enum}
    found |= {"old date": sold_on, "duplicate id": dup // 2}
    missing = [k for k, v in found.items() if v != 1]
    if missing or rows <= 0:
        raise SystemExit(f"reference missed planted defects: {missing}")


def check_meshguard(code: int, out: str) -> int:
    import json

    if code != 1:
        raise SystemExit(f"meshguard test exited {code} (expected 1: defects planted): {out[-800:]}")
    doc = json.loads(out)
    checks = [c for p in doc.get("products", []) for c in p.get("checks", [])]
    failed = {c["id"]: c.get("failing_rows") for c in checks if c["status"] == "failed"}
    want = {"sales.amount.minimum", "sales.sale_id.unique", "sales.status.required", "sales.status.enum"}
    want |= {"sales.sold_on.minimum"}
    if not want <= set(failed) or any(failed[k] not in (1, 2) for k in want):
        raise SystemExit(f"meshguard missed planted defects: {sorted(want - set(failed))} {failed}")
    errored = [c["id"] for c in checks if c["status"] == "errored"]
    if errored:
        raise SystemExit(f"meshguard errored checks: {errored}")
    return len(checks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", default="1000000,10000000")
    parser.add_argument("--port", type=int, default=None, help="use the PostgreSQL already on this port")
    args = parser.parse_args()
    with server(args.port) as pg:
        table = fill(pg, args.rows)
        meshguard(pg, table)  # warm the buffer cache
        mine: list[tuple[float, int]] = []
        ref: list[tuple[float, int]] = []
        n_checks = 0
        for _ in range(args.runs):
            wall, rss, code, out = meshguard(pg, table)
            n_checks = check_meshguard(code, out)
            mine.append((wall, rss))
            wall, rss, code, out = reference(pg, table)
            if code:
                raise SystemExit(f"psql exited {code}")
            check_reference(out)
            ref.append((wall, rss))
        ratio = statistics.median(a[0] / b[0] for a, b in zip(mine, ref, strict=True))
        print(f"table: {args.rows:,} rows x 8 columns in PostgreSQL; median of {args.runs} runs, alternating")
        print(f"meshguard test ({n_checks} checks, planted defects found), whole process:")
        print(
            f"  median {statistics.median(w for w, _ in mine):7.3f} s  peak RSS {max(r for _, r in mine) / MB:.0f} MiB"
        )
        print("hand-written SQL aggregate through psql (planted defects found):")
        print(
            f"  median {statistics.median(w for w, _ in ref):7.3f} s  peak RSS {max(r for _, r in ref) / MB:.0f} MiB"
        )
        print(f"meshguard / psql: {ratio:.2f} (budget <= 1.5)")
        print("\nmeshguard alone as the table grows (peak RSS must stay flat, < 300 MiB):")
        print(f"{'rows':>12} {'wall s':>8} {'peak RSS MiB':>13}")
        for rows in [int(x) for x in args.scale.split(",") if x]:
            name = table if rows == args.rows else fill(pg, rows)
            got = [meshguard(pg, name) for _ in range(2)]
            for g in got:
                check_meshguard(g[2], g[3])
            print(
                f"{rows:>12,} {statistics.median(g[0] for g in got):>8.2f} {max(g[1] for g in got) / MB:>13.0f}"
            )


if __name__ == "__main__":
    main()
