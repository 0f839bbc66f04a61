"""The run history: SQLite by default (concurrent writers lose nothing), PostgreSQL when configured."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from meshguard.config import Config
from meshguard.history import SqliteHistory, open_history
from meshguard.results.model import MeshResult
from meshkit import build_mesh

WRITERS = 8
RUNS_EACH = 5


def mesh_with(run_id: str, score_shift: float = 0.0) -> MeshResult:
    mesh = build_mesh()
    mesh.run_id = run_id
    for p in mesh.products:
        p.score = max(0.0, p.score - score_shift)
    mesh.summary["score"] = round(sum(p.score for p in mesh.products) / len(mesh.products), 1)
    return mesh


def _writer(args: tuple[str, int]) -> int:
    path, n = args
    store = SqliteHistory(Path(path))
    try:
        for i in range(RUNS_EACH):
            store.record(mesh_with(f"w{n}-r{i}", float(i)))
    finally:
        store.close()
    return n


def exercise(store) -> None:  # the same questions for both back ends
    for i in range(4):
        store.record(mesh_with(f"run{i}", 10.0 * (3 - i)))
    runs = store.runs()
    assert [r.run_id for r in runs] == ["run3", "run2", "run1", "run0"]
    assert runs[0].products == 3 and runs[0].verdict == "fail"
    customers = store.runs(product="customers")
    assert [r.score for r in reversed(customers)] == [
        pytest.approx(build_mesh().products[0].score - 10.0 * (3 - i), abs=0.05) for i in range(4)
    ]
    assert [r.run_id for r in store.runs(domain="healthcare", limit=2)] == ["run3", "run2"]
    assert store.runs(product="nobody") == []
    doc = store.load("run1")
    assert doc == mesh_with("run1", 20.0).to_dict()
    assert store.load("latest")["run_id"] == "run3"
    with pytest.raises(Exception, match="ambiguous"):
        store.load("run")
    trend = store.trend(3)
    assert [t[0] for t in trend] == ["run1", "run2", "run3"]
    assert [t[0] for t in store.trend(10, until="run1")] == ["run0", "run1"]
    sparks = store.sparklines(3)
    assert len(sparks["customers"]) == 3 and sparks["customers"][-1] > sparks["customers"][0]
    assert len(store.sparklines(10, until="run0")["patients"]) == 1
    store.record(mesh_with("run4"), keep=2)
    assert [r.run_id for r in store.runs()] == ["run4", "run3"]
    assert set(store.sparklines(10)) == {"customers", "patients", "orders"}
    assert len(store.sparklines(10)["orders"]) == 2


def test_sqlite_store(tmp_path: Path) -> None:
    store = open_history(Config(root=tmp_path))
    assert store.location == str(tmp_path / "reports" / "history.db")
    try:
        exercise(store)
    finally:
        store.close()
    conn = sqlite3.connect(tmp_path / "reports" / "history.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_eight_parallel_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(WRITERS) as pool:
        assert sorted(pool.map(_writer, [(str(path), n) for n in range(WRITERS)])) == list(range(WRITERS))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == WRITERS * RUNS_EACH
    assert conn.execute("SELECT COUNT(*) FROM product_runs").fetchone()[0] == WRITERS * RUNS_EACH * 3
    store = SqliteHistory(path)
    try:
        ids = {r.run_id for r in store.runs(limit=1000)}
        assert ids == {f"w{n}-r{i}" for n in range(WRITERS) for i in range(RUNS_EACH)}
        assert store.load("w7-r4")["products"][0]["id"] == "customers"
    finally:
        store.close()


def test_history_path_from_config(tmp_path: Path) -> None:
    store = open_history(Config(root=tmp_path, history_url="sqlite:///shared/h.db"))
    store.close()
    assert (tmp_path / "shared" / "h.db").exists()


def test_duplicate_run_id_is_refused_without_damage(tmp_path: Path) -> None:
    store = SqliteHistory(tmp_path / "h.db")
    try:
        store.record(mesh_with("same"))
        with pytest.raises(sqlite3.IntegrityError):
            store.record(mesh_with("same"))
        assert len(store.runs()) == 1
        assert store.load("same")["run_id"] == "same"
    finally:
        store.close()


@pytest.fixture(scope="module")
def pg_url():
    from pg_server import postgres

    with postgres() as server:
        yield f"postgresql://{server['user']}@{server['host']}:{server['port']}/postgres"


def test_postgres_store(pg_url: str, tmp_path: Path) -> None:
    store = open_history(Config(root=tmp_path), pg_url)
    assert "postgresql://" in store.location
    try:
        exercise(store)
    finally:
        store.close()


def _pg_writer(args: tuple[str, int]) -> int:
    url, n = args
    from meshguard.history import PostgresHistory

    store = PostgresHistory(url)
    try:
        for i in range(RUNS_EACH):
            store.record(mesh_with(f"pg{n}-r{i}"))
    finally:
        store.close()
    return n


def test_postgres_parallel_writers(pg_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(WRITERS) as pool:
        pool.map(_pg_writer, [(pg_url, n) for n in range(WRITERS)])
    from meshguard.history import PostgresHistory

    store = PostgresHistory(pg_url)
    try:
        ids = {r.run_id for r in store.runs(limit=10_000)}
        assert {f"pg{n}-r{i}" for n in range(WRITERS) for i in range(RUNS_EACH)} <= ids
    finally:
        store.close()
