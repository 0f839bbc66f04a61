"""The Spark samples job reads only the Parquet row groups that may hold a failed check's failing
rows: the one aggregation takes the lowest and highest integer key of each mask's failing rows
(one spot for all value checks together), the duplicates know theirs, and the samples job's
filter says "key in one of these spots, or null", which the Parquet reader skips row groups by
(:func:`meshguard.quality.spark_jobs.near`). The samples are the polars path's, exactly
(``spark``-marked: scripts/test.sh runs it in .venv-spark).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from meshguard.quality import spark_jobs
from spark_case import outcome, write_repo

pytestmark = pytest.mark.spark
ROWS = 20_000
GROUP = 1_000  # rows per Parquet row group: 20 of them
SCHEMA = """\
    properties:
      - {name: id, logicalType: integer, unique: true}
      - name: amount
        logicalType: number
        logicalTypeOptions: {minimum: 0}
      - name: customer
        logicalType: integer
        quality:
          - {metric: nullValues, mustBeLessOrEqualTo: 5, unit: percent}
      - name: status
        logicalType: string
        quality:
          - metric: invalidValues
            arguments: {validValues: [a, b]}
            mustBe: 0
"""


def _repo(root: Path, kind: str) -> Path:
    """Ids in order; a negative amount at rows 17 and 930 (row group 0) and on the null id of row
    5000 (group 5); an invalid status at row 12000 (group 12); id 15000 twice (group 15); a null
    customer every 100 rows (a passing nullValues check: failing rows everywhere, not sampled)."""
    import polars as pl

    i = pl.int_range(0, ROWS, dtype=pl.Int64)
    frame = pl.select(
        id=pl.when(i == 5000).then(None).when(i == 15001).then(15000).otherwise(i),
        amount=pl.when(i.is_in([17, 930, 5000])).then(-1.0 * i).otherwise((i % 1000).cast(pl.Float64)),
        customer=pl.when(i % 100 == 3).then(None).otherwise(i * 7),
        status=pl.when(i == 12000).then(pl.lit("lost")).otherwise(pl.lit("a")),
    )
    root = write_repo(root, "sales", kind, SCHEMA, frame)
    frame.write_parquet(root / "sales.parquet", row_group_size=GROUP)
    return root


def _outcome(root: Path) -> str:
    checks = outcome(root, "sales", profile=False).checks
    return json.dumps([c.to_dict() for c in checks], sort_keys=True, default=str)


def _scanned(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The rows each samples job (:func:`every_failing`) read from the Parquet file."""
    read: list[int] = []
    real = spark_jobs.to_polars

    def to_polars(df: Any, like: Any) -> Any:
        got = real(df, like)
        if any(c.startswith(spark_jobs.CHECK) for c in df.columns):
            leaves = df._jdf.queryExecution().executedPlan().collectLeaves()
            read.append(
                sum(
                    int(leaves.apply(n).metrics().apply("numOutputRows").value())
                    for n in range(leaves.size())
                )
            )
        return got

    monkeypatch.setattr(spark_jobs, "to_polars", to_polars)
    return read


def test_the_samples_job_reads_only_the_row_groups_of_failing_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failing rows of the failed checks lie in 4 row groups of 20 (one of them by its null
    id): the samples job reads those 4,000 rows, and its samples are the polars path's."""
    polars_side = _outcome(_repo(tmp_path / "polars", "local"))
    read = _scanned(monkeypatch)
    spark_side = _outcome(_repo(tmp_path / "spark", "spark"))
    checks = {c["id"]: c for c in json.loads(spark_side)}
    failed = {k for k, c in checks.items() if c["status"] == "failed"}
    assert failed == {"sales.id.unique", "sales.amount.minimum", "sales.status.invalidValues.0"}
    assert [s["id"] for s in checks["sales.amount.minimum"]["samples"]] == [17, 930, None]
    assert checks["sales.customer.nullValues.0"]["status"] == "passed"
    assert read == [4 * GROUP]
    assert spark_side == polars_side
