"""A check's samples fetched by its twin (meshguard.quality.prunable: the same rows in terms the
Parquet reader skips row groups by) are the rows its own mask gives: pandera's bounds on floats
(NaN, infinities, -0.0, nulls), integers, dates and text, and a few duplicated integer or text
keys; a float key, many keys or the null key keep no twin."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl
import pytest

from check_tables import table
from meshguard.quality import prunable, samples
from meshguard.quality.duplicates import duplicates
from meshguard.quality.pandera_polars import pandera_polars
from meshguard.quality.results import Table
from meshguard.quality.streaming import violation

NAN, INF = math.nan, math.inf
X = [1.5, NAN, None, -0.0, 0.0, INF, -INF, -2.0, 3.0, NAN, 0.5, None, 7.0, -1.0, 2.0, 0.0]


def _table(tmp_path: Path) -> Table:
    n = len(X)
    frame = pl.DataFrame(
        {
            "x": X,
            "i": [3, None, 1, 2, 3, 4, 5, 1, 9, 1, 8, 7, None, 6, 5, 0],
            "d": [dt.date(2020, 1, k % 28 + 1) if k % 5 else None for k in range(n)],
            "s": ["b", "a", None, "zz", "c", "a", "", "b", "q", "b", "c", None, "x", "y", "z", "a"],
            "f": [1.0, 2.0, 1.0, 3.0] * (n // 4),
        }
    )
    path = tmp_path / "t.parquet"
    frame.write_parquet(path, row_group_size=3)  # statistics per 3 rows: most groups skipped
    return table(pl.scan_parquet(path))


BOUNDS = {
    "x": [0.0, -0.0, 1.5, -INF, INF, NAN],
    "i": [0, 3, 9],
    "d": [dt.date(2020, 1, 10), dt.date(2019, 1, 1)],
    "s": ["b", "", "zz"],
}


@pytest.mark.parametrize("n", [1, 3, 50])
def test_a_bound_checks_samples_are_its_masks_rows(tmp_path: Path, n: int) -> None:
    t, pa = _table(tmp_path), pandera_polars()
    masks = {
        f"{column} {method} {value}": violation(getattr(pa.Check, method)(value), column, t)
        for column, values in BOUNDS.items()
        for value in values
        for method in ("ge", "gt", "le", "lt")
    }
    assert all(prunable.twin(m, t) is not None for m in masks.values())
    got = samples.first_rows(t, masks, n)
    for sid, mask in masks.items():
        assert got[sid].equals(t.rows_where(mask, n)), sid


def test_a_few_duplicated_keys_samples_are_their_masks_rows(tmp_path: Path) -> None:
    t = _table(tmp_path)
    found = {c: duplicates(t, [c], skip_nulls=skip) for c in ("i", "s") for skip in (False, True)}
    masks = {f"{c} {k}": d.mask for k, (c, d) in enumerate(found.items())}
    assert all(prunable.twin(m, t) is not None for m in masks.values())
    got = samples.first_rows(t, masks, 50)
    for sid, mask in masks.items():
        assert got[sid].equals(t.rows_where(mask, 50)), sid
        assert got[sid].height > 1


def test_no_twin_for_a_float_key_many_keys_or_the_null_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = _table(tmp_path)
    assert prunable.twin(duplicates(t, ["f"], skip_nulls=False).mask, t) is None  # -0.0 and 0.0 are one key
    assert prunable.twin(duplicates(t, ["i", "s"], skip_nulls=False).mask, t) is None
    monkeypatch.setattr("meshguard.quality.duplicates.TWIN_KEYS", 2)
    t = _table(tmp_path)
    assert prunable.twin(duplicates(t, ["i"], skip_nulls=True).mask, t) is None  # 3 keys
    monkeypatch.undo()
    with_null = duplicates(t, ["i"], skip_nulls=False)  # two rows hold the null key
    assert prunable.twin(with_null.mask, t) is None


def test_each_table_keeps_its_own_twins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long run checks many tables: each keeps its twins (a process-wide store, capped, stopped
    pruning after the first LIMIT masks of the run), and a table never sees another's."""
    monkeypatch.setattr(prunable, "LIMIT", 2)
    check = pandera_polars().Check.ge(0)
    tables = [_table(tmp_path) for _ in range(4)]
    masks = [violation(check, "x", t) for t in tables]
    assert all(prunable.twin(m, t) is not None for m, t in zip(masks, tables, strict=True))
    assert prunable.twin(masks[0], tables[1]) is None
    assert violation(check, "x") is not None and not any(len(t.twins) > 1 for t in tables)
