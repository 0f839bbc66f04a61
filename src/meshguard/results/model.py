"""The results model: plain typed data, rendered by reporters that never compute.

``Finding`` (a rule violation from lint, policy or versioning) and
``CheckResult`` (one executed check: a quality rule, a schema check, a policy
rule) roll up into ``ProductResult`` and then ``MeshResult``. ``to_dict()``
gives the documented JSON form (docs/results.md).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields, is_dataclass
from dataclasses import field as dc_field
from enum import StrEnum
from functools import cache
from typing import Any

SCHEMA_VERSION = "2.0"


class Status(StrEnum):
    PASSED = "passed"
    WARNED = "warned"
    FAILED = "failed"
    ERRORED = "errored"
    WAIVED = "waived"
    UNSUPPORTED = "unsupported"
    INFO = "info"
    #: a rule whose scope (``applies_to`` in its METADATA) does not cover the product
    NOT_APPLICABLE = "not_applicable"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Stage(StrEnum):
    LINT = "lint"
    SCHEMA = "schema"
    QUALITY = "quality"
    SLA = "sla"
    RELATIONSHIP = "relationship"
    POLICY = "policy"
    VERSIONING = "versioning"


#: which score dimension each stage feeds
STAGE_DIMENSION: dict[str, str] = {
    "lint": "contract",
    "schema": "schema",
    "quality": "quality",
    "sla": "quality",
    "relationship": "quality",
    "policy": "compliance",
    "versioning": "versioning",
}


@dataclass(frozen=True)
class Location:
    """Where a finding points: a file, a line and column, a JSON pointer."""

    path: str
    line: int | None = None
    column: int | None = None
    pointer: str = ""

    def __str__(self) -> str:
        out = self.path
        if self.line is not None:
            out += f":{self.line}"
            if self.column is not None:
                out += f":{self.column}"
        return out


@dataclass(frozen=True)
class Waiver:
    """An approved, expiring exception to one policy for one product."""

    policy: str
    product: str
    reason: str
    approved_by: str
    expires: str
    field: str | None = None
    source_line: int | None = None


@dataclass(frozen=True)
class Finding:
    """One problem found by a stage (lint, versioning, quality, policy), maybe waived."""

    rule_id: str
    stage: str
    severity: str
    message: str
    status: str = Status.FAILED
    location: Location | None = None
    field: str | None = None
    title: str | None = None
    description: str | None = None
    regulation: str | None = None
    remediation: str | None = None
    waiver: Waiver | None = None
    details: dict[str, Any] = dc_field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return self.status == Status.FAILED and self.severity == Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _plain(self)
        return out


@dataclass(frozen=True)
class CheckResult:
    """One check run on a product, and its outcome."""

    id: str
    name: str
    stage: str
    status: str
    severity: str = Severity.ERROR
    dimension: str | None = None
    message: str = ""
    field: str | None = None
    schema: str | None = None
    location: Location | None = None
    measured: Any = None
    threshold: str | None = None
    failing_rows: int | None = None
    failing_fraction: float | None = None
    samples: tuple[dict[str, Any], ...] = ()
    sampled: bool = False
    title: str | None = None
    description: str | None = None
    regulation: str | None = None
    remediation: str | None = None
    details: dict[str, Any] = dc_field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return self.status in (Status.FAILED, Status.ERRORED) and self.severity == Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _plain(self)
        out["samples"] = [dict(s) for s in self.samples]
        return out


class ChangeKind(StrEnum):
    BREAKING = "breaking"
    NON_BREAKING = "non-breaking"
    INFORMATIONAL = "informational"


#: change class → (severity, the smallest semver bump it needs); docs/versioning.md
CHANGE_SEVERITY: dict[str, tuple[str, str]] = {
    ChangeKind.BREAKING: (Severity.ERROR, "major"),
    ChangeKind.NON_BREAKING: (Severity.WARNING, "minor"),
    ChangeKind.INFORMATIONAL: (Severity.INFO, "patch"),
}


@dataclass(frozen=True)
class Change:
    """One classified difference between two versions of a contract.

    ``path`` is a JSON pointer into the new document (into the old one for a
    removed element); ``line`` is the line in the new file; ``field`` is
    ``schema.property`` when the change concerns one property.
    """

    rule_id: str
    kind: str  # breaking | non-breaking | informational
    path: str
    message: str
    line: int | None = None
    old: Any = None
    new: Any = None
    field: str | None = None

    @property
    def severity(self) -> str:
        return CHANGE_SEVERITY.get(self.kind, (Severity.INFO, "patch"))[0]

    @property
    def bump(self) -> str:
        return CHANGE_SEVERITY.get(self.kind, (Severity.INFO, "patch"))[1]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _plain(self)
        out["severity"] = str(self.severity)
        out["bump"] = self.bump
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Change:
        """Inverse of :meth:`to_dict` (the derived ``severity`` and ``bump`` are dropped)."""
        return cls(**{k: v for k, v in raw.items() if k not in ("severity", "bump")})


@dataclass(frozen=True)
class DimensionScore:
    """A product's score on one dimension (quality, compliance, …)."""

    name: str
    score: float
    weight: float
    passed: int
    total: int


@dataclass
class ProductResult:
    """Everything a run found for one data product."""

    id: str
    name: str
    domain: str | None
    owner: str | None
    version: str
    status: str | None
    contract_path: str
    verdict: str = "pass"  # pass | warn | fail | error
    score: float = 100.0
    dimensions: list[DimensionScore] = dc_field(default_factory=list)
    checks: list[CheckResult] = dc_field(default_factory=list)
    findings: list[Finding] = dc_field(default_factory=list)
    changes: list[Change] = dc_field(default_factory=list)
    waivers: list[Waiver] = dc_field(default_factory=list)
    timings: dict[str, float] = dc_field(default_factory=dict)
    data_source: str | None = None
    rows: int | None = None
    sampled: bool = False
    support: list[dict[str, Any]] = dc_field(default_factory=list)
    previous_version: str | None = None
    errors: list[str] = dc_field(default_factory=list)
    #: sha256 of the policy input document (contract + data profile + changes) the decisions saw
    input_hash: str | None = None
    #: what the product holds, for the council: fields (type, sensitivity, purpose, retention, line),
    #: contacts, purpose, lawful basis, retention, sensitivity categories
    catalogue: dict[str, Any] = dc_field(default_factory=dict)
    #: the freshness SLA's measurement (element, age_hours, status), when data was read
    freshness: dict[str, Any] | None = None
    #: the weighted dimension score before the cap that keeps a failing product under the pass line
    score_uncapped: float | None = None
    #: regulation → pass | warn | fail | waived | n/a for this product
    regulations: dict[str, str] = dc_field(default_factory=dict)
    #: why the verdict: open problems grouped by regulation, worst first
    reasons: list[dict[str, Any]] = dc_field(default_factory=list)
    #: against the previous recorded run: its version, verdict, score; new and fixed problems
    since_previous: dict[str, Any] | None = None

    def to_dict(self, *, objects: bool = False) -> dict[str, Any]:
        """The documented JSON form. ``objects=True`` leaves the checks and findings as they are
        (dataclasses, for an encoder that writes one as its fields in order, which is what their
        ``to_dict`` gives: the JSON reporter's orjson, without building the dicts first)."""
        return {
            "id": self.id,
            "name": self.name,
            "domain": self.domain,
            "owner": self.owner,
            "version": self.version,
            "status": self.status,
            "contract_path": self.contract_path,
            "verdict": self.verdict,
            "score": self.score,
            "dimensions": [_plain(d) for d in self.dimensions],
            "checks": list(self.checks) if objects else [c.to_dict() for c in self.checks],
            "findings": list(self.findings) if objects else [f.to_dict() for f in self.findings],
            "changes": [c.to_dict() for c in self.changes],
            "waivers": [_plain(w) for w in self.waivers],
            "timings": dict(self.timings),
            "data_source": self.data_source,
            "rows": self.rows,
            "sampled": self.sampled,
            "support": list(self.support),
            "previous_version": self.previous_version,
            "errors": list(self.errors),
            "input_hash": self.input_hash,
            "catalogue": dict(self.catalogue),
            "freshness": self.freshness,
            "score_uncapped": self.score_uncapped,
            "regulations": dict(self.regulations),
            "reasons": [dict(r) for r in self.reasons],
            "since_previous": self.since_previous,
        }


@dataclass
class MeshResult:
    """A whole run: every product's result, scores, verdicts and summaries."""

    run_id: str
    timestamp: str
    meshguard_version: str
    engine: str
    mode: str = "ci"
    git_commit: str | None = None
    policy_bundle_hash: str | None = None
    products: list[ProductResult] = dc_field(default_factory=list)
    findings: list[Finding] = dc_field(default_factory=list)  # mesh-level: stale/expired waivers...
    summary: dict[str, Any] = dc_field(default_factory=dict)
    domains: dict[str, dict[str, Any]] = dc_field(default_factory=dict)
    regulations: dict[str, dict[str, Any]] = dc_field(default_factory=dict)
    #: regulation → article → rule → product → state: the compliance evidence (one row per rule)
    matrix: list[dict[str, Any]] = dc_field(default_factory=list)
    #: new failures, fixes and verdict changes against the previous recorded run
    since_previous: dict[str, Any] | None = None
    schema_version: str = SCHEMA_VERSION
    #: the command whose outcome this is (check, lint, test, diff, policy eval, policy test):
    #: every command's result is this one model, rendered by the same reporters
    command: str = "check"

    def to_dict(self, *, with_products: bool = True) -> dict[str, Any]:
        """The documented JSON form; ``with_products=False`` leaves the products out (a reporter
        that renders them one at a time never holds the whole tree)."""
        out = {
            "schema_version": self.schema_version,
            "command": self.command,
            "run_id": self.run_id,
            "timestamp": self.timestamp,
            "meshguard_version": self.meshguard_version,
            "engine": self.engine,
            "mode": self.mode,
            "git_commit": self.git_commit,
            "policy_bundle_hash": self.policy_bundle_hash,
            "summary": dict(self.summary),
            "domains": {k: dict(v) for k, v in self.domains.items()},
            "regulations": {k: dict(v) for k, v in self.regulations.items()},
            "matrix": [dict(r) for r in self.matrix],
            "since_previous": self.since_previous,
            "findings": [f.to_dict() for f in self.findings],
        }
        if with_products:
            out["products"] = [p.to_dict() for p in self.products]
        return out


_SCALARS = frozenset({str, int, float, bool, type(None)})


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _plain(value: Any) -> Any:
    """A dataclass (or a value inside one) → JSON-ready data: what ``asdict`` gives, with enums as
    str and tuples as lists; new dicts and lists throughout, without ``asdict``'s deep copies of
    every string (the JSON of a large mesh spent most of its time there). Scalars, most of the
    values, are taken as they are without a call (a 10,000-product JSON report makes millions)."""
    kind: Any = type(value)
    if kind in _SCALARS:
        return value
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, dict):
        return {k: v if type(v) in _SCALARS else _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [v if type(v) in _SCALARS else _plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        out = {}
        for name in _field_names(kind):
            v = getattr(value, name)
            out[name] = v if type(v) in _SCALARS else _plain(v)
        return out
    return copy.deepcopy(value)
