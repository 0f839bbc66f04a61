"""Each quality rule kind and operator, passing and failing, with exact counts (real pandera/polars/duckdb)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from meshguard.config import load_config
from meshguard.contracts.load import load_contract
from meshguard.contracts.model import Contract
from meshguard.quality.mesh import mesh_contracts
from meshguard.quality.stage import run_quality
from meshguard.results.model import CheckResult
from meshguard.stages import QualityContext
from quality_repo import CUSTOMERS, customers_contract, make_repo, write_contract

NOW = datetime(2025, 1, 18, tzinfo=UTC)
CSV = {"server": "sample", "type": "local", "path": "data/customers.csv", "format": "csv"}


def run_all(root: Path, doc: dict[str, Any] | None = None, **opts: Any) -> list[CheckResult]:
    config = load_config(root)
    path = root / "contracts" / "customers.odcs.yaml"
    if doc is not None:
        write_contract(path, doc)
    contract = load_contract(path, config.root, config.sensitivity).contract
    return run_quality(
        contract, config, QualityContext(now=NOW, **opts), mesh_contracts(config, [contract])
    ).checks


def run(root: Path, doc: dict[str, Any] | None = None, **opts: Any) -> dict[str, CheckResult]:
    config = load_config(root)
    path = root / "contracts" / "customers.odcs.yaml"
    if doc is not None:
        write_contract(path, doc)
    contract = load_contract(path, config.root, config.sensitivity).contract
    mesh = mesh_contracts(config, [contract])
    out = run_quality(contract, config, QualityContext(now=NOW, **opts), mesh)
    return {c.id: c for c in out.checks}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


def test_fixture_repo_finds_exactly_the_planted_defects(repo: Path) -> None:
    checks = run(repo)
    failing = {k: (str(c.status), c.failing_rows) for k, c in checks.items() if c.status != "passed"}
    assert failing == {
        "customers.customer_id.unique": ("failed", 2),
        "customers.email.pattern": ("failed", 1),
        "customers.age.maximum": ("failed", 1),
        "customers.duplicateValues.1": ("failed", 1),
        "customers.tier.invalidValues.0": ("warned", 1),
        "customers.tier.missingValues.1": ("failed", 1),
        "customers.text.3": ("info", None),
        "customers.custom.4": ("unsupported", None),
        "sla.availability": ("info", None),
    }
    assert checks["customers.age.nullValues.0"].measured == 12.5  # 1 of 8, percent
    assert checks["customers.rowCount.0"].measured == 8
    assert checks["sla.freshness"].measured == pytest.approx(9.0)  # newest row is 9 h old
    loc = checks["customers.age.maximum"].location
    assert loc is not None and loc.line is not None and loc.pointer.endswith("logicalTypeOptions/maximum")


def test_bad_value_in_the_last_row_of_a_large_frame_is_found(repo: Path) -> None:
    n = 100_000
    frame = pl.DataFrame({"customer_id": pl.int_range(0, n, eager=True), "age": pl.repeat(30, n, eager=True)})
    frame = frame.with_columns(
        pl.when(pl.col("customer_id") == n - 1).then(121).otherwise(pl.col("age")).alias("age"),
        pl.lit("x@example.com").alias("email"),
        pl.lit("FR").alias("country"),
        pl.lit("gold").alias("tier"),
        pl.lit("2025-01-17T00:00:00Z").alias("signed_up"),
    )
    frame.write_parquet(repo / "data" / "big.parquet")
    doc = customers_contract(
        {"server": "s", "type": "local", "path": "data/big.parquet", "format": "parquet"}
    )
    checks = run(repo, doc)
    c = checks["customers.age.maximum"]
    assert (c.status, c.failing_rows) == ("failed", 1)
    assert c.samples[0]["customer_id"] == n - 1


OPERATORS = [
    ("mustBe", 8, 7),
    ("mustNotBe", 7, 8),
    ("mustBeGreaterThan", 7, 8),
    ("mustBeGreaterOrEqualTo", 8, 9),
    ("mustBeLessThan", 9, 8),
    ("mustBeLessOrEqualTo", 8, 7),
    ("mustBeBetween", [8, 10], [9, 10]),
    ("mustNotBeBetween", [9, 10], [1, 8]),
]


@pytest.mark.parametrize(("op", "passing", "failing"), OPERATORS)
def test_every_operator_passes_and_fails(repo: Path, op: str, passing: Any, failing: Any) -> None:
    for value, expected in ((passing, "passed"), (failing, "failed")):
        doc = customers_contract(CSV)
        doc["schema"][0]["quality"] = [{"metric": "rowCount", op: value}]
        assert run(repo, doc)["customers.rowCount.0"].status == expected, (op, value)


@pytest.mark.parametrize(
    ("metric", "args", "count"),
    [
        ("nullValues", None, 1),
        ("missingValues", {"missingValues": [None, "", 34]}, 2),
        ("invalidValues", {"validValues": [34, 51, 27, 45, 38, 29]}, 1),
        ("invalidValues", {"pattern": "^[2-4]"}, 2),
        ("duplicateValues", None, 0),
    ],
)
def test_library_metrics_count_rows_and_percent(repo: Path, metric: str, args: Any, count: int) -> None:
    doc = customers_contract(CSV)
    rule: dict[str, Any] = {"metric": metric, "mustBeLessOrEqualTo": count}
    if args:
        rule["arguments"] = args
    percent = {**copy.deepcopy(rule), "unit": "percent", "mustBeLessOrEqualTo": 100 * count / 8 - 0.01}
    doc["schema"][0]["properties"][2]["quality"] = [rule, percent]
    checks = run(repo, doc)
    rows, pct = checks[f"customers.age.{metric}.0"], checks[f"customers.age.{metric}.1"]
    assert (rows.status, rows.measured, rows.failing_rows) == ("passed", count, count)
    assert pct.measured == pytest.approx(100 * count / 8)
    assert pct.status == "failed"  # the threshold is just below the measured percentage


def test_severity_warning_and_info_do_not_block(repo: Path) -> None:
    doc = customers_contract(CSV)
    doc["schema"][0]["quality"] = [
        {"metric": "rowCount", "mustBe": 1, "severity": "warning"},
        {"metric": "rowCount", "mustBe": 1, "severity": "info"},
    ]
    checks = run(repo, doc)
    for key in ("customers.rowCount.0", "customers.rowCount.1"):
        assert checks[key].status == "warned" and not checks[key].blocking


def test_bad_rules_are_errored_not_skipped(repo: Path) -> None:
    doc = customers_contract(CSV)
    doc["schema"][0]["quality"] = [
        {"metric": "rowCount", "mustBe": 1, "mustNotBe": 2},
        {"metric": "rowCount", "mustBeBetween": [1]},
        {"metric": "nullValues"},  # schema level without a column
        {"metric": "fancyMetric", "mustBe": 0},
        {"type": "sql", "query": "SELECT email FROM {object} LIMIT 1", "mustBe": 0},
    ]
    checks = run(repo, doc)
    assert [checks[f"customers.{k}"].status for k in ("rowCount.0", "rowCount.1", "nullValues.2")] == [
        "errored"
    ] * 3
    assert checks["customers.fancyMetric.3"].status == "unsupported"
    sql = checks["customers.sql.4"]
    assert sql.status == "errored" and "@" not in sql.message


def test_schema_options_enum_and_composite_key(repo: Path) -> None:
    doc = customers_contract(CSV)
    props = doc["schema"][0]["properties"]
    props[0]["primaryKey"] = True
    props[0]["primaryKeyPosition"] = 1
    props[3].update(primaryKey=True, primaryKeyPosition=2, enum=["FR", "DE", "ES", "IT", "NL"])
    props[3]["logicalTypeOptions"] = {"minLength": 2, "maxLength": 2, "pattern": "^[A-Z]+$"}
    props[2]["logicalTypeOptions"] = {"exclusiveMinimum": 27, "exclusiveMaximum": 130}
    props[5]["logicalTypeOptions"] = {"minimum": "2025-01-11T00:00:00Z"}
    checks = run(repo, doc)
    assert checks["customers.country.enum"].failing_rows == 1  # BE
    assert checks["customers.country.length"].status == "passed"
    assert checks["customers.country.pattern"].status == "passed"
    assert checks["customers.age.exclusiveMinimum"].failing_rows == 1  # 27
    assert checks["customers.age.exclusiveMaximum"].failing_rows == 1  # 130
    assert checks["customers.signed_up.minimum"].failing_rows == 1  # 2025-01-10
    assert checks["customers.primaryKey"].status == "passed"  # (6, FR) and (6, NL) differ
    assert "customers.customer_id.unique" not in checks  # part of a composite key only


def test_type_failures_are_counted_per_row(repo: Path) -> None:
    rows = [dict(r) for r in CUSTOMERS]
    rows[2]["age"] = "thirty"
    rows[7]["signed_up"] = "yesterday"
    from quality_repo import write_csv

    write_csv(repo / "data" / "customers.csv", rows)
    checks = run(repo)
    assert (checks["customers.age.type"].status, checks["customers.age.type"].failing_rows) == ("failed", 1)
    assert checks["customers.signed_up.type"].failing_rows == 1


def test_sla_freshness_and_retention_fail_when_late(repo: Path) -> None:
    doc = customers_contract(CSV)
    doc["slaProperties"] = [
        {"property": "freshness", "value": 4, "unit": "h", "element": "customers.signed_up"},
        {"property": "latency", "value": 48, "unit": "h", "element": "signed_up"},
        {"property": "latency", "value": 1, "unit": "min", "element": "customers.signed_up, signed_up"},
        {"property": "retention", "value": 5, "unit": "d", "element": "customers.signed_up"},
        {"property": "freshness", "value": 1, "unit": "d", "element": "customers.nope"},
    ]
    got = [(c.id, str(c.status), c.measured) for c in run_all(repo, doc) if c.stage == "sla"]
    assert got == [
        ("sla.freshness.0", "failed", 9.0),
        ("sla.latency.1", "info", None),  # one timestamp cannot measure source → availability
        ("sla.latency.2", "passed", 0.0),
        ("sla.retention", "failed", 7 * 24 + 16.0),  # oldest row: 2025-01-10T08:00
        ("sla.freshness.4", "errored", None),
    ]


@pytest.mark.parametrize("prop", ["Freshness", "FRESHNESS"])
def test_a_freshness_sla_in_another_case_is_the_freshness_of_the_data(repo: Path, prop: str) -> None:
    def data(name: str) -> Any:
        doc = customers_contract(CSV)
        doc["slaProperties"][0]["property"] = name
        config = load_config(repo)
        path = repo / "contracts" / "customers.odcs.yaml"
        write_contract(path, doc)
        contract = load_contract(path, config.root, config.sensitivity).contract
        out = run_quality(contract, config, QualityContext(now=NOW), {})
        assert out.data is not None
        return out.data["freshness"], [c.to_dict() for c in out.checks if c.stage == "sla"]

    lower = data("freshness")
    assert lower[0] is not None and lower[0]["age_hours"] == pytest.approx(9.0)
    assert data(prop) == lower


def test_contract_without_data_location_is_reported(repo: Path) -> None:
    doc = customers_contract(CSV)
    del doc["servers"]
    checks = run(repo, doc)
    assert [c.status for c in checks.values()] == ["warned"]


def test_profile_detects_undeclared_pii_and_masks_it(repo: Path) -> None:
    doc = customers_contract(CSV)
    prop = doc["schema"][0]["properties"][1]
    prop.pop("tags")
    prop["classification"] = "internal"
    config = load_config(repo)
    path = repo / "contracts" / "customers.odcs.yaml"
    write_contract(path, doc)
    contract: Contract = load_contract(path, config.root, config.sensitivity).contract
    out = run_quality(contract, config, QualityContext(now=NOW), {})
    assert out.data is not None
    assert out.data["columns"]["email"]["detected"] == ["email"]
    assert out.data["columns"]["age"] == {
        "null_fraction": 0.125,
        "distinct": 7,
        "detected": [],
        "min": 27,
        "max": 130,
    }
    assert set(out.data) == {"source", "rows", "columns", "freshness"}
    unique = next(c for c in out.checks if c.id == "customers.customer_id.unique")
    assert all("@example" not in str(s["email"]) for s in unique.samples)
