"""invalidValues on a text column with a few valid values compares them one by one instead of
hashing (library.FEW_VALUES): the failing rows, counts and samples are those of ``is_in``, for
nulls, the empty string, case, blanks and non-ASCII text, in memory and streamed."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from check_tables import rule, table
from meshguard.quality import library

VALUES = ["paid", "", "PAID", "paid ", "é", None, "x" * 40, "placed", "ok", "b"]
VALID = [["paid"], ["paid", ""], ["é", "placed", "ok", "b", "c", "d", "e", "f"], ["paid", None, "x" * 40]]


def _result(frame: pl.DataFrame | pl.LazyFrame, valid: list[object]) -> tuple[object, ...]:
    r = rule(field="s", metric="invalidValues", arguments={"validValues": valid}, mustBe=0)
    t = table(frame)
    got = library.library_check(t, r)
    mask = library.METRICS["invalidValues"](t, "s", r)
    rows = (frame.collect() if isinstance(frame, pl.LazyFrame) else frame).select(mask.alias("m"))
    return got.status, got.measured, got.failing_rows, got.samples, rows.get_column("m").to_list()


@pytest.mark.parametrize("valid", VALID)
def test_a_few_values_fail_the_rows_is_in_fails(
    tmp_path: Path, valid: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = pl.DataFrame({"s": VALUES})
    path = tmp_path / "t.parquet"
    frame.write_parquet(path)
    for data in (frame, pl.scan_parquet(path)):
        few = _result(data, valid)
        monkeypatch.setattr(library, "FEW_VALUES", 0)  # every list hashed, as before
        assert _result(data, valid) == few
        monkeypatch.undo()
    assert few[1] == sum(v is not None and v not in valid for v in VALUES)
