"""Nothing leaked: canary values planted in pii / phi / pci / special columns, and canary credentials,
never appear in any byte meshguard writes — every report format, the HTML site, the history
database, the decision log, stdout and stderr — even when checks fail on exactly those values and
engines (pandera, polars, DuckDB, PostgreSQL) quote them in their error messages."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import zlib
from pathlib import Path
from typing import Any

import psycopg
import pytest

from conftest import invoke
from pg_server import postgres
from policykit import POLICIES
from quality_repo import customers_contract, write_contract, write_csv

FORMATS = ("json", "junit", "sarif", "markdown", "github", "text", "html")
PG_PASSWORD = "pg-secret-canary-93kq"
OPA_TOKEN = "opa-secret-canary-5tzw"


def canary(kind: str, i: int) -> str:
    return f"CANARY{kind}{i:03d}X"


def rows(n: int = 12) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        out.append(
            {
                "customer_id": i % 10,  # duplicates: unique check fails with samples
                "email": f"{canary('PII', i).lower()}@leak.example" if i % 3 else canary("PII", i),
                "age": 30 + i,
                "country": "FR",
                "tier": canary("SPECIAL", i) if i % 2 else "gold",
                "signed_up": "2025-01-10T08:00:00Z",
                "diagnosis": canary("PHI", i),
                "card": canary("PCI", i) if i % 4 else f"4111{i:012d}",
            }
        )
    return out


def hostile_contract(server: dict[str, Any], product: str = "customers") -> dict[str, Any]:
    doc = customers_contract(server)
    doc["id"] = doc["name"] = product
    props = doc["schema"][0]["properties"]
    props[1].update(logicalType="integer", logicalTypeOptions={"maxLength": 3, "pattern": "^z"})  # email
    props[1]["enum"] = ["nobody"]
    props[4].update(tags=["special"], classification="restricted")  # tier
    props += [
        {
            "name": "diagnosis",
            "logicalType": "date",
            "tags": ["phi"],
            "classification": "restricted",
            "unique": True,
            "logicalTypeOptions": {"format": "yyyy-MM-dd"},
            "quality": [
                {"metric": "invalidValues", "arguments": {"validValues": ["A00"]}, "mustBe": 0},
                {"metric": "invalidValues", "arguments": {"pattern": "(unclosed"}, "mustBe": 0},
            ],
        },
        {"name": "card", "logicalType": "number", "tags": ["pci"], "classification": "restricted"},
    ]
    props[4]["quality"].append({"metric": "duplicateValues", "mustBe": 0})
    q = doc["schema"][0]["quality"]
    q += [
        {"type": "sql", "query": "SELECT email FROM {object} LIMIT 1", "mustBe": 0},
        {"type": "sql", "query": "SELECT CAST(diagnosis AS INTEGER) FROM {object} LIMIT 1", "mustBe": 0},
        {
            "type": "sql",
            "query": "SELECT COUNT(*) FROM {object} WHERE CAST(card AS DATE) > now()",
            "mustBe": 0,
        },
        {"type": "sql", "query": "SELECT MAX(tier) FROM {object}", "mustBe": 0},
        {"type": "sql", "query": "SELECT diagnosis::INTEGER + 1 FROM {object} LIMIT 1", "mustBe": 0},
    ]
    doc["slaProperties"].append({"property": "freshness", "value": 1, "element": "customers.diagnosis"})
    doc["slaProperties"].append({"property": "latency", "value": 1, "element": "customers.email"})
    return doc


def plant(root: Path) -> None:
    write_csv(root / "data" / "customers.csv", rows())
    doc = hostile_contract({"server": "s", "type": "local", "path": "data/customers.csv", "format": "csv"})
    write_contract(root / "contracts" / "customers.odcs.yaml", doc)
    # the same data as NDJSON with mixed types, read by a second product
    mixed = rows()
    mixed[3]["diagnosis"] = 5
    mixed[5]["card"] = {"nested": canary("PCI", 99)}
    (root / "data" / "mixed.ndjson").write_text("\n".join(json.dumps(r) for r in mixed) + "\n")
    doc = hostile_contract(
        {"server": "s", "type": "local", "path": "data/mixed.ndjson", "format": "json"}, "mixed"
    )
    doc["schema"][0]["properties"][0]["relationships"] = [{"to": "customers.email", "type": "foreignKey"}]
    write_contract(root / "contracts" / "mixed.odcs.yaml", doc)
    # orders point at customers by e-mail: orphans quote the (pii) key
    shutil.copytree(POLICIES, root / "policies")
    (root / "meshguard.yaml").write_text(
        "data:\n  as_of: '2025-01-18T00:00:00Z'\n  failing_samples: 20\n"
        "decision_log: reports/decisions.jsonl\n",
        encoding="utf-8",
    )


def outputs(root: Path) -> dict[str, str]:
    """Every file meshguard wrote, as text (the history database decompressed)."""
    found: dict[str, str] = {}
    for f in sorted([*(root / "out").rglob("*"), *(root / "reports").rglob("*")]):
        if not f.is_file():
            continue
        if f.name.endswith(".db"):
            conn = sqlite3.connect(f)
            docs = [zlib.decompress(d).decode() for (d,) in conn.execute("SELECT doc FROM runs")]
            tables = [repr(r) for t in ("runs", "product_runs") for r in conn.execute(f"SELECT * FROM {t}")]
            found[str(f)] = "\n".join(docs + tables)
        elif not f.name.endswith(("-wal", "-shm")):
            found[str(f)] = f.read_bytes().decode("utf-8", "replace")
    return found


CANARY = re.compile(r"canary(pii|phi|pci|special)\d+x", re.I)
SECRETS = (PG_PASSWORD, OPA_TOKEN)


def leaks(texts: dict[str, str]) -> list[str]:
    out = []
    for name, text in texts.items():
        for m in CANARY.finditer(text):
            out.append(f"{name}: …{text[max(0, m.start() - 80) : m.end() + 20]!r}")
        out += [f"{name}: secret {s}" for s in SECRETS if s in text]
    return out


@pytest.mark.slow  # a whole run in every output format
def test_canaries_never_leave_meshguard(tmp_path: Path) -> None:
    root = tmp_path
    plant(root)
    args = [a for f in FORMATS for a in ("--output", f"{f}=out/results.{f}")]
    env = {"MESHGUARD_PG_PASSWORD": PG_PASSWORD, "MESHGUARD_OPA_TOKEN": OPA_TOKEN}
    r = invoke("check", *args, "--format", "json", cwd=root, env=env)
    assert r.returncode == 1, r.stderr[-3000:]
    result = json.loads(r.stdout)
    checks = {c["id"]: c for p in result["products"] for c in p["checks"]}
    failing = [c for c in checks.values() if c["status"] in ("failed", "errored")]
    # the canaries were exercised: many checks failed on the guarded columns, with samples
    assert len(failing) >= 20 and sum(len(c["samples"]) for c in failing) >= 20
    assert any(c["field"] == "diagnosis" and c["status"] == "failed" for c in failing)
    assert any("sql" in c["id"] and c["status"] == "errored" for c in failing)
    texts = outputs(root)
    assert len(texts) >= len(FORMATS) + 3 and any(n.endswith("decisions.jsonl") for n in texts)
    texts["stdout"], texts["stderr"] = r.stdout, r.stderr
    assert leaks(texts) == []
    # the scanner itself finds a planted value (so the pass above means something)
    assert leaks({"x": f"<td>{canary('PHI', 3)}</td>"}) and leaks({"y": f"Bearer {OPA_TOKEN}"})
    # the text report and the test command show the same results masked
    for cmd in (
        ("test",),
        ("lint",),
        ("history", "--format", "json"),
        ("report", "--from-history", "latest"),
    ):
        r = invoke(*cmd, cwd=root, env=env)
        assert r.returncode in (0, 1), (cmd, r.stderr)  # ran (a usage error would print nothing to leak)
        assert leaks({" ".join(cmd): r.stdout + r.stderr}) == [], cmd


def test_postgres_errors_show_host_not_password(tmp_path: Path) -> None:
    with postgres() as pg:
        with psycopg.connect(host=pg["host"], port=pg["port"], user=pg["user"], dbname="postgres") as c:
            c.execute(f"ALTER USER {pg['user']} PASSWORD '{PG_PASSWORD}'")
            c.execute(
                "CREATE TABLE customers (customer_id bigint, email text, age int, country text, tier text,"
                " signed_up timestamptz, diagnosis text, card text)"
            )
            with c.cursor().copy("COPY customers FROM STDIN") as cp:
                for row in rows():
                    cp.write_row(list(row.values()))
        server = {
            "server": "s",
            "type": "postgres",
            "host": pg["host"],
            "port": pg["port"],
            "schema": "public",
        }
        server["database"] = "postgres"
        write_contract(tmp_path / "contracts" / "customers.odcs.yaml", hostile_contract(server))
        (tmp_path / "meshguard.yaml").write_text("data:\n  as_of: '2025-01-18T00:00:00Z'\n", encoding="utf-8")
        env = {"MESHGUARD_PG_USER": str(pg["user"]), "MESHGUARD_PG_PASSWORD": PG_PASSWORD}
        r = invoke("test", "--format", "json", cwd=tmp_path, env=env)
        assert r.returncode == 1, r.stderr
        assert leaks({"pg": r.stdout + r.stderr}) == []
        # unreachable server with a password in the environment and in a history URL
        r = invoke("test", cwd=tmp_path, env={**env, "MESHGUARD_PG_USER": "nobody-here"})
        assert r.returncode == 3 and f"{pg['host']}:{pg['port']}" in r.stderr
        assert PG_PASSWORD not in r.stdout + r.stderr
        url = f"postgresql://{pg['user']}:{PG_PASSWORD}@{pg['host']}:1/none"
        r = invoke("check", "--no-data", "--no-policy", "--history-url", url, cwd=tmp_path, env=env)
        assert r.returncode == 3 and ":***@" in r.stderr and PG_PASSWORD not in r.stdout + r.stderr


def test_a_quoted_field_left_open_is_not_quoted_in_the_read_error(tmp_path: Path) -> None:
    """A CSV field opened with a quote and never closed runs to the end of the file: polars'
    error quotes it between backticks over several lines (its first line has the opening one
    only), so the read error's one line must not carry what follows it."""
    rows = f'customer_id,email\n1,a@b.example\n2,"{canary("PII", 1)}@leak.example,x\n3,{canary("PII", 2)}\n'
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "customers.csv").write_text(rows, encoding="utf-8")
    server = {"server": "s", "type": "local", "path": "data/customers.csv", "format": "csv"}
    write_contract(tmp_path / "contracts" / "customers.odcs.yaml", customers_contract(server))
    r = invoke("test", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stderr[-2000:]
    checks = {c["id"]: c for p in json.loads(r.stdout)["products"] for c in p["checks"]}
    assert "cannot be read: could not parse '…'" in checks["customers.customers.data"]["message"]
    assert leaks({"test": r.stdout + r.stderr}) == []
