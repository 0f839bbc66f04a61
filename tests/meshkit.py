"""Hand-built, realistic results (as the stages produce them) for the reporting tests.

Used until/alongside the example repo: products with lint findings, schema and
quality checks with masked failing samples, policy checks and findings with
regulations, a waiver, versioning changes, and hostile strings from a contract.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from meshguard.config import DEFAULT_WEIGHTS
from meshguard.results.model import (
    Change,
    CheckResult,
    Finding,
    Location,
    MeshResult,
    ProductResult,
    Waiver,
)
from meshguard.results.scoring import ScoringRules, score_mesh

HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = '"><img src=x onerror=alert(2)>'
#: raw values a test checks never appear in any output (they are masked by the quality stage)
#: the head of a minimal active contract ``p`` (its schema follows)
CONTRACT_HEAD = "apiVersion: v3.1.0\nkind: DataContract\nid: p\nname: p\nversion: 1.0.0\nstatus: active\n"

RAW_PII = ("jane.doe@example.org", "+44 20 7946 0958", "4111111111111111")
RULES = ScoringRules(weights=dict(DEFAULT_WEIGHTS), pass_threshold=80.0)


def policy_check(
    rule: str, title: str, status: str, regulation: str | None, severity: str = "error"
) -> CheckResult:
    return CheckResult(
        id=rule,
        name=title,
        stage="policy",
        status=status,
        severity=severity,
        title=title,
        description=f"{title} (policy {rule}).",
        regulation=regulation,
        remediation=f"Fix it: {title.lower()}.",
    )


def customers(path: str = "contracts/ecommerce/customers.odcs.yaml") -> ProductResult:
    return ProductResult(
        id="customers",
        name="Customers",
        domain="ecommerce",
        owner="crm-team",
        version="1.2.0",
        status="active",
        contract_path=path,
        data_source="data/ecommerce/customers.csv",
        rows=1200,
        support=[
            {"channel": "slack", "url": "https://chat.example.org/crm"},
            {"channel": "x", "url": "javascript:alert(3)"},
        ],
        checks=[
            CheckResult(
                "customers.schema.types", "column types", "schema", "passed", title="Column types match"
            ),
            CheckResult(
                "customers.email.nullValues",
                "email not null",
                "quality",
                "failed",
                field="email",
                location=Location(path, 31),
                measured=3,
                threshold="mustBe 0",
                failing_rows=3,
                failing_fraction=0.0025,
                samples=({"customer_id": 17, "email": "j***@***"}, {"customer_id": 99, "email": None}),
                title="E-mail is always present",
                remediation="Backfill e-mails from the CRM.",
            ),
            CheckResult("customers.rowCount", "row count", "quality", "passed", measured=1200),
            CheckResult(
                "customers.freshness", "freshness", "sla", "warned", severity="warning", field="updated_at"
            ),
            CheckResult(
                "customers.custom",
                "custom engine",
                "quality",
                "unsupported",
                message="engine greatExpectations",
            ),
            policy_check("gdpr.retention", "Personal data declares retention", "failed", "GDPR"),
            policy_check("ownership.team", "A team owns the product", "passed", None),
        ],
        findings=[
            Finding(
                "gdpr.retention",
                "policy",
                "error",
                "Personal data without a retention SLA",
                location=Location(path, 12),
                field="email",
                title="Personal data declares retention",
                regulation="GDPR",
                remediation="Add slaProperties retention.",
            ),
            Finding(
                "MG104", "lint", "warning", "property 'phone' has no description", location=Location(path, 40)
            ),
        ],
    )


def patients(path: str = "contracts/healthcare/patients.odcs.yaml") -> ProductResult:
    waiver = Waiver("hipaa.minimum", "patients", "migration in progress", "ciso", "2099-01-01", "ssn")
    return ProductResult(
        id="patients",
        name=f"Patients {HOSTILE_SCRIPT}",
        domain="healthcare",
        owner=f"care-team {HOSTILE_IMG}",
        version="2.0.0",
        status="active",
        contract_path=path,
        data_source="data/healthcare/patients.ndjson",
        rows=500,
        previous_version="1.0.0",
        checks=[
            CheckResult("patients.schema.types", "column types", "schema", "passed"),
            CheckResult("patients.mrn.unique", "mrn unique", "quality", "passed", field="mrn"),
            policy_check("hipaa.minimum", "Minimum necessary PHI", "waived", "HIPAA"),
            policy_check("gdpr.retention", "Personal data declares retention", "passed", "GDPR"),
        ],
        findings=[
            Finding(
                "hipaa.minimum",
                "policy",
                "error",
                f"ssn exposes PHI {HOSTILE_SCRIPT}",
                status="waived",
                field="ssn",
                location=Location(path, 22),
                title="Minimum necessary PHI",
                regulation="HIPAA",
                waiver=waiver,
            ),
        ],
        changes=[Change("MG-V01", "non-breaking", "schema.patients.nickname", "property added", line=30)],
        waivers=[waiver],
    )


def orders(path: str = "contracts/ecommerce/orders/2.0.0.odcs.yaml") -> ProductResult:
    return ProductResult(
        id="orders",
        name="Orders",
        domain="ecommerce",
        owner="orders-team",
        version="2.0.0",
        status="active",
        contract_path=path,
        previous_version="1.1.0",
        checks=[policy_check("gdpr.retention", "Personal data declares retention", "passed", "GDPR")],
        changes=[Change("MG-V10", "breaking", "schema.orders.total", "type changed", line=18)],
    )


def build_mesh() -> MeshResult:
    mesh = MeshResult(
        run_id="0123456789abcdef0123456789abcdef",
        timestamp="2026-03-01T10:00:00+00:00",
        meshguard_version="0.1.0",
        engine="embedded",
        products=[customers(), patients(), orders()],
    )
    return score_mesh(mesh, RULES)


#: what makes the example governance repo at the project root
EXAMPLE_PARTS = ("meshguard.yaml", "waivers.yaml", "contracts", "data")


def copy_example_repo(project: Path, dest: Path) -> Path:
    """Copy the project's example governance repo into ``dest`` (created), to run checks in."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in EXAMPLE_PARTS:
        src = project / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        elif src.exists():
            shutil.copy2(src, dest / part)
    return dest
