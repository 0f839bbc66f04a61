"""JUnit XML, in-process: which outcome each check and finding becomes (failure, error, skipped or
a pass with a warning line), the suite's counts, and the test case names and ids."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from meshguard.report import formats
from meshguard.report.formats import RenderContext
from meshguard.results.model import CheckResult, Finding, Location, MeshResult, ProductResult

# (id, kind, severity, status) → the outcome its test case must carry
CASES: list[tuple[str, str, str, str, str]] = [
    ("F-ERR", "finding", "error", "failed", "failure"),
    ("F-WARN", "finding", "warning", "failed", "warning"),
    ("F-INFO", "finding", "info", "failed", "warning"),
    ("F-WARNED", "finding", "error", "warned", "warning"),
    ("F-WAIVED", "finding", "error", "waived", "skipped"),
    ("C-ERR", "check", "error", "failed", "failure"),
    ("C-ERRORED", "check", "error", "errored", "error"),
    ("C-WARN", "check", "warning", "failed", "warning"),
    ("C-WARNED", "check", "error", "warned", "warning"),
    ("C-INFO", "check", "info", "failed", "warning"),
    ("C-UNSUP", "check", "error", "unsupported", "skipped"),
    ("C-PASSED", "check", "error", "passed", "pass"),
]


def _product() -> ProductResult:
    p = ProductResult(
        id="p",
        name="p",
        domain="sales",
        owner="o",
        version="1.2.0",
        status="active",
        contract_path="contracts/p.odcs.yaml",
        verdict="fail",
        score=61.25,
        timings={"lint": 0.25, "policy": 0.5},
        errors=["one source error"],
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
                    title=f"{rid} title",
                    location=Location("contracts/p.odcs.yaml", 7),
                    field="t.email",
                    regulation="GDPR",
                    remediation="fix it",
                )
            )
        else:
            p.checks.append(
                CheckResult(
                    id=rid,
                    name=f"{rid} name",
                    stage="quality",
                    status=status,
                    severity=severity,
                    message=f"{rid} message",
                )
            )
    # a policy check with a finding of the same id is reported once, through its finding
    p.checks.append(CheckResult(id="F-ERR", name="F-ERR rule", stage="policy", status="failed"))
    return p


@pytest.fixture  # per test: mutation testing credits a fixture only to the first test using it
def suite() -> ET.Element:
    mesh = MeshResult(
        run_id="r1", timestamp="2026-01-01T00:00:00.123456Z", meshguard_version="t", engine="embedded"
    )
    mesh.products = [_product()]
    root = ET.fromstring(formats.get("junit").render(mesh, RenderContext()).encode())
    (s,) = root.findall("testsuite")
    return s


def _outcome(case: ET.Element) -> str:
    for tag in ("failure", "error", "skipped"):
        if case.find(tag) is not None:
            return tag
    return "pass"


def test_each_case_has_the_outcome_of_its_status_and_severity(suite: ET.Element) -> None:
    got = {c.get("name", "").split(":")[0]: _outcome(c) for c in suite.findall("testcase")}
    expected = {rid: ("pass" if outcome == "warning" else outcome) for rid, _, _, _, outcome in CASES}
    assert got == expected
    warnings = (suite.findtext("system-out") or "").splitlines()
    in_order = [c for c in CASES if c[1] == "check"] + [c for c in CASES if c[1] == "finding"]
    assert warnings == [
        f"warning {rid}: {rid} message" for rid, *_, outcome in in_order if outcome == "warning"
    ]


def test_suite_counts_and_attributes(suite: ET.Element) -> None:
    assert {
        k: suite.get(k) for k in ("name", "package", "id", "tests", "failures", "errors", "skipped", "time")
    } == {
        "name": "p 1.2.0",
        "package": "sales",
        "id": "0",
        "tests": str(len(CASES)),
        "failures": "2",
        "errors": "1",
        "skipped": "2",
        "time": "0.750000",
    }
    assert suite.get("timestamp") == "2026-01-01T00:00:00"
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props == {"contract": "contracts/p.odcs.yaml", "owner": "o", "verdict": "fail", "score": "61.2"}
    assert suite.findtext("system-err") == "one source error"


def test_case_names_messages_and_text(suite: ET.Element) -> None:
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    finding = cases["F-ERR: F-ERR title [t.email]"]
    assert finding.get("classname") == "sales.p"
    failure = finding.find("failure")
    assert (
        failure is not None and failure.get("type") == "F-ERR" and failure.get("message") == "F-ERR message"
    )
    assert failure.text == (
        "F-ERR title (F-ERR)\nF-ERR message\nat contracts/p.odcs.yaml:7\nfield: t.email\n"
        "regulation: GDPR\nremediation: fix it"
    )
    errored = cases["C-ERRORED: C-ERRORED name"].find("error")
    assert errored is not None and errored.get("type") == "C-ERRORED"
    assert errored.text == "C-ERRORED name (C-ERRORED)\nC-ERRORED message"
    skipped = cases["C-UNSUP: C-UNSUP name"].find("skipped")
    assert skipped is not None and skipped.get("message") == "unsupported: C-UNSUP message"
    waived = cases["F-WAIVED: F-WAIVED title [t.email]"].find("skipped")
    assert waived is not None and waived.get("message") == "waived: F-WAIVED message"
