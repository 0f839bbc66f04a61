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


def _render(mesh: MeshResult) -> dict[str, Any]:
    run: dict[str, Any] = json.loads(formats.get("sarif").render(mesh, RenderContext()))["runs"][0]
    return run


def _mesh(*products: ProductResult, findings: list[Finding] | None = None) -> MeshResult:
    mesh = MeshResult(run_id="r4", timestamp="2026-01-04T00:00:00Z", meshguard_version="t", engine="embedded")
    mesh.products = list(products)
    mesh.findings = findings or []
    return mesh


def _bare(**fields: Any) -> ProductResult:
    base: dict[str, Any] = {
        "id": "p",
        "name": "p",
        "domain": "d",
        "owner": "o",
        "version": "1.0.0",
        "status": "active",
        "contract_path": "contracts/p.odcs.yaml",
        "verdict": "fail",
    }
    return ProductResult(**{**base, **fields})


def test_results_are_ordered_error_warning_note_in_repo_order() -> None:
    p = _bare(
        findings=[
            Finding(rule_id="N1", stage="lint", severity="info", status="failed", message="n1"),
            Finding(rule_id="W1", stage="lint", severity="warning", status="failed", message="w1"),
            Finding(rule_id="E1", stage="lint", severity="error", status="failed", message="e1"),
            Finding(rule_id="W2", stage="lint", severity="error", status="warned", message="w2"),
            Finding(rule_id="E2", stage="lint", severity="error", status="failed", message="e2"),
        ]
    )
    run = _render(_mesh(p))
    assert [r["ruleId"] for r in run["results"]] == ["E1", "E2", "W1", "W2", "N1"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["E1", "E2", "W1", "W2", "N1"]
    assert [r["ruleIndex"] for r in run["results"]] == [0, 1, 2, 3, 4]


def test_limits_keep_the_most_severe_and_count_what_was_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from meshguard.report.formats import sarif

    assert (sarif.MAX_RESULTS, sarif.MAX_RULES, sarif.MAX_TAGS) == (25_000, 25_000, 20)  # GitHub's limits
    findings = [
        Finding(rule_id=f"R{i}", stage="lint", severity=sev, status="failed", message=str(i))
        for i, sev in enumerate(["info", "warning", "error", "error", "warning"])
    ]
    full = _render(_mesh(_bare(findings=findings)))
    assert len(full["results"]) == 5 and "resultsOmitted" not in full["properties"]
    monkeypatch.setattr(sarif, "MAX_RESULTS", 3)
    run = _render(_mesh(_bare(findings=findings)))
    assert [r["ruleId"] for r in run["results"]] == ["R2", "R3", "R1"]
    assert run["properties"]["resultsOmitted"] == 2
    monkeypatch.setattr(sarif, "MAX_RESULTS", 5)
    assert "resultsOmitted" not in _render(_mesh(_bare(findings=findings)))["properties"]
    monkeypatch.setattr(sarif, "MAX_RULES", 2)
    again = Finding(rule_id="R3", stage="lint", severity="warning", status="failed", message="5")
    run = _render(_mesh(_bare(findings=[*findings, again])))
    # R2 and R3 have a rule; R1, R4 and R0 would need a third: left out, and R3's warning after them kept
    assert [r["message"]["text"] for r in run["results"]] == ["2", "3", "5"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["R2", "R3"]
    assert run["properties"]["resultsOmitted"] == 3


def test_tags_are_cut_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from meshguard.report.formats import sarif

    monkeypatch.setattr(sarif, "MAX_TAGS", 1)
    p = _bare(
        findings=[Finding(rule_id="G", stage="policy", severity="error", message="m", regulation="GDPR")]
    )
    (rule,) = _render(_mesh(p))["tool"]["driver"]["rules"]
    assert rule["properties"]["tags"] == ["policy"]


def test_a_data_check_is_grouped_under_its_kind() -> None:
    p = _bare(
        checks=[
            CheckResult(
                id="p.t.email.not_null",
                name="email present",
                stage="quality",
                status="failed",
                dimension="completeness",
                message="3 nulls",
                regulation="GDPR",
                remediation="fill it",
                location=Location("contracts/p.odcs.yaml", 12, 5, "/schema/0/properties/1"),
                field="t.email",
            ),
            CheckResult(id="p.rows", name="rows", stage="quality", status="failed", message="5 rows"),
        ]
    )
    run = _render(_mesh(p))
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["quality.completeness"] == {
        "id": "quality.completeness",
        "name": "quality check: completeness",
        "shortDescription": {"text": "quality check: completeness"},
        "fullDescription": {"text": "Data checks of kind quality.completeness declared by the contracts."},
        "help": {"text": "Data checks of kind quality.completeness declared by the contracts."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["quality", "GDPR"], "stage": "quality", "severity": "error"},
    }
    assert rules["quality.rule"]["name"] == "quality check: rule"
    first = run["results"][0]
    assert first["ruleId"] == "quality.completeness"
    assert first["message"]["text"] == "email present (p.t.email.not_null): 3 nulls"
    assert first["properties"]["check"] == "p.t.email.not_null"
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": 12, "startColumn": 5}
    assert run["results"][1]["message"]["text"] == "rows (p.rows): 5 rows"


def test_a_rule_without_a_kind_name_keeps_its_id() -> None:
    p = _bare(
        checks=[CheckResult(id="p.fresh", name="fresh", stage="freshness", status="failed", message="old")]
    )
    (rule,) = _render(_mesh(p))["tool"]["driver"]["rules"]
    assert (rule["id"], rule["name"]) == ("freshness", "freshness check: freshness")


def test_a_check_message_equal_to_its_title_is_not_repeated() -> None:
    p = _bare(checks=[CheckResult(id="c1", name="Rows", stage="quality", status="failed", message="Rows")])
    (result,) = _render(_mesh(p))["results"]
    assert result["message"]["text"] == "Rows"


def test_fingerprints_identify_the_defect_not_the_line_or_the_message() -> None:
    from meshguard.report.formats.sarif import fingerprint

    def one(**fields: Any) -> str:
        base: dict[str, Any] = {
            "rule_id": "R",
            "stage": "policy",
            "severity": "error",
            "message": "m",
            "location": Location("contracts/p.odcs.yaml", 3, 1, "/schema/0"),
            "field": "t.a",
        }
        (result,) = _render(_mesh(_bare(findings=[Finding(**{**base, **fields})])))["results"]
        return str(result["partialFingerprints"]["meshguard/v1"])

    same = one()
    assert one(message="other", location=Location("contracts/p.odcs.yaml", 9, 2, "/schema/0")) == same
    assert (
        len({same, one(rule_id="S"), one(field="t.b"), one(location=Location("x", 3, 1, "/schema/1"))}) == 4
    )
    assert one(details={"check": "c1"}) != one(details={"check": "c2"})
    p = _bare()
    item_args = {"rule_id": "R", "stage": "lint", "severity": "error", "message": "m"}
    from meshguard.report.formats.common import finding_item

    it = finding_item(Finding(**item_args, location=Location("a.yaml", 1, 1, "/x")), p)
    mesh_it = finding_item(Finding(**item_args, location=Location("b.yaml", 1, 1, "/x")), None)
    mesh_other = finding_item(Finding(**item_args, location=Location("c.yaml", 1, 1, "/x")), None)
    product_other = finding_item(Finding(**item_args, location=Location("c.yaml", 1, 1, "/x")), p)
    # a mesh finding is told apart by its file; a product's by the product
    assert fingerprint("R", mesh_it, None) != fingerprint("R", mesh_other, None)
    assert fingerprint("R", it, p) == fingerprint("R", product_other, p)
    import hashlib

    expected = hashlib.sha256("\x1f".join(["R", "p", "", "", "/x", ""]).encode()).hexdigest()[:32]
    assert fingerprint("R", it, p) == expected
    mesh_expected = hashlib.sha256("\x1f".join(["R", "(mesh)", "", "", "/x", "b.yaml"]).encode()).hexdigest()
    assert fingerprint("R", mesh_it, None) == mesh_expected[:32]


def test_a_waived_result_carries_who_approved_it_until_when() -> None:
    from meshguard.report.formats.sarif import justification
    from meshguard.results.model import Waiver

    w = Waiver(policy="R", product="p", reason="legacy feed", approved_by="dpo@x.org", expires="2026-12-31")
    p = _bare(
        findings=[
            Finding(rule_id="R", stage="policy", severity="error", status="waived", message="m", waiver=w),
            Finding(rule_id="S", stage="policy", severity="error", status="waived", message="m"),
        ]
    )
    by_rule = {r["ruleId"]: r["suppressions"] for r in _render(_mesh(p))["results"]}
    assert by_rule["R"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "waived until 2026-12-31, approved by dpo@x.org: legacy feed",
            "properties": {"reason": "legacy feed", "approvedBy": "dpo@x.org", "expires": "2026-12-31"},
        }
    ]
    assert by_rule["S"] == [{"kind": "external", "status": "accepted", "justification": "waived"}]
    assert justification(None) == "waived"


def test_result_properties_name_the_check_and_the_policy_decision() -> None:
    decision = {"id": "GDPR-1", "title": "Retention", "regulation": "GDPR"}
    p = _bare(
        checks=[
            CheckResult(
                id="c1", name="n", stage="quality", status="failed", message="m", details={"policy": decision}
            )
        ],
        findings=[Finding(rule_id="F", stage="policy", severity="error", message="m")],
    )
    results = {r["ruleId"]: r for r in _render(_mesh(p))["results"]}
    assert results["quality.rule"]["properties"] == {
        "product": "p",
        "version": "1.0.0",
        "status": "failed",
        "stage": "quality",
        "check": "c1",
        "policy": decision,
    }
    assert results["F"]["properties"] == {
        "product": "p",
        "version": "1.0.0",
        "status": "failed",
        "stage": "policy",
    }


def test_a_rule_regulation_only_on_its_own_rule_and_a_mesh_level_location() -> None:
    p = _bare(
        findings=[Finding(rule_id="G", stage="policy", severity="warning", message="m", regulation="GDPR")],
        checks=[CheckResult(id="c", name="n", stage="quality", status="failed", regulation="HIPAA")],
    )
    mesh_finding = Finding(
        rule_id="M", stage="lint", severity="error", message="m", location=Location("meshguard.yaml", 4)
    )
    run = _render(_mesh(p, findings=[mesh_finding]))
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["G"]["properties"]["regulation"] == "GDPR"
    assert rules["G"]["defaultConfiguration"] == {"level": "warning"}
    assert "regulation" not in rules["quality.rule"]["properties"]
    assert rules["quality.rule"]["properties"]["tags"] == ["quality", "HIPAA"]
    results = {r["ruleId"]: r for r in run["results"]}
    assert results["M"]["locations"] == [
        {"physicalLocation": {"artifactLocation": {"uri": "meshguard.yaml"}, "region": {"startLine": 4}}}
    ]


def test_an_unknown_severity_is_a_warning() -> None:
    """A plugin engine may report a severity meshguard does not know: shown as a warning."""
    p = _bare(findings=[Finding(rule_id="X", stage="policy", severity="critical", message="m")])
    run = _render(_mesh(p))
    assert [r["level"] for r in run["results"]] == ["warning"]
    assert run["tool"]["driver"]["rules"][0]["defaultConfiguration"] == {"level": "warning"}


def test_a_policy_check_keeps_its_own_rule_and_an_sla_kind_its_full_name() -> None:
    p = _bare(
        checks=[
            CheckResult(id="GDPR-9", name="n", title="Retention set", stage="policy", status="failed"),
            CheckResult(id="freshness.orders", name="fresh", stage="sla", status="failed"),
        ]
    )
    rules = {r["id"]: r["name"] for r in _render(_mesh(p))["tool"]["driver"]["rules"]}
    assert rules == {"GDPR-9": "Retention set", "sla.freshness.orders": "sla check: freshness.orders"}


def test_fingerprints_tell_products_checks_and_missing_locations_apart() -> None:
    import hashlib

    finding = Finding(rule_id="R", stage="policy", severity="error", message="m", field="t.a")
    one = _render(_mesh(_bare(id="p", findings=[finding]), _bare(id="q", findings=[finding])))
    prints = [r["partialFingerprints"]["meshguard/v1"] for r in one["results"]]
    assert len(set(prints)) == 2  # the same finding on two products is two defects
    checks = [
        CheckResult(
            id=f"p.t.{n}", name=n, stage="quality", status="failed", dimension="validity", field="t.a"
        )
        for n in ("a", "b")
    ]
    two = _render(_mesh(_bare(checks=checks)))["results"]
    assert {r["ruleId"] for r in two} == {"quality.validity"}
    assert len({r["partialFingerprints"]["meshguard/v1"] for r in two}) == 2  # told apart by the check id
    bare = _render(_mesh(findings=[Finding(rule_id="M", stage="lint", severity="error", message="m")]))
    expected = hashlib.sha256("\x1f".join(["M", "(mesh)", "", "", "", ""]).encode()).hexdigest()[:32]
    assert bare["results"][0]["partialFingerprints"] == {"meshguard/v1": expected}


def test_the_document_is_indented_and_keeps_non_ascii_text() -> None:
    p = _bare(findings=[Finding(rule_id="R", stage="lint", severity="error", message="Müller ≠ Mueller")])
    text = formats.get("sarif").render(_mesh(p), RenderContext())
    assert text.startswith('{\n  "$schema": ') and '\n    {\n      "tool": {' in text
    assert '"text": "Müller ≠ Mueller"' in text


def test_passed_and_info_findings_are_not_results_and_hide_nothing_after_them() -> None:
    p = _bare(
        findings=[
            Finding(rule_id="I", stage="policy", severity="info", status="info", message="fyi"),
            Finding(rule_id="P", stage="policy", severity="error", status="passed", message="ok"),
            Finding(rule_id="E", stage="policy", severity="error", status="failed", message="bad"),
        ]
    )
    assert [r["ruleId"] for r in _render(_mesh(p))["results"]] == ["E"]
