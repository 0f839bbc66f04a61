"""The in-database quality backend: a SQL table checked where it lives, through Ibis.

The same checks as the polars path, planned by the same code (the pandera
schema, ODCS rules, SLAs, relationships); only the data work runs in the
database, and only counts and a few failing rows come back:

- pandera is the schema authority on the columns and dtypes (an empty frame of the
  table's schema goes through the same pandera schema as on the polars path);
- the value checks are pandera's Ibis checks (:mod:`meshguard.quality.indb_exprs`),
  counted together with the row count and the column profile in one aggregate;
- failing samples are ``filter(mask).limit(n)``, masked as everywhere;
- SQL rules run on the source's own server, read-only.

Why not ``pandera.ibis``'s own ``validate``: it runs one query per check (and one
per nullable column) and fetches failure cases instead of counting them, so a
table is scanned once per rule; here it is scanned once. See benchmarks/README.md.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

from meshguard.contracts.model import Contract, Property, SchemaObject
from meshguard.detectors import SAMPLE, Detection, family_of, reads_values, scan_column
from meshguard.errors import DataError
from meshguard.quality import indb_exprs as x
from meshguard.quality.duplicates import Duplicates
from meshguard.quality.masking import guarded, jsonable
from meshguard.quality.profile import EXACT_DISTINCT_ROWS, LazyProfile
from meshguard.quality.results import Table
from meshguard.quality.streaming import Streamed, plan_masks
from meshguard.quality.types import Normalised, normalise
from meshguard.sources.base import ReadOptions, Source, scrub

if TYPE_CHECKING:
    import polars as pl

#: a failing-row mask in the database: an Ibis boolean column, or a function table → failing rows
Mask = Any


class IbisSource(Protocol):
    """A source declaring ``capabilities.backend = "ibis"``."""

    product: str

    def describe(self) -> str: ...

    def ibis_table(self, table: str) -> Any:
        """The Ibis table expression of ``table`` on a read-only connection."""
        ...


class QueryError(ValueError):
    """The database could not run a check's query (the message quotes no value).

    A ValueError, so a rule that cannot run is reported as errored like on the other backends.
    """


@dataclass
class IbisTable(Table):
    t: Any = None  # the Ibis table (a sample of it, when asked)
    stats: dict[str, Any] | None = None  # the one aggregate's answer (row count, masks, profile)
    profile_exprs: dict[str, Any] = field(default_factory=dict)

    @property
    def streaming(self) -> bool:
        return True

    @property
    def rows(self) -> int:
        if self.row_count is None:
            self.counts({})
        return int(self.row_count or 0)

    def _run(self, expr: Any) -> pl.DataFrame:
        """A (small) result as polars; a database error is a :class:`QueryError`.

        The compiled SQL runs on a plain cursor: PostgreSQL plans a server-side cursor (what
        Ibis fetches through) without parallel workers, and these results are a few rows."""
        import polars as pl

        try:
            backend = self.t.get_backend()
            cursor = backend.raw_sql(backend.compile(expr))  # (DuckDB's is the connection: left open)
            rows = cursor.fetchall()
            names = [d[0] for d in cursor.description]
        except Exception as exc:  # the driver's own error types (psycopg, duckdb, sqlite3, ibis)
            raise QueryError(scrub(str(exc))) from None
        got = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
        want = expr.schema().to_polars()
        return got.with_columns([_typed(c, got.schema[c], want[c]) for c in names if c in want])

    def _one(self, expr: Any) -> dict[str, Any]:
        """The one row of an aggregate."""
        return self._run(expr).row(0, named=True)

    def _polars(self, expr: Any) -> pl.DataFrame:
        """A (small) result as polars, with the dtypes of the polars path."""
        import polars as pl

        got = self._run(expr)
        schema = self.frame.collect_schema()
        return got.with_columns([pl.col(c).cast(schema[c], strict=False) for c in got.columns if c in schema])

    def _failing(self, mask: Mask) -> Any:
        return mask(self.t) if callable(mask) else self.t.filter(mask)

    def counts(self, masks: Mapping[str, Mask]) -> dict[str, int]:
        """Every mask counted in one aggregate, with the row count and (the first time) the profile."""
        plain = {sid: m for sid, m in masks.items() if not callable(m)}
        profile = self.profile_exprs if self.stats is None else {}
        row = self._one(x.aggregate(self.t, plain, profile))
        if self.stats is None:
            self.stats = row
        self.row_count = int(row[x.ROWS] or 0)
        out = {sid: int(row[f"c{i}"] or 0) for i, sid in enumerate(plain)}
        for sid, m in masks.items():
            if callable(m):
                out[sid] = self.count(m)
        return out

    def count(self, mask: Mask) -> int:
        if callable(mask):
            return int(self._run(mask(self.t).count().as_table()).item() or 0)
        return self.counts({"m": mask})["m"]

    def rows_where(self, mask: Mask, n: int) -> pl.DataFrame:
        return self._polars(self._failing(mask).select(self.columns).limit(n))

    def select(self, columns: list[str]) -> pl.DataFrame:
        return self._polars(self.t.select(columns))

    def extreme(self, column: str, which: str) -> Any:
        col = self.t[column]
        got = self._polars(self.t.aggregate(**{column: col.max() if which == "max" else col.min()}))
        return got.item()

    def latency(self, start: str, end: str, limit_s: float) -> tuple[Any, int, Any]:
        delay = self.t[end].epoch_seconds() - self.t[start].epoch_seconds()
        late = (delay > limit_s).fill_null(False)
        row = self._one(self.t.aggregate(w=delay.max(), n=self.t.count(where=late)))
        return (None if row["w"] is None else float(row["w"])), int(row["n"] or 0), late

    def orphans(self, columns: list[str], keys: pl.DataFrame) -> tuple[int, Any]:
        import ibis

        complete = ibis.literal(True)
        for c in columns:
            complete = complete & self.t[c].notnull()
        if len(columns) == 1:
            known = keys.get_column(keys.columns[0]).drop_nulls().unique().to_list()
            orphan = complete & ~self.t[columns[0]].isin(known)
            return self.count(orphan), orphan
        raise TypeError("a composite relationship cannot be checked in the database yet")

    def duplicates(self, columns: list[str], *, skip_nulls: bool) -> Duplicates:
        summary, keys = x.duplicate_groups(self.t, columns, skip_nulls=skip_nulls)
        row = self._one(summary)
        rows = int(row["rows"] or 0)
        return Duplicates(
            rows, rows - int(row["groups"] or 0), x.duplicated_rows(keys, columns, skip_nulls=skip_nulls)
        )

    def value_failures(
        self,
        norm: Normalised,
        planned: Mapping[str, Sequence[Any]],
        builtin: Mapping[tuple[str, str], Any],
        pk: tuple[Any, list[str]] | None,
        skip: Collection[str],
    ) -> tuple[dict[str, Streamed], dict[str, str]]:
        def violation(check: Any, column: str) -> Any:
            return x.violation(check, self.t, column)

        import ibis.expr.operations as ops

        nan = self.t.get_backend().has_operation(ops.IsNan)
        masks, keys, errors = plan_masks(
            planned, builtin, pk, skip, lambda c: x.required(self.t, c, nan=nan), violation
        )
        try:
            counts = self.counts(masks)
        except QueryError:  # find the check(s) the database cannot run
            counts = {}
            for sid, m in masks.items():
                try:
                    counts[sid] = self.count(m)
                except QueryError as exc:
                    errors[sid] = str(exc)
        out = {sid: Streamed(counts[sid], masks[sid]) for sid in counts}
        for sid, cols in keys.items():
            found = self.duplicates(cols, skip_nulls=False)
            out[sid] = Streamed(found.rows, found.mask)
        return out, errors

    def metric(self, metric: str, column: str, rule: Any) -> Any:
        args = rule.raw.get("arguments") or {}
        return x.metric(self.t, metric, column, args if isinstance(args, dict) else {})


def _profile(table: IbisTable, detected: dict[str, Detection]) -> dict[str, dict[str, Any]]:
    """``input.data.columns``, read from the one aggregate of the checks (run now if they did not)."""
    if table.stats is None:
        try:
            table.counts({})
        except QueryError as exc:
            raise DataError(f"product {table.contract.id}: {table.source.describe()}: {exc}") from None
    stats = table.stats or {}
    rows = table.rows
    out: dict[str, dict[str, Any]] = {}
    for c in table.columns:
        nulls = int(stats.get(f"n|{c}") or 0)
        distinct = stats.get(f"d|{c}")
        entry: dict[str, Any] = {
            "null_fraction": round(nulls / rows, 6) if rows else 0.0,
            "distinct": None if distinct is None else int(distinct),
            "detected": list(detected[c].kinds) if c in detected else [],
        }
        if c in detected and detected[c].counts:  # how many sampled values matched: counts, never values
            entry["detected_counts"] = dict(detected[c].counts)
            entry["sampled"] = detected[c].sampled
        if f"lo|{c}" in stats:
            entry["min"], entry["max"] = jsonable(stats[f"lo|{c}"]), jsonable(stats[f"hi|{c}"])
        out[c] = entry
    return out


def _typed(column: str, got: pl.DataType, want: pl.DataType) -> pl.Expr:
    """A driver's value as the column's type (SQLite hands dates and timestamps over as text)."""
    import polars as pl

    col = pl.col(column)
    if got == pl.String and isinstance(want, pl.Datetime):
        parsed = col.str.to_datetime(strict=False, time_unit=want.time_unit or "us")
        return parsed.dt.replace_time_zone(want.time_zone) if want.time_zone else parsed
    if got == pl.String and want == pl.Date:
        return col.str.to_date(strict=False)
    if got == pl.String and want == pl.Time:
        return col.str.to_time(strict=False)
    return col.cast(want, strict=False)


def _detect(table: IbisTable, column: str, dtype: pl.DataType) -> Detection:
    """The registry's detectors over the first values of ``column`` (one bounded query), as on
    the polars path: the same kinds and counts for the same first values."""
    family = family_of(dtype)
    values: list[str] = []
    if reads_values(family):
        t = table.t
        head = table._polars(t.filter(t[column].notnull()).select(column).limit(SAMPLE))
        values = [str(v) for v in head.get_column(column)]
    return scan_column(column, family, values)


def prepare(
    contract: Contract,
    obj: SchemaObject,
    source: Source,
    props: Mapping[str, Property],
    options: ReadOptions,
    samples: int,
) -> tuple[IbisTable, Normalised, LazyProfile]:
    """The Ibis table of ``obj`` (a seeded sample, when asked), its normalisation record
    (types as the contract says, on no rows) and its profile."""
    import polars as pl

    from meshguard.quality.load import SEED

    src = cast(IbisSource, source)
    t = src.ibis_table(obj.physical_name or obj.name)
    empty = pl.DataFrame(schema=t.schema().to_polars())
    norm = normalise(empty, props, "typed")
    table = IbisTable(contract, obj, norm.frame, frozenset(), samples, False, source, None, t)
    if options.limit is not None:
        n = int(table._run(t.limit(options.limit + 1).count().as_table()).item())
        if n > options.limit:
            table.t, table.sampled = t.limit(options.limit), True
    elif options.fraction is not None:
        table.t, table.sampled = t.sample(float(options.fraction), seed=SEED), True
    declared = {p for p, prop in props.items() if guarded(prop)}
    schema = norm.frame.collect_schema()
    detected = {c: _detect(table, c, schema[c]) for c in table.columns}
    table.masked = frozenset(declared | {c for c, found in detected.items() if found.kinds})
    # exact distinct counts on a large table cost a sort per column: left out beyond the threshold
    small = options.limit is not None and options.limit <= EXACT_DISTINCT_ROWS
    table.profile_exprs = x.profile(table.t, table.masked, distinct=small)
    return table, norm, LazyProfile(lambda: _profile(table, detected))
