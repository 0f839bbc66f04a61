"""Presentation helpers shared by reporters: pick and word what to show, never score."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from meshguard.results.model import CheckResult, Finding, Location, ProductResult, Severity, Status

SHOWN_CHECK_STATUSES = frozenset({Status.FAILED, Status.ERRORED, Status.WARNED, Status.UNSUPPORTED})


@dataclass(frozen=True)
class Item:
    """One thing worth reporting: a non-passing check or a finding, worded the same everywhere."""

    kind: str  # "check" | "finding"
    rule_id: str
    title: str
    stage: str
    severity: str
    status: str
    message: str
    location: Location | None
    field: str | None
    regulation: str | None
    remediation: str | None
    description: str | None

    @property
    def level(self) -> str:
        """error | warning | note | none: how loudly to show it."""
        if self.status in (Status.WAIVED, Status.PASSED, Status.INFO, Status.UNSUPPORTED):
            return "note" if self.status == Status.UNSUPPORTED else "none"
        if self.status == Status.WARNED or self.severity == Severity.WARNING:
            return "warning"
        if self.severity == Severity.INFO:
            return "note"
        return "error"


def check_item(c: CheckResult, product: ProductResult) -> Item:
    return Item(
        kind="check",
        rule_id=c.id,
        title=c.title or c.name,
        stage=str(c.stage),
        severity=str(c.severity),
        status=str(c.status),
        message=c.message or c.title or c.name,
        location=c.location or Location(product.contract_path),
        field=c.field,
        regulation=c.regulation,
        remediation=c.remediation,
        description=c.description,
    )


def finding_item(f: Finding, product: ProductResult | None) -> Item:
    fallback = Location(product.contract_path) if product else None
    return Item(
        kind="finding",
        rule_id=f.rule_id,
        title=f.title or f.rule_id,
        stage=str(f.stage),
        severity=str(f.severity),
        status=str(f.status),
        message=f.message,
        location=f.location or fallback,
        field=f.field,
        regulation=f.regulation,
        remediation=f.remediation,
        description=f.description,
    )


def items(product: ProductResult, *, include_waived: bool = True) -> Iterator[Item]:
    """Findings first (they carry the detail), then checks that did not pass and have no finding."""
    finding_ids = {f.rule_id for f in product.findings}
    for f in product.findings:
        if include_waived or f.status != Status.WAIVED:
            yield finding_item(f, product)
    for c in product.checks:
        if c.status in SHOWN_CHECK_STATUSES and c.id not in finding_ids:
            yield check_item(c, product)


def where(loc: Location | None) -> str:
    return str(loc) if loc else ""


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"
