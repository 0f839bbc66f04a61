"""What the council reads, computed once after the stages (reporters only render it).

* **One finding per defect**: a policy finding about a failed data check
  (``details.check``, e.g. QUA-003 "blocking quality checks pass") is folded into
  that check, which then carries the policy consequence in ``details.policy``;
  the policy's own check becomes ``info`` ("carried by N checks"), so the defect
  is counted and shown once, in the quality dimension.
* **Applicability**: a policy rule whose METADATA scope (``custom.applies_to``:
  sensitivity categories, inherited from the package) does not meet the
  product's categories, and that found nothing, is ``not_applicable``. A
  regulation applies to a product when any of its rules does.
* Per product: a state per regulation, and the reasons for its verdict (open
  problems grouped by regulation).
* Per mesh: the compliance matrix (regulation → article → rule → product state)
  and the waiver register (active, expiring, expired, stale).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from meshguard.results.model import CheckResult, Finding, MeshResult, ProductResult, Severity, Status, Waiver

EXPIRING_DAYS = 30
MAX_REASONS = 3
#: the label of problems that belong to no regulation, by stage
STAGE_AREA = {
    "lint": "Contract",
    "schema": "Data quality",
    "quality": "Data quality",
    "sla": "Data quality",
    "relationship": "Data quality",
    "versioning": "Versioning",
    "policy": "Policy",
}
#: check status → matrix / chip state
STATE: dict[str, str] = {
    Status.PASSED: "pass",
    Status.FAILED: "fail",
    Status.ERRORED: "fail",
    Status.WARNED: "warn",
    Status.WAIVED: "waived",
    Status.NOT_APPLICABLE: "n/a",
    Status.INFO: "pass",
    Status.UNSUPPORTED: "n/a",
}
STATE_RANK = {"fail": 0, "warn": 1, "waived": 2, "pass": 3, "n/a": 4}


def _open(f: Finding) -> bool:
    return f.status not in (Status.WAIVED, Status.PASSED, Status.INFO)


def fold_consequences(product: ProductResult) -> None:
    """Fold each open policy finding about a failed data check into that check (idempotent)."""
    checks = {c.id: i for i, c in enumerate(product.checks) if c.stage != "policy"}
    folded: Counter[str] = Counter()
    kept: list[Finding] = []
    for f in product.findings:
        target = f.details.get("check")
        index = checks.get(target) if isinstance(target, str) and f.stage == "policy" and _open(f) else None
        if index is None:
            kept.append(f)
            continue
        c = product.checks[index]
        consequence = {"rule_id": f.rule_id, "title": f.title, "severity": str(f.severity)}
        if f.regulation:
            consequence["regulation"] = f.regulation
        product.checks[index] = replace(c, details={**c.details, "policy": consequence})
        folded[f.rule_id] += 1
    if not folded:
        return
    product.findings = kept
    for i, c in enumerate(product.checks):
        if c.stage == "policy" and c.id in folded and not any(f.rule_id == c.id for f in kept):
            product.checks[i] = replace(
                c,
                status=Status.INFO,
                message=f"carried by {folded[c.id]} failed data check(s), each shown once with this consequence",
                details={**c.details, "carried_by": folded[c.id]},
            )


def fold_version_decisions(product: ProductResult) -> None:
    """A policy finding about a version decision is folded into the versioning finding that
    already made it, so a defect is one finding (idempotent). The link is the finding's
    ``details.decided_by`` (the versioning rule id, e.g. VER-001 -> MGV001, VER-002 -> MGV003);
    a finding that names only a ``details.change`` goes to the first blocking versioning finding."""
    versioning = [f for f in product.findings if f.stage == "versioning" and _open(f)]
    if not versioning:
        return
    blocking = next((f for f in versioning if f.severity == Severity.ERROR), None)
    by_rule = {f.rule_id: f for f in reversed(versioning)}
    folded: dict[int, list[Finding]] = {}
    kept: list[Finding] = []
    for f in product.findings:
        target = None
        if f.stage == "policy" and _open(f):
            decided_by = f.details.get("decided_by")
            if isinstance(decided_by, str):
                target = by_rule.get(decided_by)
            elif isinstance(f.details.get("change"), str):
                target = blocking
        if target is None:
            kept.append(f)
        else:
            folded.setdefault(id(target), []).append(f)
    if not folded:
        return
    carriers: dict[str, str] = {}
    merged_by_id: dict[int, Finding] = {}
    for target in versioning:
        policy = folded.get(id(target))
        if not policy:
            continue
        consequence = {
            "rule_id": policy[0].rule_id,
            "title": policy[0].title,
            "severity": str(policy[0].severity),
        }
        if policy[0].regulation:
            consequence["regulation"] = policy[0].regulation
        merged_by_id[id(target)] = replace(
            target, details={**target.details, "policy": consequence, "policy_findings": len(policy)}
        )
        carriers.update({f.rule_id: target.rule_id for f in policy})
    product.findings = [merged_by_id.get(id(f), f) for f in kept]
    for i, c in enumerate(product.checks):
        if c.stage == "policy" and c.id in carriers:
            product.checks[i] = replace(
                c,
                status=Status.INFO,
                message=f"carried by the versioning finding {carriers[c.id]}",
                details={**c.details, "carried_by": 1},
            )


#: a passing policy check's ``not_applicable`` form, by the check's id: the check of a rule that
#: found nothing is one object for the whole run (``CheckResult`` is frozen), so is its form out
#: of scope, made once instead of once per product; each entry holds its check, so the id stays
#: that check's while it is kept
_OUT_OF_SCOPE: dict[int, tuple[CheckResult, CheckResult]] = {}
_OUT_OF_SCOPE_MAX = 4096


def _out_of_scope(c: CheckResult, scope: Any) -> CheckResult:
    kept = _OUT_OF_SCOPE.get(id(c))
    if kept is not None and kept[0] is c:
        return kept[1]
    if len(_OUT_OF_SCOPE) >= _OUT_OF_SCOPE_MAX:
        _OUT_OF_SCOPE.clear()
    made = replace(
        c,
        status=Status.NOT_APPLICABLE,
        message=f"not applicable: the product holds no {' / '.join(scope)} field",
    )
    _OUT_OF_SCOPE[id(c)] = (c, made)
    return made


def apply_scope(product: ProductResult) -> None:
    """Mark policy rules outside their scope ``not_applicable`` (only those that found nothing)."""
    held = set(product.catalogue.get("categories") or ())
    for i, c in enumerate(product.checks):
        scope = c.details.get("applies_to")
        if c.stage != "policy" or not scope or c.status != Status.PASSED:
            continue
        if not held & set(scope):
            product.checks[i] = _out_of_scope(c, scope)


def check_state(c: CheckResult) -> str:
    """A policy rule's state for one product (a rule carried by failed data checks fails)."""
    if c.details.get("carried_by"):
        return "fail" if c.severity == Severity.ERROR else "warn"
    state = STATE.get(c.status)  # a Status member or its text: the same key
    return state if state is not None else STATE.get(Status(c.status), "pass")


def _worst(states: Iterable[str]) -> str:
    ranked = sorted(states, key=lambda s: STATE_RANK.get(s, 9))
    return ranked[0] if ranked else "n/a"


def product_regulations(product: ProductResult) -> dict[str, str]:
    by_reg: dict[str, list[str]] = {}
    for c in product.checks:
        if c.stage == "policy" and c.regulation:
            by_reg.setdefault(c.regulation, []).append(check_state(c))
    for f in product.findings:
        if f.stage == "policy" and f.regulation and _open(f):
            by_reg.setdefault(f.regulation, []).append("fail" if f.severity == Severity.ERROR else "warn")
    out: dict[str, str] = {}
    for reg, states in sorted(by_reg.items()):
        applicable = [s for s in states if s != "n/a"]
        out[reg] = _worst(applicable) if applicable else "n/a"
    return out


def _area(regulation: str | None, stage: str, consequence: Any) -> str:
    if regulation:
        return regulation
    if isinstance(consequence, dict) and consequence.get("regulation"):
        return str(consequence["regulation"])
    return STAGE_AREA.get(stage, stage)


def reasons(product: ProductResult) -> list[dict[str, Any]]:
    """Open problems grouped by regulation (or area), blocking first, the top rules of each."""
    groups: dict[str, dict[str, Any]] = {}

    def add(area: str, rule_id: str, title: str, blocking: bool) -> None:
        g = groups.setdefault(area, {"regulation": area, "blocking": 0, "warnings": 0, "rules": Counter()})
        g["blocking" if blocking else "warnings"] += 1
        g["rules"][f"{rule_id} {title}".strip()] += 1

    for f in product.findings:
        if _open(f) and f.severity in (Severity.ERROR, Severity.WARNING):
            add(_area(f.regulation, f.stage, None), f.rule_id, f.title or "", f.severity == Severity.ERROR)
    for c in product.checks:
        failing = c.status in (Status.FAILED, Status.ERRORED, Status.WARNED)
        if not failing or (c.stage == "policy" and any(f.rule_id == c.id for f in product.findings)):
            continue
        blocking = c.status != Status.WARNED and c.severity == Severity.ERROR
        add(_area(c.regulation, c.stage, c.details.get("policy")), c.id, c.title or c.name, blocking)
    ranked = sorted(groups.values(), key=lambda g: (-g["blocking"], -g["warnings"], g["regulation"]))
    return [
        {
            "regulation": g["regulation"],
            "blocking": g["blocking"],
            "warnings": g["warnings"],
            "top": [name for name, _ in g["rules"].most_common(MAX_REASONS)],
        }
        for g in ranked
    ]


def matrix(products: list[ProductResult]) -> list[dict[str, Any]]:
    """One row per policy rule: regulation, article, rule id, title, severity, state per product."""
    rows: dict[str, dict[str, Any]] = {}
    # a rule that passes is one check object for many products (the run holds them all meanwhile,
    # so an id names one object): its state is worked out once
    states: dict[int, str] = {}
    for p in products:
        pid = p.id
        for c in p.checks:
            if c.stage != "policy":
                continue
            row = rows.get(c.id)
            if row is None:  # the first product's check describes the rule
                row = rows[c.id] = {
                    "regulation": c.regulation or "(none)",
                    "article": str(c.details.get("article") or ""),
                    "rule_id": c.id,
                    "title": c.title or c.name,
                    "severity": str(c.severity),
                    "products": {},
                }
            state = states.get(id(c))
            if state is None:
                state = states[id(c)] = check_state(c)
            row["products"][pid] = state
    out = sorted(rows.values(), key=lambda r: (r["regulation"], r["article"], r["rule_id"]))
    for r in out:
        counts = Counter(r["products"].values())
        r["counts"] = {s: counts.get(s, 0) for s in ("pass", "fail", "warn", "waived", "n/a")}
    return out


def _parse(text: str) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def waiver_register(mesh: MeshResult, today: date) -> list[dict[str, Any]]:
    """Every waiver the run knows of, once, with its state: active, expiring, expired or stale."""
    states: dict[Waiver, str] = {}
    for p in mesh.products:
        for w in [*p.waivers, *(f.waiver for f in p.findings if f.waiver is not None)]:
            states.setdefault(w, "active")
    for f in mesh.findings:
        if f.waiver is None:
            continue
        if f.rule_id == "MG-WAIVER-EXPIRED":
            states[f.waiver] = "expired"
        elif f.rule_id == "MG-WAIVER-STALE":
            states[f.waiver] = "stale"
        else:
            states.setdefault(f.waiver, "active")
    rows: list[dict[str, Any]] = []
    for w, state in states.items():
        expires = _parse(w.expires)
        days = (expires - today).days if expires else None
        if days is not None and days < 0:
            state = "expired"
        elif state == "active" and days is not None and days <= EXPIRING_DAYS:
            state = "expiring"
        rows.append(
            {
                "product": w.product,
                "policy": w.policy,
                "field": w.field,
                "reason": w.reason,
                "approved_by": w.approved_by,
                "expires": w.expires,
                "days_left": days,
                "state": state,
                "line": w.source_line,
            }
        )
    order = {"expired": 0, "stale": 1, "expiring": 2, "active": 3}
    rows.sort(key=lambda r: (order[r["state"]], r["days_left"] if r["days_left"] is not None else 10**6))
    return rows


def prepare(product: ProductResult) -> None:
    """Before scoring: one finding per defect, rules outside their scope not applicable."""
    fold_consequences(product)
    fold_version_decisions(product)
    apply_scope(product)


def describe(product: ProductResult) -> None:
    """After scoring: the product's regulation states and reasons."""
    product.regulations = product_regulations(product)
    product.reasons = reasons(product) if product.verdict != "pass" else []
