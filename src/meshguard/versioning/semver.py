"""Semver enforcement: does the version bump match the changes?

- a breaking change needs a major bump (``0.x``: a minor bump, semver's 0.x rule);
- a non-breaking change needs a minor bump (``0.x``: a patch bump);
- a contract that changed while its version did not is flagged;
- a version lower than the previous one is an error.

Informational changes need no particular bump (a patch is customary).
"""

from __future__ import annotations

from collections.abc import Sequence

from meshguard.contracts.model import Contract
from meshguard.contracts.versions import semver_key
from meshguard.results.model import Change, ChangeKind, Finding, Location, Severity
from meshguard.versioning.rules import SEMVER_RULES

_BUMPS = ("none", "patch", "minor", "major")


def bump_of(old: str, new: str) -> str | None:
    """``major`` / ``minor`` / ``patch`` / ``none`` / ``backwards``; None if a version is not semver."""
    a, b = semver_key(old), semver_key(new)
    if a is None or b is None:
        return None
    if b < a:
        return "backwards"
    if b[0] != a[0]:
        return "major"
    if b[1] != a[1]:
        return "minor"
    if b[2] != a[2]:
        return "patch"
    return "none" if b == a else "patch"  # only the pre-release part changed


def required_bump(old: str, changes: Sequence[Change]) -> str:
    """The smallest bump these changes need from version ``old``."""
    key = semver_key(old)
    pre_1 = key is not None and key[0] == 0
    kinds = {c.kind for c in changes}
    if ChangeKind.BREAKING in kinds:
        return "minor" if pre_1 else "major"
    if ChangeKind.NON_BREAKING in kinds:
        return "patch" if pre_1 else "minor"
    return "none"


def _finding(rule_id: str, severity: str, message: str, contract: Contract, **details: object) -> Finding:
    spec = SEMVER_RULES[rule_id]
    return Finding(
        rule_id=rule_id,
        stage="versioning",
        severity=severity,
        message=message,
        location=Location(contract.path, contract.line(("version",)), pointer="/version"),
        title=spec.title,
        remediation=spec.remediation,
        details={"rule": spec.name, **details},
    )


def enforce(previous_version: str, contract: Contract, changes: Sequence[Change]) -> list[Finding]:
    """Semver findings for ``contract`` against its previous version."""
    new_version = contract.version
    bump = bump_of(previous_version, new_version)
    if bump is None:
        bad = previous_version if semver_key(previous_version) is None else new_version
        return [
            _finding(
                "MGV005",
                Severity.WARNING,
                f"version {bad!r} is not a semantic version: cannot check the bump",
                contract,
                previous_version=previous_version,
            )
        ]
    if bump == "backwards":
        return [
            _finding(
                "MGV004",
                Severity.ERROR,
                f"version went backwards: {previous_version} → {new_version}",
                contract,
                previous_version=previous_version,
            )
        ]
    if not changes:
        return []
    need = required_bump(previous_version, changes)
    counts = {k: sum(1 for c in changes if c.kind == k) for k in ChangeKind}
    details = {"previous_version": previous_version, "bump": bump, "required": need}
    out: list[Finding] = []
    if bump == "none":
        out.append(
            _finding(
                "MGV003",
                Severity.WARNING,
                f"the contract changed ({len(changes)} change(s)) but its version is still {new_version}",
                contract,
                **details,
            )
        )
    if _BUMPS.index(bump) >= _BUMPS.index(need):
        return out
    if counts[ChangeKind.BREAKING]:
        rule, severity, what = "MGV001", Severity.ERROR, "breaking change(s)"
        count = counts[ChangeKind.BREAKING]
    else:
        rule, severity, what = "MGV002", Severity.WARNING, "non-breaking schema change(s)"
        count = counts[ChangeKind.NON_BREAKING]
    message = f"{count} {what} need a {need} bump, version went {previous_version} → {new_version}"
    out.append(_finding(rule, severity, message, contract, **details))
    return out
