"""A unique key's failing rows include the rows sharing the null key (they are counted), and so
do its samples: on a file read lazily, the polars path's mask was ``is_in`` of the shared keys,
which never matches a null, so it showed 4 samples of 6 failing rows where Spark shows 5."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from spark_case import outcome, write_repo

SCHEMA = """\
    properties:
      - {name: id, logicalType: integer, unique: true}
      - {name: code, logicalType: integer}
"""


def test_the_null_keys_rows_are_samples_as_they_are_failing_rows(tmp_path: Path) -> None:
    ids = [*range(100), 5, 70, None, None]
    frame = pl.DataFrame({"id": ids, "code": range(104)}, schema_overrides={"id": pl.Int64})
    out = outcome(write_repo(tmp_path, "keys", "local", SCHEMA, frame), "keys", profile=False)
    unique = next(c for c in out.checks if c.id == "keys.id.unique")
    assert unique.failing_rows == 6
    assert [s["id"] for s in unique.samples] == [5, 70, 5, 70, None]
    assert [s["code"] for s in unique.samples] == [5, 70, 100, 101, 102]
