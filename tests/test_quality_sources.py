"""The same contract from CSV, Parquet, NDJSON, DuckDB and a real PostgreSQL server gives the same results;
hostile SQL is refused and leaves the data intact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import psycopg
import pytest

from meshguard.config import load_config
from meshguard.contracts.load import load_contract
from meshguard.errors import SourceUnavailable
from meshguard.quality.stage import run_quality
from meshguard.stages import QualityContext
from pg_server import postgres
from quality_repo import CUSTOMERS, customers_contract, make_repo, write_contract

NOW = datetime(2025, 1, 18, tzinfo=UTC)
HOSTILE = [
    "DROP TABLE customers",
    "SELECT 1; DELETE FROM customers",
    "COPY customers TO '/tmp/meshguard-leak.csv'",
    "SELECT COUNT(*) FROM {object}; SELECT 2",
    "DELETE FROM customers",
    "SELECT pg_terminate_backend(1)",
    "SELECT COUNT(*) FROM read_csv('/etc/passwd')",
]


@pytest.fixture(scope="module")
def pg() -> Iterator[dict[str, Any]]:
    with postgres() as server:
        conn = psycopg.connect(
            host=server["host"], port=server["port"], user=server["user"], dbname="postgres"
        )
        with conn:
            conn.execute(
                "CREATE TABLE customers (customer_id bigint, email text, age integer, country varchar(2),"
                " tier text, signed_up timestamptz)"
            )
            with conn.cursor().copy("COPY customers FROM STDIN") as cp:
                for r in CUSTOMERS:
                    cp.write_row([r[k] for k in r])
        conn.close()
        yield server


def _frame() -> pl.DataFrame:
    return pl.DataFrame(CUSTOMERS).with_columns(
        pl.col("signed_up").str.to_datetime(time_zone="UTC", time_unit="us")
    )


def _results(root: Path, server: dict[str, Any], env: dict[str, str] | None = None) -> list[tuple[Any, ...]]:
    doc = customers_contract(server)
    doc["schema"][0]["quality"].extend({"type": "sql", "query": q, "mustBe": 0} for q in HOSTILE)
    path = root / "contracts" / "customers.odcs.yaml"
    write_contract(path, doc)
    config = load_config(root)
    contract = load_contract(path, config.root, config.sensitivity).contract
    out = run_quality(contract, config, QualityContext(now=NOW), {})
    return [(c.id, str(c.status), c.failing_rows, c.measured) for c in out.checks]


def test_same_results_from_every_source(
    tmp_path: Path, pg: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path)
    data = root / "data"
    frame = _frame()
    frame.write_parquet(data / "customers.parquet")
    frame.write_ndjson(data / "customers.ndjson")
    con = duckdb.connect(str(data / "shop.duckdb"))
    con.register("f", frame)
    con.execute("CREATE TABLE customers AS SELECT * FROM f")
    con.close()
    monkeypatch.setenv("MESHGUARD_PG_USER", pg["user"])
    servers: dict[str, dict[str, Any]] = {
        "csv": {"server": "s", "type": "local", "path": "data/customers.csv", "format": "csv"},
        "parquet": {"server": "s", "type": "local", "path": "data/customers.parquet", "format": "parquet"},
        "ndjson": {"server": "s", "type": "local", "path": "data/*.ndjson", "format": "json"},
        "duckdb": {
            "server": "s",
            "type": "duckdb",
            "path": "data/shop.duckdb",
            "customProperties": [{"property": "table", "value": "customers"}],
        },
        "postgres": {
            "server": "s",
            "type": "postgres",
            "host": pg["host"],
            "port": pg["port"],
            "database": "postgres",
            "schema": "public",
        },
    }
    results = {kind: _results(root, server) for kind, server in servers.items()}
    reference = results["csv"]
    assert any(status == "failed" for _, status, _, _ in reference)
    hostile = [r for r in reference if r[0].startswith("customers.sql.") and r[0] != "customers.sql.2"]
    assert len(hostile) == len(HOSTILE) and {r[1] for r in hostile} == {"errored"}
    for kind, got in results.items():
        assert got == reference, kind
    # the data is intact everywhere after the hostile rules
    assert not Path("/tmp/meshguard-leak.csv").exists()
    con = duckdb.connect(str(data / "shop.duckdb"), read_only=True)
    assert con.execute("SELECT COUNT(*) FROM customers").fetchone() == (len(CUSTOMERS),)
    con.close()
    with psycopg.connect(host=pg["host"], port=pg["port"], user=pg["user"], dbname="postgres") as conn:
        assert conn.execute("SELECT COUNT(*) FROM customers").fetchone() == (len(CUSTOMERS),)
    assert len(pl.read_csv(data / "customers.csv")) == len(CUSTOMERS)


def test_postgres_row_limit_marks_the_run_sampled(
    tmp_path: Path, pg: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path)
    monkeypatch.setenv("MESHGUARD_PG_USER", pg["user"])
    doc = customers_contract(
        {"server": "s", "type": "postgres", "host": pg["host"], "port": pg["port"], "database": "postgres"}
    )
    path = root / "contracts" / "customers.odcs.yaml"
    write_contract(path, doc)
    config = load_config(root)
    contract = load_contract(path, config.root, config.sensitivity).contract
    out = run_quality(contract, config, QualityContext(now=NOW, sample_rows=3), {})
    assert (out.rows, out.sampled) == (3, True)
    assert out.source is not None and "postgres://" in out.source


def test_unreachable_postgres_is_unavailable(tmp_path: Path) -> None:
    from pg_server import free_port

    root = make_repo(tmp_path)
    doc = customers_contract({"server": "s", "type": "postgres", "host": "127.0.0.1", "port": free_port()})
    path = root / "contracts" / "customers.odcs.yaml"
    write_contract(path, doc)
    config = load_config(root)
    contract = load_contract(path, config.root, config.sensitivity).contract
    with pytest.raises(SourceUnavailable, match="unreachable"):
        run_quality(contract, config, QualityContext(now=NOW), {})


def test_cli_exit_3_when_postgres_is_down(tmp_path: Path, cli: Any) -> None:
    from pg_server import free_port

    root = make_repo(tmp_path)
    doc = customers_contract({"server": "s", "type": "postgres", "host": "127.0.0.1", "port": free_port()})
    write_contract(root / "contracts" / "customers.odcs.yaml", doc)
    r = cli("test", "customers", "--root", str(root))
    assert r.returncode == 3, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "unreachable" in r.stderr
    assert "Traceback" not in r.stderr


def test_json_ndjson_array_also_reads(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    (root / "data" / "arr.json").write_text(json.dumps(CUSTOMERS), encoding="utf-8")
    out = _results(root, {"server": "s", "type": "local", "path": "data/arr.json", "format": "json"})
    assert dict((r[0], r[1]) for r in out)["customers.email.pattern"] == "failed"
