"""SQL quality rules are read-only, proven on a real PostgreSQL and a real DuckDB file: a corpus of
writes, DDL, COPY, side-effect and file-reading functions, stacked statements and statements hidden
in comments or quoted names. Every one is refused or fails, none measures anything from outside the
table, and the databases are byte-for-byte (DuckDB) or row-for-row (PostgreSQL) unchanged."""

from __future__ import annotations

import hashlib
import time
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
from meshguard.errors import DataError
from meshguard.quality.stage import run_quality
from meshguard.stages import QualityContext
from pg_server import postgres
from quality_repo import CUSTOMERS, customers_contract, make_repo, write_contract

MARK = "/tmp/meshguard-sql-escape"
ATTACKS = [
    # writes and DDL
    "DELETE FROM {object}",
    "UPDATE {object} SET age = 0",
    "INSERT INTO {object} (customer_id) VALUES (99)",
    "DROP TABLE {object}",
    "CREATE TABLE x AS SELECT 1",
    "ALTER TABLE {object} ADD COLUMN x int",
    "TRUNCATE {object}",
    "WITH d AS (DELETE FROM {object} RETURNING 1) SELECT COUNT(*) FROM d",
    "SELECT COUNT(*) FROM {object} FOR UPDATE",
    # COPY, files, programs
    f"COPY {{object}} TO '{MARK}'",
    f"COPY (SELECT 1) TO PROGRAM 'touch {MARK}'",
    "SELECT length(pg_read_file('/etc/passwd'))",
    "SELECT length(\"pg_read_file\"('/etc/passwd'))",
    "SELECT length(pg_catalog.\"pg_read_file\"('/etc/passwd'))",
    "SELECT length(pg_read_file/**/('/etc/passwd'))",
    "SELECT length(U&\"pg\\005fread_file\"('/etc/passwd'))",
    "SELECT COUNT(*) FROM pg_ls_dir('/')",
    f"SELECT lo_import('{MARK}')",
    "SELECT \"lo_from_bytea\"(0, 'x')::int",
    "SELECT COUNT(*) FROM read_csv('/etc/passwd')",
    "SELECT COUNT(*) FROM read_text('/etc/passwd')",
    "SELECT COUNT(*) FROM 'https://example.com/x.csv'",
    # side effects and state
    "SELECT nextval('guard_seq')",
    "SELECT \"setval\"('guard_seq', 1000)",
    "SELECT set_config('default_transaction_read_only', 'off', false)::int",
    "SELECT pg_terminate_backend(pg_backend_pid())::int",
    "SELECT pg_sleep(30)::text::int",
    "SELECT COUNT(*) FROM {object} WHERE pg_notify('c', 'x') IS NULL",
    "SELECT txid_current()",
    # stacked statements and statements hidden in comments
    "SELECT 1; DELETE FROM {object}",
    "SELECT COUNT(*) FROM {object} -- harmless\n; DROP TABLE {object}",
    "SELECT COUNT(*) FROM {object} /* ; */ ; DROP TABLE {object}",
    "/* x */ DELETE /* y */ FROM {object}",
    "SELECT COUNT(*) FROM {object};;DROP TABLE {object}",
    "ATTACH 'other.duckdb' AS o",
    "PRAGMA enable_external_access",
    "SET enable_external_access = true",
    "INSTALL httpfs",
    "CALL pg_catalog.pg_reload_conf()",
    "EXPLAIN ANALYZE DELETE FROM {object}",
    "PREPARE p AS DELETE FROM {object}",
    "DO $$ BEGIN DELETE FROM customers; END $$",
    "VACUUM",
]


@pytest.fixture(scope="module")
def pg() -> Iterator[dict[str, Any]]:
    with postgres() as server:
        with psycopg.connect(
            host=server["host"], port=server["port"], user=server["user"], dbname="postgres"
        ) as c:
            c.execute(
                "CREATE TABLE customers (customer_id bigint, email text, age integer, country varchar(2),"
                " tier text, signed_up timestamptz)"
            )
            c.execute("CREATE SEQUENCE guard_seq")
            with c.cursor().copy("COPY customers FROM STDIN") as cp:
                for r in CUSTOMERS:
                    cp.write_row([r[k] for k in r])
        yield server


def pg_fingerprint(server: dict[str, Any]) -> str:
    with psycopg.connect(
        host=server["host"], port=server["port"], user=server["user"], dbname="postgres"
    ) as c:
        rows = [
            c.execute("SELECT string_agg(t::text, '|' ORDER BY t::text) FROM customers t").fetchone(),
            c.execute(
                "SELECT string_agg(relname::text || relkind::text, ',' ORDER BY relname) FROM pg_class "
                "WHERE relnamespace = 'public'::regnamespace"
            ).fetchone(),
            c.execute("SELECT last_value, is_called FROM guard_seq").fetchone(),
            c.execute("SELECT COUNT(*) FROM pg_largeobject_metadata").fetchone(),
            c.execute(
                "SELECT setting FROM pg_settings WHERE name = 'default_transaction_read_only'"
            ).fetchone(),
        ]
    return repr(rows)


def _check(root: Path, server: dict[str, Any]) -> dict[str, Any]:
    doc = customers_contract(server)
    doc["schema"][0]["quality"] = [
        {"type": "sql", "id": f"attack{i}", "query": q, "mustBe": 0} for i, q in enumerate(ATTACKS)
    ] + [
        {"type": "sql", "id": "honest", "query": "SELECT COUNT(*) FROM {object} WHERE age < 18", "mustBe": 0}
    ]
    path = root / "contracts" / "customers.odcs.yaml"
    write_contract(path, doc)
    config = load_config(root)
    contract = load_contract(path, config.root, config.sensitivity).contract
    out = run_quality(contract, config, QualityContext(now=datetime(2025, 1, 18, tzinfo=UTC)), {})
    return {c.id: c for c in out.checks}


#: valid in DuckDB and harmless there (an in-memory database that is thrown away)
HARMLESS_IN_DUCKDB = {"SELECT txid_current()", "SELECT nextval('guard_seq')"}


def _assert_all_refused(checks: dict[str, Any], harmless: set[str] = set()) -> None:  # noqa: B006
    assert checks.get("honest") and checks["honest"].status == "passed", [c.message for c in checks.values()][
        :3
    ]  # the guard is not simply refusing everything
    for i, q in enumerate(ATTACKS):
        c = checks[f"attack{i}"]
        if q in harmless:
            continue
        assert c.status == "errored", (q, c.status, c.measured, c.message)
        assert c.measured is None, q
        assert "root:" not in c.message and "\n" not in c.message


def test_postgres_is_unchanged_and_nothing_escapes(
    tmp_path: Path, pg: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESHGUARD_PG_USER", pg["user"])  # a superuser: the guard, not privileges, protects
    root = make_repo(tmp_path)
    before = pg_fingerprint(pg)
    server = {"server": "s", "type": "postgres", "host": pg["host"], "port": pg["port"], "schema": "public"}
    server["database"] = "postgres"
    checks = _check(root, server)
    _assert_all_refused(checks)
    assert pg_fingerprint(pg) == before
    assert not Path(MARK).exists()


def test_duckdb_file_is_byte_identical_and_nothing_escapes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meshguard.sources import dbfile, duckdb_source

    monkeypatch.setattr(dbfile, "TIMEOUT_S", 2.0)
    root = make_repo(tmp_path)
    db = root / "data" / "shop.duckdb"
    con = duckdb.connect(str(db))
    con.register("f", pl.DataFrame(CUSTOMERS))
    con.execute("CREATE TABLE customers AS SELECT * FROM f")
    con.execute("CREATE SEQUENCE guard_seq")
    con.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    server = {"server": "s", "type": "duckdb", "path": "data/shop.duckdb", "table": "customers"}
    t0 = time.perf_counter()
    checks = _check(root, server)
    assert time.perf_counter() - t0 < 20  # pg_sleep(30) stopped by the timeout
    _assert_all_refused(checks, HARMLESS_IN_DUCKDB)
    sleep = checks[f"attack{ATTACKS.index('SELECT pg_sleep(30)::text::int')}"]
    assert sleep.status == "errored"
    # a runaway query the guard lets through is stopped by the timeout
    source = duckdb_source.DuckDBSource("data/shop.duckdb", root=root, product="customers")
    t0 = time.perf_counter()
    with pytest.raises(DataError, match="stopped after 2 s"):
        source.query_one("SELECT COUNT(*) FROM range(1000000000) a, range(1000000000) b")
    assert time.perf_counter() - t0 < 20
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not Path(MARK).exists() and not (root / "other.duckdb").exists()
