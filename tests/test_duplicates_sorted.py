"""A streamed table's duplicate keys, found by sorting each hash partition's keys, are the ones the
in-memory path finds (``is_duplicated``): counts, the rows beyond each key's first, and the mask,
whatever the partitions, for keys holding nulls, NaN, -0.0 beside 0.0, text and composite keys."""

from __future__ import annotations

import random

import polars as pl
import pytest

from check_tables import table
from meshguard.quality import duplicates
from meshguard.quality.duplicates import Duplicates

NAN = float("nan")
POOLS: list[list[object]] = [
    [1, 2, 3, None],
    [NAN, -0.0, 0.0, 1.5, None],
    ["a", "b", "c", None],
    list(range(60)),
]


def frames() -> list[pl.DataFrame]:
    rng = random.Random(7)
    out = []
    for pool in POOLS:
        for n in (0, 1, 2, 7, 40):
            a = [rng.choice(pool) for _ in range(n)]
            b = [rng.choice([1, 2, None]) for _ in range(n)]
            out.append(pl.DataFrame({"a": a, "b": b}, strict=False))
    return out


def _seen(found: Duplicates, frame: pl.DataFrame) -> tuple[int, int, list[bool]]:
    mask = frame.select(found.mask.fill_null(False).alias("m")).get_column("m").to_list()
    return found.rows, found.extra, mask


@pytest.mark.parametrize("part_rows", [3, 10, 1_000])
@pytest.mark.parametrize("columns", [["a"], ["a", "b"]])
@pytest.mark.parametrize("skip_nulls", [False, True])
def test_sorted_partitions_find_what_memory_finds(
    part_rows: int, columns: list[str], skip_nulls: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(duplicates, "PART_ROWS", part_rows)
    for frame in frames():
        memory = duplicates.duplicates(table(frame), columns, skip_nulls=skip_nulls)
        streamed = duplicates.duplicates(table(frame.lazy()), columns, skip_nulls=skip_nulls)
        assert _seen(streamed, frame) == _seen(memory, frame), frame.to_dict(as_series=False)


def test_shared_keys_of_a_partition() -> None:
    keys = pl.Series("k", [3, None, 1, 3, None, 2, 3, None, 1])
    shared, rows, extra = duplicates._shared(keys)
    assert shared.to_list() == [None, 1, 3]
    assert (rows, extra) == (8, 5)  # three nulls, two 1s, three 3s; beyond each first: 2 + 1 + 2
    shared, rows, extra = duplicates._shared(pl.Series("k", [NAN, -0.0, 0.0, NAN, 1.0]))
    assert (len(shared), rows, extra) == (2, 4, 2)
