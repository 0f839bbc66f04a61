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

Nothing here decides a check: the caller does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from meshguard.quality.spark_jobs import quoted, run

#: the bits of an integer key that pick its place in its range's bitmap (a long: 64 values)
BUCKET_BITS = 6
_LONG = 2**64 - 1


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
