"""Scores, verdicts and summaries follow the formulas documented in docs/results.md."""

from __future__ import annotations

import dataclasses

import pytest

from meshguard.config import Config
from meshguard.results.model import CheckResult, Finding, MeshResult, ProductResult
from meshguard.results.scoring import PENALTY, ScoringRules, fail_cap, score_mesh, score_product
from meshkit import RULES, build_mesh, customers, orders, patients


def scored(p: ProductResult, rules: ScoringRules = RULES) -> ProductResult:
    score_product(p, rules)
    return p


def flip(p: ProductResult, check_id: str, status: str) -> ProductResult:
    p.checks = [dataclasses.replace(c, status=status) if c.id == check_id else c for c in p.checks]
    return p


def dims(p: ProductResult) -> dict[str, float]:
    return {d.name: d.score for d in p.dimensions}


def test_dimensions_follow_the_documented_formula() -> None:
    p = scored(customers())
    d = dims(p)
    assert d["contract"] == 100 - PENALTY["warning"]  # one open lint warning, no lint check
    assert d["schema"] == 100.0
    # quality: nullValues failed (0) + rowCount passed (1) + freshness warned (0.5); unsupported not counted
    assert d["quality"] == pytest.approx(100 * 1.5 / 3, abs=0.05)
    # compliance: gdpr.retention failed (its finding is covered by the check) + ownership passed
    assert d["compliance"] == 50.0
    assert "versioning" not in d  # no previous version, no change: not assessed
    w = RULES.weights
    expected = sum(w[k] * v for k, v in d.items()) / sum(w[k] for k in d)
    assert p.score_uncapped == pytest.approx(expected, abs=0.05)
    assert p.verdict == "fail"
    # the verdict is primary: a failing product's score stays under the pass line
    assert p.score == min(expected, fail_cap(RULES.pass_threshold)) < RULES.pass_threshold


def test_one_check_flipping_changes_the_score_as_documented() -> None:
    before = scored(customers())
    after = scored(flip(customers(), "customers.rowCount", "failed"))
    # quality loses one full credit out of three counted checks
    assert dims(after)["quality"] == pytest.approx(dims(before)["quality"] - 100 / 3, abs=0.1)
    assessed = sum(RULES.weights[d.name] for d in before.dimensions)
    assert before.score_uncapped - after.score_uncapped == pytest.approx(
        RULES.weights["quality"] * (100 / 3) / assessed, abs=0.1
    )
    # and flipping the failing check to passed lifts it by the same step
    fixed = scored(flip(customers(), "customers.email.nullValues", "passed"))
    assert fixed.score_uncapped - before.score_uncapped == pytest.approx(
        RULES.weights["quality"] * (100 / 3) / assessed, abs=0.1
    )


def test_waived_checks_and_findings_do_not_cost_but_stay_visible() -> None:
    p = scored(patients())
    assert dims(p)["compliance"] == 100.0
    assert p.verdict == "pass"
    assert any(f.status == "waived" for f in p.findings)
    mesh = build_mesh()
    assert mesh.summary["findings"]["waived"] == 1
    assert [(w["product"], w["state"]) for w in mesh.summary["waivers"]] == [("patients", "active")]


def test_verdicts() -> None:
    p = customers()
    p.findings = [f for f in p.findings if f.severity != "error"]
    p.checks = [c for c in p.checks if c.id not in ("customers.email.nullValues", "gdpr.retention")]
    assert scored(p).verdict == "warn"  # open warnings only
    p.findings, p.checks = [], [c for c in p.checks if c.status == "passed"]
    assert scored(p).verdict == "pass"
    assert scored(p, ScoringRules(RULES.weights, pass_threshold=100.1)).verdict == "warn"  # under the bar
    p.errors = ["data source unavailable: connection refused"]
    assert scored(p).verdict == "error"


def test_errored_error_severity_check_blocks() -> None:
    p = orders()
    p.checks.append(CheckResult("orders.sql.1", "sql rule", "quality", "errored"))
    assert scored(p).verdict == "fail"


def test_weights_come_from_the_config(tmp_path) -> None:
    (tmp_path / "meshguard.yaml").write_text(
        "scoring:\n  weights: {quality: 0, compliance: 0}\n  pass_threshold: 50\n"
    )
    from meshguard.config import load_config

    config: Config = load_config(tmp_path)
    rules = ScoringRules.from_config(config)
    p = scored(customers(), rules)
    d = dims(p)
    only = {k: v for k, v in d.items() if k in ("contract", "schema")}
    expected = sum(rules.weights[k] * v for k, v in only.items()) / sum(rules.weights[k] for k in only)
    assert p.score_uncapped == pytest.approx(expected, abs=0.05)
    assert p.score == min(expected, fail_cap(50))
    assert rules.pass_threshold == 50


def test_mesh_domain_and_regulation_summaries() -> None:
    mesh = build_mesh()
    scores = {p.id: p.score for p in mesh.products}
    cap = fail_cap(RULES.pass_threshold)
    assert mesh.summary["score"] == pytest.approx(min(cap, sum(scores.values()) / 3), abs=0.05)
    eco = mesh.domains["ecommerce"]
    assert eco["products"] == 2 and eco["verdict"] == "fail" and eco["passing"] == 1
    assert eco["score"] == pytest.approx(min(cap, (scores["customers"] + scores["orders"]) / 2), abs=0.05)
    gdpr = mesh.regulations["GDPR"]
    assert gdpr == {
        "products": 3,
        "not_applicable": 0,
        "compliant": 2,
        "share": round(2 / 3, 4),
        "failing_products": ["customers"],
    }
    assert mesh.regulations["HIPAA"]["share"] == 1.0  # its only finding is waived
    assert mesh.summary["verdict"] == "fail"
    assert mesh.summary["top_policies"][0]["rule_id"] == "gdpr.retention"


def test_scoring_is_idempotent_and_mesh_findings_count() -> None:
    mesh = build_mesh()
    first = mesh.to_dict()
    assert score_mesh(mesh, RULES).to_dict() == first
    mesh.findings.append(Finding("MG000", "lint", "error", "cannot parse"))
    score_mesh(mesh, RULES)
    assert mesh.summary["verdict"] == "fail"


def test_empty_mesh() -> None:
    mesh = score_mesh(MeshResult("r", "2026-01-01T00:00:00+00:00", "0.1.0", "embedded"), RULES)
    assert mesh.summary["products"] == 0 and mesh.summary["score"] is None
    assert mesh.summary["verdict"] == "pass"
