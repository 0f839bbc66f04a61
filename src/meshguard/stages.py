"""The typed data that flows between pipeline stages (DESIGN.md §1).

contract → data → quality → policy → results → reports. Each stage takes
these plain dataclasses and returns them; nothing flows backwards.

:class:`RunOptions` is what the command line or the API asks of a run. The
pipeline splits it once into one narrow context per stage
(:class:`VersioningContext`, :class:`QualityContext`, :class:`PolicyContext`):
a stage sees only what it uses, never the whole options object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from meshguard.progress import Listener
from meshguard.results.model import Change, CheckResult, Finding


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RunOptions:
    """What the user asked for on the command line (config holds the repo's defaults)."""

    mode: str = "ci"  # "pre-commit" | "ci" | "council"
    with_data: bool = True
    with_policy: bool = True
    with_versioning: bool = True
    engine: str | None = None  # overrides config.engine.kind
    opa_url: str | None = None
    push_policies: bool | None = None
    policies: Path | None = None  # overrides config.policies
    base_ref: str | None = None
    perspective: str = "consumer"
    sample_rows: int | None = None
    sample_fraction: float | None = None
    server: str | None = None
    jobs: int = 1
    fail_on: str | None = None
    now: datetime = field(default_factory=utcnow)
    #: "now" for SLA checks (``--as-of``); None: ``data.as_of`` of the config, else ``now``
    as_of: datetime | None = None
    #: append one JSON line per policy decision to this file (``decision_log`` in meshguard.yaml)
    decision_log: Path | None = None
    #: the run's id (set by the pipeline), recorded in the decision log
    run_id: str | None = None
    #: called as progress(done, total) after each product (the text reporter's bar)
    progress: Callable[[int, int], None] | None = field(default=None, compare=False)
    #: called with each :class:`meshguard.progress.Step` a product reaches (reading a table,
    #: checking it, policy…), also from ``jobs`` worker processes: a long product's progress
    steps: Listener | None = field(default=None, compare=False)


@dataclass(frozen=True)
class VersioningContext:
    """What the versioning stage needs of a run, and nothing else.

    Equal contexts share the git answers memoised for a run (``run_id`` tells runs apart).
    """

    enabled: bool = True
    base_ref: str | None = None
    mode: str = "ci"
    perspective: str = "consumer"
    run_id: str | None = None

    @classmethod
    def of(cls, options: RunOptions) -> VersioningContext:
        return cls(
            options.with_versioning, options.base_ref, options.mode, options.perspective, options.run_id
        )


@dataclass(frozen=True)
class QualityContext:
    """What the data + quality stage needs of a run, and nothing else."""

    now: datetime = field(default_factory=utcnow)
    #: "now" for SLA checks; None: ``data.as_of`` of the config, else ``now``
    as_of: datetime | None = None
    sample_rows: int | None = None
    sample_fraction: float | None = None
    #: the server entry to read (``--server``); None: the configured sample, else the first supported
    server: str | None = None
    #: compute the column profile (``input.data``): only policies read it
    profile: bool = True

    @classmethod
    def of(cls, options: RunOptions) -> QualityContext:
        return cls(
            options.now,
            options.as_of,
            options.sample_rows,
            options.sample_fraction,
            options.server,
            profile=options.with_policy,
        )


@dataclass(frozen=True)
class PolicyContext:
    """What the policy stage and its engines need of a run, and nothing else."""

    mode: str = "ci"
    now: datetime = field(default_factory=utcnow)
    engine: str | None = None  # overrides config.engine.kind
    opa_url: str | None = None
    push_policies: bool | None = None
    policies: Path | None = None  # overrides config.policies
    decision_log: Path | None = None
    run_id: str | None = None

    @classmethod
    def of(cls, options: RunOptions) -> PolicyContext:
        return cls(
            options.mode,
            options.now,
            options.engine,
            options.opa_url,
            options.push_policies,
            options.policies,
            options.decision_log,
            options.run_id,
        )


@dataclass
class QualityOutcome:
    """What the data + quality stage found for one product."""

    checks: list[CheckResult] = field(default_factory=list)
    #: exactly ``input.data`` of the policy input document (DESIGN.md §5), or None
    data: dict[str, Any] | None = None
    source: str | None = None
    rows: int | None = None
    sampled: bool = False
    errors: list[str] = field(default_factory=list)


@dataclass
class VersionInfo:
    """What the versioning stage found: the changes against the previous version."""

    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # semver enforcement
    previous: dict[str, Any] | None = None
    previous_version: str | None = None
    previous_path: str | None = None


@dataclass
class PolicyOutcome:
    """What the policy stage decided for one product."""

    checks: list[CheckResult] = field(default_factory=list)  # one per rule evaluated
    findings: list[Finding] = field(default_factory=list)  # one per violation (maybe waived)
    #: sha256 of the policy input document the decisions were made on (audit trail)
    input_hash: str | None = None
