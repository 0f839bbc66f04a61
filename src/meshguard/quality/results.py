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


#: columns a streamed table carries for the checks only (rows whose value did not parse)
HIDDEN = "__bad__"


@dataclass
class Table:
    """One schema object's data, ready to be checked.

    ``frame`` is a ``DataFrame`` in memory, or a ``LazyFrame`` for a file too large
    to load (see :mod:`meshguard.quality.streaming`): checks written against
    :meth:`count`, :meth:`scalars` and :meth:`rows_where` run on either, the
    lazy ones as aggregations in polars' streaming engine.
    """

    contract: Contract
    schema: SchemaObject
    frame: pl.DataFrame | pl.LazyFrame
    masked: frozenset[str]
    samples: int
    sampled: bool
    source: Any = None  # the Source it came from
    row_count: int | None = None  # a streamed table's number of rows

    @property
    def streaming(self) -> bool:
        import polars as pl

        return isinstance(self.frame, pl.LazyFrame)

    @property
    def eager(self) -> pl.DataFrame:
        """The in-memory frame (only for checks that cannot stream)."""
        import polars as pl

        assert isinstance(self.frame, pl.DataFrame), "this check needs the data in memory"
        return self.frame

    @property
    def columns(self) -> list[str]:
        return [c for c in self.frame.collect_schema().names() if not c.startswith(HIDDEN)]

    def dtype(self, column: str) -> pl.DataType:
        return self.frame.collect_schema()[column]

    @property
    def rows(self) -> int:
        import polars as pl

        if isinstance(self.frame, pl.DataFrame):
            return self.frame.height
        if self.row_count is None:
            self.row_count = int(self.scalars(pl.len())[0])
        return self.row_count

    def scalars(self, *exprs: pl.Expr) -> tuple[Any, ...]:
        """Aggregations over all rows, in one pass (streaming for a lazy frame)."""
        import polars as pl

        if isinstance(self.frame, pl.DataFrame):
            return tuple(self.frame.select(exprs).row(0))
        return tuple(self.frame.select(exprs).collect(engine="streaming").row(0))

    def count(self, mask: pl.Expr) -> int:
        """Rows where the boolean expression ``mask`` is true."""
        return int(self.scalars(mask.fill_null(False).sum())[0] or 0)

    def select(self, columns: list[str]) -> pl.DataFrame:
        """These columns of every row, in memory."""
        import polars as pl

        picked = self.frame.select(columns)
        return picked.collect(engine="streaming") if isinstance(picked, pl.LazyFrame) else picked

    def rows_where(self, mask: pl.Expr, n: int) -> pl.DataFrame:
        """The first ``n`` rows (in data order) where ``mask`` is true, data columns only."""
        import polars as pl

        picked = self.frame.filter(mask.fill_null(False)).select(self.columns).head(n)
        return picked.collect(engine="streaming") if isinstance(picked, pl.LazyFrame) else picked


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


def sample_rows(table: Table, failing: pl.Series | Sequence[int] | pl.Expr) -> tuple[dict[str, Any], ...]:
    """Up to ``table.samples`` failing rows (a boolean mask or expression, or row indexes), masked."""
    import polars as pl

    if table.samples <= 0:
        return ()
    if isinstance(failing, pl.Expr):
        rows = table.rows_where(failing, table.samples)
    elif isinstance(failing, pl.Series):
        rows = table.eager.filter(failing.fill_null(False)).head(table.samples)
    else:
        idx = [int(i) for i in list(failing)[: table.samples]]
        rows = table.eager[idx] if idx else table.eager.head(0)
    return mask_rows(rows.to_dicts(), table.masked)


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
    failing: pl.Series | Sequence[int] | pl.Expr | None = None,
    failing_rows: int | None = None,
    message: str = "",
    status: str | None = None,
    details: dict[str, Any] | None = None,
) -> CheckResult:
    """One check result; ``failing`` (mask or indexes) gives the failing count and samples."""
    import polars as pl

    samples: tuple[dict[str, Any], ...] = ()
    if failing is not None:
        if failing_rows is None and isinstance(failing, pl.Expr):
            failing_rows = table.count(failing)
        elif failing_rows is None and isinstance(failing, pl.Series):
            failing_rows = int(failing.sum())
        elif failing_rows is None and not isinstance(failing, pl.Expr):
            failing_rows = len(failing)
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
