"""Personal data found in a minority of values on every in-database backend: a free-text column
where one value in ten is a phone number, in a real PostgreSQL, a DuckDB file and a SQLite file.

Each backend reports the same kinds, match counts and sampled counts as the polars path on
the same rows (the one detector registry runs over the same first values), the product is
flagged (GDPR-007) by ``meshguard check``, and no phone number appears in any output byte.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from conftest import invoke
from meshguard.config import load_config
from meshguard.contracts.load import load_contract
from meshguard.quality.stage import run_quality
from meshguard.stages import QualityContext
from pg_server import postgres
from policykit import compliant, make_repo

PHONES = [f"+44 20 7946 {n:04d}" for n in range(2000, 2010)]
COLUMNS = ("patient_id", "email", "diagnosis", "updated_at", "notes")


def _rows() -> list[tuple[str, str, str, str, str]]:
    rows = []
    for i in range(100):
        note = PHONES[i // 10] if i % 10 == 0 else f"called about appointment {i} all fine"
        rows.append((f"p{i}", f"u{i}@example.com", f"A0{i % 10}", f"2025-01-0{1 + i % 9}", note))
    return rows


def _contract(server: dict[str, Any]) -> dict[str, Any]:
    doc = compliant()
    doc["servers"][0] = {**{k: v for k, v in doc["servers"][0].items() if k == "customProperties"}, **server}
    props = doc["schema"][0]["properties"]
    props.append(
        {
            "name": "notes",
            "logicalType": "string",
            "classification": "internal",
            "description": "Agent notes",
            # a failing rule on the notes, so failing rows (with their notes) are sampled
            "quality": [
                {
                    "type": "library",
                    "metric": "invalidValues",
                    "arguments": {"validValues": ["ok"]},
                    "mustBe": 0,
                }
            ],
        }
    )
    return doc


@pytest.fixture(scope="module")
def pg() -> Iterator[dict[str, Any]]:
    with postgres() as server:
        with psycopg.connect(
            host=server["host"], port=server["port"], user=server["user"], dbname="postgres"
        ) as conn:
            conn.execute(
                "CREATE TABLE patients (patient_id text, email text, diagnosis text, updated_at date, notes text)"
            )
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO patients VALUES (%s, %s, %s, %s::date, %s)", _rows())
        yield server


def _repo(root: Path, backend: str, pg: dict[str, Any] | None = None) -> Path:
    """A repo whose one product reads the rows from ``backend``."""
    data = root / "data"
    data.mkdir(parents=True)
    if backend == "csv":
        lines = [",".join(COLUMNS), *(",".join(r) for r in _rows())]
        (data / "good.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        server: dict[str, Any] = {"server": "s", "type": "local", "path": "data/good.csv", "format": "csv"}
    elif backend == "duckdb":
        con = duckdb.connect(str(data / "good.duckdb"))
        con.execute(
            "CREATE TABLE patients (patient_id TEXT, email TEXT, diagnosis TEXT, updated_at DATE, notes TEXT)"
        )
        con.executemany("INSERT INTO patients VALUES (?, ?, ?, ?::DATE, ?)", _rows())
        con.close()
        server = {"server": "s", "type": "duckdb", "path": "data/good.duckdb"}
    elif backend == "sqlite":
        con3 = sqlite3.connect(data / "good.sqlite")
        con3.execute(
            "CREATE TABLE patients (patient_id TEXT, email TEXT, diagnosis TEXT, updated_at DATE, notes TEXT)"
        )
        con3.executemany("INSERT INTO patients VALUES (?, ?, ?, ?, ?)", _rows())
        con3.commit()
        con3.close()
        server = {"server": "s", "type": "sqlite", "path": "data/good.sqlite"}
    else:
        assert pg is not None
        server = {
            "server": "s",
            "type": "postgres",
            "host": pg["host"],
            "port": pg["port"],
            "database": "postgres",
            "schema": "public",
        }
    return make_repo(root, {"good": _contract(server)})


def detections(repo: Path, env: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """column → what the profile found in it (kinds, counts per kind, sampled values)."""
    config = load_config(repo)
    contract = load_contract(repo / "contracts" / "good.odcs.yaml", repo, config.sensitivity).contract
    out = run_quality(contract, config, QualityContext(profile=True), {})
    assert out.data is not None, [c.message for c in out.checks]
    return {
        c: {k: e.get(k) for k in ("detected", "detected_counts", "sampled")}
        for c, e in out.data["columns"].items()
    }


BACKENDS = ["postgres", "duckdb", "sqlite"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return detections(_repo(tmp_path_factory.mktemp("csv"), "csv"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_detected_counts_agree_with_the_polars_path(
    backend: str,
    tmp_path: Path,
    pg: dict[str, Any],
    reference: dict[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MESHGUARD_PG_USER", pg["user"])
    got = detections(_repo(tmp_path, backend, pg))
    assert reference["notes"] == {"detected": ["phone"], "detected_counts": {"phone": 10}, "sampled": 100}
    assert reference["email"]["detected_counts"] == {"email": 100}
    assert got == reference


@pytest.mark.parametrize("backend", BACKENDS)
def test_minority_phone_numbers_flagged_and_never_printed(
    backend: str, tmp_path: Path, pg: dict[str, Any]
) -> None:
    repo = _repo(tmp_path, backend, pg)
    log = repo / "decisions.jsonl"
    outputs = [
        f"{fmt}={repo / 'out' / ('r.' + fmt)}" for fmt in ("json", "sarif", "junit", "markdown", "html")
    ]
    args = ["check", "--decision-log", str(log), "--format", "text", "--reports", str(repo / "reports")]
    r = invoke(
        *args, *[a for o in outputs for a in ("--output", o)], cwd=repo, env={"MESHGUARD_PG_USER": pg["user"]}
    )
    assert r.returncode == 1, r.stdout + r.stderr
    report = json.loads((repo / "out" / "r.json").read_text(encoding="utf-8"))
    product = report["products"][0]
    flagged = [f for f in product["findings"] if f["rule_id"] == "GDPR-007"]
    assert [f["field"] for f in flagged] == ["patients.notes"], product["findings"]
    assert "(10 of 100 sampled values)" in flagged[0]["message"]
    notes_rule = next(c for c in product["checks"] if c["id"] == "patients.notes.invalidValues.0")
    assert notes_rule["status"] == "failed" and notes_rule["samples"]
    assert all(s["notes"] == "***" for s in notes_rule["samples"]), "the detected column is masked"
    files = [p for p in repo.rglob("*") if p.is_file() and p.suffix not in (".csv", ".yaml", ".rego")]
    files = [p for p in files if p.suffix not in (".duckdb", ".sqlite")]  # the data itself
    assert log in files and len(files) >= 7
    blobs = [r.stdout.encode(), r.stderr.encode(), *(p.read_bytes() for p in files)]
    for blob in blobs:
        for phone in PHONES:
            assert phone.encode() not in blob and phone.replace(" ", "").encode() not in blob
