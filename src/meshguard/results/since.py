"""What changed since the previous recorded run: new failures, fixes, verdict changes, versions.

Computed by the ``check`` command from the history's last run before this one is
recorded (so the record carries it too), and rendered by the council view.
A *problem* is an open blocking or warning finding, or a failed, errored or
warned check, keyed by product, rule (or check) id and field; a fix is a
problem of the previous run that is gone from a product this run still checks.
"""

from __future__ import annotations

from typing import Any

from meshguard.results.model import MeshResult, ProductResult

_OPEN_FINDING = frozenset({"failed", "warned", "errored"})
_OPEN_CHECK = frozenset({"failed", "warned", "errored"})
MAX_LISTED = 200


def _problems_of(checks: list[dict[str, Any]], findings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for f in findings:
        if f.get("status") in _OPEN_FINDING and f.get("severity") in ("error", "warning"):
            key = f"{f.get('rule_id')}|{f.get('field') or ''}"
            out.setdefault(
                key, {"rule_id": f.get("rule_id"), "field": f.get("field"), "title": f.get("title")}
            )
    finding_ids = {f.get("rule_id") for f in findings}
    for c in checks:
        if c.get("status") in _OPEN_CHECK and not (c.get("stage") == "policy" and c.get("id") in finding_ids):
            key = f"{c.get('id')}|{c.get('field') or ''}"
            out.setdefault(
                key,
                {"rule_id": c.get("id"), "field": c.get("field"), "title": c.get("title") or c.get("name")},
            )
    return out


def _current(p: ProductResult) -> dict[str, dict[str, Any]]:
    """The same keys as :func:`_problems_of`, read from the objects (no ``to_dict`` per check)."""
    findings = [
        {
            "rule_id": f.rule_id,
            "field": f.field,
            "title": f.title,
            "status": str(f.status),
            "severity": str(f.severity),
        }
        for f in p.findings
    ]
    checks = [
        {
            "id": c.id,
            "field": c.field,
            "title": c.title,
            "name": c.name,
            "status": str(c.status),
            "stage": c.stage,
        }
        for c in p.checks
        if c.status in _OPEN_CHECK
    ]
    return _problems_of(checks, findings)


def compare(mesh: MeshResult, previous: dict[str, Any] | None) -> None:
    """Fill ``since_previous`` of the mesh and of each product (in place); None without a previous run."""
    if not previous:
        mesh.since_previous = None
        return
    before = {str(p.get("id")): p for p in previous.get("products", []) if isinstance(p, dict)}
    new: list[dict[str, Any]] = []
    fixed: list[dict[str, Any]] = []
    verdicts: list[dict[str, Any]] = []
    for p in mesh.products:
        old = before.get(p.id)
        if old is None:
            p.since_previous = {"run_id": previous.get("run_id"), "new_product": True}
            continue
        was = _problems_of(list(old.get("checks") or []), list(old.get("findings") or []))
        now = _current(p)
        p_new = [{"product": p.id, **now[k]} for k in now if k not in was]
        p_fixed = [{"product": p.id, **was[k]} for k in was if k not in now]
        new += p_new
        fixed += p_fixed
        if old.get("verdict") != p.verdict:
            verdicts.append({"product": p.id, "from": old.get("verdict"), "to": p.verdict})
        p.since_previous = {
            "run_id": previous.get("run_id"),
            "version": old.get("version"),
            "verdict": old.get("verdict"),
            "score": old.get("score"),
            "new": p_new[:MAX_LISTED],
            "fixed": p_fixed[:MAX_LISTED],
        }
    mesh.since_previous = {
        "run_id": previous.get("run_id"),
        "timestamp": previous.get("timestamp"),
        "new_failures": new[:MAX_LISTED],
        "fixed": fixed[:MAX_LISTED],
        "new_count": len(new),
        "fixed_count": len(fixed),
        "verdict_changes": verdicts,
        "products_added": sorted(p.id for p in mesh.products if p.id not in before),
        "products_removed": sorted(set(before) - {p.id for p in mesh.products}),
    }
