"""datacontract-cli integration (extra meshguard[datacontract], run in .venv-dc by scripts/test.sh):
legacy DCS files read through its converter, and `meshguard import` through its importers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli
from meshguard.config import load_config
from meshguard.contracts.load import load_contract
from meshguard.pipeline import run
from meshguard.stages import RunOptions

pytestmark = pytest.mark.datacontract

DCS = """\
dataContractSpecification: 1.1.0
id: customers
info:
  title: Customers
  version: 1.0.0
  owner: crm
  status: active
  description: Customer master data for order processing.
models:
  customers:
    type: table
    description: One row per customer.
    fields:
      customer_id:
        type: integer
        primaryKey: true
        classification: internal
      email:
        type: string
        tags: [pii]
      score:
        type: decimal
        classification: internal
"""

# the same product, written by hand in ODCS
ODCS = """\
apiVersion: v3.2.0
kind: DataContract
id: customers
name: Customers
version: 1.0.0
status: active
description:
  purpose: Customer master data for order processing.
team:
  name: crm
schema:
  - name: customers
    physicalType: table
    description: One row per customer.
    properties:
      - name: customer_id
        physicalType: integer
        logicalType: integer
        primaryKey: true
        classification: internal
      - name: email
        physicalType: string
        logicalType: string
        tags: [pii]
      - name: score
        physicalType: decimal
        logicalType: number
        classification: internal
"""


def _findings(root: Path, rel: str) -> set[tuple[str, str, str | None, str]]:
    config = load_config(root)
    # the built-in policy pack: both contracts must meet the same policies the same way
    mesh = run(config, [root / rel], RunOptions(with_data=False))
    assert not mesh.findings, [f.message for f in mesh.findings]
    (product,) = mesh.products
    return {
        (f.rule_id, str(f.severity), f.field, f.message) for f in product.findings if f.rule_id != "MG002"
    }


def test_dcs_and_odcs_of_one_product_give_the_same_findings(tmp_path: Path) -> None:
    (tmp_path / "dcs").mkdir()
    (tmp_path / "odcs").mkdir()
    (tmp_path / "dcs/datacontract.yaml").write_text(DCS)
    (tmp_path / "odcs/customers.odcs.yaml").write_text(ODCS)
    legacy = _findings(tmp_path / "dcs", "datacontract.yaml")
    modern = _findings(tmp_path / "odcs", "customers.odcs.yaml")
    assert legacy == modern
    rules = {r for r, *_ in modern}
    assert "MG016" in rules  # primary key not required: a real finding both sides share
    assert "MG021" in rules  # no domain


def test_dcs_warning_names_the_file_and_keeps_original_lines(tmp_path: Path) -> None:
    broken = DCS.replace("        type: decimal\n", "        type: money\n")
    (tmp_path / "datacontract.yaml").write_text(broken)
    loaded = load_contract(tmp_path / "datacontract.yaml", tmp_path)
    warning = next(f for f in loaded.findings if f.rule_id == "MG002")
    assert "datacontract.yaml" in warning.message and "Data Contract Specification 1.1.0" in warning.message
    proc = run_cli("lint", "datacontract.yaml", cwd=tmp_path)
    assert "MG002" in proc.stdout
    # a finding on the converted contract points at the line of the DCS file it came from
    score_line = broken.splitlines().index("      score:") + 1
    lines = [ln for ln in proc.stdout.splitlines() if "score" in ln]
    assert lines, proc.stdout
    assert all(
        ln.startswith(f"datacontract.yaml:{score_line}")
        or ln.startswith(f"datacontract.yaml:{score_line + 1}")
        for ln in lines
    ), lines


def test_invalid_dcs_is_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "datacontract.yaml").write_text("dataContractSpecification: 1.1.0\nmodels: [1, 2]\n")
    proc = run_cli("lint", "datacontract.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert "invalid Data Contract Specification" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


CSV = "customer_id,email,signup_at,balance\n" + "".join(
    f"{i},user{i}@example.com,2024-01-{i:02d} 10:00:00,{i * 1.5}\n" for i in range(1, 21)
)


def _sources(d: Path) -> dict[str, Path]:
    import polars as pl

    (d / "customers.csv").write_text(CSV)
    pl.read_csv(d / "customers.csv").write_parquet(d / "customers.parquet")
    (d / "ddl.sql").write_text(
        "CREATE TABLE customers (\n  customer_id INTEGER PRIMARY KEY,\n  email VARCHAR(200) NOT NULL,\n"
        "  signup_at TIMESTAMP,\n  balance DECIMAL(10,2)\n);\n"
    )
    (d / "schema.json").write_text(
        json.dumps(
            {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "title": "customers",
                "type": "object",
                "properties": {
                    "customer_id": {"type": "integer"},
                    "email": {"type": "string", "format": "email"},
                    "signup_at": {"type": "string", "format": "date-time"},
                    "balance": {"type": "number"},
                },
                "required": ["customer_id", "email"],
            }
        )
    )
    (d / "customers.avsc").write_text(
        json.dumps(
            {
                "type": "record",
                "name": "customers",
                "fields": [
                    {"name": "customer_id", "type": "long"},
                    {"name": "email", "type": "string"},
                    {"name": "signup_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                    {"name": "balance", "type": ["null", "double"], "default": None},
                ],
            }
        )
    )
    (d / "manifest.json").write_text(
        json.dumps(
            {
                "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"},
                "nodes": {
                    "model.shop.customers": {
                        "unique_id": "model.shop.customers",
                        "resource_type": "model",
                        "name": "customers",
                        "description": "Customers",
                        "config": {"materialized": "table"},
                        "constraints": [],
                        "columns": {
                            "customer_id": {
                                "name": "customer_id",
                                "data_type": "integer",
                                "constraints": [{"type": "primary_key"}],
                            },
                            "email": {"name": "email", "data_type": "varchar"},
                        },
                    }
                },
                "child_map": {},
            }
        )
    )
    return {
        "sql": d / "ddl.sql",
        "csv": d / "customers.csv",
        "parquet": d / "customers.parquet",
        "jsonschema": d / "schema.json",
        "avro": d / "customers.avsc",
        "dbt": d / "manifest.json",
    }


@pytest.mark.parametrize("fmt", ["sql", "csv", "parquet", "jsonschema", "avro", "dbt"])
def test_import_lints_clean_and_round_trips(tmp_path: Path, fmt: str) -> None:
    sources = _sources(tmp_path)
    args = ["import", fmt, str(sources[fmt]), "--domain", "sales", "--owner", "crm-team"]
    if fmt in ("sql", "jsonschema", "avro", "dbt"):
        args += ["--sample", "customers.csv"]
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    target = tmp_path / "contracts/sales/customers.odcs.yaml"
    assert f"created {target.relative_to(tmp_path).as_posix()}" in proc.stdout or target.exists()
    text = target.read_text()
    # pii proposed from the profile of the sample, with a comment, and no data values copied
    assert "name: email  # meshguard: proposed pii" in text
    assert "e-mail addresses" in text
    assert "user1@example.com" not in text
    doc = load_contract(target, tmp_path).contract
    email = next(p for p in doc.properties if p.name == "email")
    assert "pii" in email.categories and email.classification == "confidential"
    assert doc.domain == "sales" and doc.owner == "crm-team" and doc.id == "customers"
    lint = run_cli("lint", str(target), cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "0 error(s), 0 warning(s)" in lint.stdout
    # the contract and its data round-trip: schema, quality and SLAs pass on the sample
    check = run_cli("check", "--format", "json", "--no-reports", "--no-history", "--no-policy", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    (product,) = json.loads(check.stdout)["products"]
    assert (product["id"], product["domain"], product["owner"]) == ("customers", "sales", "crm-team")
    assert product["verdict"] == "pass"
    assert product["rows"] == 20  # the sample server was read back through the data stage
    assert not [c for c in product["checks"] if c["status"] in ("failed", "errored")]
    # an imported draft declares no lawful basis or purpose for its proposed pii: the built-in
    # pack, which applies by default, blocks it until the owner completes the contract
    governed = run_cli("check", "--format", "json", "--no-reports", "--no-history", cwd=tmp_path)
    assert governed.returncode == 1, governed.stdout + governed.stderr
    (product,) = json.loads(governed.stdout)["products"]
    failed = {c["id"] for c in product["checks"] if c["status"] == "failed"}
    assert "GDPR-002" in failed
    assert {c["stage"] for c in product["checks"] if c["status"] in ("failed", "errored")} == {"policy"}


def test_import_refuses_to_overwrite_and_reports_bad_sources(tmp_path: Path) -> None:
    sources = _sources(tmp_path)
    first = run_cli("import", "csv", str(sources["csv"]), "--domain", "d", "--owner", "o", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = run_cli("import", "csv", str(sources["csv"]), "--domain", "d", "--owner", "o", cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr
    (tmp_path / "bad.sql").write_text("this is not sql at all ((")
    bad = run_cli("import", "sql", "bad.sql", "--domain", "d", "--owner", "o", "-o", "-", cwd=tmp_path)
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert "bad.sql" in bad.stderr and "Traceback" not in bad.stderr
