"""The policy input document (DESIGN.md §5), built by one function.

Its shape is documented in docs/policy-input.md and pinned by the JSON Schema
``policy-input.schema.json`` next to this module; the tests validate every
built document against it. Bump :data:`INPUT_VERSION` on any incompatible change.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from meshguard.contracts.model import Contract, Property
from meshguard.detectors import suspect
from meshguard.results.model import Change, Status
from meshguard.stages import PolicyContext, QualityOutcome, VersionInfo
from meshguard.version import __version__

INPUT_VERSION = "1"

_CHANGE_SEVERITY = {"breaking": "error", "non-breaking": "warning", "informational": "info"}


def _pointer(parts: tuple[str | int, ...]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _custom_properties(raw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and isinstance(item.get("property"), str):
                out[item["property"]] = item.get("value")
    return out


def _field(p: Property) -> dict[str, Any]:
    auth = p.raw.get("authoritativeDefinitions")
    encrypted = p.raw.get("encryptedName")
    return {
        "schema": p.schema,
        "name": p.name,
        "path": p.path,
        "pointer": _pointer(p.pointer),
        "logical_type": p.logical_type,
        "physical_type": p.physical_type,
        "required": p.required,
        "unique": p.unique,
        "primary_key": p.primary_key,
        "classification": p.classification,
        "tags": list(p.tags),
        "categories": sorted(p.categories),
        "description": p.description,
        "critical": p.critical,
        "encrypted_name": encrypted if isinstance(encrypted, str) and encrypted.strip() else None,
        "authoritative_definitions": [a for a in auth if isinstance(a, dict)]
        if isinstance(auth, list)
        else [],
        "custom_properties": _custom_properties(p.raw.get("customProperties")),
        "suspected": suspect(p.name, p.description, p.logical_type, p.physical_type),
    }


def _quality(outcome: QualityOutcome) -> dict[str, Any]:
    checks = [
        {
            "id": c.id,
            "name": c.name,
            "stage": c.stage,
            "status": str(c.status),
            "dimension": c.dimension,
            "severity": str(c.severity),
            "field": c.field,
        }
        for c in outcome.checks
    ]

    def count(status: str) -> int:
        return sum(1 for c in outcome.checks if c.status == status)

    return {
        "checks": checks,
        "passed": count(Status.PASSED),
        "failed": count(Status.FAILED),
        "errored": count(Status.ERRORED),
    }


def _change(c: Change) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "path": c.path,
        "severity": _CHANGE_SEVERITY.get(c.kind, "info"),
        "rule_id": c.rule_id,
        "message": c.message,
    }


def _versioning(contract: Contract, versions: VersionInfo | None) -> dict[str, Any] | None:
    """The versioning stage's verdict on the bump (its semver rules, 0.x included, are the only
    ones: the versioning policies read this instead of comparing versions themselves)."""
    if versions is None or versions.previous_version is None:
        return None
    from meshguard.versioning.semver import bump_of, enforce, required_bump

    previous, version = versions.previous_version, contract.version
    valid = isinstance(version, str)
    return {
        "previous_version": previous,
        "version": version,
        "bump": bump_of(previous, version) if valid else None,
        "required": required_bump(previous, versions.changes),
        "rules": sorted({f.rule_id for f in enforce(previous, contract, versions.changes)}) if valid else [],
    }


def build_input(
    contract: Contract,
    quality: QualityOutcome | None = None,
    versions: VersionInfo | None = None,
    run: PolicyContext | None = None,
) -> dict[str, Any]:
    """The document every policy sees as ``input`` for one data product."""
    run = run or PolicyContext()
    doc: dict[str, Any] = {
        "meshguard": {
            "version": __version__,
            "input_version": INPUT_VERSION,
            "mode": run.mode,
            "now": run.now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        },
        "contract": contract.doc,
        "product": {
            "id": contract.id,
            "name": contract.name,
            "domain": contract.domain,
            "version": contract.version,
            "status": contract.status,
            "owner": contract.owner,
            "path": contract.path,
        },
        "fields": [_field(p) for p in contract.properties],
        "changes": [_change(c) for c in versions.changes] if versions else [],
        "previous": versions.previous if versions else None,
    }
    verdict = _versioning(contract, versions)
    if verdict is not None:
        doc["versioning"] = verdict
    if quality is not None:
        if quality.data is not None:
            doc["data"] = quality.data
        doc["quality"] = _quality(quality)
    return doc


@cache
def input_schema() -> dict[str, Any]:
    """The JSON Schema of the policy input document."""
    text = Path(__file__).with_name("policy-input.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
