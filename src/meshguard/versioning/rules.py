"""The catalogue of change rules and semver rules: stable ids, names, the class of each change.

Both are :class:`meshguard.results.rules.RuleSpec` entries, the shape lint rules share.

A rule's class may depend on the perspective: a property that becomes
required is no risk to a consumer (it gets a stronger guarantee) but breaks a
producer whose data had nulls. ``consumer`` is the default perspective.
docs/versioning.md lists every rule with its rationale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from meshguard.results.model import ChangeKind, Severity
from meshguard.results.rules import RuleSpec

B, N, INFO = ChangeKind.BREAKING, ChangeKind.NON_BREAKING, ChangeKind.INFORMATIONAL
PERSPECTIVES = ("consumer", "producer")


@dataclass(frozen=True)
class ChangeRule(RuleSpec[Callable[..., Any]]):
    """A change rule: ``severity`` is its class of change for a consumer, ``producer`` the
    class for a producer when it differs."""

    producer: str | None = None

    def kind(self, perspective: str) -> str:
        return self.producer or self.severity if perspective == "producer" else self.severity


def _r(id_: str, name: str, consumer: str, title: str, producer: str | None = None) -> ChangeRule:
    return ChangeRule(id_, name, consumer, title, producer=producer)


CHANGE_RULES: dict[str, ChangeRule] = {
    r.id: r
    for r in (
        # contract
        _r("MGV100", "contract-id-changed", B, "The contract id changed"),
        _r("MGV101", "schema-removed", B, "A schema object was removed"),
        _r("MGV102", "schema-added", N, "A schema object was added"),
        _r("MGV103", "schema-renamed", B, "A schema object was renamed (same id)"),
        _r("MGV104", "schema-physical-name-changed", B, "A schema object's physicalName changed"),
        _r("MGV105", "schema-type-changed", INFO, "A schema object's logical/physical type changed"),
        # properties
        _r("MGV110", "property-removed", B, "A property was removed"),
        _r("MGV111", "optional-property-added", N, "An optional property was added"),
        _r("MGV112", "required-property-added", N, "A required property was added", producer=B),
        _r("MGV113", "property-renamed", B, "A property was renamed (same id)"),
        _r("MGV114", "property-physical-name-changed", B, "A property's physicalName changed"),
        # types
        _r("MGV120", "type-changed", B, "A property's type changed to an incompatible type"),
        _r("MGV121", "type-narrowed", B, "A property's type was narrowed"),
        _r("MGV122", "type-widened", N, "A property's type was widened"),
        _r("MGV123", "type-respelled", INFO, "A property's type is spelled differently, same type"),
        # constraints
        _r("MGV130", "required-added", N, "A property became required", producer=B),
        _r("MGV131", "required-removed", B, "A property is no longer required", producer=N),
        _r("MGV132", "unique-added", N, "A property became unique", producer=B),
        _r("MGV133", "unique-removed", B, "A property is no longer unique", producer=N),
        _r("MGV134", "primary-key-changed", B, "The primary key of a schema object changed"),
        _r("MGV140", "enum-value-removed", B, "An allowed value was removed"),
        _r("MGV141", "enum-value-added", N, "An allowed value was added"),
        _r("MGV142", "enum-introduced", B, "A list of allowed values was introduced"),
        _r("MGV143", "enum-dropped", N, "The list of allowed values was dropped"),
        _r("MGV144", "pattern-changed", B, "A pattern was added or changed"),
        _r("MGV145", "pattern-removed", N, "A pattern was removed"),
        _r("MGV146", "bounds-narrowed", B, "A bound (minimum, maximum, length, items) was narrowed"),
        _r("MGV147", "bounds-widened", N, "A bound (minimum, maximum, length, items) was widened"),
        _r("MGV148", "format-changed", B, "A format (string format, date format, timezone) changed"),
        _r("MGV149", "type-option-changed", INFO, "Another logicalTypeOptions entry changed"),
        # relationships
        _r("MGV150", "relationship-removed", B, "A relationship was removed"),
        _r("MGV151", "relationship-added", N, "A relationship was added", producer=B),
        _r("MGV152", "relationship-changed", B, "A relationship points somewhere else"),
        # quality
        _r("MGV160", "quality-rule-added", N, "A quality rule was added", producer=B),
        _r("MGV161", "quality-rule-removed", N, "A quality rule was removed"),
        _r("MGV162", "quality-rule-changed", N, "A quality rule changed"),
        # sensitivity (compliance)
        _r("MGV170", "classification-downgraded", B, "A classification was downgraded (less strict)"),
        _r("MGV171", "classification-upgraded", N, "A classification was upgraded (stricter)"),
        _r("MGV172", "sensitive-category-removed", B, "A pii/phi/pci/special category was removed"),
        _r("MGV173", "sensitive-category-added", N, "A pii/phi/pci/special category was added"),
        _r("MGV174", "classification-changed", N, "A classification changed (no known order)"),
        # service levels
        _r("MGV200", "sla-weakened", B, "A service level was weakened"),
        _r("MGV201", "sla-strengthened", N, "A service level was strengthened"),
        _r("MGV202", "sla-removed", B, "A service level was removed"),
        _r("MGV203", "sla-added", N, "A service level was added"),
        _r("MGV204", "sla-changed", N, "A service level changed (no known direction)"),
        # servers
        _r("MGV210", "server-removed", B, "A server was removed"),
        _r("MGV211", "server-added", N, "A server was added"),
        _r("MGV212", "server-changed", B, "A server's location or type changed"),
        # informational
        _r("MGV180", "tags-changed", INFO, "Tags changed"),
        _r("MGV181", "description-changed", INFO, "A description changed"),
        _r("MGV182", "examples-changed", INFO, "Examples changed"),
        _r("MGV183", "support-changed", INFO, "Support channels changed"),
        _r("MGV184", "team-changed", INFO, "The team changed"),
        _r("MGV185", "roles-changed", INFO, "Roles changed"),
        _r("MGV186", "status-changed", INFO, "The contract status changed"),
        _r("MGV189", "metadata-changed", INFO, "Other metadata changed"),
    )
}

#: semver enforcement findings (stage "versioning"); ``severity`` is the usual one
SemverRule = RuleSpec[Callable[..., Any]]
_SEMVER: tuple[SemverRule, ...] = (
    SemverRule(
        "MGV001",
        "breaking-change-without-major-bump",
        Severity.ERROR,
        "A breaking change needs a major version bump",
        "bump the major version (or revert the breaking change)",
    ),
    SemverRule(
        "MGV002",
        "schema-change-without-minor-bump",
        Severity.WARNING,
        "A non-breaking schema change needs a minor bump",
        "bump at least the minor version",
    ),
    SemverRule(
        "MGV003",
        "version-unchanged",
        Severity.WARNING,
        "The contract changed but its version did not",
        "bump the version: patch for documentation, minor for additions, major for breaking changes",
    ),
    SemverRule(
        "MGV004",
        "version-went-backwards",
        Severity.ERROR,
        "The version is lower than the previous version",
        "a new version must be higher than the previous one",
    ),
    SemverRule(
        "MGV005",
        "version-not-semver",
        Severity.WARNING,
        "A version is not a semantic version",
        "use a semantic version MAJOR.MINOR.PATCH",
    ),
    SemverRule(
        "MGV006",
        "previous-version-unreadable",
        Severity.WARNING,
        "The previous version could not be read",
    ),
)
SEMVER_RULES: dict[str, SemverRule] = {r.id: r for r in _SEMVER}
