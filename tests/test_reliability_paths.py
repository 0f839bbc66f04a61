"""Paths cannot escape the governance repo: server paths, configured sample paths, globs, DuckDB files,
symlinked files and folders, file:// and other URLs, and $ref (never followed) — unless a root is
explicitly allowed in data.allowed_roots."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from conftest import invoke
from quality_repo import CUSTOMERS, customers_contract, make_repo, write_contract

SECRET = "outside-secret-canary-71"


def _outside(tmp_path: Path) -> Path:
    out = tmp_path / "outside"
    out.mkdir(exist_ok=True)
    (out / "c.csv").write_text(f"customer_id,email\n1,{SECRET}@x.org\n", encoding="utf-8")
    (out / "c.duckdb").write_bytes(b"")
    return out


def _run(root: Path, server: dict[str, Any] | None = None, config: str = "") -> tuple[int, str]:
    if server is not None:
        write_contract(root / "contracts" / "customers.odcs.yaml", customers_contract(server))
    if config:
        (root / "meshguard.yaml").write_text(config, encoding="utf-8")
    r = invoke("test", "customers", "--root", str(root), "--format", "json")
    out = r.stdout + r.stderr
    assert "Traceback" not in out and SECRET not in out
    if r.returncode == 1:
        checks = json.loads(r.stdout)["products"][0]["checks"]
        data = [c["message"] for c in checks if c["id"].endswith(".data")]
        return r.returncode, " ".join(data)
    return r.returncode, out


@pytest.mark.parametrize(
    ("server", "expect"),
    [
        ({"type": "local", "path": "file:///etc/passwd", "format": "csv"}, "is a URL"),
        ({"type": "local", "path": "FILE:///etc/passwd", "format": "csv"}, "is a URL"),
        ({"type": "local", "path": "s3://bucket/x.parquet", "format": "parquet"}, "is a URL"),
        ({"type": "local", "location": "https://example.com/x.csv", "format": "csv"}, "is a URL"),
        (
            {"type": "local", "path": "data/../../outside/c.csv", "format": "csv"},
            "outside the governance repo",
        ),
        ({"type": "local", "path": "../outside/*.csv", "format": "csv"}, "outside the governance repo"),
        ({"type": "local", "path": "data/dirlink/c.csv", "format": "csv"}, "outside the governance repo"),
        ({"type": "local", "path": "data/*/c.csv", "format": "csv"}, "outside the governance repo"),
        ({"type": "local", "path": "data/**/*.csv", "format": "csv"}, "outside the governance repo"),
        ({"type": "duckdb", "path": "../outside/c.duckdb", "table": "t"}, "outside the governance repo"),
        ({"type": "duckdb", "path": "data/dirlink/c.duckdb", "table": "t"}, "outside the governance repo"),
    ],
)
def test_server_paths_stay_inside(tmp_path: Path, server: dict[str, Any], expect: str) -> None:
    root = make_repo(tmp_path / "repo")
    out = _outside(tmp_path)
    os.symlink(out, root / "data" / "dirlink")  # a folder inside the repo that points out of it
    code, message = _run(root, {"server": "s", **server})
    assert code == 1 and expect in message, message


def test_configured_sample_paths_stay_inside(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    _outside(tmp_path)
    base = "data:\n  as_of: '2025-01-18T00:00:00Z'\n"
    code, message = _run(root, config=base + "  samples:\n    customers: ../outside/c.csv\n")
    assert code == 1 and "outside the governance repo" in message
    code, message = _run(root, config=base + f"  samples:\n    customers: {tmp_path}/outside/c.csv\n")
    assert code == 1 and "outside the governance repo" in message
    # an explicitly allowed root lets it in (and the data is then read)
    code, _ = _run(
        root,
        config=base + f"  allowed_roots: [{tmp_path}/outside]\n  samples:\n    customers: ../outside/c.csv\n",
    )
    assert code == 1  # read: the two-column file fails the customers contract, it is not refused
    r = invoke("test", "customers", "--root", str(root), "--format", "json")
    assert "outside the governance repo" not in r.stdout


def test_refs_are_never_followed(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    _outside(tmp_path)
    doc = customers_contract({"server": "s", "type": "local", "path": "data/customers.csv", "format": "csv"})
    doc["schema"][0]["properties"][1]["$ref"] = f"file://{tmp_path}/outside/c.csv"
    doc["schema"][0]["properties"][2]["$ref"] = "../../outside/c.csv#/x"
    doc["authoritativeDefinitions"] = [
        {"type": "businessDefinition", "url": f"file://{tmp_path}/outside/c.csv"}
    ]
    write_contract(root / "contracts" / "customers.odcs.yaml", doc)
    lint = invoke("lint", "--format", "json", cwd=root)
    assert lint.returncode == 1 and SECRET not in lint.stdout + lint.stderr, lint.stdout + lint.stderr
    refs = {
        (f["location"]["line"], f["message"])
        for c in json.loads(lint.stdout)["products"]
        for f in c["findings"]
        if f["rule_id"] == "MG001" and "'$ref' was unexpected" in f["message"]
    }
    assert {line for line, _ in refs} == {27, 39}  # a $ref is not ODCS: an error, never a lookup
    check = invoke("check", "--no-history", "--no-reports", "--format", "json", cwd=root)
    assert check.returncode == 1 and SECRET not in check.stdout + check.stderr, check.stderr
    product = next(p for p in json.loads(check.stdout)["products"] if p["id"] == "customers")
    # the data is the repo's own file, and the properties keep the types the contract gives them
    assert (product["data_source"], product["rows"]) == ("csv:data/customers.csv", len(CUSTOMERS))
    checks = {c["id"]: c["status"] for c in product["checks"]}
    assert checks["customers.email.type"] == checks["customers.age.type"] == "passed"
