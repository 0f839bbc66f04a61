"""Uniqueness of a whole-number key on Spark, decided from bitmaps (:mod:`meshguard.quality.spark`).

One grouped aggregation over the key alone (:func:`shared_ranges`): per 64-value range
(``key >> 6``: key = range × 64 + place, one to one) the row count and two 64-bit bitmaps of
the places present, ``bit_or`` (held at least once) and ``bit_xor`` (held an odd number of
times). A range holds a value twice exactly when it has more rows than bits set; only those
ranges come back to the driver (at most ``limit`` of them).

From them, :func:`pairs` tells exactly which values are shared when each is held by exactly
two rows (the common case: a few duplicated ids): a value held twice is set in ``or`` and not
in ``xor``; a range's rows beyond its distinct values (rows − bits set) then equal the number of
such values, while a value held three times or more adds more rows beyond than it adds such
bits (c − 1 > 1 for an even c ≥ 4, c − 1 > 0 for an odd c ≥ 3), so equality in every range is
proof. The null key's count is exact in any case (its range has only its rows). Then no
per-key job runs: the counts are known and the shared rows are the rows holding those values.

:func:`duplicates` puts it together for a uniqueness check (with the per-key window for other
keys, sparse integer keys, and values held three times or more); nothing here decides a check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from meshguard.quality.duplicates import Duplicates
from meshguard.quality.spark_jobs import ROW, Spot, quoted, run

#: the bits of an integer key that pick its place in its range's bitmap (a long: 64 values)
BUCKET_BITS = 6
_LONG = 2**64 - 1
#: fewer rows sharing a key than this: the double sum counting their keys is exact once rounded
EXACT_SUM_ROWS = 2**26
#: more ranges of an integer key holding a shared value than this: the per-key job reads every row
SHARED_RANGES = 4096
#: more shared values of an integer key (each held twice) than this: the per-key job finds them
PAIRED_VALUES = 4096
#: an integer key spanning more than this many values per row (max − min + 1 over the row count,
#: both from the one aggregation) is sparse: its 64-value ranges hold about one row each, so the
#: bitmap pass would group about every row; the per-key job runs directly
SPARSE_SPAN = 64


@dataclass(frozen=True)
class Range:
    """One 64-value range of the key holding a value twice (``bucket`` None: the null key)."""

    bucket: int | None
    rows: int
    seen: int  # bit i: the value bucket × 64 + i is held (unsigned)
    odd: int  # bit i: ... held an odd number of times (unsigned)


@dataclass(frozen=True)
class Pairs:
    """The shared values of a key when each is held by exactly two rows (and the null key's rows)."""

    values: list[int]
    null_rows: int  # rows with a null key when more than one (they share it), else 0

    @property
    def rows(self) -> int:
        """Rows whose key another row holds."""
        return 2 * len(self.values) + self.null_rows

    @property
    def keys(self) -> int:
        """Distinct keys held by more than one row."""
        return len(self.values) + (1 if self.null_rows else 0)


def bucket_of(column: str) -> Any:
    """The 64-value range of an integer key (``key >> 6``: key = range × 64 + place, one to one)."""
    from pyspark.sql import functions as F

    return F.shiftright(F.col(quoted(column)).cast("bigint"), BUCKET_BITS)


def shared_ranges(df: Any, column: str, limit: int) -> list[Range] | None:
    """The ranges (:func:`bucket_of`) where two rows of ``df`` hold the same value of the
    integer ``column``, in range order (the null key last); ``None`` if more than ``limit`` do.

    Dense keys (ids) make 64 times fewer groups than rows, so this costs a fraction of
    grouping by the key; the rows sharing a key are then found among these ranges only."""
    from pyspark.sql import functions as F

    low = F.col(quoted(column)).cast("bigint").bitwiseAND(F.lit(63)).cast("int")
    place = F.call_function("shiftleft", F.lit(1).cast("bigint"), low)
    ranges = df.groupBy(bucket_of(column).alias("b")).agg(
        F.count(F.lit(1)).alias("n"), F.bit_or(place).alias("m"), F.bit_xor(place).alias("x")
    )
    shared = ranges.filter(F.col("n") > F.coalesce(F.bit_count("m").cast("bigint"), F.lit(1)))
    rows = run(shared.limit(limit + 1).collect)
    if len(rows) > limit:
        return None
    got = [Range(r["b"], int(r["n"]), int(r["m"] or 0) & _LONG, int(r["x"] or 0) & _LONG) for r in rows]
    return sorted(got, key=lambda r: (r.bucket is None, r.bucket))


def pairs(ranges: Sequence[Range]) -> Pairs | None:
    """The shared values of these ranges when every one is held by exactly two rows; ``None``
    when a value is held by three rows or more (the bitmaps cannot say which)."""
    values: list[int] = []
    null_rows = 0
    for r in ranges:
        if r.bucket is None:
            null_rows = r.rows
            continue
        twice = r.seen & ~r.odd
        if r.rows - r.seen.bit_count() != twice.bit_count():
            return None
        values += [(r.bucket << BUCKET_BITS) + i for i in range(64) if twice >> i & 1]
    return Pairs(values, null_rows)


def duplicates(table: Any, columns: list[str], *, skip_nulls: bool) -> tuple[Duplicates, Spot | None]:
    """The rows of ``table`` (a :class:`meshguard.quality.spark.SparkTable`) sharing a key, their count, the count of keys, and the keys of the first
    duplicated rows in data order (their mask is a column mask, so their samples join the
    samples job); and for a whole-number key, the :data:`Spot` of the mask's rows.

    An integer key is first checked by :func:`shared_ranges` (one cheap aggregation of
    64-value bitmaps per range of the key): with no range holding a value twice, no row shares
    a key and nothing more runs; when each shared value is held by exactly two rows (which the
    bitmaps prove, :func:`meshguard.quality.spark_keys.pairs`), they name the values and nothing
    more runs either; else the per-key job below reads only the rows of those ranges (every
    range, past :data:`SHARED_RANGES` of them). Other keys, and a sparse integer key of the
    schema (one spanning more than :data:`SPARSE_SPAN` values per row), go to it directly.

    The per-key job: a window per key (Spark sorts the rows by key instead of building a
    hash table of every key twice, partial and final, as a ``groupBy`` does) counting the
    rows of each key and nothing else; the keys are counted from the shared rows: a key of
    ``n`` rows adds ``1/n`` to a sum, exact once rounded while fewer than
    :data:`EXACT_SUM_ROWS` rows share a key (a double sum of ``k`` terms errs by less than
    ``k² × 2⁻⁵³``); beyond, one more job counts the distinct keys."""
    from pyspark.sql import functions as F

    keep = F.lit(True)
    for c in columns:
        keep = keep & F.col(quoted(c)).isNotNull() if skip_nulls else keep
    scope = keep
    if len(columns) == 1 and table.dtype(columns[0]).is_integer() and not sparse(table, columns[0]):
        ranges = shared_ranges(table.df.filter(keep), columns[0], SHARED_RANGES)
        if ranges == []:
            return Duplicates(0, 0, F.lit(False)), (columns[0], None, None)
        found = pairs(ranges) if ranges is not None else None
        if found is not None and len(found.values) <= PAIRED_VALUES:
            # the shared rows are the rows holding these values: the samples job's mask
            column = F.col(quoted(columns[0]))
            held = column.isin(found.values) if found.values else F.lit(False)
            held = held | column.isNull() if found.null_rows else held
            spot = (columns[0], min(found.values, default=None), max(found.values, default=None))
            return Duplicates(found.rows, found.rows - found.keys, held & keep), spot
        if ranges is not None:
            bucket = bucket_of(columns[0])
            within = bucket.isin([r.bucket for r in ranges if r.bucket is not None])
            if any(r.bucket is None for r in ranges):
                within = within | F.col(quoted(columns[0])).isNull()
            scope = keep & within
    return per_key(table, columns, keep, scope)


def sparse(table: Any, column: str) -> bool:
    """Whether the integer ``column`` spans more than :data:`SPARSE_SPAN` values per row (known
    when the one aggregation took its min and max: a uniqueness key of the schema)."""
    if not (table.has_stat(f"lo|{column}") and table.rows):
        return False
    lo, hi = table.stat(f"lo|{column}"), table.stat(f"hi|{column}")
    return lo is not None and hi is not None and int(hi) - int(lo) + 1 > SPARSE_SPAN * table.rows


def per_key(table: Any, columns: list[str], keep: Any, scope: Any) -> tuple[Duplicates, Spot | None]:
    """The per-key job of :func:`duplicates` over the rows where ``scope`` holds (``keep``:
    the rows whose key counts)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    same = Window.partitionBy(*[quoted(c) for c in columns])
    shared = (
        table.df.filter(scope)
        .select(
            *[quoted(c) for c in columns],
            F.col(ROW),
            F.count(F.lit(1)).over(same).alias("__n"),
        )
        .filter(F.col("__n") > 1)
    )
    every = Window.partitionBy()
    top = shared.select(
        *[quoted(c) for c in columns],
        F.col(ROW),
        F.count(F.lit(1)).over(every).alias("__rows"),
        F.sum(F.lit(1.0) / F.col("__n")).over(every).alias("__groups"),
    )
    first = run(top.orderBy(ROW).limit(max(1, table.samples)).collect)
    rows = int(first[0]["__rows"]) if first else 0
    dup_groups = round(first[0]["__groups"]) if first else 0
    if rows >= EXACT_SUM_ROWS:
        dup_groups = int(run(shared.select(*[quoted(c) for c in columns]).distinct().count))
    found = F.lit(False)
    for r in first:  # the first duplicated rows' keys: their rows in data order start with them
        same_key = F.lit(True)
        for i, c in enumerate(columns):
            same_key = same_key & F.col(quoted(c)).eqNullSafe(F.lit(r[i]))
        found = found | same_key
    held = [r[0] for r in first if r[0] is not None]
    one = len(columns) == 1 and table.dtype(columns[0]).is_integer()
    spot = (columns[0], min(held, default=None), max(held, default=None)) if one else None
    return Duplicates(rows, rows - dup_groups, found & keep), spot
