"""Uniqueness on Spark: an integer key is first checked by bitmaps per 64-value range of the
key (:func:`meshguard.quality.spark_keys.shared_ranges`); when every shared value is held by
exactly two rows the bitmaps name them (:func:`meshguard.quality.spark_keys.pairs`), else only
the ranges holding a value twice go to the per-key job. The results are the polars path's, exactly.

Marked ``spark`` (run by scripts/test.sh in .venv-spark); one Spark session per process.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import meshguard.quality.spark_keys as spark_keys
from spark_case import outcome, write_repo

pytestmark = pytest.mark.spark

SCHEMA = """\
    properties:
      - {name: id, logicalType: integer, unique: true}
      - name: code
        logicalType: integer
        quality:
          - {metric: duplicateValues, mustBe: 0}
      - {name: label, logicalType: string, unique: true}
"""

FAR = 2**62
#: ids: 64 and 65 share a range with 65's three rows, -70 twice (a negative range), a far key
#: twice beside its neighbour, two nulls (a shared null key); codes: a pair, nulls (skipped)
IDS = [*range(60), 64, 65, 65, 65, 66, -70, -70, -1, FAR, FAR, FAR + 1, None, None, 200]
CODES = [*range(1000, 1060), 7, 7, None, None, *range(2000, 2000 + len(IDS) - 64)]


def _repo(root: Path, kind: str, ids: list[int | None], codes: list[int | None]) -> Path:
    import polars as pl

    labels = [f"l{i % (len(ids) - 3)}" for i in range(len(ids))]  # strings: the per-key job alone
    frame = pl.DataFrame({"id": ids, "code": codes, "label": labels}, schema_overrides={"id": pl.Int64})
    return write_repo(root, "keys", kind, SCHEMA, frame)


def _outcome(root: Path) -> str:
    out = outcome(root, "keys", profile=True)
    data = dict(out.data or {})
    data.pop("source", None)
    return json.dumps(
        {"checks": [c.to_dict() for c in out.checks], "data": data}, sort_keys=True, default=str
    )


def _both(tmp_path: Path, ids: list[int | None], codes: list[int | None]) -> tuple[str, str]:
    polars_side = _outcome(_repo(tmp_path / "polars", "local", ids, codes))
    return polars_side, _outcome(_repo(tmp_path / "spark", "spark", ids, codes))


@pytest.mark.parametrize("ranges", [4096, 0], ids=["shared-ranges", "every-row"])
def test_integer_keys_sharing_a_value_found_as_on_polars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ranges: int
) -> None:
    """Shared values within a range beside distinct ones, negative and far keys, two null keys,
    a duplicateValues metric that skips nulls: the counts and samples of the polars path, whether
    the per-key job reads the flagged ranges or (past SHARED_RANGES) every row."""
    monkeypatch.setattr(spark_keys, "SHARED_RANGES", ranges)
    monkeypatch.setattr(spark_keys, "SPARSE_SPAN", FAR)  # the far keys: the bitmap pass still
    polars_side, spark_side = _both(tmp_path, IDS, CODES)
    checks = {c["id"]: c for c in json.loads(spark_side)["checks"]}
    # rows sharing an id: 65 ×3, -70 ×2, FAR ×2, null ×2; a code: 7 ×2 (its nulls skipped)
    assert (checks["keys.id.unique"]["status"], checks["keys.id.unique"]["failing_rows"]) == ("failed", 9)
    assert checks["keys.code.duplicateValues.0"]["status"] == "failed"
    assert spark_side == polars_side


def _per_key_jobs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The key columns of every per-key job (the window) run from now on."""
    per_key: list[list[str]] = []
    real = spark_keys.per_key

    def shared(table: Any, columns: list[str], keep: Any, scope: Any) -> Any:
        per_key.append(columns)
        return real(table, columns, keep, scope)

    monkeypatch.setattr(spark_keys, "per_key", shared)
    return per_key


def test_a_unique_integer_key_runs_no_per_key_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No range of the key holds a value twice: the bitmap pass decides, the per-key job (a
    window over every row) does not run for it; a string key still goes to the per-key job."""
    per_key = _per_key_jobs(monkeypatch)
    ids: list[int | None] = [*range(-5, 100), 5000]
    codes: list[int | None] = [*range(len(ids) - 2), None, None]
    polars_side, spark_side = _both(tmp_path, ids, codes)
    assert spark_side == polars_side
    assert per_key == [["label"]], per_key


#: ids: pairs only (two in one range, a negative one, bit 63 of a range, a far key) and three null
#: keys; codes: a pair beside nulls (skipped)
PAIRED = [*range(60), 5, 7, -70, -70, 63, 63, FAR, FAR, None, None, None, 200, 7]
PAIRED_CODES = [*range(1000, 1060), 9, 9, None, None, *range(3000, 3000 + len(PAIRED) - 64)]


def test_integer_keys_shared_in_pairs_are_named_by_the_bitmaps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each shared value held by exactly two rows (the null key by three): the bitmaps give the
    counts and the shared rows, no per-key job runs for an integer key, and the results (counts,
    samples in data order) are the polars path's."""
    monkeypatch.setattr(spark_keys, "SPARSE_SPAN", FAR)  # the far keys: the bitmap pass still
    per_key = _per_key_jobs(monkeypatch)
    polars_side, spark_side = _both(tmp_path, PAIRED, PAIRED_CODES)
    checks = {c["id"]: c for c in json.loads(spark_side)["checks"]}
    # 5, 7, -70, 63, FAR twice each (7: the last row too, so three times), nulls ×3
    assert checks["keys.id.unique"]["failing_rows"] == 2 * 4 + 3 + 3
    assert spark_side == polars_side
    assert per_key == [["id"], ["label"]], per_key  # 7 is held three times: the window, once


def test_integer_keys_held_exactly_twice_run_no_per_key_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spark_keys, "SPARSE_SPAN", FAR)
    per_key = _per_key_jobs(monkeypatch)
    polars_side, spark_side = _both(tmp_path, PAIRED[:-1], PAIRED_CODES[:-1])
    checks = {c["id"]: c for c in json.loads(spark_side)["checks"]}
    assert checks["keys.id.unique"]["failing_rows"] == 2 * 5 + 3
    assert checks["keys.code.duplicateValues.0"]["status"] == "failed"
    assert spark_side == polars_side
    assert per_key == [["label"]], per_key


def test_a_sparse_integer_key_goes_to_the_per_key_job_without_the_bitmap_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key spanning far more than SPARSE_SPAN values per row (ids 2^40 apart: one 64-value range
    per row) skips the bitmap pass (it would group every row) for the window: the planted
    duplicate found, the results the polars path's; a dense key (codes) still takes the pass."""
    per_key = _per_key_jobs(monkeypatch)
    bitmapped: list[str] = []
    real = spark_keys.shared_ranges

    def ranges(df: Any, column: str, limit: int) -> Any:
        bitmapped.append(column)
        return real(df, column, limit)

    monkeypatch.setattr(spark_keys, "shared_ranges", ranges)
    ids: list[int | None] = [i << 40 for i in range(-40, 60)] + [7 << 40]
    codes: list[int | None] = [*range(len(ids) - 2), 3, None]
    polars_side, spark_side = _both(tmp_path, ids, codes)
    checks = {c["id"]: c for c in json.loads(spark_side)["checks"]}
    assert (checks["keys.id.unique"]["status"], checks["keys.id.unique"]["failing_rows"]) == ("failed", 2)
    assert checks["keys.code.duplicateValues.0"]["status"] == "failed"
    assert spark_side == polars_side
    assert (per_key, bitmapped) == ([["id"], ["label"]], ["code"]), (per_key, bitmapped)


@pytest.mark.parametrize(
    ("keys", "limit", "expected"),
    [
        ([0, 1, 2, 63, 64, 127], 10, []),  # two full ranges, nothing shared
        ([0, 63, 63, 64, 200, 200, 201], 10, [0, 3]),
        ([-1, -1, -64, -65], 10, [-1]),  # negative keys: arithmetic shift, low bits
        ([None, 5, 6], 10, []),  # one null key is not shared
        ([None, None, 5], 10, [None]),  # two are
        ([FAR, FAR, FAR + 1], 10, [FAR >> 6]),
        ([0, 0, 64, 64, 128, 128], 2, None),  # more ranges than the limit
        ([0, 0, 64, 64], 2, [0, 1]),
    ],
)
def test_shared_ranges_names_exactly_the_ranges_holding_a_value_twice(
    keys: list[int | None], limit: int, expected: list[int | None] | None
) -> None:
    from meshguard.quality.spark_keys import shared_ranges
    from meshguard.sources.spark import session

    spark = session({"master": "local[2]"})
    df = spark.createDataFrame([(k,) for k in keys], "k bigint")
    got = shared_ranges(df, "k", limit)
    assert (None if got is None else [r.bucket for r in got]) == expected


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ([0, 0, 63, 63, 5], ([0, 63], 0)),  # place 63: the sign bit of the long
        ([-70, -70, -1, -1, -2], ([-70, -1], 0)),
        ([FAR, FAR, 1, 1, None, None, None], ([1, FAR], 3)),
        ([4, 4, 4], None),  # three rows: not a pair
        ([4, 4, 4, 4, 9, 9], None),  # four rows: even, but more rows beyond than pairs
        ([4, 4, 4, 9, 9, 10, 10], None),  # a triple hidden among pairs of its range
    ],
)
def test_pairs_are_named_only_when_every_shared_value_is_held_twice(
    keys: list[int | None], expected: tuple[list[int], int] | None
) -> None:
    from meshguard.quality.spark_keys import pairs, shared_ranges
    from meshguard.sources.spark import session

    spark = session({"master": "local[2]"})
    ranges = shared_ranges(spark.createDataFrame([(k,) for k in keys], "k bigint"), "k", 100)
    assert ranges is not None
    got = pairs(ranges)
    assert (None if got is None else (sorted(got.values), got.null_rows)) == expected


def test_the_null_keys_rows_are_samples_as_they_are_failing_rows(tmp_path: Path) -> None:
    """Two pairs sharing an id and two null ids: 6 failing rows on both engines, and the fifth
    sample is the first null-key row on both (the polars path's mask, ``is_in`` of the shared
    keys, never matched a null, so it showed 4 samples of 6 failing rows)."""
    polars_side, spark_side = _both(tmp_path, [*range(100), 5, 70, None, None], list(range(104)))
    unique = {c["id"]: c for c in json.loads(polars_side)["checks"]}["keys.id.unique"]
    assert unique["failing_rows"] == 6
    assert [s["id"] for s in unique["samples"]] == [5, 70, 5, 70, None]
    assert spark_side == polars_side
