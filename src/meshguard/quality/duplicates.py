"""Duplicate keys of a table, in memory or streamed with bounded memory.

In memory, ``is_duplicated`` marks the rows. A streamed table is split into
``ceil(rows / PART_ROWS)`` hash partitions of its key, each read in its own
streaming pass and sorted, so the memory held is one partition's keys whatever
the number of rows. Counts are exact; the failing samples come from the first
``KEEP_KEYS`` duplicated keys found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from meshguard.quality import prunable
from meshguard.quality.tableview import PolarsTable

if TYPE_CHECKING:
    import polars as pl

PART_ROWS = 4_000_000
KEEP_KEYS = 10_000
#: at most this many duplicated keys of an integer or text column: their samples are fetched by
#: the row groups' statistics (:mod:`meshguard.quality.prunable`)
TWIN_KEYS = 8
_SEED = 20240917


@dataclass(frozen=True)
class Duplicates:
    rows: int  # rows whose key another row shares
    extra: int  # rows beyond the first of each key
    mask: Any  # the duplicated rows (a polars expression, or the table engine's mask)


def duplicated(column: str) -> pl.Expr:
    """The rows of an in-memory table whose ``column`` value (null included) another row holds:
    the mask :func:`duplicates` gives for one column without ``skip_nulls``, as an aggregate's
    input (the count then joins the other checks' pass)."""
    import polars as pl

    return pl.col(column).is_duplicated()


def duplicates(table: PolarsTable, columns: list[str], *, skip_nulls: bool) -> Duplicates:
    """Duplicated keys over ``columns``; ``skip_nulls``: a key with a null is never a duplicate."""
    import polars as pl

    key = pl.struct(columns) if len(columns) > 1 else pl.col(columns[0])
    keep = pl.all_horizontal([pl.col(c).is_not_null() for c in columns]) if skip_nulls else pl.lit(True)
    if not table.streaming:  # one pass: duplicated rows, kept rows, distinct kept keys
        mask = key.is_duplicated() & keep
        rows, kept, distinct = table.scalars(
            mask.sum().alias("rows"),
            (keep.sum() if skip_nulls else pl.len()).alias("kept"),
            (key.filter(keep).n_unique() if len(columns) == 1 else pl.lit(None)).alias("distinct"),
        )
        if distinct is None:  # a composite key: distinct rows of its columns
            frame = table.eager.select(columns).filter(keep)
            kept, distinct = frame.height, frame.n_unique()
        return Duplicates(int(rows or 0), int(kept or 0) - int(distinct or 0), mask)
    parts = max(1, -(-table.rows // PART_ROWS))
    assert isinstance(table.frame, pl.LazyFrame)
    keyed = table.frame.filter(keep).select(key.alias("__key"))
    rows = extra = 0
    found: list[pl.Series] = []
    for i in range(parts):
        part = keyed if parts == 1 else keyed.filter(pl.col("__key").hash(_SEED) % parts == i)
        shared, n, more = _shared(part.collect(engine="streaming").get_column("__key"))
        rows, extra = rows + n, extra + more
        if sum(len(s) for s in found) < KEEP_KEYS:
            found.append(shared.head(KEEP_KEYS))
    keys = pl.concat(found) if found else pl.Series("__key", [])
    mask = key.is_in(keys.implode())
    if keys.null_count():  # is_in never matches a null: the rows sharing the null key are counted
        mask = mask | key.is_null()
    mask = mask & keep
    few = len(columns) == 1 and 0 < len(keys) <= TWIN_KEYS and not keys.null_count()
    if few and (keys.dtype.is_integer() or keys.dtype == pl.String):  # equal as is_in has them
        prunable.keep(mask, pl.any_horizontal([key == k for k in keys]), table)
    return Duplicates(rows, extra, mask)


def _shared(keys: pl.Series) -> tuple[pl.Series, int, int]:
    """(the keys more than one row holds, in order, the null key first; those rows; the rows
    beyond the first of each key) of one partition. Sorted, equal keys are neighbours: a sort
    and a comparison with the previous key hold the keys twice, where grouping them held a
    hash table of every distinct key (5M integer keys in two partitions: 0.5x the memory of
    the streaming ``group_by``, 0.7x its CPU shuffled, 0.35x in order, as ids often are).
    Equal as grouping has it: NaN is NaN, -0.0 is 0.0, a struct's null fields are equal."""
    import polars as pl

    nulls = keys.null_count()
    ordered = keys.drop_nulls().sort() if nulls else keys.sort()
    same = ordered.eq_missing(ordered.shift(1))  # no null left: shift's own null never matches
    repeats = int(same.sum())
    rows = repeats + int((same.shift(-1, fill_value=False) & ~same).sum())  # + each run's first
    shared = ordered.filter(same).unique(maintain_order=True)
    if nulls > 1:
        shared = pl.concat([keys.filter(keys.is_null()).head(1), shared])
        rows, repeats = rows + nulls, repeats + nulls - 1
    return shared, rows, repeats
