"""The Spark jobs of one table (:mod:`meshguard.quality.spark`): a bounded read of the first
values for the personal-data detectors, the one aggregation, and the bounded samples job.

- :func:`head_values`: the first :data:`meshguard.detectors.SAMPLE` non-null values of every
  column the detectors read, in data order, in one ``limit`` job that reads only the first
  rows (a mostly-null column asks for more); :func:`detect` runs the detectors on them, in a
  thread of its own (:class:`Background`) while the caller plans the checks;
- :func:`aggregate`: every count of the table (row count, each check's failing rows, the
  profile's nulls, min and max) in one ``agg``;
- :func:`every_failing`: every failing row of the failed checks when the counts say they are
  few, in one filtered job (:func:`near`: the row groups of no failing row left unread);
- :func:`first_failing`: the first ``n`` failing rows of every failed check in one job: the
  rows failing any check, one row per (check, row), ranked per check in data order and cut at
  ``n`` (Spark keeps only the first ``n`` per check and partition before the shuffle).

Nothing here decides a check or masks a value: the callers do.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from meshguard.detectors import SAMPLE, Detection, reads_values, scan_column

if TYPE_CHECKING:
    import polars as pl

ROW = "__meshguard_row"
CHECK = "__meshguard_check"
RANK = "__meshguard_rank"
#: (integer column, lowest, highest): the values of a key on the rows failing a check (lowest
#: None: none of them has a value)
Spot = tuple[str, Any, Any]
#: how many times :func:`head_values` widens its read before reading a column on its own
_WIDEN = 3


class SparkQueryError(ValueError):
    """Spark could not run a query (the message quotes no value).

    A ValueError, so a rule that cannot run is reported as errored like on the other backends.
    """


def quoted(column: str) -> str:
    return f"`{column.replace('`', '``')}`"


def run(action: Any) -> Any:
    """``action()``, with Spark's (and the JVM's) errors as :class:`SparkQueryError`."""
    from meshguard.sources.base import scrub

    try:
        return action()
    except Exception as exc:  # pyspark's captured JVM errors, py4j's, Spark Connect's
        raise SparkQueryError(scrub(str(exc))) from None


def to_polars(df: Any, like: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """A (small) Spark result as polars, with the dtypes of the polars path."""
    import polars as pl

    got = pl.from_arrow(run(df.toArrow))
    assert isinstance(got, pl.DataFrame)
    schema = like.collect_schema()
    return got.with_columns([pl.col(c).cast(schema[c], strict=False) for c in got.columns if c in schema])


def empty_frame(df: Any) -> pl.DataFrame:
    """The polars frame (no rows) of a Spark DataFrame's schema, without running a job."""
    import polars as pl

    try:
        from pyspark.sql.pandas.types import to_arrow_schema

        got = pl.from_arrow(to_arrow_schema(df.schema).empty_table())
    except (ImportError, TypeError, ValueError):  # a type Arrow has no name for: ask Spark
        return to_polars(df.limit(0), pl.DataFrame())
    assert isinstance(got, pl.DataFrame)
    return got


def aggregate(df: Any, named: Sequence[tuple[str, Any]]) -> pl.DataFrame:
    """Every named aggregate expression in one ``agg`` job: one row, one column per name."""
    import polars as pl

    aggs = [expr.alias(f"a{i}") for i, (_, expr) in enumerate(named)]
    got = pl.from_arrow(run(df.agg(*aggs).toArrow))
    assert isinstance(got, pl.DataFrame)
    return got.rename({f"a{i}": key for i, (key, _) in enumerate(named)})


def failing_count(mask: Any) -> Any:
    """The aggregate counting the rows where ``mask`` is true (a null mask counts as false).

    ``count`` of a value present only there, not ``sum`` of 1 or 0: the same number, at half
    the JVM's CPU (5M rows, the benchmark's 10 masks in one aggregation, warm: 3.8–5.1 s
    against 8.7–10.6 s; not the JIT's huge-method limit: lifting it changes neither).
    Zero rows counted is 0, not null."""
    from pyspark.sql import functions as F

    return F.count(F.when(mask, F.lit(1)))


def spotted(mask: Any, column: str) -> list[Any]:
    """The aggregates of :data:`Spot`: the lowest and highest value of ``column`` on the rows
    where ``mask`` is true (beside :func:`failing_count`'s, in the one aggregation)."""
    from pyspark.sql import functions as F

    on = F.when(mask, F.col(quoted(column)))
    return [F.min(on), F.max(on)]


def spots(masks: Mapping[str, Any], joint: Collection[str], column: str) -> list[tuple[str, Any]]:
    """The aggregates of the :data:`Spot` of each mask's failing rows (``l@``/``h@`` + its key),
    and one for all of ``joint`` together (``l@``, ``h@``: a spot holding each of theirs)."""
    together = [m for k, m in masks.items() if k in joint]
    named = [(f"@{k}", m) for k, m in masks.items() if k not in joint]
    named += [("@", functools.reduce(operator.or_, together))] if together else []
    return [(f"{e}{n}", a) for n, m in named for e, a in zip("lh", spotted(m, column), strict=True)]


def near(spots: Sequence[Spot]) -> Any:
    """A condition every row of these spots meets (its key between the lowest and highest, or
    null), on the key columns alone: Spark hands it to the Parquet reader, which reads only the
    row groups whose statistics say they may hold such a row (ids in order: a few of them)."""
    from pyspark.sql import functions as F

    nulls = [F.col(quoted(c)).isNull() for c in sorted({c for c, _, _ in spots})]
    ranges = [F.col(quoted(c)).between(F.lit(lo), F.lit(hi)) for c, lo, hi in spots if lo is not None]
    return functools.reduce(operator.or_, [*ranges, *nulls])


def head_values(df: Any, columns: Sequence[str], *, ordered: bool) -> dict[str, list[str]]:
    """The first :data:`SAMPLE` non-null values of each column (as text), in data order.

    One job reads the first rows where any of ``columns`` has a value (``limit`` stops
    early); a column still short of :data:`SAMPLE` values while more rows exist widens the
    read, and in the end is read on its own. ``ordered``: the table's partitions are not in
    data order (a seeded sample), so the rows are sorted by their row number first."""
    from pyspark.sql import functions as F

    if not columns:
        return {}
    cols = [F.col(quoted(c)) for c in columns]
    present = functools.reduce(operator.or_, [c.isNotNull() for c in cols])
    base = df.filter(present)
    want = 2 * SAMPLE  # a few nulls in the first rows need no second read
    out: dict[str, list[str]] = {c: [] for c in columns}
    for _ in range(_WIDEN):
        query = base.orderBy(ROW) if ordered else base
        rows = run(query.select(*cols).limit(want).collect)
        out = {c: [str(r[i]) for r in rows if r[i] is not None][:SAMPLE] for i, c in enumerate(columns)}
        short = [c for c in columns if len(out[c]) < SAMPLE]
        if not short or len(rows) < want:
            return out
        want *= 10
    for c in short:  # a mostly-null column: its own bounded read
        query = df.filter(F.col(quoted(c)).isNotNull())
        query = query.orderBy(ROW) if ordered else query
        out[c] = [str(r[0]) for r in run(query.select(quoted(c)).limit(SAMPLE).collect)]
    return out


def detect(df: Any, families: Mapping[str, str], *, ordered: bool) -> dict[str, Detection]:
    """Per column, what the detectors find in its first values (:func:`head_values`)."""
    values = head_values(df, [c for c, f in families.items() if reads_values(f)], ordered=ordered)
    return {c: scan_column(c, f, values.get(c, [])) for c, f in families.items()}


class Background:
    """``work()`` in a thread of its own (Spark's pinned-thread kind, which carries the caller's
    job properties to the ``spark`` session's jobs); :meth:`result` waits for it and returns
    its value or raises its error."""

    def __init__(self, work: Callable[[], Any], spark: Any) -> None:
        from pyspark import InheritableThread

        self._work = work
        self._value: Any = None
        self._error: BaseException | None = None
        # the session: Spark Connect's kind of this thread needs it, a local one reads its tags
        self._thread = InheritableThread(target=self._run, daemon=True, session=spark)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # handed to the caller of result()
            self._error = exc

    def join(self) -> None:
        self._thread.join()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def every_failing(
    df: Any,
    masks: Mapping[str, Any],
    columns: Sequence[str],
    n: int,
    like: pl.DataFrame | pl.LazyFrame,
    where: Any = None,
) -> dict[str, pl.DataFrame]:
    """:func:`first_failing` when the failing rows are known to be few: every row failing any
    check, with a flag per check, read in one filtered job (no shuffle, no ranking), then cut
    at ``n`` per check in data order here.

    ``where`` (:func:`near`: a condition every failing row meets): ``df`` is the table without
    its row number, numbered after the filter (in each partition, in the same order: the same
    order of rows), so the filter reaches the Parquet reader, which skips row groups by it."""
    import polars as pl
    from pyspark.sql import functions as F

    if not masks or n <= 0:
        return {}
    flagged = [F.coalesce(m, F.lit(False)) for m in masks.values()]
    failed = functools.reduce(operator.or_, flagged)
    failing = df.filter(failed if where is None else where & failed)
    failing = failing if where is None else failing.withColumn(ROW, F.monotonically_increasing_id())
    failing = failing.select(
        F.col(ROW),
        *[F.col(quoted(c)) for c in columns],
        *[f.alias(f"{CHECK}{i}") for i, f in enumerate(flagged)],
    )
    got = to_polars(failing, like).sort(ROW)
    return {
        sid: got.filter(pl.col(f"{CHECK}{i}")).head(n).select(list(columns)) for i, sid in enumerate(masks)
    }


def first_failing(
    df: Any, masks: Mapping[str, Any], columns: Sequence[str], n: int, like: pl.DataFrame | pl.LazyFrame
) -> dict[str, pl.DataFrame]:
    """check id → its first ``n`` failing rows (data order, ``columns`` only), all in one job."""
    import polars as pl
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    if not masks or n <= 0:
        return {}
    ids = list(masks)
    flagged = [F.coalesce(m, F.lit(False)) for m in masks.values()]
    flags = F.array(*[F.when(m, F.lit(i)) for i, m in enumerate(flagged)])
    failing = df.filter(functools.reduce(operator.or_, flagged))
    exploded = failing.select(
        F.col(ROW),
        *[F.col(quoted(c)) for c in columns],
        F.explode(F.filter(flags, lambda v: v.isNotNull())).alias(CHECK),
    )
    ranked = exploded.withColumn(RANK, F.row_number().over(Window.partitionBy(CHECK).orderBy(ROW)))
    got = to_polars(ranked.filter(F.col(RANK) <= n), like)
    out: dict[str, pl.DataFrame] = {}
    for i, sid in enumerate(ids):
        rows = got.filter(pl.col(CHECK) == i).sort(ROW)
        out[sid] = rows.select(list(columns))
    return out
