"""SQL rules on Spark: a rule counting the rows where a condition holds (``SELECT COUNT(*) FROM
{object} WHERE …``) is counted in the table's one aggregation, its condition parsed by Spark
SQL; any other query runs as written on a view of the table. The results are the polars path's.

Marked ``spark`` (run by scripts/test.sh in .venv-spark); one Spark session per process.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from spark_case import outcome, write_repo

pytestmark = pytest.mark.spark

SCHEMA = """\
    properties:
      - {name: amount, logicalType: number}
      - {name: label, logicalType: string}
    quality:
      - {type: sql, query: "SELECT COUNT(*) FROM {object} WHERE amount > 10", mustBe: 0}
      - {type: sql, query: "select count(1) from {model} where \\"label\\" like 'b%' and amount is not null;", mustBeLessThan: 5}
      - {type: sql, query: "SELECT MAX(amount) FROM {object}", mustBeLessThan: 100}
      - {type: sql, query: "SELECT COUNT(*) FROM {object} WHERE amount IN (SELECT 11)", mustBe: 0}
"""


def _outcome(root: Path, kind: str) -> list[dict[str, Any]]:
    import polars as pl

    amounts = [1.0, 11.0, None, 12.5, 3.0, 40.0]
    frame = pl.DataFrame({"amount": amounts, "label": ["a", "b", "b", "bb", None, "c"]})
    out = outcome(write_repo(root, "t", kind, SCHEMA, frame), "t", profile=False)
    return [c.to_dict() for c in out.checks if ".sql." in c.id]


def test_counting_sql_rules_join_the_one_aggregation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import meshguard.quality.spark as spark_backend
    import meshguard.quality.spark_jobs as jobs

    names: list[str] = []
    real = jobs.aggregate

    def aggregate(df: Any, named: Any) -> Any:
        names.extend(name for name, _ in named)
        return real(df, named)

    monkeypatch.setattr(spark_backend, "aggregate", aggregate)
    polars_side = _outcome(tmp_path / "polars", "local")
    spark_side = _outcome(tmp_path / "spark", "spark")
    assert json.dumps(spark_side, sort_keys=True) == json.dumps(polars_side, sort_keys=True)
    measured = [(c["status"], c["measured"]) for c in spark_side]
    assert measured == [("failed", 3), ("passed", 2), ("passed", 40), ("failed", 1)], measured
    counted = [n for n in names if n.startswith("sql|")]
    # the two counting rules with a plain condition; MAX and the subquery run on the view
    assert [n.split(" ", 1)[0].lower() for n in counted] == ["sql|select"] * 2, names
    assert not any("MAX" in n or "IN (SELECT" in n for n in counted), counted
