"""``--format sarif``: SARIF 2.1.0 for code-scanning dashboards.

One rule per policy/check id (title, help = description + remediation,
default level from its severity); one result per finding or non-passing check,
located at the contract file and the line of the offending field. Waived
findings are results with an accepted external suppression.
"""

from __future__ import annotations

import json
from typing import Any

from meshguard import __version__
from meshguard.report.formats import BaseReporter, RenderContext
from meshguard.report.formats.common import Item, check_item, finding_item, items
from meshguard.results.model import MeshResult, ProductResult, Severity, Status

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL: dict[str, str] = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule(it: Item) -> dict[str, Any]:
    help_parts = [it.description or it.title]
    if it.remediation:
        help_parts.append(f"Remediation: {it.remediation}")
    tags = [it.stage] + ([it.regulation] if it.regulation else [])
    rule: dict[str, Any] = {
        "id": it.rule_id,
        "name": it.title,
        "shortDescription": {"text": it.title},
        "fullDescription": {"text": it.description or it.title},
        "help": {"text": "\n\n".join(help_parts), "markdown": "\n\n".join(help_parts)},
        "defaultConfiguration": {"level": LEVEL.get(it.severity, "warning")},
        "properties": {"tags": tags, "stage": it.stage, "severity": it.severity},
    }
    if it.regulation:
        rule["properties"]["regulation"] = it.regulation
    return rule


def _level(it: Item) -> str:
    if it.status == Status.UNSUPPORTED:
        return "note"
    if it.status == Status.WARNED:
        return "warning"
    return LEVEL.get(it.severity, "warning")


def _result(it: Item, index: int, p: ProductResult | None) -> dict[str, Any]:
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
    if it.status == Status.UNSUPPORTED:
        text = f"unsupported: {text}"
    result: dict[str, Any] = {
        "ruleId": it.rule_id,
        "ruleIndex": index,
        "level": _level(it),
        "message": {"text": text},
        "locations": [location],
        "properties": {
            "product": p.id if p else None,
            "version": p.version if p else None,
            "status": it.status,
            "stage": it.stage,
        },
    }
    if it.status == Status.WAIVED:
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": "waived"}]
    return result


class SarifReporter(BaseReporter):
    name = "sarif"
    default_filename = "results.sarif"

    def render(self, mesh: MeshResult, ctx: RenderContext) -> str:
        rules: list[dict[str, Any]] = []
        index: dict[str, int] = {}

        def rule_index(it: Item) -> int:
            if it.rule_id not in index:
                index[it.rule_id] = len(rules)
                rules.append(_rule(it))
            return index[it.rule_id]

        results: list[dict[str, Any]] = [
            _result(it, rule_index(it), None) for it in (finding_item(f, None) for f in mesh.findings)
        ]
        for p in mesh.products:
            for it in items(p):
                if it.status in (Status.PASSED, Status.INFO):
                    continue
                results.append(_result(it, rule_index(it), p))
            for c in p.checks:  # rules for passing checks too: one rule per evaluated id
                rule_index(check_item(c, p))
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
                    "properties": {
                        "meshScore": mesh.summary.get("score"),
                        "verdict": mesh.summary.get("verdict"),
                    },
                }
            ],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
