"""In-database checks through Ibis: exact decimals on a real PostgreSQL and DuckDB, SQLite files,
a read-only session, masked samples, and every rule kind compiled to the other engines' SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pandera.polars as pa
import psycopg
import pytest

from meshguard.config import load_config
from meshguard.contracts.load import load_contract
from meshguard.quality import indb_exprs as x
from meshguard.quality.stage import run_quality
from meshguard.sources.postgres import PostgresSource
from meshguard.stages import QualityContext
from pg_server import postgres
from quality_repo import CUSTOMERS, customers_contract, make_repo, write_contract

NOW = datetime(2025, 1, 18, tzinfo=UTC)
# values a float64 round trip gets wrong: the first is below the minimum, the second above the maximum
AMOUNTS = ["1.5", "-0.0004", "100.00000000000000001", "100", None]


@pytest.fixture(scope="module")
def pg() -> Iterator[dict[str, Any]]:
    with postgres() as server:
        with psycopg.connect(
            host=server["host"], port=server["port"], user=server["user"], dbname="postgres"
        ) as conn:
            conn.execute("CREATE TABLE payments (id bigint, amount numeric(30,20))")
            for i, a in enumerate(AMOUNTS):
                conn.execute("INSERT INTO payments VALUES (%s, %s::numeric)", (i, a))
        yield server


def _payments(server: dict[str, Any]) -> dict[str, Any]:
    doc = customers_contract(server)
    doc["id"] = doc["name"] = "payments"
    doc["schema"] = [
        {
            "name": "payments",
            "properties": [
                {"name": "id", "logicalType": "integer", "required": True, "unique": True},
                {
                    "name": "amount",
                    "logicalType": "number",
                    "physicalType": "numeric(30,20)",
                    "logicalTypeOptions": {"minimum": 0, "maximum": 100},
                },
            ],
        }
    ]
    doc.pop("slaProperties")
    return doc


def _run(root: Path, doc: dict[str, Any], **opts: Any) -> dict[str, Any]:
    path = root / "contracts" / f"{doc['id']}.odcs.yaml"
    write_contract(path, doc)
    config = load_config(root)
    contract = load_contract(path, config.root, config.sensitivity).contract
    out = run_quality(contract, config, QualityContext(now=NOW, **opts), {})
    return {c.id: c for c in out.checks} | {"__outcome__": out}


def test_postgres_numeric_bounds_are_exact(
    tmp_path: Path, pg: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path)
    monkeypatch.setenv("MESHGUARD_PG_USER", pg["user"])
    server = {"server": "s", "type": "postgres", "host": pg["host"], "port": pg["port"]}
    got = _run(root, _payments(server | {"database": "postgres", "schema": "public"}))
    assert (got["payments.amount.minimum"].status, got["payments.amount.minimum"].failing_rows) == (
        "failed",
        1,
    )
    assert (got["payments.amount.maximum"].status, got["payments.amount.maximum"].failing_rows) == (
        "failed",
        1,
    )
    assert got["payments.amount.type"].status == "passed"
    assert got["payments.id.unique"].status == "passed"
    sample = got["payments.amount.maximum"].samples
    assert sample and sample[0]["id"] == 2  # the row itself, fetched from the server
    out = got["__outcome__"]
    assert out.rows == len(AMOUNTS)
    assert out.data["columns"]["amount"]["null_fraction"] == pytest.approx(1 / len(AMOUNTS))


def test_duckdb_decimal_bounds_are_exact(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    con = duckdb.connect(str(root / "data" / "pay.duckdb"))
    con.execute("CREATE TABLE payments (id BIGINT, amount DECIMAL(38,20))")
    for i, a in enumerate(AMOUNTS):
        con.execute("INSERT INTO payments VALUES (?, ?::DECIMAL(38,20))", [i, a])
    con.close()
    got = _run(root, _payments({"server": "s", "type": "duckdb", "path": "data/pay.duckdb"}))
    assert got["payments.amount.minimum"].failing_rows == 1
    assert got["payments.amount.maximum"].failing_rows == 1
    assert got["payments.amount.minimum"].status == "failed"


def test_postgres_session_is_read_only(pg: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESHGUARD_PG_USER", pg["user"])
    source = PostgresSource(product="p", host=pg["host"], port=pg["port"], schema="public")
    t = source.ibis_table("payments")
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        t.get_backend().raw_sql("CREATE TABLE meshguard_was_here (a int)")


def test_sqlite_file_gives_the_csv_results_with_masked_samples(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    con = sqlite3.connect(root / "data" / "shop.sqlite")
    con.execute(
        "CREATE TABLE customers (customer_id INTEGER, email TEXT, age INTEGER, country TEXT, tier TEXT,"
        " signed_up TIMESTAMP)"
    )
    con.executemany(
        "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)",
        [(*list(r.values())[:5], r["signed_up"].replace("T", " ").rstrip("Z")) for r in CUSTOMERS],
    )
    con.commit()
    con.close()
    reference = _run(root, customers_contract({"server": "s", "type": "local", "path": "data/customers.csv"}))
    got = _run(root, customers_contract({"server": "s", "type": "sqlite", "path": "data/shop.sqlite"}))
    assert got["__outcome__"].source == "sqlite:data/shop.sqlite"
    failed = [k for k, c in reference.items() if k != "__outcome__" and c.status == "failed"]
    assert "customers.email.pattern" in failed and "customers.customer_id.unique" in failed
    for key, ref in reference.items():
        if key == "__outcome__":
            continue
        assert (got[key].status, got[key].failing_rows, got[key].measured) == (
            ref.status,
            ref.failing_rows,
            ref.measured,
        ), key
    samples = got["customers.email.pattern"].samples
    assert samples and all("(at)" not in str(row["email"]) for row in samples)  # pii stays masked
    assert {row["customer_id"] for row in got["customers.customer_id.unique"].samples} == {6}


DIALECTS = ["snowflake", "bigquery", "trino", "databricks", "mysql", "mssql"]


def _rule_kinds(t: Any, *, nan: bool) -> dict[str, Any]:
    """One failing-row mask per rule kind meshguard pushes down."""
    pandera_checks = {
        "minimum": (pa.Check.ge(0.1), "amount"),
        "maximum": (pa.Check.le(100), "amount"),
        "exclusiveMinimum": (pa.Check.gt(0), "id"),
        "exclusiveMaximum": (pa.Check.lt(10), "id"),
        "enum": (pa.Check.isin(["a", "b"]), "tier"),
        "length": (pa.Check.str_length(min_value=1, max_value=2), "tier"),
        "pattern": (pa.Check.str_contains("^[^@]+@[^@]+$"), "email"),
    }
    masks = {k: x.violation(c, t, col) for k, (c, col) in pandera_checks.items()}
    masks["required"] = x.required(t, "score", nan=nan)
    masks["nullValues"] = x.metric(t, "nullValues", "email", {})
    masks["missingValues"] = x.metric(t, "missingValues", "tier", {"missingValues": [None, "", "N/A"]})
    masks["invalidValues"] = x.metric(t, "invalidValues", "tier", {"validValues": ["a"], "pattern": "^a"})
    return masks


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_rule_kind_compiles_to_the_dialect(dialect: str) -> None:
    schema = {
        "id": "int64",
        "email": "string",
        "tier": "string",
        "score": "float64",
        "amount": "decimal(18,4)",
    }
    t = ibis.table(schema, name="payments")
    masks = _rule_kinds(t, nan=dialect != "mssql")  # SQL Server's floats have no NaN
    regex = {"pattern", "invalidValues"}
    for kind, mask in masks.items():
        expr = x.aggregate(t, {kind: mask})
        if dialect == "mssql" and kind in regex:  # SQL Server has no regular expressions
            with pytest.raises(ibis.common.exceptions.OperationNotDefinedError):
                ibis.to_sql(expr, dialect=dialect)
            continue
        sql = ibis.to_sql(expr, dialect=dialect)
        assert "payments" in sql and "COUNT" in sql.upper(), (kind, sql)
    # the minimum on a decimal column is an exact decimal literal, not a float
    assert "0.1" in ibis.to_sql(x.aggregate(t, {"m": masks["minimum"]}), dialect=dialect)
    summary, keys = x.duplicate_groups(t, ["id"], skip_nulls=False)
    assert "GROUP BY" in ibis.to_sql(summary, dialect=dialect).upper()
    profile = x.profile(t, masked={"email"}, distinct=True)
    assert "lo|email" not in profile and "lo|amount" in profile
    ibis.to_sql(x.aggregate(t, {}, profile), dialect=dialect)
    samples = x.duplicated_rows(keys, ["id"], skip_nulls=False)(t).limit(5)
    assert "HAVING" in ibis.to_sql(samples, dialect=dialect).upper() or "> 1" in ibis.to_sql(
        samples, dialect=dialect
    )


def test_sql_rule_over_a_streamed_file_same_in_memory_and_out_of_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import polars as pl

    from meshguard.quality import sqlrules

    root = make_repo(tmp_path)
    pl.read_csv(root / "data" / "customers.csv").write_parquet(root / "data" / "customers.parquet")
    doc = customers_contract({"server": "s", "type": "local", "path": "data/customers.parquet"})
    doc["schema"][0]["quality"].append(
        {"type": "sql", "id": "old", "query": "SELECT COUNT(*) FROM {object} WHERE age > 100", "mustBe": 0}
    )
    in_memory = _run(root, doc)
    monkeypatch.setattr(sqlrules, "IN_MEMORY_CELLS", 0)  # through a temporary Parquet file
    out_of_core = _run(root, doc)
    for key in ("old", "customers.sql.2"):
        got = [(c.status, c.measured) for c in (in_memory.get(key), out_of_core.get(key)) if c]
        assert len(got) == 2 and got[0] == got[1], key
    assert in_memory["old"].measured == 1 and in_memory["old"].status == "failed"
