"""The checks of a Spark table, pushed down as Spark jobs (``meshguard-odcs[spark]``).

The same checks as the polars path, planned by the same code (pandera schema,
ODCS rules, SLAs, relationships); only the data work runs in Spark, in a fixed
number of jobs per table (:mod:`meshguard.quality.spark_jobs`), after the table's schema (read
by the JVM while a thread imports what checking imports: pandera, DuckDB for SQL rules):

1. the first values of the columns the personal-data detectors read (one bounded
   ``limit`` job; the detectors of :mod:`meshguard.detectors` run on them, as on the
   polars path, so the kinds found and their counts are the same). It runs in a thread of
   its own while the checks are planned (the Python side: pandera, the rules) and the one
   aggregation starts; the first read of the table's masked columns or detections waits for it;
2. one ``agg``: the row count, every value check (pandera's checks as Spark column
   expressions, same null semantics), the library metrics (nullValues, missingValues,
   invalidValues), the SQL rules that count the rows where a condition holds
   (:func:`meshguard.quality.spark_profile.plan_sql`) and each integer key's min and max;
3. per uniqueness key (primary key, ``unique``, duplicateValues): for a whole-number key, one
   aggregation of bitmaps per 64-value range of the key (:mod:`meshguard.quality.spark_keys`),
   which names the shared values when each is held twice; else (a value held by three rows or
   more) a window per key over the ranges holding one; for other keys and sparse integer keys
   (min and max far apart for the rows), a window per key;
4. one bounded job for the failing samples of every failed check (the first rows of each
   in data order, masked as everywhere): a filtered read of every failing row when the
   counts say they are few (:data:`SAMPLE_ROWS`), else the rows ranked per check in Spark.
   The filtered read skips the Parquet row groups holding none of them: the aggregation also
   took the lowest and highest integer key of each mask's failing rows (one spot for all value
   checks), and the read's filter names those spots on the key (ids in order: a few groups).

Other SQL rules run in Spark SQL on a temporary view named after the schema object; SLA
latency, relationships and the profile (nulls, distinct, min, max: one aggregation, run
only when the policies read it, as on the polars path) are their own jobs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from meshguard.detectors import Detection
from meshguard.quality import spark_keys
from meshguard.quality.duplicates import Duplicates
from meshguard.quality.results import Table, samples_of
from meshguard.quality.spark_jobs import (
    ROW,
    Background,
    SparkQueryError,
    Spot,
    aggregate,
    every_failing,
    failing_count,
    first_failing,
    near,
    quoted,
    run,
    spots,
    to_polars,
)
from meshguard.quality.spark_masks import violation
from meshguard.quality.spark_profile import sql_key
from meshguard.quality.streaming import Streamed, plan_masks
from meshguard.quality.types import Normalised

if TYPE_CHECKING:
    import polars as pl

#: a failing-row mask on Spark: a boolean Column, or a function DataFrame → failing rows
Mask = Any
ROWS = "__rows"
#: the failed checks' failing rows, all fetched by the samples job when at most this many
SAMPLE_ROWS = 10_000


def key(mask: Any) -> str:
    """A mask's identity in the one aggregation (its expression's text)."""
    return f"m|{mask}"


@dataclass
class SparkTable(Table):
    df: Any = None  # the Spark DataFrame, with its row number in ROW
    pushes_sql: ClassVar[bool] = True
    #: mask key → mask, counted in the one aggregation (the library metrics, planned up front)
    planned: dict[str, Any] = field(default_factory=dict)
    #: the profile's one row (nulls, distinct, min, max), once the policies have read it
    profiled: pl.DataFrame | None = None
    stats: pl.DataFrame | None = None  # the aggregation's one row (more columns if a count came late)
    errors: dict[str, str] = field(default_factory=dict)  # mask key → why Spark cannot count it
    pending: dict[str, Any] = field(default_factory=dict)  # check id → mask, for the samples job
    spans: set[str] = field(default_factory=set)  # integer keys whose min and max the aggregation takes
    bounds: dict[str, int] = field(default_factory=dict)  # mask key → at most this many rows fail it
    #: the integer key whose values on each mask's failing rows the aggregation takes (:data:`Spot`)
    locator: str | None = None
    spots: dict[str, Spot] = field(default_factory=dict)  # mask key → its failing rows' spot, known apart
    #: the value checks' masks (a check failing on its first failing row: when one is sampled, all
    #: with failing rows are) and those of them whose failing rows have one spot together
    together: set[str] = field(default_factory=set)
    joint: set[str] = field(default_factory=set)
    plain: Any = None  # the DataFrame without its row number (None: sampled, or not in data order)
    #: the head read and its detections (:func:`detect`), running beside the checks' planning
    head: Background | None = None

    @property  # type: ignore[misc]  # a field of Table, read through the head read
    def masked(self) -> frozenset[str]:
        """The declared personal-data columns and those the detectors found (once the head read ends)."""
        self._joined()
        return frozenset(self.__dict__["_masked"])

    @masked.setter
    def masked(self, value: frozenset[str]) -> None:
        self.__dict__["_masked"] = value

    @property
    def detection(self) -> dict[str, Detection]:
        """Per column, what the detectors found in its first values (once the head read ends)."""
        self._joined()
        return dict(self.__dict__.get("_detection", {}))

    def _joined(self) -> None:
        if self.head is not None:
            found: dict[str, Detection] = self.head.result()
            self.head = None
            self.__dict__["_detection"] = found
            self.__dict__["_masked"] = self.__dict__["_masked"] | {c for c, f in found.items() if f.kinds}

    @property
    def streaming(self) -> bool:
        return True

    @property
    def rows(self) -> int:
        return int(self.stat(ROWS) or 0)

    def stat(self, name: str) -> Any:
        """One value of the one aggregation (run now if it has not run)."""
        if self.stats is None:
            self._aggregate(self.planned, first=True)
        assert self.stats is not None
        return self.stats.get_column(name).item() if name in self.stats.columns else None

    def has_stat(self, name: str) -> bool:
        return self.stats is not None and name in self.stats.columns

    def _aggregate(self, masks: Mapping[str, Any], *, first: bool = False) -> None:
        """Count ``masks`` in one job (the first time with the row count)."""
        import polars as pl
        from pyspark.sql import functions as F

        base: list[tuple[str, Any]] = [(ROWS, F.count(F.lit(1)))] if first else []
        for c in sorted(self.spans) if first else ():
            base += [(f"lo|{c}", F.min(quoted(c))), (f"hi|{c}", F.max(quoted(c)))]
        self.locator = min(self.spans) if first and self.spans and self.plain is not None else self.locator
        todo = {k: m for k, m in masks.items() if k not in self.errors}

        def counted(keys: Collection[str]) -> list[tuple[str, Any]]:  # failing rows, and their spots
            out = [(k, failing_count(todo[k])) for k in keys]
            if self.locator is None:
                return out
            self.joint = {k for k in keys if k in self.together} if first else self.joint
            return out + spots({k: todo[k] for k in keys}, self.joint if first else set(), self.locator)

        try:
            got = aggregate(self.df, [*base, *counted(todo)])
        except SparkQueryError:  # find the check(s) Spark cannot run, count the others together
            for k, m in todo.items():
                try:
                    aggregate(self.df.limit(0), [(k, failing_count(m))])
                except SparkQueryError as exc:
                    self.errors[k] = str(exc)
            ok = counted([k for k in todo if k not in self.errors])
            got = aggregate(self.df, [*base, *ok]) if base or ok else pl.DataFrame()
        self.stats = got if self.stats is None else pl.concat([self.stats, got], how="horizontal")

    def _counted(self, masks: Mapping[str, Mask]) -> tuple[dict[str, int], dict[str, str]]:
        """(id → failing rows, id → error) of column masks, in the one aggregation if it is still to run."""
        keys = {sid: key(m) for sid, m in masks.items()}
        if self.stats is None:
            self.planned.update({keys[sid]: m for sid, m in masks.items()})
            self._aggregate(self.planned, first=True)
        late = {keys[sid]: m for sid, m in masks.items() if not self.has_stat(keys[sid])}
        if late:
            self._aggregate(late)
        counts = {sid: int(self.stat(k) or 0) for sid, k in keys.items() if k not in self.errors}
        return counts, {sid: self.errors[k] for sid, k in keys.items() if k in self.errors}

    def counts(self, masks: Mapping[str, Mask]) -> dict[str, int]:
        """Every mask counted (column masks in the one aggregation)."""
        column = {sid: m for sid, m in masks.items() if not callable(m)}
        got, errors = self._counted(column)
        if errors:
            raise SparkQueryError(next(iter(errors.values())))
        return {**got, **{sid: self.count(m) for sid, m in masks.items() if callable(m)}}

    def count(self, mask: Mask) -> int:
        if callable(mask):
            return int(run(mask(self.df).count))
        return self.counts({"m": mask})["m"]

    def failing_samples(self, check_id: str, failing: Any) -> tuple[dict[str, Any], ...]:
        """A column mask's rows are fetched later with every other check's, in one job."""
        if self.samples > 0 and not callable(failing):
            self.pending[check_id] = failing
            return ()
        return super().failing_samples(check_id, failing)

    def pending_samples(self) -> dict[str, tuple[dict[str, Any], ...]]:
        """The failed checks' first rows, in one job: every failing row when the counts say they
        are few (at most :data:`SAMPLE_ROWS` in all: a filtered read, no shuffle), else the
        first rows of each check ranked in Spark (:func:`first_failing`)."""
        bounds = [self._bound(m) for m in self.pending.values()]
        few = sum(b if b is not None else SAMPLE_ROWS + 1 for b in bounds) <= SAMPLE_ROWS
        found_in = [self._spot(m) for m in self.pending.values()] if few else [None]
        if self.pending and None not in found_in:  # a filter the Parquet reader skips row groups by
            where = near([s for s in found_in if s is not None])
            found = every_failing(self.plain, self.pending, self.columns, self.samples, self.frame, where)
        else:
            pick = every_failing if few else first_failing
            found = pick(self.df, self.pending, self.columns, self.samples, self.frame)
        self.pending = {}
        return {sid: samples_of(rows, self.masked) for sid, rows in found.items()}

    def _bound(self, mask: Mask) -> int | None:
        """At most this many rows fail ``mask`` (None: not known without a job)."""
        k = key(mask)
        if k in self.bounds:
            return self.bounds[k]
        return int(self.stat(k) or 0) if self.has_stat(k) else None

    def _spot(self, mask: Mask) -> Spot | None:
        """The values of an integer key on the rows failing ``mask`` (None: not known)."""
        k = key(mask)
        name = "@" if k in self.joint else f"@{k}"
        if k in self.spots or not (self.locator and self.has_stat(f"l{name}")):
            return self.spots.get(k)
        return self.locator, self.stat(f"l{name}"), self.stat(f"h{name}")

    def rows_where(self, mask: Mask, n: int) -> pl.DataFrame:
        failing = mask(self.df) if callable(mask) else self.df.filter(mask)
        return to_polars(failing.orderBy(ROW).limit(n).select(*[quoted(c) for c in self.columns]), self.frame)

    def select(self, columns: list[str]) -> pl.DataFrame:
        return to_polars(self.df.select(*[quoted(c) for c in columns]), self.frame)

    def extreme(self, column: str, which: str) -> Any:
        from pyspark.sql import functions as F

        name = f"{'hi' if which == 'max' else 'lo'}|{column}"
        if self.profiled is not None and name in self.profiled.columns:  # the profile has it
            return self.profiled.select(name).cast({name: self.dtype(column)}, strict=False).item()
        agg = F.max(quoted(column)) if which == "max" else F.min(quoted(column))
        return to_polars(self.df.agg(agg.alias(column)), self.frame).item()

    def latency(self, start: str, end: str, limit_s: float) -> tuple[Any, int, Any]:
        from pyspark.sql import functions as F

        delay = (F.unix_micros(F.col(end)) - F.unix_micros(F.col(start))) / 1_000_000
        late = F.coalesce(delay > limit_s, F.lit(False))
        row = run(self.df.agg(F.max(delay).alias("w"), failing_count(late).alias("n")).first)
        worst = None if row["w"] is None else float(row["w"])
        self.bounds[key(late)] = int(row["n"] or 0)
        return worst, int(row["n"] or 0), late

    def orphans(self, columns: list[str], keys: pl.DataFrame) -> tuple[int, Any]:
        from pyspark.sql import functions as F

        spark = self.df.sparkSession
        known = spark.createDataFrame(keys.to_arrow())
        complete = F.lit(True)
        for c in columns:
            complete = complete & F.col(c).isNotNull()

        def mask(df: Any) -> Any:
            return df.filter(complete).join(known, on=columns, how="left_anti")

        return self.count(mask), mask

    def duplicates(self, columns: list[str], *, skip_nulls: bool) -> Duplicates:
        found, spot = spark_keys.duplicates(self, columns, skip_nulls=skip_nulls)
        self.bounds[key(found.mask)] = found.rows  # its mask: some (or all) of the rows sharing a key
        if spot is not None and self.plain is not None:
            self.spots[key(found.mask)] = spot
        return found

    def value_failures(
        self,
        norm: Normalised,
        planned: Mapping[str, Sequence[Any]],
        builtin: Mapping[tuple[str, str], Any],
        pk: tuple[Any, list[str]] | None,
        skip: Collection[str],
    ) -> tuple[dict[str, Streamed], dict[str, str]]:
        from pyspark.sql import functions as F

        def required(path: str) -> Any:
            mask = F.col(quoted(path)).isNull()
            return mask | F.isnan(F.col(quoted(path))) if self.dtype(path).is_float() else mask

        masks, keys, errors = plan_masks(planned, builtin, pk, skip, required, violation)
        self.together.update(key(m) for m in masks.values())
        self.spans.update(c[0] for c in keys.values() if len(c) == 1 and self.dtype(c[0]).is_integer())
        counts, failed = self._counted(masks)
        errors.update(failed)
        out = {sid: Streamed(counts[sid], masks[sid]) for sid in counts}
        for sid, cols in keys.items():
            found = self.duplicates(cols, skip_nulls=False)
            out[sid] = Streamed(found.rows, found.mask)
        return out, errors

    def metric(self, metric: str, column: str, rule: Any) -> Any:
        import polars as pl
        from pyspark.sql import functions as F

        from meshguard.quality.operators import BadCondition

        c = F.col(quoted(column))
        args = rule.raw.get("arguments") or {}
        args = args if isinstance(args, dict) else {}
        if metric == "nullValues":
            return c.isNull()
        if metric == "missingValues":
            values = args.get("missingValues", [None, ""])
            if not isinstance(values, list):
                raise BadCondition("arguments.missingValues must be a list")
            mask = c.isNull() if None in values else F.lit(False)
            others = [str(v) for v in values if v is not None]
            return mask | F.coalesce(c.cast("string").isin(others), F.lit(False)) if others else mask
        valid, pattern = args.get("validValues"), args.get("pattern")
        if valid is None and pattern is None:
            raise BadCondition("invalidValues needs arguments.validValues or arguments.pattern")
        bad = F.lit(False)
        if isinstance(valid, list):
            same = [v for v in valid if v is not None]
            bad = bad | ~c.isin([str(v) for v in same] if self.dtype(column) == pl.String else same)
        if isinstance(pattern, str):
            bad = bad | ~c.cast("string").rlike(pattern)
        return F.coalesce(bad, F.lit(False)) & c.isNotNull()

    def run_sql(self, sql: str) -> list[tuple[Any, ...]]:
        """A SQL rule's rows: a counting rule's count from the one aggregation (:func:`plan_sql`),
        any other query (or one Spark could not count there) on a view of the table."""
        if sql_key(sql) in self.planned:
            self._counted({})  # the one aggregation, if it has not run
            if self.has_stat(sql_key(sql)):
                return [(int(self.stat(sql_key(sql)) or 0),)]
        self.df.drop(ROW).createOrReplaceTempView(self.schema.name)
        return [tuple(r) for r in self.df.sparkSession.sql(sql).collect()]
