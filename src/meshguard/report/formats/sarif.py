"""``--format sarif``: SARIF 2.1.0 for code-scanning dashboards.

One rule per policy, lint or versioning rule id and one per *kind* of data
check (``schema.required``, ``quality.completeness``, ``sla.freshness``…), declared
only when it has a result. One result per finding or non-passing check, located
at the contract file and line, with a ``partialFingerprints`` entry built from
what identifies the defect (rule, product, field, check id, contract pointer:
never the line or the message), so code scanning tracks a result across runs.
Waived findings carry an accepted external suppression whose justification
holds the reason, the approver and the expiry. GitHub's documented upload limits
(results and rules per run, tags per rule) are respected.
"""

from __future__ import annotations

import hashlib
from typing import Any

from meshguard import printsafe
from meshguard.report.formats import BaseReporter, RenderContext, jsontext
from meshguard.report.formats.common import Item, finding_item, items, rule_kind
from meshguard.results.model import MeshResult, ProductResult, Severity, Status, Waiver
from meshguard.version import __version__

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL: dict[str, str] = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
#: GitHub code scanning: at most 25,000 results and 25,000 rules per run, 20 tags per rule
MAX_RESULTS = 25_000
MAX_RULES = 25_000
MAX_TAGS = 20
FINGERPRINT = "meshguard/v1"
#: the most severe results are kept when a run has more than GitHub accepts
_RANK = {"error": 0, "warning": 1, "note": 2, "none": 3}


def _rule(rule_id: str, it: Item) -> dict[str, Any]:
    if it.kind == "check" and rule_id != it.rule_id:  # a kind of data check, not one product's check
        title = f"{it.stage} check: {rule_id.partition('.')[2] or rule_id}"
        description = f"Data checks of kind {rule_id} declared by the contracts."
        help_parts = [description]
    else:
        title = it.title
        description = it.description or it.title
        help_parts = [description] + ([f"Remediation: {it.remediation}"] if it.remediation else [])
    tags = [it.stage] + ([it.regulation] if it.regulation else [])
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": title,
        "shortDescription": {"text": title},
        "fullDescription": {"text": description},
        "help": {"text": "\n\n".join(help_parts)},
        "defaultConfiguration": {"level": LEVEL.get(it.severity, "warning")},
        "properties": {"tags": tags[:MAX_TAGS], "stage": it.stage, "severity": it.severity},
    }
    if it.regulation and rule_id == it.rule_id:
        rule["properties"]["regulation"] = it.regulation
    return rule


def _level(it: Item) -> str:
    if it.status == Status.UNSUPPORTED:
        return "note"
    if it.status == Status.WARNED:
        return "warning"
    return LEVEL.get(it.severity, "warning")


def fingerprint(rule_id: str, it: Item, product: ProductResult | None) -> str:
    """What identifies the defect across runs: never a line number, a count or a message."""
    parts = [
        rule_id,
        product.id if product else "(mesh)",
        it.rule_id if it.kind == "check" else it.subject,
        it.field or "",
        it.location.pointer if it.location else "",
        it.location.path if it.location and product is None else "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def justification(w: Waiver | None) -> str:
    if w is None:
        return "waived"
    return f"waived until {w.expires}, approved by {w.approved_by}: {w.reason}"


def _result(rule_id: str, it: Item, index: int, p: ProductResult | None) -> dict[str, Any]:
    loc = it.location
    uri = loc.path if loc else (p.contract_path if p else ".")
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if loc and loc.line:
        region: dict[str, Any] = {"startLine": loc.line}
        if loc.column:
            region["startColumn"] = loc.column
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if p is not None:
        logical = f"{p.id}.{it.field}" if it.field else p.id
        kind = "member" if it.field else "module"
        location["logicalLocations"] = [{"fullyQualifiedName": logical, "kind": kind}]
    text = it.message or it.title
    if it.kind == "check":
        text = f"{it.title} ({it.rule_id}): {text}" if it.message and it.message != it.title else text
    if it.status == Status.UNSUPPORTED:
        text = f"unsupported: {text}"
    properties: dict[str, Any] = {
        "product": p.id if p else None,
        "version": p.version if p else None,
        "status": it.status,
        "stage": it.stage,
    }
    if it.kind == "check":
        properties["check"] = it.rule_id
    if it.consequence:
        properties["policy"] = it.consequence
    result: dict[str, Any] = {
        "ruleId": rule_id,
        "ruleIndex": index,
        "level": _level(it),
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: fingerprint(rule_id, it, p)},
        "properties": properties,
    }
    if it.status == Status.WAIVED:
        suppression: dict[str, Any] = {
            "kind": "external",
            "status": "accepted",
            "justification": justification(it.waiver),
        }
        if it.waiver is not None:
            suppression["properties"] = {
                "reason": it.waiver.reason,
                "approvedBy": it.waiver.approved_by,
                "expires": it.waiver.expires,
            }
        result["suppressions"] = [suppression]
    return result


class SarifReporter(BaseReporter):
    name = "sarif"
    default_filename = "results.sarif"

    def render(self, mesh: MeshResult, ctx: RenderContext) -> str:
        found: list[tuple[str, Item, ProductResult | None]] = [
            (it.rule_id, it, None) for it in (finding_item(f, None) for f in mesh.findings)
        ]
        for p in mesh.products:
            for it in items(p):
                if it.status in (Status.PASSED, Status.INFO):
                    continue
                found.append((rule_kind(it), it, p))
        found.sort(key=lambda t: _RANK.get(_level(t[1]), 9))  # stable: repo order within a level
        dropped = max(0, len(found) - MAX_RESULTS)
        rules: list[dict[str, Any]] = []
        index: dict[str, int] = {}
        results: list[dict[str, Any]] = []
        for rule_id, it, owner in found[:MAX_RESULTS]:
            if rule_id not in index:
                if len(rules) >= MAX_RULES:
                    dropped += 1
                    continue
                index[rule_id] = len(rules)
                rules.append(_rule(rule_id, it))
            results.append(_result(rule_id, it, index[rule_id], owner))
        properties: dict[str, Any] = {
            "meshScore": mesh.summary.get("score"),
            "verdict": mesh.summary.get("verdict"),
        }
        if dropped:
            properties["resultsOmitted"] = dropped
        doc = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "meshguard",
                            "version": __version__,
                            "semanticVersion": __version__,
                            "rules": rules,
                        }
                    },
                    "automationDetails": {"id": f"meshguard/{mesh.mode}/{mesh.run_id}"},
                    "invocations": [
                        {
                            "executionSuccessful": not any(p.errors for p in mesh.products),
                            "startTimeUtc": mesh.timestamp,
                        }
                    ],
                    "results": results,
                    "properties": properties,
                }
            ],
        }
        return printsafe.inert(jsontext.dumps(doc), printsafe.JSON) + "\n"
