"""SARIF results, in-process: the level of every result (what code scanning shows as an error, a
warning or a note), the suppression of waived findings, rule ids and indexes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from meshguard.report import formats
from meshguard.report.formats import RenderContext
from meshguard.results.model import CheckResult, Finding, Location, MeshResult, ProductResult

# (id, kind, severity, status) → the SARIF level its result must carry
CASES: list[tuple[str, str, str, str, str]] = [
    ("F-ERR", "finding", "error", "failed", "error"),
    ("F-WARN", "finding", "warning", "failed", "warning"),
    ("F-INFO", "finding", "info", "failed", "note"),
    ("F-WARNED", "finding", "error", "warned", "warning"),
    ("F-WAIVED", "finding", "error", "waived", "error"),
    ("C-ERR", "check", "error", "failed", "error"),
    ("C-ERRORED", "check", "error", "errored", "error"),
    ("C-WARN", "check", "warning", "failed", "warning"),
    ("C-WARNED", "check", "error", "warned", "warning"),
    ("C-INFO", "check", "info", "failed", "note"),
    ("C-UNSUP", "check", "error", "unsupported", "note"),
]


def _product() -> ProductResult:
    p = ProductResult(
        id="p",
        name="p",
        domain="d",
        owner="o",
        version="1.2.0",
        status="active",
        contract_path="contracts/p.odcs.yaml",
        verdict="fail",
    )
    for rid, kind, severity, status, _ in CASES:
        if kind == "finding":
            p.findings.append(
                Finding(
                    rule_id=rid,
                    stage="policy",
                    severity=severity,
                    status=status,
                    message=f"{rid} message",
                    location=Location("contracts/p.odcs.yaml", 7, 3),
                    field="t.email",
                )
            )
        else:
            p.checks.append(CheckResult(id=rid, name=rid, stage="quality", status=status, severity=severity))
    p.checks += [
        CheckResult(id="C-PASSED", name="ok", stage="quality", status="passed"),
        CheckResult(id="C-SHOWN-INFO", name="note", stage="quality", status="info"),
    ]
    return p


@pytest.fixture(scope="module")
def run() -> dict[str, Any]:
    mesh = MeshResult(run_id="r1", timestamp="2026-01-01T00:00:00Z", meshguard_version="t", engine="embedded")
    mesh.products = [_product()]
    mesh.findings = [
        Finding(
            rule_id="MG-WAIVER-EXPIRED", stage="policy", severity="warning", status="warned", message="x"
        ),
        Finding(rule_id="MG-MESH-ERR", stage="lint", severity="error", status="failed", message="y"),
    ]
    doc = json.loads(formats.get("sarif").render(mesh, RenderContext()))
    run: dict[str, Any] = doc["runs"][0]
    return run


def test_every_result_carries_the_level_of_its_severity_and_status(run: dict[str, Any]) -> None:
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    expected = {rid: level for rid, _, _, _, level in CASES}
    expected |= {"MG-WAIVER-EXPIRED": "warning", "MG-MESH-ERR": "error"}
    assert levels == expected  # passing and info checks are not results


def test_rule_default_levels_follow_severity(run: dict[str, Any]) -> None:
    rules = {r["id"]: r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]}
    assert rules["F-ERR"] == rules["C-UNSUP"] == rules["C-PASSED"] == "error"
    assert rules["F-WARN"] == rules["C-WARN"] == "warning"
    assert rules["F-INFO"] == rules["C-INFO"] == "note"


def test_only_waived_results_are_suppressed(run: dict[str, Any]) -> None:
    suppressed = {r["ruleId"]: r["suppressions"] for r in run["results"] if "suppressions" in r}
    assert suppressed == {"F-WAIVED": [{"kind": "external", "status": "accepted", "justification": "waived"}]}


def test_rule_indexes_point_at_their_rules(run: dict[str, Any]) -> None:
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == {c[0] for c in CASES} | {
        "C-PASSED",
        "C-SHOWN-INFO",
        "MG-WAIVER-EXPIRED",
        "MG-MESH-ERR",
    }
    assert all(ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])


def test_locations_and_messages(run: dict[str, Any]) -> None:
    results = {r["ruleId"]: r for r in run["results"]}
    finding = results["F-ERR"]
    assert finding["message"]["text"] == "F-ERR message"
    assert finding["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "contracts/p.odcs.yaml"},
                "region": {"startLine": 7, "startColumn": 3},
            },
            "logicalLocations": [{"fullyQualifiedName": "p.t.email", "kind": "member"}],
        }
    ]
    check = results["C-UNSUP"]
    assert check["message"]["text"] == "unsupported: C-UNSUP"
    assert check["locations"] == [
        {
            "physicalLocation": {"artifactLocation": {"uri": "contracts/p.odcs.yaml"}},
            "logicalLocations": [{"fullyQualifiedName": "p", "kind": "module"}],
        }
    ]
    mesh_level = results["MG-MESH-ERR"]
    assert mesh_level["locations"] == [{"physicalLocation": {"artifactLocation": {"uri": "."}}}]
    assert mesh_level["properties"] == {"product": None, "version": None, "status": "failed", "stage": "lint"}
    assert finding["properties"] == {
        "product": "p",
        "version": "1.2.0",
        "status": "failed",
        "stage": "policy",
    }
