"""Streaming validation of large files gives exactly what the in-memory path gives.

The example repo is checked twice: once in memory, once with ``data.large_file_bytes``
forced to 0 so that every file is streamed (lazy polars aggregations, pandera on the
schema only, duplicates by hash partition, SQL rules counted by polars or run by DuckDB).
Every check result and every column profile must be identical. A crafted Parquet file
with every kind of defect (and more rows than one duplicate partition) does the same.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from conftest import PROJECT
from meshguard.config import load_config
from meshguard.contracts.load import load_contract
from meshguard.quality import duplicates
from meshguard.quality.mesh import mesh_contracts
from meshguard.quality.stage import run_quality
from meshguard.stages import QualityContext, QualityOutcome

pytestmark = pytest.mark.slow  # the example mesh read in memory and streamed


def _outcomes(large_file_bytes: int, root: Path = PROJECT) -> dict[str, QualityOutcome]:
    config = load_config(root)
    config = replace(config, data=replace(config.data, large_file_bytes=large_file_bytes))
    files = sorted(config.contracts_path.rglob("*.odcs.yaml"))
    contracts = [load_contract(f, config.root, config.sensitivity).contract for f in files]
    mesh = mesh_contracts(config, contracts)
    return {c.path: run_quality(c, config, QualityContext(), mesh) for c in contracts}


def _comparable(out: QualityOutcome) -> str:
    """The JSON meshguard would write (NaN in a sample compares equal as text)."""
    doc = {"checks": [c.to_dict() for c in out.checks], "data": out.data, "rows": out.rows}
    return json.dumps({**doc, "sampled": out.sampled}, sort_keys=True, default=str)


@pytest.fixture(scope="module")
def both() -> tuple[dict[str, QualityOutcome], dict[str, QualityOutcome]]:
    return _outcomes(2**40), _outcomes(0)


def test_streaming_gives_the_in_memory_results_on_the_example_repo(both: Any) -> None:
    memory, streamed = both
    assert memory.keys() == streamed.keys() and len(memory) >= 8
    failing = 0
    for path in memory:
        assert _comparable(streamed[path]) == _comparable(memory[path]), path
        failing += sum(1 for c in memory[path].checks if c.status == "failed")
    assert failing >= 5  # the documented defects are there, found the same way


def _crafted(root: Path, rows: int) -> None:
    (root / "contracts").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "meshguard.yaml").write_text("data: {failing_samples: 3}\n")
    i = pl.int_range(0, rows, eager=True)
    frame = pl.DataFrame(
        {
            "id": i,
            "code": ("C" + (i % 97).cast(pl.String)),
            "score": (i % 50).cast(pl.Float64),
            "email": "user" + i.cast(pl.String) + "@example.org",
            "a": (i % 10007).scatter(300, 299),  # one duplicate primary key (a, b)
            "b": (i % 7).scatter(300, 299 % 7),
        }
    ).with_columns(
        (pl.lit(date(2024, 1, 1)) + pl.duration(days=pl.col("a") % 300)).alias("day"),
        pl.when(i % 1001 == 5).then(None).otherwise(pl.col("id")).alias("id"),  # nulls (required)
        pl.when(i == 77).then(76).otherwise(pl.col("id")).alias("id2"),  # one duplicate
        pl.when(i % 333 == 1).then(pl.lit("CX")).otherwise(pl.col("code")).alias("code"),
        pl.when(i == 12).then(float("nan")).otherwise(pl.col("score")).alias("score"),
        pl.when(i % 211 == 0).then(-1.0).otherwise(pl.col("score")).alias("score2"),
        pl.when(i == 40).then(pl.lit("not-an-email")).otherwise(pl.col("email")).alias("email"),
    )
    frame.write_parquet(root / "data" / "t.parquet")
    (root / "contracts" / "t.odcs.yaml").write_text(
        """apiVersion: v3.1.0
kind: DataContract
id: t
name: t
version: 1.0.0
status: active
servers: [{server: s, type: local, path: data/t.parquet, format: parquet}]
schema:
  - name: t
    properties:
      - {name: id, logicalType: integer, required: true}
      - {name: id2, logicalType: integer, unique: true}
      - name: code
        logicalType: string
        logicalTypeOptions: {pattern: "^C[0-9]+$", maxLength: 3}
        quality:
          - {metric: missingValues, arguments: {missingValues: [null, "C3"]}, mustBe: 0}
          - {metric: invalidValues, arguments: {validValues: [C1, C2]}, mustBeLessThan: 1, unit: percent}
      - {name: score, logicalType: number, required: true, logicalTypeOptions: {maximum: 48}}
      - {name: score2, logicalType: number, logicalTypeOptions: {minimum: 0}}
      - {name: email, logicalType: string, logicalTypeOptions: {format: email}, classification: restricted, tags: [pii]}
      - {name: day, logicalType: date, logicalTypeOptions: {minimum: "2024-02-01"}}
      - {name: a, logicalType: integer, primaryKey: true}
      - {name: b, logicalType: integer, primaryKey: true, enum: [0, 1, 2, 3, 4, 5]}
    quality:
      - {metric: duplicateValues, arguments: {properties: [a, b]}, mustBeLessThan: 10}
      - {metric: rowCount, mustBeGreaterThan: 10}
      - type: sql
        query: SELECT COUNT(*) FROM {object} WHERE score2 < 0
        mustBe: 0
      - {metric: invalidValues, arguments: {properties: [code], validValues: [C1, C2]}, mustBeLessThan: 1, unit: percent}
      - type: sql
        query: SELECT COUNT(*) FROM {object} WHERE score2 < 0 OR id IS NULL
        mustBe: 0
"""
    )


def test_streaming_gives_the_in_memory_results_on_crafted_defects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(duplicates, "PART_ROWS", 7_000)  # several hash partitions
    _crafted(tmp_path, 30_000)
    memory = _outcomes(2**40, tmp_path)["contracts/t.odcs.yaml"]
    streamed = _outcomes(0, tmp_path)["contracts/t.odcs.yaml"]
    assert _comparable(streamed) == _comparable(memory)
    status = {c.id: (c.status, c.failing_rows) for c in memory.checks}
    assert status["t.id.required"] == ("failed", 30)
    assert status["t.id2.unique"] == ("failed", 2)
    assert status["t.score.required"] == ("failed", 1)  # NaN counts as missing, as in pandera
    assert status["t.primaryKey"] == ("failed", 2)
    assert status["t.sql.2"][0] == "failed" and status["t.duplicateValues.0"][0] == "passed"
    assert [c.measured for c in memory.checks if c.id in ("t.sql.2", "t.sql.4")] == [
        143,
        172,
    ]  # polars, DuckDB
    assert {s for s, _ in status.values()} <= {"passed", "failed"}
    emails = [s["email"] for c in memory.checks for s in c.samples if "email" in s]
    assert emails and all("***" in str(e) for e in emails)
