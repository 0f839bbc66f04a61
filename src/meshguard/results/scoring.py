"""Scores, verdicts and summaries: computed once, after the stages, before any reporter.

Formulas (documented in docs/results.md, keep both in step):

* Every check and finding feeds one **dimension** through its stage
  (:data:`meshguard.results.model.STAGE_DIMENSION`): lint → contract,
  schema → schema, quality/sla/relationship → quality, policy → compliance,
  versioning → versioning.
* A check earns **credit**: passed or waived 1, warned (or failed with a
  non-error severity) 0.5, failed or errored 0; unsupported and info checks
  are shown but not counted.
* A finding that no check of the same id in the same dimension stands for
  (lint rules, semver enforcement, expired waivers…) costs a **penalty**
  while open: error 25 points, warning 10, info 0. Waived findings cost nothing.
* dimension score = clamp(100 × Σcredit / counted − Σpenalty, 0, 100)
  (100 × … is taken as 100 when no check is counted).
* A dimension with no check, no finding and no evidence that its stage ran
  (no data read → schema/quality; no previous version → versioning; no policy
  evaluated → compliance) is *not assessed* and left out. The contract
  dimension is always assessed.
* product score = Σ weightᵢ × scoreᵢ / Σ weightᵢ over assessed dimensions,
  weights from ``scoring.weights`` in meshguard.yaml, rounded to 0.1.
* verdict: ``error`` when a stage could not assess the product
  (``ProductResult.errors``); else ``fail`` on any blocking item (an open
  error-severity finding, a failed or errored error-severity check); else
  ``warn`` on any open warning or a score under ``scoring.pass_threshold``;
  else ``pass``.
* **the verdict is primary**: a product whose verdict is ``fail`` or ``error``
  has its score capped at ``pass_threshold − FAIL_MARGIN`` (60 with the default
  80), so a failing product never shows a number near or above the pass line;
  the weighted mean before the cap stays in ``score_uncapped``.
* domain and mesh scores: the mean of their products' (capped) scores; their
  verdict is the worst of their products' (the mesh also fails on a blocking
  mesh-level finding), and a failing domain or mesh is capped the same way.
* compliance by regulation: over the products the regulation *applies* to
  (any of its rules in scope, see :mod:`meshguard.results.council`), the share
  with no open error-severity policy finding of that regulation.

Before scoring, :func:`meshguard.results.council.prepare` folds each policy
finding about a failed data check into that check (one finding per defect) and
marks rules outside their scope ``not_applicable``. Scores depend on the data
only, never on the mode of the run.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from meshguard.results.council import describe, matrix, prepare, waiver_register
from meshguard.results.model import (
    STAGE_DIMENSION,
    CheckResult,
    DimensionScore,
    Finding,
    MeshResult,
    ProductResult,
    Severity,
    Status,
)

DIMENSIONS: tuple[str, ...] = ("contract", "schema", "quality", "compliance", "versioning")
PENALTY: dict[str, float] = {Severity.ERROR: 25.0, Severity.WARNING: 10.0, Severity.INFO: 0.0}
NOT_COUNTED = frozenset({Status.UNSUPPORTED, Status.INFO, Status.NOT_APPLICABLE})
#: a failing product's score stays this far under the pass line
FAIL_MARGIN = 20.0
VERDICTS: tuple[str, ...] = ("pass", "warn", "fail", "error")
TOP_POLICIES = 10


@dataclass(frozen=True)
class ScoringRules:
    """The dimension weights and the pass threshold that turn results into scores."""

    weights: Mapping[str, float]
    pass_threshold: float = 80.0

    @classmethod
    def from_config(cls, config: Any) -> ScoringRules:
        return cls(weights=dict(config.weights), pass_threshold=float(config.pass_threshold))


def credit(check: CheckResult) -> float | None:
    """What one check earns towards its dimension; None when it is not counted."""
    if check.status in NOT_COUNTED:
        return None
    if check.status in (Status.PASSED, Status.WAIVED):
        return 1.0
    if check.status == Status.WARNED:
        return 0.5
    if check.status == Status.FAILED and check.severity != Severity.ERROR:
        return 0.5
    return 0.0


def is_open(finding: Finding) -> bool:
    return finding.status not in (Status.WAIVED, Status.PASSED, Status.INFO)


def is_blocking_finding(finding: Finding) -> bool:
    return is_open(finding) and finding.severity == Severity.ERROR


def is_blocking_check(check: CheckResult) -> bool:
    return check.status in (Status.FAILED, Status.ERRORED) and check.severity == Severity.ERROR


def _dimension(stage: str) -> str:
    return STAGE_DIMENSION.get(stage, "contract")


def _assessed(product: ProductResult, dim: str) -> bool:
    if dim == "contract":
        return True
    if dim in ("schema", "quality"):
        return product.data_source is not None or product.rows is not None
    if dim == "versioning":
        # an unchanged contract has nothing to assess, whether or not the run compared it with git
        return bool(product.changes) or product.previous_version not in (None, product.version)
    return False


def dimension_scores(product: ProductResult, weights: Mapping[str, float]) -> list[DimensionScore]:
    checks: dict[str, list[CheckResult]] = defaultdict(list)
    for c in product.checks:
        checks[_dimension(c.stage)].append(c)
    findings: dict[str, list[Finding]] = defaultdict(list)
    for f in product.findings:
        findings[_dimension(f.stage)].append(f)
    out: list[DimensionScore] = []
    for dim in DIMENSIONS:
        dim_checks, dim_findings = checks.get(dim, []), findings.get(dim, [])
        if not dim_checks and not dim_findings and not _assessed(product, dim):
            continue
        credits = [cr for cr in (credit(c) for c in dim_checks) if cr is not None]
        check_ids = {c.id for c in dim_checks}
        uncovered = [f for f in dim_findings if is_open(f) and f.rule_id not in check_ids]
        base = 100.0 * sum(credits) / len(credits) if credits else 100.0
        penalty = sum(PENALTY.get(f.severity, 0.0) for f in uncovered)
        score = round(min(100.0, max(0.0, base - penalty)), 1)
        out.append(
            DimensionScore(
                name=dim,
                score=score,
                weight=float(weights.get(dim, 0.0)),
                passed=sum(1 for cr in credits if cr == 1.0),
                total=len(credits) + len(uncovered),
            )
        )
    return out


def product_score(dimensions: Iterable[DimensionScore]) -> float:
    dims = list(dimensions)
    total_weight = sum(d.weight for d in dims)
    if total_weight <= 0:
        return round(sum(d.score for d in dims) / len(dims), 1) if dims else 100.0
    return round(sum(d.weight * d.score for d in dims) / total_weight, 1)


def verdict(product: ProductResult, score: float, pass_threshold: float) -> str:
    if product.errors:
        return "error"
    if any(is_blocking_finding(f) for f in product.findings) or any(
        is_blocking_check(c) for c in product.checks
    ):
        return "fail"
    open_warning = any(is_open(f) and f.severity == Severity.WARNING for f in product.findings) or any(
        c.status == Status.WARNED or (c.status == Status.FAILED and c.severity == Severity.WARNING)
        for c in product.checks
    )
    if open_warning or score < pass_threshold:
        return "warn"
    return "pass"


def fail_cap(pass_threshold: float) -> float:
    return max(0.0, pass_threshold - FAIL_MARGIN)


def score_product(product: ProductResult, rules: ScoringRules) -> None:
    """Fill ``dimensions``, ``score`` and ``verdict`` of one product in place."""
    prepare(product)
    product.dimensions = dimension_scores(product, rules.weights)
    raw = product_score(product.dimensions)
    product.verdict = verdict(product, raw, rules.pass_threshold)
    product.score_uncapped = raw
    product.score = min(raw, fail_cap(rules.pass_threshold)) if product.verdict in ("fail", "error") else raw
    describe(product)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _verdict_counts(products: Iterable[ProductResult]) -> dict[str, int]:
    counts = Counter(p.verdict for p in products)
    return {v: counts.get(v, 0) for v in VERDICTS}


def _status_counts(products: Iterable[ProductResult]) -> dict[str, int]:
    # a Status is a str: a status and its text count as one key
    counts: Counter[str] = Counter(c.status for p in products for c in p.checks)
    return {str(s): counts.get(str(s), 0) for s in Status}


def _policy_assessed(product: ProductResult) -> bool:
    return any(c.stage == "policy" for c in product.checks) or any(
        f.stage == "policy" for f in product.findings
    )


def regulations(products: Iterable[ProductResult]) -> dict[str, dict[str, Any]]:
    """Per regulation, over the products it applies to (``ProductResult.regulations`` not n/a):
    compliant means no rule of the regulation fails (a waived finding does not fail)."""
    assessed = [p for p in products if _policy_assessed(p)]
    names = sorted({reg for p in assessed for reg in p.regulations})
    out: dict[str, dict[str, Any]] = {}
    for reg in names:
        applicable = [p for p in assessed if p.regulations.get(reg, "n/a") != "n/a"]
        failing = sorted(p.id for p in applicable if p.regulations.get(reg) == "fail")
        total = len(applicable)
        compliant = total - len(failing)
        out[reg] = {
            "products": total,
            "not_applicable": len(assessed) - total,
            "compliant": compliant,
            "share": round(compliant / total, 4) if total else None,
            "failing_products": failing,
        }
    return out


def _top_policies(products: Iterable[ProductResult]) -> list[dict[str, Any]]:
    """Policies with open findings (or failed data checks carrying their consequence), ranked."""
    by_rule: dict[str, dict[str, Any]] = {}

    def count(rule_id: str, title: str | None, severity: str, regulation: str | None, product: str) -> None:
        entry = by_rule.setdefault(
            rule_id,
            {
                "rule_id": rule_id,
                "title": title,
                "severity": severity,
                "regulation": regulation,
                "findings": 0,
                "products": set(),
            },
        )
        entry["findings"] += 1
        entry["products"].add(product)

    for p in products:
        for f in p.findings:
            if f.stage == "policy" and is_open(f):
                count(f.rule_id, f.title, str(f.severity), f.regulation, p.id)
        for c in p.checks:
            policy = c.details.get("policy")
            if isinstance(policy, dict) and c.status in (Status.FAILED, Status.ERRORED, Status.WARNED):
                count(
                    str(policy["rule_id"]),
                    policy.get("title"),
                    str(policy.get("severity")),
                    policy.get("regulation"),
                    p.id,
                )
    ranked = sorted(by_rule.values(), key=lambda e: (-len(e["products"]), -e["findings"], e["rule_id"]))
    return [{**e, "products": len(e["products"])} for e in ranked[:TOP_POLICIES]]


def _today(mesh: MeshResult) -> date:
    try:
        return datetime.fromisoformat(mesh.timestamp).date()
    except ValueError:
        return date.today()


def summarize(mesh: MeshResult, rules: ScoringRules) -> None:
    """Per-domain and mesh summaries, compliance by regulation (in place)."""
    products = mesh.products
    by_domain: dict[str, list[ProductResult]] = defaultdict(list)
    for p in products:
        by_domain[p.domain or "(none)"].append(p)
    mesh.domains = {
        name: {
            "products": len(ps),
            "score": _capped(_mean([p.score for p in ps]), _worst_verdict(p.verdict for p in ps), rules),
            "verdict": _worst_verdict(p.verdict for p in ps),
            "passing": sum(1 for p in ps if p.verdict == "pass"),
            "verdicts": _verdict_counts(ps),
            "blocking": sum(1 for p in ps for f in p.findings if is_blocking_finding(f)),
        }
        for name, ps in sorted(by_domain.items())
    }
    mesh.regulations = regulations(products)
    mesh.matrix = matrix(products)
    today = _today(mesh)
    elapsed = mesh.summary.get("elapsed_s")
    mesh.summary = {
        "products": len(products),
        "score": _capped(_mean([p.score for p in products]), mesh_verdict(mesh), rules),
        "verdict": mesh_verdict(mesh),
        "verdicts": _verdict_counts(products),
        "checks": _status_counts(products),
        "findings": {
            "open": sum(1 for p in products for f in p.findings if is_open(f)),
            "waived": sum(1 for p in products for f in p.findings if f.status == Status.WAIVED),
            "blocking": sum(1 for p in products for f in p.findings if is_blocking_finding(f)),
            "mesh": len(mesh.findings),
        },
        "changes": {
            kind: sum(1 for p in products for c in p.changes if c.kind == kind)
            for kind in ("breaking", "non-breaking", "informational")
        },
        "weights": {k: float(rules.weights.get(k, 0.0)) for k in DIMENSIONS},
        "pass_threshold": rules.pass_threshold,
        "top_policies": _top_policies(products),
        "waivers": waiver_register(mesh, today),
    }
    if elapsed is not None:
        mesh.summary["elapsed_s"] = elapsed


def _capped(score: float | None, verdict: str, rules: ScoringRules) -> float | None:
    if score is None or verdict not in ("fail", "error"):
        return score
    return min(score, fail_cap(rules.pass_threshold))


def _worst_verdict(verdicts: Iterable[str]) -> str:
    seen = set(verdicts)
    return next((v for v in ("error", "fail", "warn") if v in seen), "pass")


def mesh_verdict(mesh: MeshResult) -> str:
    verdicts = {p.verdict for p in mesh.products}
    mesh_blocking = any(is_blocking_finding(f) for f in mesh.findings)
    for v in ("error", "fail"):
        if v in verdicts:
            return v
    if mesh_blocking:
        return "fail"
    if "warn" in verdicts or any(is_open(f) for f in mesh.findings):
        return "warn"
    return "pass"


def score_mesh(mesh: MeshResult, rules: ScoringRules) -> MeshResult:
    """Score every product, then summarize the mesh. Idempotent."""
    for p in mesh.products:
        score_product(p, rules)
    summarize(mesh, rules)
    return mesh
