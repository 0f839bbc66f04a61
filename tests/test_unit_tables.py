"""The table a check measures, in-process (``quality/results.py``): the same answers in memory and
streamed (rows, counts, extremes, delays, orphans, selected rows), hidden columns, masked samples and
samples fetched late (a streamed table's, and another engine's)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any, ClassVar

import polars as pl
import pytest

from check_tables import contract, table
from meshguard.quality.results import HIDDEN, Table, sample_rows, samples_of, with_samples
from meshguard.results.model import CheckResult


def frame() -> pl.DataFrame:
    t0 = dt.datetime(2025, 1, 1)
    return pl.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "ref": [10, 20, None, 40],
            "kind": ["a", "b", "a", "b"],
            "start": [t0, t0, t0, None],
            "end": [t0 + dt.timedelta(seconds=s) for s in (30, 90, 60)] + [t0],
            f"{HIDDEN}id": [None, "x", None, None],
        }
    )


@pytest.fixture(params=[False, True], ids=["memory", "streamed"])
def t(request: pytest.FixtureRequest) -> Table:
    f = frame()
    return table(f.lazy() if request.param else f, masked={"kind"}, samples=2)


def test_hidden_columns_are_not_data(t: Table) -> None:
    assert t.columns == ["id", "ref", "kind", "start", "end"]
    assert t.dtype("ref") == pl.Int64


def test_rows_and_counts(t: Table) -> None:
    assert t.rows == 4
    assert t.count(pl.col("ref") > 15) == 2  # the null is not counted
    assert t.count(pl.col("ref") > 100) == 0
    assert t.scalars(pl.col("id").sum(), pl.col("id").max().alias("top")) == (10, 4)


def test_a_streamed_row_count_is_kept() -> None:
    t = table(frame().lazy(), samples=2)
    t.row_count = 99
    assert t.rows == 99
    fresh = table(frame().lazy())
    assert (fresh.rows, fresh.row_count) == (4, 4)
    assert table(frame()).row_count is None


def test_streaming_and_the_frame_in_memory() -> None:
    lazy, eager = table(frame().lazy()), table(frame())
    assert (lazy.streaming, eager.streaming) == (True, False)
    assert eager.eager is eager.frame
    with pytest.raises(AssertionError, match="this check needs the data in memory"):
        _ = lazy.eager


def test_extremes(t: Table) -> None:
    assert (t.extreme("ref", "max"), t.extreme("ref", "min")) == (40, 10)


def test_latency(t: Table) -> None:
    worst, late, mask = t.latency("start", "end", 59.0)
    assert (worst, late) == (90.0, 2)
    assert t.count(mask) == 2
    assert t.latency("start", "end", 90.0)[:2] == (90.0, 0)


def test_orphans(t: Table) -> None:
    keys = pl.DataFrame({"ref": [10, 40]})
    n, mask = t.orphans(["ref"], keys)
    assert (n, t.count(mask)) == (1, 1)  # 20; a null refers to nothing
    pairs = pl.DataFrame({"ref": [10, 20], "kind": ["a", "a"]})
    assert t.orphans(["ref", "kind"], pairs)[0] == 2  # (20, b) and (40, b)


def test_duplicates(t: Table) -> None:
    d = t.duplicates(["kind"], skip_nulls=True)
    assert (d.rows, d.extra, t.count(d.mask)) == (4, 2, 4)


def test_selected_rows(t: Table) -> None:
    assert t.select(["id", "kind"]).to_dicts()[1] == {"id": 2, "kind": "b"}
    picked = t.rows_where(pl.col("ref") < 35, 5)
    assert picked.columns == ["id", "ref", "kind", "start", "end"]
    assert picked.get_column("id").to_list() == [1, 2]
    assert t.rows_where(pl.col("ref") < 35, 1).get_column("id").to_list() == [1]


def test_samples_are_masked_and_limited(t: Table) -> None:
    now = t.failing_samples("c1", pl.col("id") > 1)
    assert not now if t.streaming else now  # a streamed table's come late, in one pass
    samples = t.pending_samples()["c1"] if t.streaming else now
    assert [(s["id"], s["kind"]) for s in samples] == [(2, "***"), (3, "***")]
    assert t.pending_samples() == {}


def test_samples_from_a_mask_indexes_or_an_expression() -> None:
    t = table(frame(), samples=2)
    by_mask = sample_rows(t, pl.Series([False, True, None, True]))
    assert [s["id"] for s in by_mask] == [2, 4]
    assert [s["id"] for s in sample_rows(t, [3, 0, 1])] == [4, 1]
    assert sample_rows(t, []) == ()
    assert [s["id"] for s in sample_rows(t, pl.col("id") >= 2)] == [2, 3]
    assert sample_rows(table(frame(), samples=0), [0]) == ()


def test_samples_with_dates_out_of_range_are_text() -> None:
    far = pl.DataFrame({"d": [dt.date(2025, 1, 1)], "name": ["ann@x.org"]}).with_columns(
        pl.col("d") + pl.duration(days=3_000_000)
    )
    assert samples_of(far, {"name"}) == ({"d": "+10238-09-22", "name": "***@***.org"},)
    assert samples_of(pl.DataFrame({"d": [dt.date(2025, 1, 2)]}), ()) == ({"d": "2025-01-02"},)


def test_an_engine_that_does_not_run_sql() -> None:
    with pytest.raises(NotImplementedError, match=r"^this engine does not run SQL itself$"):
        table(frame()).run_sql("select 1")
    assert Table.pushes_sql is False


class LateTable(Table):
    """An engine that fetches every check's samples in one go, after the checks."""

    late: ClassVar[dict[str, tuple[dict[str, Any], ...]]] = {}

    def failing_samples(self, check_id: str, failing: Any) -> tuple[dict[str, Any], ...]:
        return ()

    def pending_samples(self) -> dict[str, tuple[dict[str, Any], ...]]:
        return self.late


def result(id: str, schema: str | None) -> CheckResult:
    return CheckResult(id=id, name=id, stage="quality", status="failed", schema=schema)


def test_samples_fetched_late_reach_their_checks() -> None:
    c = contract()
    customers = LateTable(c, c.schemas[0], frame(), frozenset(), 5, False)
    orders = LateTable(c, c.schemas[1], frame(), frozenset(), 5, False)
    LateTable.late = {"c1": ({"id": 1},)}
    checks = [
        result("c1", "customers"),
        result("c2", "customers"),
        result("c1", "shipments"),
        result("c1", None),
    ]
    out = with_samples(checks, [customers])
    assert [x.samples for x in out] == [({"id": 1},), (), (), ()]
    assert out[1] is checks[1]
    LateTable.late = {}
    assert with_samples(checks, [customers, orders]) is checks
    nameless = LateTable(c, c.schemas[0], frame(), frozenset(), 5, False)
    object.__setattr__(nameless.schema, "name", "")
    LateTable.late = {"c1": ({"id": 2},)}
    try:
        assert [x.samples for x in with_samples(checks, [nameless])] == [(), (), (), ({"id": 2},)]
    finally:
        object.__setattr__(nameless.schema, "name", "customers")


def test_value_checks_of_a_streamed_table() -> None:
    t = table(frame().lazy())
    required = SimpleNamespace(id="customers.ref.required")
    found, errors = t.value_failures(
        SimpleNamespace(parse_failures={}), {}, {("ref", "not_nullable"): required}, None, ()
    )
    assert (list(found), found["customers.ref.required"].count, errors) == (["customers.ref.required"], 1, {})
