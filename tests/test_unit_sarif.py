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


@pytest.fixture  # per test: mutation testing credits a fixture only to the first test using it
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


def _key(result: dict[str, Any]) -> str:
    """A finding's rule id, or the id of the check (whose rule is its kind of check)."""
    return str(result["properties"].get("check") or result["ruleId"])


def test_every_result_carries_the_level_of_its_severity_and_status(run: dict[str, Any]) -> None:
    levels = {_key(r): r["level"] for r in run["results"]}
    expected = {rid: level for rid, _, _, _, level in CASES}
    expected |= {"MG-WAIVER-EXPIRED": "warning", "MG-MESH-ERR": "error"}
    assert levels == expected  # passing and info checks are not results


def test_rule_default_levels_follow_severity(run: dict[str, Any]) -> None:
    rules = {r["id"]: r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]}
    assert (rules["F-ERR"], rules["F-WARN"], rules["F-INFO"]) == ("error", "warning", "note")


def test_only_waived_results_are_suppressed(run: dict[str, Any]) -> None:
    suppressed = {_key(r): r["suppressions"] for r in run["results"] if "suppressions" in r}
    assert set(suppressed) == {"F-WAIVED"}
    assert [(x["kind"], x["status"]) for x in suppressed["F-WAIVED"]] == [("external", "accepted")]


def test_rule_indexes_point_at_their_rules(run: dict[str, Any]) -> None:
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == {r["ruleId"] for r in run["results"]}  # a rule only where there is a result
    assert all(ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])


def test_locations_and_messages(run: dict[str, Any]) -> None:
    results = {_key(r): r for r in run["results"]}
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
    assert {k: mesh_level["properties"][k] for k in ("product", "version", "status", "stage")} == {
        "product": None,
        "version": None,
        "status": "failed",
        "stage": "lint",
    }
    assert {k: finding["properties"][k] for k in ("product", "version", "status", "stage")} == {
        "product": "p",
        "version": "1.2.0",
        "status": "failed",
        "stage": "policy",
    }
    assert len(finding["partialFingerprints"]["meshguard/v1"]) == 32


def test_a_rule_carries_title_help_level_and_tags() -> None:
    mesh = MeshResult(run_id="r2", timestamp="2026-01-02T00:00:00Z", meshguard_version="t", engine="embedded")
    p = _product()
    p.findings = [
        Finding(
            rule_id="GDPR-1",
            stage="policy",
            severity="error",
            message="m",
            title="Retention declared",
            description="Personal data declares retention.",
            regulation="GDPR",
            remediation="Add a retention SLA.",
        ),
        Finding(rule_id="BARE", stage="lint", severity="info", message="m2"),
    ]
    p.checks = []
    mesh.products = [p]
    doc = json.loads(formats.get("sarif").render(mesh, RenderContext()))
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    help_text = "Personal data declares retention.\n\nRemediation: Add a retention SLA."
    assert rules["GDPR-1"] == {
        "id": "GDPR-1",
        "name": "Retention declared",
        "shortDescription": {"text": "Retention declared"},
        "fullDescription": {"text": "Personal data declares retention."},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["policy", "GDPR"],
            "stage": "policy",
            "severity": "error",
            "regulation": "GDPR",
        },
    }
    assert rules["BARE"] == {
        "id": "BARE",
        "name": "BARE",
        "shortDescription": {"text": "BARE"},
        "fullDescription": {"text": "BARE"},
        "help": {"text": "BARE"},
        "defaultConfiguration": {"level": "note"},
        "properties": {"tags": ["lint"], "stage": "lint", "severity": "info"},
    }


def test_the_run_names_the_tool_the_run_and_the_verdict() -> None:
    from meshguard import __version__
    from meshguard.report.formats.sarif import SARIF_SCHEMA

    mesh = MeshResult(
        run_id="r3",
        timestamp="2026-01-03T00:00:00Z",
        meshguard_version="t",
        engine="embedded",
        mode="council",
    )
    mesh.summary = {"score": 71.5, "verdict": "warn"}
    ok = _product()
    broken = _product()
    broken.errors = ["source down"]
    for products, successful in (([ok], True), ([ok, broken], False)):
        mesh.products = products
        doc = json.loads(formats.get("sarif").render(mesh, RenderContext()))
        assert (doc["$schema"], doc["version"]) == (SARIF_SCHEMA, "2.1.0")
        (run,) = doc["runs"]
        driver = run["tool"]["driver"]
        assert (driver["name"], driver["version"], driver["semanticVersion"]) == (
            "meshguard",
            __version__,
            __version__,
        )
        assert run["automationDetails"] == {"id": "meshguard/council/r3"}
        assert run["invocations"] == [
            {"executionSuccessful": successful, "startTimeUtc": "2026-01-03T00:00:00Z"}
        ]
        assert run["properties"] == {"meshScore": 71.5, "verdict": "warn"}
    assert formats.get("sarif").render(mesh, RenderContext()).endswith("}\n")
