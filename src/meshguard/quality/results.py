"""Building :class:`CheckResult` objects: status from outcome + severity, location, masked samples."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from meshguard.contracts.model import Contract, SchemaObject
from meshguard.quality.masking import mask_rows
from meshguard.report.model import CheckResult, Location, Severity, Status
from meshguard.yamlio import Pointer

if TYPE_CHECKING:
    import polars as pl


@dataclass
class Table:
    """One schema object's data, ready to be checked."""

    contract: Contract
    schema: SchemaObject
    frame: pl.DataFrame
    masked: frozenset[str]
    samples: int
    sampled: bool
    source: Any = None  # the Source it came from

    @property
    def rows(self) -> int:
        return self.frame.height


def location(contract: Contract, pointer: Pointer) -> Location:
    pos = contract.lines.locate(pointer)
    return Location(
        contract.path,
        pos[0] if pos else None,
        pos[1] if pos else None,
        "/" + "/".join(str(p) for p in pointer),
    )


def severity_of(raw: str | None) -> str:
    s = (raw or "error").lower()
    return {"warn": "warning", "critical": "error", "high": "error", "low": "info"}.get(
        s, s if s in ("error", "warning", "info") else "error"
    )


def status_of(ok: bool, severity: str) -> str:
    if ok:
        return Status.PASSED
    return Status.FAILED if severity == Severity.ERROR else Status.WARNED


def sample_rows(table: Table, failing: pl.Series | Sequence[int]) -> tuple[dict[str, Any], ...]:
    """Up to ``table.samples`` failing rows (a boolean mask or row indexes), masked."""
    import polars as pl

    if table.samples <= 0:
        return ()
    if isinstance(failing, pl.Series):
        rows = table.frame.filter(failing.fill_null(False)).head(table.samples)
    else:
        idx = [int(i) for i in list(failing)[: table.samples]]
        rows = table.frame[idx] if idx else table.frame.head(0)
    try:
        dicts = rows.to_dicts()
    except (OverflowError, ValueError):  # a date beyond Python's range (year > 9999): shown as text
        temporal = [c for c, t in rows.schema.items() if t.is_temporal()]
        dicts = rows.with_columns(pl.col(temporal).cast(pl.String)).to_dicts()
    return mask_rows(dicts, table.masked)


def check(
    table: Table,
    *,
    id: str,
    name: str,
    stage: str,
    pointer: Pointer,
    dimension: str | None,
    ok: bool,
    severity: str = Severity.ERROR,
    field: str | None = None,
    measured: Any = None,
    threshold: str | None = None,
    failing: pl.Series | Sequence[int] | None = None,
    failing_rows: int | None = None,
    message: str = "",
    status: str | None = None,
    details: dict[str, Any] | None = None,
) -> CheckResult:
    """One check result; ``failing`` (mask or indexes) gives the failing count and samples."""
    import polars as pl

    samples: tuple[dict[str, Any], ...] = ()
    if failing is not None:
        if failing_rows is None:
            failing_rows = int(failing.sum()) if isinstance(failing, pl.Series) else len(failing)
        if failing_rows:
            samples = sample_rows(table, failing)
    fraction = None
    if failing_rows is not None:
        fraction = round(failing_rows / table.rows, 6) if table.rows else 0.0
    return CheckResult(
        id=id,
        name=name,
        stage=stage,
        status=status or status_of(ok, severity),
        severity=severity,
        dimension=dimension,
        message=message,
        field=field,
        schema=table.schema.name,
        location=location(table.contract, pointer),
        measured=measured,
        threshold=threshold,
        failing_rows=failing_rows,
        failing_fraction=fraction,
        samples=samples,
        sampled=table.sampled,
        details=details or {},
    )
