"""Semver enforcement, in-process: for a previous version, a new one and the classified changes,
exactly the findings docs/versioning.md promises (rule, severity, message, details, location)."""

from __future__ import annotations

from typing import Any

import pytest

from meshguard.results.model import Change
from meshguard.versioning.rules import SEMVER_RULES
from meshguard.versioning.semver import bump_of, enforce, required_bump
from versioning_helpers import base_doc, contract

B = Change("MGV110", "breaking", "/schema/0/properties/1", "property removed")
N = Change("MGV111", "non-breaking", "/schema/0/properties/9", "optional property added")
I = Change("MGV181", "informational", "/description", "description changed")  # noqa: E741


def enforced(previous: str, new: str, changes: list[Change]) -> list[tuple[str, str, str, dict[str, Any]]]:
    doc = base_doc()
    doc["version"] = new
    return [
        (f.rule_id, str(f.severity), f.message, f.details) for f in enforce(previous, contract(doc), changes)
    ]


def details(rule: str, previous: str, bump: str, required: str) -> dict[str, Any]:
    return {"rule": rule, "previous_version": previous, "bump": bump, "required": required}


@pytest.mark.parametrize(
    ("previous", "new", "changes", "expected"),
    [
        (
            "1.1.0",
            "1.1.0",
            [B, B, N],
            [
                (
                    "MGV003",
                    "warning",
                    "the contract changed (3 change(s)) but its version is still 1.1.0",
                    details("version-unchanged", "1.1.0", "none", "major"),
                ),
                (
                    "MGV001",
                    "error",
                    "2 breaking change(s) need a major bump, version went 1.1.0 → 1.1.0",
                    details("breaking-change-without-major-bump", "1.1.0", "none", "major"),
                ),
            ],
        ),
        (
            "1.1.0",
            "1.2.0",
            [B, N],
            [
                (
                    "MGV001",
                    "error",
                    "1 breaking change(s) need a major bump, version went 1.1.0 → 1.2.0",
                    details("breaking-change-without-major-bump", "1.1.0", "minor", "major"),
                )
            ],
        ),
        (
            "1.1.0",
            "1.1.1",
            [N, N, I],
            [
                (
                    "MGV002",
                    "warning",
                    "2 non-breaking schema change(s) need a minor bump, version went 1.1.0 → 1.1.1",
                    details("schema-change-without-minor-bump", "1.1.0", "patch", "minor"),
                )
            ],
        ),
        (
            "0.3.0",
            "0.3.1",
            [B],
            [
                (
                    "MGV001",
                    "error",
                    "1 breaking change(s) need a minor bump, version went 0.3.0 → 0.3.1",
                    details("breaking-change-without-major-bump", "0.3.0", "patch", "minor"),
                )
            ],
        ),
        (
            "0.3.0",
            "0.3.0",
            [N],
            [
                (
                    "MGV003",
                    "warning",
                    "the contract changed (1 change(s)) but its version is still 0.3.0",
                    details("version-unchanged", "0.3.0", "none", "patch"),
                ),
                (
                    "MGV002",
                    "warning",
                    "1 non-breaking schema change(s) need a patch bump, version went 0.3.0 → 0.3.0",
                    details("schema-change-without-minor-bump", "0.3.0", "none", "patch"),
                ),
            ],
        ),
        (
            "1.1.0",
            "1.1.0",
            [I],
            [
                (
                    "MGV003",
                    "warning",
                    "the contract changed (1 change(s)) but its version is still 1.1.0",
                    details("version-unchanged", "1.1.0", "none", "none"),
                )
            ],
        ),
        ("1.1.0", "1.2.0", [N], []),  # the bump needed, exactly
        ("1.1.0", "2.0.0", [N], []),  # more than needed
        ("0.3.0", "0.4.0", [B], []),
        ("1.1.0", "1.1.1", [I], []),
        ("1.1.0", "1.1.0", [], []),
        (
            "1.1.0",
            "1.0.9",
            [],
            [
                (
                    "MGV004",
                    "error",
                    "version went backwards: 1.1.0 → 1.0.9",
                    {"rule": "version-went-backwards", "previous_version": "1.1.0"},
                )
            ],
        ),
        (
            "one",
            "1.0.0",
            [B],
            [
                (
                    "MGV005",
                    "warning",
                    "version 'one' is not a semantic version: cannot check the bump",
                    {"rule": "version-not-semver", "previous_version": "one"},
                )
            ],
        ),
        (
            "1.0.0",
            "two",
            [B],
            [
                (
                    "MGV005",
                    "warning",
                    "version 'two' is not a semantic version: cannot check the bump",
                    {"rule": "version-not-semver", "previous_version": "1.0.0"},
                )
            ],
        ),
    ],
)
def test_enforce(previous: str, new: str, changes: list[Change], expected: list[Any]) -> None:
    assert enforced(previous, new, changes) == expected


def test_findings_point_at_the_version_with_their_rule_text() -> None:
    doc = base_doc()
    doc["version"] = "1.0.0"
    c = contract(doc)
    for f in [*enforce("1.1.0", c, []), *enforce("1.0.0", c, [B])]:
        spec = SEMVER_RULES[f.rule_id]
        assert (f.stage, f.title, f.remediation) == ("versioning", spec.title, spec.remediation)
        assert f.location is not None
        assert (f.location.path, f.location.line, f.location.pointer) == ("new.odcs.yaml", 5, "/version")


@pytest.mark.parametrize(
    ("old", "new", "bump"),
    [
        ("1.2.3", "2.0.0", "major"),
        ("1.2.3", "2.2.3", "major"),
        ("1.2.3", "1.3.0", "minor"),
        ("1.2.3", "1.3.2", "minor"),
        ("1.2.3", "1.2.4", "patch"),
        ("1.2.3", "1.2.3", "none"),
        ("1.2.3+b1", "1.2.3+b2", "none"),  # build metadata does not count
        ("1.0.0-rc.1", "1.0.0", "patch"),  # only the pre-release part changed
        ("1.0.0-rc.1", "1.0.0-rc.2", "patch"),
        ("1.2.3", "1.2.2", "backwards"),
        ("2.0.0", "1.9.9", "backwards"),
        ("1.0.0", "1.0.0-rc.1", "backwards"),
        ("x", "1.0.0", None),
        ("1.0.0", "x", None),
    ],
)
def test_bump_of(old: str, new: str, bump: str | None) -> None:
    assert bump_of(old, new) == bump


@pytest.mark.parametrize(
    ("old", "changes", "need"),
    [
        ("1.0.0", [B, N, I], "major"),
        ("1.0.0", [N, I], "minor"),
        ("1.0.0", [I], "none"),
        ("1.0.0", [], "none"),
        ("0.9.0", [B], "minor"),
        ("0.9.0", [N], "patch"),
        ("0.9.0", [I], "none"),
        ("not-semver", [B], "major"),
        ("not-semver", [N], "minor"),
    ],
)
def test_required_bump(old: str, changes: list[Change], need: str) -> None:
    assert required_bump(old, changes) == need
