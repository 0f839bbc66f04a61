"""JUnit XML, in-process: which outcome each check and finding becomes (failure, error, skipped or
a pass with a warning line), the suite's counts, and the test case names and ids."""

from __future__ import annotations

import re
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


def _render(*products: ProductResult) -> str:
    mesh = MeshResult(run_id="r2", timestamp="2026-02-03T04:05:06Z", meshguard_version="t", engine="embedded")
    mesh.products = list(products)
    return formats.get("junit").render(mesh, RenderContext())


def _bare(pid: str = "q", **fields: object) -> ProductResult:
    base: dict[str, object] = {
        "id": pid,
        "name": pid,
        "domain": None,
        "owner": None,
        "version": "0.1.0",
        "status": "active",
        "contract_path": f"contracts/{pid}.odcs.yaml",
        "verdict": "pass",
    }
    return ProductResult(**{**base, **fields})  # type: ignore[arg-type]


def test_unique_names() -> None:
    from meshguard.report.formats.junit import unique_names

    assert unique_names([]) == []
    assert unique_names(["a", "b", "a", "a"]) == ["a", "b", "a (2)", "a (3)"]
    # a counter never takes a name that is already one of the names
    assert unique_names(["a", "a", "a (2)"]) == ["a", "a (3)", "a (2)"]


def test_case_times_share_each_stage_time_equally() -> None:
    from meshguard.report.formats.junit import TIMED_BY, case_times

    stages = ["schema", "quality", "sla", "relationship", "policy", "lint", "versioning", "custom", "lint"]
    timings = {"quality": 0.4, "policy": 0.3, "lint": 0.2, "versioning": 0.1, "custom": 0.5}
    assert case_times(stages, timings) == [0.1, 0.1, 0.1, 0.1, 0.3, 0.1, 0.1, 0.5, 0.1]
    assert case_times(["policy"], {}) == [0.0]
    assert TIMED_BY == {
        "lint": "lint",
        "versioning": "versioning",
        "schema": "quality",
        "quality": "quality",
        "sla": "quality",
        "relationship": "quality",
        "policy": "policy",
    }


def test_each_case_carries_its_share_of_its_stage_time(suite: ET.Element) -> None:
    times = {c.get("name", "").split(":")[0]: c.get("time") for c in suite.findall("testcase")}
    # five policy findings share the policy stage's 0.5 s; no quality time was measured
    assert times == {rid: ("0.100000" if kind == "finding" else "0.000000") for rid, kind, *_ in CASES}


def test_a_product_without_domain_or_owner_and_the_document_frame() -> None:
    import socket

    text = _render(_bare("q"), _bare("r", domain="ops", timings={"quality": 1.5}))
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n') and text.endswith(
        "</testsuites>\n"
    )
    q, r = ET.fromstring(text.encode()).findall("testsuite")
    assert {k: q.get(k) for k in ("name", "package", "id", "tests", "failures", "errors", "skipped")} == {
        "name": "q 0.1.0",
        "package": "mesh",
        "id": "0",
        "tests": "0",
        "failures": "0",
        "errors": "0",
        "skipped": "0",
    }
    assert {p.get("name"): p.get("value") for p in q.iter("property")}["owner"] == ""
    assert (q.get("timestamp"), q.get("time")) == ("2026-02-03T04:05:06", "0.000000")
    assert q.get("hostname") == (" ".join(socket.gethostname().split()) or "-")
    assert (r.get("package"), r.get("id"), r.get("time")) == ("ops", "1", "1.500000")
    assert (q.findtext("system-out"), q.findtext("system-err")) == ("", "")


def test_check_outcomes_and_their_text() -> None:
    p = _bare(
        "q",
        checks=[
            CheckResult(
                id="C1",
                name="rows",
                stage="quality",
                status="failed",
                message="too few",
                field="t.n",
                measured=3,
                threshold=">= 10",
                remediation="load more",
                title="Row count",
            ),
            CheckResult(id="C2", name="na", stage="policy", status="not_applicable"),
            CheckResult(id="C3", name="soft", stage="quality", status="failed", severity="warning"),
            CheckResult(id="C4", name="zero", stage="quality", status="failed", measured=0),
        ],
    )
    s = ET.fromstring(_render(p).encode()).find("testsuite")
    assert s is not None
    cases = {c.get("name"): c for c in s.findall("testcase")}
    assert list(cases) == ["C1: Row count", "C2: na", "C3: soft", "C4: zero"]
    assert {c.get("classname") for c in cases.values()} == {"mesh.q"}
    failure = cases["C1: Row count"].find("failure")
    assert failure is not None and (failure.get("message"), failure.get("type")) == ("too few", "C1")
    assert failure.text == (
        "Row count (C1)\ntoo few\nfield: t.n\nmeasured: 3\nthreshold: >= 10\nremediation: load more"
    )
    skipped = cases["C2: na"].find("skipped")
    assert skipped is not None and skipped.get("message") == "not_applicable: na"  # no message: the title
    assert skipped.text == "na (C2)"
    assert _outcome(cases["C3: soft"]) == "pass" and s.findtext("system-out") == "warning C3: soft"
    zero = cases["C4: zero"].find("failure")
    assert zero is not None and zero.text == "zero (C4)\nmeasured: 0"
    assert (s.get("tests"), s.get("failures"), s.get("skipped")) == ("4", "2", "1")


def test_a_bare_finding_and_characters_xml_cannot_carry() -> None:
    p = _bare(
        "q",
        findings=[
            Finding(rule_id="R1", stage="lint", severity="error", message="bad\x01value\ttab"),
            Finding(rule_id="R1", stage="lint", severity="error", message=""),
        ],
    )
    text = _render(p)
    s = ET.fromstring(text.encode()).find("testsuite")
    assert s is not None
    first, second = s.findall("testcase")
    assert (first.get("name"), second.get("name")) == ("R1: R1", "R1: R1 (2)")
    failure = first.find("failure")
    assert failure is not None and failure.get("message") == "bad\ufffdvalue\ttab"
    assert failure.text == "R1 (R1)\nbad\ufffdvalue\ttab\nat contracts/q.odcs.yaml"  # located at its contract
    empty = second.find("failure")
    assert empty is not None and empty.get("message") == "R1"  # no message: the title


def test_names_are_xml_tokens() -> None:
    from meshguard.report.formats.junit import _token

    assert _token("  a \n b\t c  ") == "a b c" and _token(" \n ") == "-" and _token("x") == "x"
    p = _bare(
        "q",
        version="1.0 \n beta",
        checks=[CheckResult(id="C", name="two\nlines", stage="lint", status="passed")],
    )
    s = ET.fromstring(_render(p).encode()).find("testsuite")
    assert s is not None and s.get("name") == "q 1.0 beta"
    assert [c.get("name") for c in s.findall("testcase")] == ["C: two lines"]


def test_a_counter_bumped_past_a_taken_name_is_not_reused() -> None:
    from meshguard.report.formats.junit import unique_names

    # the second "a" skips the taken "a (2)" to "a (3)"; the fourth must not take "a (3)" again
    assert unique_names(["a", "a", "a (2)", "a"]) == ["a", "a (3)", "a (2)", "a (4)"]


def test_errors_are_counted_and_described_and_the_suite_lists_its_parts() -> None:
    p = _bare(
        "q",
        timings={"quality": 1.0},
        errors=["source down", "retry failed"],
        checks=[
            CheckResult(id="E1", name="one", stage="quality", status="errored", message="boom"),
            CheckResult(id="E2", name="two", stage="quality", status="errored"),
        ],
    )
    s = ET.fromstring(_render(p).encode()).find("testsuite")
    assert s is not None
    assert [child.tag for child in s] == ["properties", "testcase", "testcase", "system-out", "system-err"]
    assert (s.get("tests"), s.get("errors"), s.get("failures")) == ("2", "2", "0")
    errors = [c.find("error") for c in s.findall("testcase")]
    assert [(e.get("message"), e.get("type")) for e in errors if e is not None] == [
        ("boom", "E1"),
        ("two", "E2"),
    ]
    assert [c.get("time") for c in s.findall("testcase")] == ["0.500000", "0.500000"]  # quality's 1 s shared
    assert s.findtext("system-err") == "source down\nretry failed"


def test_the_hostname_falls_back_to_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from meshguard.report.formats.junit import _hostname

    def unavailable() -> str:
        raise OSError("no hostname")

    monkeypatch.setattr(socket, "gethostname", unavailable)
    assert _hostname() == "localhost"


def _mesh(*products: ProductResult) -> MeshResult:
    mesh = MeshResult(run_id="r1", timestamp="2026-01-01T00:00:00Z", meshguard_version="t", engine="embedded")
    mesh.products = list(products)
    return mesh


def test_a_mesh_without_products_is_one_empty_element() -> None:
    text = formats.get("junit").render(_mesh(), RenderContext())
    assert text == '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites />\n'


def test_each_suite_is_indented_one_level_under_testsuites() -> None:
    lines = formats.get("junit").render(_mesh(_product()), RenderContext()).splitlines()
    assert lines[:2] == ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    assert lines[2].startswith("  <testsuite ")
    assert lines[3] == "    <properties>"
    assert lines[4].startswith("      <property ")
    assert lines[-2:] == ["  </testsuite>", "</testsuites>"]


HOSTILE = "a&b <c> \"d\" 'e' f\r\ng\th ]]> &amp; \x01 é \U0001f600 <!-- x -->"


def test_the_text_is_what_elementtree_writes_for_the_same_tree() -> None:
    """Written as text, each suite must still be ElementTree's serialisation: re-serialising the
    parsed document gives the same characters (so every escape is ElementTree's), and every hostile
    string comes back whole from the parse (line breaks and tabs in attributes included)."""
    hostile = _bare(
        HOSTILE,
        version=HOSTILE,
        domain=HOSTILE,
        owner=HOSTILE,
        contract_path=HOSTILE,
        errors=[HOSTILE, HOSTILE],
        timings={"lint": 0.5},
        findings=[
            Finding(
                rule_id=HOSTILE,
                stage="lint",
                severity=severity,
                status=status,
                message=HOSTILE,
                title=HOSTILE,
                field=HOSTILE,
                regulation=HOSTILE,
                remediation=HOSTILE,
            )
            for severity, status in (("error", "failed"), ("warning", "failed"), ("error", "waived"))
        ],
        checks=[
            CheckResult(id=f"C{status}", name=HOSTILE, stage="quality", status=status, message=HOSTILE)
            for status in ("errored", "failed", "passed", "unsupported")
        ],
    )
    text = _render(_product(), hostile)
    root = ET.fromstring(text.encode())
    # (a parser reads a raw CR LF in text as LF: attributes keep theirs as references)
    again = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    assert text.replace("\r\n", "\n") == again
    carried = HOSTILE.replace("\x01", "\ufffd")
    in_text = carried.replace("\r\n", "\n")
    s = root.findall("testsuite")[1]
    assert s.find("properties/property[@name='owner']").get("value") == carried  # type: ignore[union-attr]
    failure = s.find("testcase/failure")
    assert failure is not None and failure.get("message") == carried and in_text in (failure.text or "")
    error = s.find("testcase/error")
    assert error is not None and error.get("message") == carried
    assert s.findtext("system-err") == f"{in_text}\n{in_text}"
    assert s.findtext("system-out") == f"warning {in_text}: {in_text}"


def test_only_an_outcome_element_has_its_case_described(monkeypatch: pytest.MonkeyPatch) -> None:
    """A case that passes or only warns writes no description: none is made for it (most cases of
    a large mesh pass, and describing each cost ~8 % of the report)."""
    from meshguard.report.formats import junit

    described: list[str] = []
    check_text, describe = junit.JunitReporter._check_text, junit._describe

    def spy_check(check: CheckResult | None) -> str:
        described.append(check.id if check else "")
        return check_text(check)

    def spy_item(it: junit.Item) -> str:
        described.append(it.rule_id)
        return describe(it)

    monkeypatch.setattr(junit.JunitReporter, "_check_text", staticmethod(spy_check))
    monkeypatch.setattr(junit, "_describe", spy_item)
    mesh = MeshResult(run_id="r", timestamp="2026-01-01T00:00:00", meshguard_version="t", engine="e")
    mesh.products.append(_product())
    "".join(formats.get("junit").chunks(mesh, RenderContext()))
    with_outcome = {rid for rid, _, _, _, outcome in CASES if outcome in ("failure", "error", "skipped")}
    assert sorted(described) == sorted(with_outcome)


def test_a_check_shared_by_products_is_each_ones_case() -> None:
    """A check object several products hold (a passing policy rule is one object for the run) is
    described once per report: each suite still gets its own case, and another object of the
    same id its own description."""
    shared = [
        CheckResult(id="GDPR-1", name="pii", stage="policy", status="passed"),
        CheckResult(id="Q-1", name="rows", stage="quality", status="errored", message="<no table>"),
        CheckResult(id="Q-2", name="soft", stage="quality", status="warned", message="so & so"),
        CheckResult(id="Q-2", name="soft", stage="quality", status="warned", message="so & so"),
    ]
    other = CheckResult(id="Q-1", name="rows", stage="quality", status="failed", message="few")
    products = [
        _bare("a", checks=list(shared), timings={"policy": 0.5, "quality": 0.25}),
        _bare("b", checks=[shared[0], other, *shared[2:]], timings={"quality": 1.0}),
        _bare("c", checks=list(shared), timings={"policy": 0.125}),
    ]

    def suites(text: str) -> list[str]:
        return [re.sub(r' id="\d+"', "", x) for x in re.findall(r"<testsuite .*?</testsuite>", text, re.S)]

    assert suites(_render(*products)) == [suite for p in products for suite in suites(_render(p))]
    b = ET.fromstring(_render(*products).encode()).findall("testsuite")[1]
    assert [c.get("name") for c in b.findall("testcase")] == [
        "GDPR-1: pii",
        "Q-1: rows",
        "Q-2: soft",
        "Q-2: soft (2)",
    ]
    assert b.find("testcase[@name='Q-1: rows']/failure") is not None
