"""Scoring, in-process, on hand-built results: each formula of docs/results.md gives the exact
figure, verdict and count it documents (mesh and domain summaries, compliance by regulation, the
ranking of policies, credits, penalties, caps)."""

from __future__ import annotations

from typing import Any

import pytest

from meshguard.results.council import matrix
from meshguard.results.model import (
    Change,
    CheckResult,
    DimensionScore,
    Finding,
    MeshResult,
    ProductResult,
    Status,
)
from meshguard.results.scoring import (
    ScoringRules,
    credit,
    dimension_scores,
    mesh_verdict,
    product_score,
    regulations,
    score_product,
    summarize,
    verdict,
)

WEIGHTS = {"contract": 1.0, "schema": 1.0, "quality": 2.0, "compliance": 2.0, "versioning": 1.0}
RULES = ScoringRules(WEIGHTS, pass_threshold=80.0)  # a failing product is capped at 60


def product(pid: str, domain: str | None, **kw: Any) -> ProductResult:
    return ProductResult(pid, pid, domain, None, "1.0.0", "active", f"contracts/{pid}.odcs.yaml", **kw)


def policy_check(rid: str, status: str, **kw: Any) -> CheckResult:
    return CheckResult(rid, rid, "policy", status, **kw)


def policy_finding(rid: str, severity: str = "error", status: str = "failed", **kw: Any) -> Finding:
    return Finding(rid, "policy", severity, f"{rid} violated", status=status, **kw)


def consequence(rid: str, title: str, severity: str) -> dict[str, Any]:
    """A data check that carries a policy's consequence (as the council folds it)."""
    return {"policy": {"rule_id": rid, "title": title, "severity": severity, "regulation": "GDPR"}}


def mesh_of(*products: ProductResult, findings: tuple[Finding, ...] = ()) -> MeshResult:
    mesh = MeshResult("run", "2026-03-01T10:00:00+00:00", "0.1.0", "embedded")
    mesh.products = list(products)
    mesh.findings = list(findings)
    return mesh


def three_products() -> MeshResult:
    a1 = product(
        "a1",
        "sales",
        verdict="pass",
        score=90.0,
        checks=[
            policy_check("GDPR-9", "passed"),
            CheckResult(
                "a1.q1", "q1", "quality", "warned", details=consequence("GDPR-2", "Minimise", "warning")
            ),
            CheckResult("a1.q2", "q2", "quality", "passed", details=consequence("GDPR-8", "Never", "error")),
        ],
        regulations={"GDPR": "pass"},
    )
    a2 = product(
        "a2",
        "sales",
        verdict="fail",
        score=50.0,
        checks=[policy_check("GDPR-1", "failed")],
        findings=[
            policy_finding("GDPR-1", title="Retention", regulation="GDPR"),
            policy_finding("GDPR-0", title="Basis", regulation="GDPR"),
            policy_finding("GDPR-3", "warning", "warned", title="Purpose", regulation="GDPR"),
            policy_finding("GDPR-3", "warning", "warned", title="Purpose", regulation="GDPR"),
            policy_finding("GDPR-7", "warning", "waived", title="Waived", regulation="GDPR"),
        ],
        changes=[
            Change("MGV110", "breaking", "/schema/0", "removed"),
            Change("MGV181", "informational", "/description", "described"),
        ],
        regulations={"GDPR": "fail", "HIPAA": "n/a"},
    )
    b1 = product(
        "b1",
        None,
        verdict="warn",
        score=70.0,
        checks=[
            CheckResult(
                "b1.q", "q", "quality", "errored", details=consequence("GDPR-2", "Minimise", "warning")
            ),
            CheckResult("b1.u", "u", "quality", "unsupported"),
        ],
        findings=[Finding("MG021", "lint", "warning", "no domain")],
        regulations={"GDPR": "fail"},  # not assessed: no policy check or finding
    )
    return mesh_of(a1, a2, b1, findings=(Finding("MG-WAIVER-STALE", "policy", "warning", "stale"),))


def test_mesh_summary_counts_every_figure() -> None:
    mesh = three_products()
    mesh.summary = {"elapsed_s": 1.5}
    summarize(mesh, RULES)
    summary = dict(mesh.summary)
    top = summary.pop("top_policies")
    assert summary == {
        "products": 3,
        "score": 60.0,  # the mean 70.0, capped: the mesh fails
        "verdict": "fail",
        "verdicts": {"pass": 1, "warn": 1, "fail": 1, "error": 0},
        "checks": {
            "passed": 2,
            "warned": 1,
            "failed": 1,
            "errored": 1,
            "waived": 0,
            "unsupported": 1,
            "info": 0,
            "not_applicable": 0,
        },
        "findings": {"open": 5, "waived": 1, "blocking": 2, "mesh": 1},
        "changes": {"breaking": 1, "non-breaking": 0, "informational": 1},
        "weights": WEIGHTS,
        "pass_threshold": 80.0,
        "waivers": [],
        "elapsed_s": 1.5,
    }
    # ranked by products, then findings, then rule id; passed checks and waived findings left out
    assert top == [
        {
            "rule_id": "GDPR-2",
            "title": "Minimise",
            "severity": "warning",
            "regulation": "GDPR",
            "findings": 2,
            "products": 2,
        },
        {
            "rule_id": "GDPR-3",
            "title": "Purpose",
            "severity": "warning",
            "regulation": "GDPR",
            "findings": 2,
            "products": 1,
        },
        {
            "rule_id": "GDPR-0",
            "title": "Basis",
            "severity": "error",
            "regulation": "GDPR",
            "findings": 1,
            "products": 1,
        },
        {
            "rule_id": "GDPR-1",
            "title": "Retention",
            "severity": "error",
            "regulation": "GDPR",
            "findings": 1,
            "products": 1,
        },
    ]


def test_a_summary_without_a_timing_has_none() -> None:
    mesh = three_products()
    summarize(mesh, RULES)
    assert "elapsed_s" not in mesh.summary


def test_domain_summaries() -> None:
    mesh = three_products()
    summarize(mesh, RULES)
    assert list(mesh.domains) == ["(none)", "sales"]
    assert mesh.domains == {
        "(none)": {
            "products": 1,
            "score": 70.0,  # warn: not capped
            "verdict": "warn",
            "passing": 0,
            "verdicts": {"pass": 0, "warn": 1, "fail": 0, "error": 0},
            "blocking": 0,
        },
        "sales": {
            "products": 2,
            "score": 60.0,  # the mean 70.0, capped
            "verdict": "fail",
            "passing": 1,
            "verdicts": {"pass": 1, "warn": 0, "fail": 1, "error": 0},
            "blocking": 2,
        },
    }


def test_compliance_by_regulation_counts_only_assessed_products() -> None:
    mesh = three_products()
    assert regulations(mesh.products) == {
        "GDPR": {
            "products": 2,
            "not_applicable": 0,
            "compliant": 1,
            "share": 0.5,
            "failing_products": ["a2"],
        },
        "HIPAA": {
            "products": 0,
            "not_applicable": 2,
            "compliant": 0,
            "share": None,
            "failing_products": [],
        },
    }
    # a product is assessed by a policy finding alone, too
    only_finding = product("c1", None, findings=[policy_finding("X")], regulations={"SOX": "fail"})
    assert regulations([only_finding])["SOX"]["failing_products"] == ["c1"]


def test_regulation_share_is_rounded_to_four_places() -> None:
    ps = [
        product(f"p{i}", None, checks=[policy_check("R", "passed")], regulations={"R": "pass"})
        for i in range(3)
    ]
    ps[0].regulations = {"R": "fail"}
    assert regulations(ps)["R"]["share"] == 0.6667


def test_at_most_ten_policies_are_ranked() -> None:
    findings = [policy_finding(f"R{i:02d}") for i in range(12) for _ in range(1 + (i == 11))]
    mesh = mesh_of(product("p", None, verdict="fail", score=10.0, findings=findings))
    summarize(mesh, RULES)
    ranked = [(e["rule_id"], e["findings"]) for e in mesh.summary["top_policies"]]
    assert ranked == [("R11", 2), *((f"R{i:02d}", 1) for i in range(9))]


@pytest.mark.parametrize(
    ("verdicts", "mesh_findings", "expected"),
    [
        (["pass", "pass"], (), "pass"),
        (["pass", "warn"], (), "warn"),
        (["warn", "fail"], (), "fail"),
        (["fail", "error", "warn"], (), "error"),
        (["pass"], (Finding("M", "policy", "error", "m"),), "fail"),
        (["pass"], (Finding("M", "policy", "warning", "m"),), "warn"),
        (["pass"], (Finding("M", "policy", "error", "m", status="waived"),), "pass"),
        (["error"], (Finding("M", "policy", "error", "m"),), "error"),
    ],
)
def test_mesh_verdict(verdicts: list[str], mesh_findings: tuple[Finding, ...], expected: str) -> None:
    mesh = mesh_of(
        *(product(f"p{i}", "d", verdict=v) for i, v in enumerate(verdicts)), findings=mesh_findings
    )
    assert mesh_verdict(mesh) == expected
    summarize(mesh, RULES)
    assert mesh.summary["verdict"] == expected
    assert mesh.domains["d"]["verdict"] == (expected if not mesh_findings else max(verdicts, key=_rank))


def _rank(v: str) -> int:
    return ["pass", "warn", "fail", "error"].index(v)


def test_an_erroring_domain_is_capped_too() -> None:
    mesh = mesh_of(
        product("p", "d", verdict="error", score=95.0), product("q", "d", verdict="pass", score=95.0)
    )
    summarize(mesh, RULES)
    assert (mesh.domains["d"]["score"], mesh.summary["score"]) == (60.0, 60.0)
    assert mesh.summary["verdicts"] == {"pass": 1, "warn": 0, "fail": 0, "error": 1}


def test_means_are_rounded_to_one_place() -> None:
    mesh = mesh_of(*(product(f"p{i}", "d", score=s) for i, s in enumerate((90.0, 85.0, 85.0))))
    summarize(mesh, RULES)
    assert (mesh.summary["score"], mesh.domains["d"]["score"]) == (86.7, 86.7)


@pytest.mark.parametrize(
    ("status", "severity", "expected"),
    [
        ("passed", "error", 1.0),
        ("waived", "error", 1.0),
        ("warned", "warning", 0.5),
        ("warned", "error", 0.5),
        ("failed", "warning", 0.5),
        ("failed", "info", 0.5),
        ("failed", "error", 0.0),
        ("errored", "error", 0.0),
        ("errored", "warning", 0.0),
        ("unsupported", "error", None),
        ("info", "error", None),
        ("not_applicable", "error", None),
    ],
)
def test_credit(status: str, severity: str, expected: float | None) -> None:
    assert credit(CheckResult("c", "c", "quality", status, severity=severity)) == expected


def test_dimension_scores_credit_and_penalty() -> None:
    p = product(
        "p",
        None,
        rows=10,
        checks=[
            CheckResult("q1", "q1", "quality", "passed"),
            CheckResult("q2", "q2", "quality", "failed", severity="warning"),
            CheckResult("q3", "q3", "sla", "unsupported"),
            CheckResult("s1", "s1", "schema", "failed"),
        ],
        findings=[
            Finding("MG010", "lint", "warning", "no owner"),
            Finding("MG011", "lint", "error", "bad version", status="waived"),
            Finding("MG012", "lint", "info", "info only"),
            Finding("q2", "quality", "error", "covered by its check"),
            Finding("X1", "quality", "warning", "uncovered"),
            Finding("X2", "quality", "error", "passed", status="passed"),
        ],
    )
    got = {d.name: (d.score, d.weight, d.passed, d.total) for d in dimension_scores(p, WEIGHTS)}
    assert got == {
        "contract": (90.0, 1.0, 0, 2),  # one open warning: 100 − 10; the info costs nothing but counts
        "schema": (0.0, 1.0, 0, 1),
        "quality": (65.0, 2.0, 1, 3),  # 100 × 1.5 / 2 − 10
    }


def test_a_dimension_score_stays_between_0_and_100() -> None:
    lint = [Finding(f"MG0{i}", "lint", "error", "e") for i in range(5)]
    (contract,) = dimension_scores(product("p", None, findings=lint), WEIGHTS)
    assert (contract.name, contract.score, contract.total) == ("contract", 0.0, 5)


@pytest.mark.parametrize(
    ("kw", "assessed"),
    [
        ({}, ["contract"]),
        ({"data_source": "file"}, ["contract", "schema", "quality"]),
        ({"rows": 0}, ["contract", "schema", "quality"]),
        ({"previous_version": "1.0.0"}, ["contract"]),  # the same version: nothing to assess
        ({"previous_version": "0.9.0"}, ["contract", "versioning"]),
        ({"changes": [Change("MGV181", "informational", "/d", "m")]}, ["contract", "versioning"]),
    ],
)
def test_which_dimensions_are_assessed(kw: dict[str, Any], assessed: list[str]) -> None:
    dims = dimension_scores(product("p", None, **kw), WEIGHTS)
    assert [(d.name, d.score) for d in dims] == [(name, 100.0) for name in assessed]


def test_a_finding_of_an_unknown_stage_counts_for_the_contract() -> None:
    (d,) = dimension_scores(product("p", None, findings=[Finding("Z", "elsewhere", "warning", "m")]), WEIGHTS)
    assert (d.name, d.score) == ("contract", 90.0)


def test_product_score_is_the_weighted_mean() -> None:
    dims = [DimensionScore("contract", 90.0, 1.0, 0, 1), DimensionScore("quality", 60.0, 2.0, 0, 1)]
    assert product_score(dims) == 70.0
    assert (
        product_score(
            [DimensionScore("contract", 90.0, 0.0, 0, 1), DimensionScore("quality", 61.0, 0.0, 0, 1)]
        )
        == 75.5
    )
    assert product_score([DimensionScore("contract", 33.33, 3.0, 0, 1)]) == 33.3
    assert product_score([]) == 100.0
    # weights under 1 are weights too
    assert (
        product_score(
            [DimensionScore("contract", 90.0, 0.25, 0, 1), DimensionScore("quality", 60.0, 0.5, 0, 1)]
        )
        == 70.0
    )
    # without weights, the plain mean, rounded to one place
    assert (
        product_score(
            [DimensionScore("contract", 10.0, 0.0, 0, 1), DimensionScore("quality", 10.15, 0.0, 0, 1)]
        )
        == 10.1
    )


@pytest.mark.parametrize(
    ("checks", "findings", "score", "expected"),
    [
        ([], [], 80.0, "pass"),  # at the pass line
        ([], [], 79.9, "warn"),
        ([CheckResult("c", "c", "quality", "warned", severity="info")], [], 100.0, "warn"),
        ([CheckResult("c", "c", "quality", "failed", severity="warning")], [], 100.0, "warn"),
        ([CheckResult("c", "c", "quality", "failed", severity="info")], [], 100.0, "pass"),
        ([CheckResult("c", "c", "quality", "failed")], [], 100.0, "fail"),
        ([CheckResult("c", "c", "quality", "errored")], [], 100.0, "fail"),
        ([CheckResult("c", "c", "quality", "errored", severity="warning")], [], 100.0, "pass"),
        ([], [Finding("F", "lint", "warning", "m")], 100.0, "warn"),
        ([], [Finding("F", "lint", "warning", "m", status="waived")], 100.0, "pass"),
        ([], [Finding("F", "lint", "error", "m")], 100.0, "fail"),
        ([], [Finding("F", "lint", "error", "m", status="info")], 100.0, "pass"),
        ([], [Finding("F", "lint", "info", "m")], 100.0, "pass"),
    ],
)
def test_verdict(checks: list[CheckResult], findings: list[Finding], score: float, expected: str) -> None:
    assert verdict(product("p", None, checks=checks, findings=findings), score, 80.0) == expected


def test_a_failing_product_is_capped_under_the_pass_line() -> None:
    p = product("p", None, findings=[Finding("MG011", "lint", "error", "bad version")])
    score_product(p, RULES)
    assert (p.verdict, p.score_uncapped, p.score) == ("fail", 75.0, 60.0)
    low = ScoringRules(WEIGHTS, pass_threshold=10.0)
    score_product(p, low)
    assert (p.verdict, p.score) == ("fail", 0.0)  # the cap never goes under 0
    ok = product("q", None, findings=[Finding("MG010", "lint", "warning", "no owner")])
    score_product(ok, RULES)
    assert (ok.verdict, ok.score_uncapped, ok.score) == ("warn", 90.0, 90.0)
    erroring = product("e", None, errors=["source unavailable"])
    score_product(erroring, RULES)
    assert (erroring.verdict, erroring.score) == ("error", 60.0)


def test_a_policy_ranks_by_the_products_it_fails() -> None:
    mesh = mesh_of(
        product("p", None, verdict="fail", findings=[policy_finding("R1"), policy_finding("R2")]),
        product("q", None, verdict="fail", findings=[policy_finding("R2")]),
        product("r", None, verdict="fail", findings=[policy_finding("R1")]),
        product("s", None, verdict="fail", findings=[policy_finding("R0"), policy_finding("R0")]),
    )
    summarize(mesh, RULES)
    ranked = [(e["rule_id"], e["products"], e["findings"]) for e in mesh.summary["top_policies"]]
    assert ranked == [("R1", 2, 2), ("R2", 2, 2), ("R0", 1, 2)]


def test_a_dimension_without_a_weight_weighs_nothing() -> None:
    rules = ScoringRules({"quality": 3}, pass_threshold=80.0)
    mesh = mesh_of(product("p", None, rows=1, findings=[Finding("MG010", "lint", "warning", "no owner")]))
    summarize(mesh, rules)
    assert mesh.summary["weights"] == {
        "contract": 0.0,
        "schema": 0.0,
        "quality": 3.0,
        "compliance": 0.0,
        "versioning": 0.0,
    }
    dims = dimension_scores(mesh.products[0], rules.weights)
    assert [(d.name, d.score, d.weight) for d in dims] == [
        ("contract", 90.0, 0.0),
        ("schema", 100.0, 0.0),
        ("quality", 100.0, 3.0),
    ]
    score_product(mesh.products[0], rules)
    assert mesh.products[0].score_uncapped == 100.0  # the contract's 90 weighs nothing


def test_a_severity_without_a_penalty_costs_nothing() -> None:
    odd = Finding("MG010", "lint", "notice", "a severity no penalty names")
    (d,) = dimension_scores(product("p", None, findings=[odd]), WEIGHTS)
    assert (d.name, d.score, d.total) == ("contract", 100.0, 1)


def test_dimension_scores_are_rounded_to_one_place() -> None:
    checks = [CheckResult(f"s{i}", "s", "schema", s) for i, s in enumerate(("passed", "passed", "failed"))]
    dims = dimension_scores(product("p", None, rows=3, checks=checks), WEIGHTS)
    assert [(d.name, d.score) for d in dims] == [("contract", 100.0), ("schema", 66.7), ("quality", 100.0)]


def test_the_matrix_gives_each_product_the_state_of_its_own_check() -> None:
    """A passing rule is one check object shared by many products; each other check is its own."""
    shared = policy_check("GDPR-1", Status.PASSED, regulation="GDPR", title="Retention")
    a = product("a", "x", checks=[shared, policy_check("GDPR-2", "failed", regulation="GDPR")])
    carried = policy_check(
        "GDPR-2", "passed", severity="warning", regulation="GDPR", details={"carried_by": 1}
    )
    b = product("b", "x", checks=[shared, carried])
    c = product(
        "c",
        "x",
        checks=[
            policy_check("GDPR-1", "not_applicable", regulation="GDPR", title="Another title"),
            policy_check("GDPR-2", Status.WAIVED, regulation="GDPR"),
            CheckResult("QUA-1", "rows", "quality", "failed"),
        ],
    )
    rows = matrix([a, b, c, product("d", "x", checks=[shared])])
    assert [(r["rule_id"], r["title"], r["products"], r["counts"]) for r in rows] == [
        (
            "GDPR-1",
            "Retention",  # the first product's check describes the rule
            {"a": "pass", "b": "pass", "c": "n/a", "d": "pass"},
            {"pass": 3, "fail": 0, "warn": 0, "waived": 0, "n/a": 1},
        ),
        (
            "GDPR-2",
            "GDPR-2",
            {"a": "fail", "b": "warn", "c": "waived"},
            {"pass": 0, "fail": 1, "warn": 1, "waived": 1, "n/a": 0},
        ),
    ]


def test_a_status_and_its_text_are_counted_together() -> None:
    mesh = mesh_of(
        product("a", "x", checks=[policy_check("R-1", Status.PASSED), policy_check("R-2", "passed")]),
        product("b", "x", checks=[policy_check("R-1", "failed"), policy_check("R-3", Status.FAILED)]),
    )
    summarize(mesh, RULES)
    counts = mesh.summary["checks"]
    assert (counts["passed"], counts["failed"], counts["warned"]) == (2, 2, 0)
