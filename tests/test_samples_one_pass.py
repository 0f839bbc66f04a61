"""A streamed table's failing samples come from one pass over the rows failing any check
(``quality/samples.py``) and are, check by check, the rows its own ``filter(mask).head(n)`` gives:
in data order, with hidden columns in the masks, a data column named like a flag, a pass cut
short before a check has its rows, and a file gone bad since it was checked."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from check_tables import table
from meshguard.quality import samples
from meshguard.quality.results import HIDDEN

N = 500


def frame() -> pl.DataFrame:
    i = pl.int_range(0, N, eager=True)
    return pl.DataFrame(
        {
            "id": i,
            "kind": (i % 7).cast(pl.String),
            "__flag__0": i % 3,  # a data column named like the first flag
            f"{HIDDEN}id": ["x" if k % 97 == 5 else None for k in range(N)],
        }
    )


MASKS = {
    "rare": pl.col("id") == 400,  # one row, near the end: the whole file is read for it
    "common": pl.col("id") % 2 == 0,
    "hidden": pl.col(f"{HIDDEN}id").is_not_null(),
    "flag-named": pl.col("__flag__0") == 1,
    "nullable": pl.when(pl.col("id") > 450).then(pl.lit(True)).otherwise(None),
    "none": pl.col("id") < 0,
}


def alone(lazy: pl.LazyFrame, n: int) -> dict[str, pl.DataFrame]:
    t = table(lazy, samples=n)
    return {sid: t.rows_where(m, n) for sid, m in MASKS.items()}


@pytest.mark.parametrize("union_rows", [10_000, 300, 40, 1])
@pytest.mark.parametrize("n", [1, 3])
def test_one_pass_gives_each_checks_own_rows(
    union_rows: int, n: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(samples, "UNION_ROWS", union_rows)
    lazy = frame().lazy()
    got = samples.first_rows(table(lazy, samples=n), MASKS, n)
    want = alone(lazy, n)
    assert got.keys() == want.keys()
    for sid in MASKS:
        assert got[sid].equals(want[sid]), sid
        assert got[sid].columns == ["id", "kind", "__flag__0"]
    assert got["rare"].get_column("id").to_list() == [400]
    assert got["none"].height == 0


def test_the_table_fetches_its_late_samples_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    passes: list[int] = []
    real = pl.LazyFrame.collect

    def counted(self: pl.LazyFrame, *args: object, **kwargs: object) -> pl.DataFrame:
        passes.append(1)
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    t = table(frame().lazy(), masked={"kind"}, samples=2)
    monkeypatch.setattr(pl.LazyFrame, "collect", counted)
    for sid, mask in MASKS.items():
        assert t.failing_samples(sid, mask) == ()
    assert not passes
    late = t.pending_samples()
    assert len(passes) == 1
    assert [s["id"] for s in late["rare"]] == [400]
    assert [(s["id"], s["kind"]) for s in late["common"]] == [(0, "***"), (2, "***")]
    assert late["none"] == ()
    assert t.pending_samples() == {}


def test_a_file_gone_bad_since_its_checks_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    frame().write_parquet(path)
    t = table(pl.scan_parquet(path), samples=2)
    t.source = type("S", (), {"describe": lambda self: "t.parquet"})()
    t.failing_samples("rare", MASKS["rare"])
    path.write_bytes(b"not parquet at all")
    with pytest.raises(ValueError, match=r"^product shop: t\.parquet "):
        t.pending_samples()
