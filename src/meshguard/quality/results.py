"""Building :class:`CheckResult` objects: status from outcome + severity, location, masked samples."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from meshguard.contracts.model import Contract, SchemaObject
from meshguard.quality.masking import mask_rows
from meshguard.results.model import CheckResult, Location, Severity, Status
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
    # what a run of checks keeps on the table as it goes (never compared, shown or passed in)
    #: (the frame, its data column names): :attr:`columns`, computed once per frame
    _columns: tuple[Any, list[str]] | None = field(default=None, init=False, repr=False, compare=False)
    #: masks :meth:`count` will be asked later, for the streamed pass to count (:meth:`plan_counts`)
    _planned: list[pl.Expr] = field(default_factory=list, init=False, repr=False, compare=False)
    #: a planned mask's serialised expression → its count (:meth:`counted`)
    _counts: dict[bytes, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: check id → failing-row mask whose samples are fetched late, in one pass (:meth:`failing_samples`)
    _late: dict[str, pl.Expr] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: a mask's id → (the mask, its twin the Parquet reader can skip row groups by): meshguard.quality.prunable
    twins: dict[int, tuple[pl.Expr, pl.Expr]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    #: uniqueness keys → their duplicates (or the failure), found ahead: meshguard.quality.keysahead
    keys_found: dict[tuple[str, ...], Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    #: the engine runs SQL quality rules itself (:meth:`run_sql`); else DuckDB runs them over the frame
    pushes_sql: ClassVar[bool] = False

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
        """The data's column names (asked by most checks: computed once per frame)."""
        frame = self.frame
        kept = self._columns
        if kept is None or kept[0] is not frame:
            kept = (frame, [c for c in frame.collect_schema().names() if not c.startswith(HIDDEN)])
            self._columns = kept
        return list(kept[1])

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
        """Rows where the boolean expression ``mask`` is true (counted already when planned)."""
        key = _key(mask) if self._counts else None
        n = self._counts.get(key) if key is not None else None
        if n is not None:
            return int(n)
        return int(self.scalars(mask.fill_null(False).sum())[0] or 0)

    def plan_counts(self, masks: Sequence[pl.Expr]) -> None:
        """Masks :meth:`count` will be asked later: a streamed table counts them in the pass
        that counts its value checks (:func:`meshguard.quality.streaming.streamed_failures`)."""
        import polars as pl

        if isinstance(self.frame, pl.LazyFrame) and masks:
            self._planned = list(masks)

    def planned_counts(self) -> list[pl.Expr]:
        """The masks planned (once: whoever takes them counts them and gives :meth:`counted`)."""
        planned, self._planned = self._planned, []
        return planned

    def counted(self, masks: Sequence[pl.Expr], counts: Sequence[Any]) -> None:
        """The counts of planned masks, for :meth:`count`."""
        for mask, n in zip(masks, counts, strict=True):
            key = _key(mask)
            if key is not None:
                self._counts[key] = int(n or 0)

    # Checks that need more than a mask: in polars here, pushed down by other engines'
    # tables (meshguard.quality.spark.SparkTable overrides them).

    def extreme(self, column: str, which: str) -> Any:
        """The ``max`` or ``min`` of a column."""
        import polars as pl

        return self.scalars(pl.col(column).max() if which == "max" else pl.col(column).min())[0]

    def latency(self, start: str, end: str, limit_s: float) -> tuple[Any, int, Any]:
        """(largest ``end - start`` in seconds, rows over ``limit_s``, their mask)."""
        import polars as pl

        delay = (pl.col(end) - pl.col(start)).dt.total_seconds()
        late = delay > limit_s
        worst, n_late = self.scalars(delay.max().alias("worst"), late.fill_null(False).sum().alias("late"))
        return worst, int(n_late or 0), late

    def orphans(self, columns: list[str], keys: pl.DataFrame) -> tuple[int, Any]:
        """(rows whose non-null ``columns`` are not among ``keys``, their mask)."""
        import polars as pl

        key = pl.struct(columns) if len(columns) > 1 else pl.col(columns[0])
        known = keys.select(key.alias("k")).get_column("k")
        orphan = pl.all_horizontal(pl.col(columns).is_not_null()) & ~key.is_in(known.implode())
        return self.count(orphan), orphan

    def duplicates(self, columns: list[str], *, skip_nulls: bool) -> Any:
        """:class:`meshguard.quality.duplicates.Duplicates` over ``columns``."""
        from meshguard.quality.duplicates import duplicates

        return duplicates(self, columns, skip_nulls=skip_nulls)

    def value_failures(self, *args: Any) -> Any:
        """The schema's value checks counted on a streamed table (see meshguard.quality.streaming)."""
        from meshguard.quality.streaming import streamed_failures

        return streamed_failures(self, *args)

    def metric(self, metric: str, column: str, rule: Any) -> Any:
        """The failing-row mask of a library metric, when this engine computes it itself."""
        return None

    def run_sql(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows of one read-only SELECT run by this table's engine (when ``pushes_sql``)."""
        raise NotImplementedError("this engine does not run SQL itself")

    def select(self, columns: list[str]) -> pl.DataFrame:
        """These columns of every row, in memory."""
        import polars as pl

        picked = self.frame.select(columns)
        return picked.collect(engine="streaming") if isinstance(picked, pl.LazyFrame) else picked

    def failing_samples(self, check_id: str, failing: Any) -> tuple[dict[str, Any], ...]:
        """The masked failing rows shown with a check. An engine may fetch them later, every
        check's in one go (:meth:`pending_samples`), and answer none now: a streamed table
        does (one pass over the file instead of one per failed check)."""
        import polars as pl

        if self.samples > 0 and isinstance(failing, pl.Expr) and isinstance(self.frame, pl.LazyFrame):
            self._late[check_id] = failing
            return ()
        return sample_rows(self, failing)

    def pending_samples(self) -> dict[str, tuple[dict[str, Any], ...]]:
        """check id → the masked failing rows fetched late (see :func:`with_samples`)."""
        late, self._late = self._late, {}
        if not late:
            return {}
        from meshguard.quality.load import read_error, unreadable
        from meshguard.quality.samples import first_rows

        try:
            found = first_rows(self, late, self.samples)
        except unreadable() as exc:  # the file went bad since it was checked
            raise ValueError(str(read_error(self.contract, self.source, exc))) from None
        return {sid: samples_of(rows, self.masked) for sid, rows in found.items()}

    def rows_where(self, mask: pl.Expr, n: int) -> pl.DataFrame:
        """The first ``n`` rows (in data order) where ``mask`` is true, data columns only."""
        import polars as pl

        picked = self.frame.filter(mask.fill_null(False)).select(self.columns).head(n)
        return picked.collect(engine="streaming") if isinstance(picked, pl.LazyFrame) else picked


def _key(mask: pl.Expr) -> bytes | None:
    """An expression as its serialised plan: equal for the same mask built twice."""
    import polars as pl

    try:
        return mask.meta.serialize()
    except (pl.exceptions.PolarsError, TypeError, ValueError):  # e.g. a Python function inside
        return None


#: pointer → its JSON-pointer text (a mesh's contracts repeat a few hundred pointers)
_POINTERS: dict[Pointer, str] = {}


def location(contract: Contract, pointer: Pointer) -> Location:
    pos = contract.lines.locate(pointer)
    shown = _POINTERS.get(pointer)
    if shown is None:
        shown = "/" + "/".join(str(p) for p in pointer)
        if len(_POINTERS) < 4096:
            _POINTERS[pointer] = shown
    return Location(contract.path, pos[0] if pos else None, pos[1] if pos else None, shown)


def severity_of(raw: object) -> str:
    """A rule's ``severity`` as meshguard's three; anything else (not text: a mapping, a
    number) an error, as an unknown word is."""
    s = raw.lower() if isinstance(raw, str) and raw else "error"
    return {"warn": "warning", "critical": "error", "high": "error", "low": "info"}.get(
        s, s if s in ("error", "warning", "info") else "error"
    )


def status_of(ok: bool, severity: str) -> str:
    if ok:
        return Status.PASSED
    return Status.FAILED if severity == Severity.ERROR else Status.WARNED


def sample_rows(table: Table, failing: Any) -> tuple[dict[str, Any], ...]:
    """Up to ``table.samples`` failing rows (a boolean mask or expression, or row indexes), masked."""
    import polars as pl

    if table.samples <= 0:
        return ()
    if isinstance(failing, pl.Series):
        rows = table.eager.filter(failing.fill_null(False)).head(table.samples)
    elif isinstance(failing, (list, tuple)):
        idx = [int(i) for i in list(failing)[: table.samples]]
        rows = table.eager[idx] if idx else table.eager.head(0)
    else:  # an expression of the table's engine
        rows = table.rows_where(failing, table.samples)
    return samples_of(rows, table.masked)


def samples_of(rows: pl.DataFrame, masked: Collection[str]) -> tuple[dict[str, Any], ...]:
    """Failing rows as JSON-ready samples, every guarded column masked."""
    import polars as pl

    try:
        dicts = rows.to_dicts()
    except (OverflowError, ValueError):  # a date beyond Python's range (year > 9999): shown as text
        temporal = [c for c, t in rows.schema.items() if t.is_temporal()]
        dicts = rows.with_columns(pl.col(temporal).cast(pl.String)).to_dicts()
    return mask_rows(dicts, masked)


def with_samples(checks: list[CheckResult], tables: Iterable[Table]) -> list[CheckResult]:
    """``checks`` with the samples their tables fetched late (all of a table's at once)."""
    late: dict[tuple[str, str], tuple[dict[str, Any], ...]] = {}
    for table in tables:
        for check_id, samples in table.pending_samples().items():
            late[(table.schema.name, check_id)] = samples
    if not late:
        return checks
    return [
        replace(c, samples=late[(c.schema or "", c.id)]) if (c.schema or "", c.id) in late else c
        for c in checks
    ]


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
    failing: Any = None,  # a mask (Series), row indexes, or a mask expression of the engine
    failing_rows: int | None = None,
    message: str = "",
    status: str | None = None,
    details: dict[str, Any] | None = None,
) -> CheckResult:
    """One check result; ``failing`` (mask or indexes) gives the failing count and samples."""
    import polars as pl

    samples: tuple[dict[str, Any], ...] = ()
    if failing is not None:
        if failing_rows is None and isinstance(failing, pl.Series):
            failing_rows = int(failing.sum())
        elif failing_rows is None and isinstance(failing, (list, tuple)):
            failing_rows = len(failing)
        elif failing_rows is None:
            failing_rows = table.count(failing)
        if failing_rows:
            samples = table.failing_samples(id, failing)
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
