"""A SQL rule of the form ``SELECT COUNT(*) FROM {object} WHERE <column> <op> <number>`` is counted
by polars (``quality/sqlcount.py``) only where DuckDB's answer is certain, and then gives DuckDB's
count: each operator and number against float columns (null, NaN, ±inf, -0.0) and integer ones,
in memory and streamed; every other form, type, name or number runs in DuckDB as before."""

from __future__ import annotations

import itertools
import sys
from typing import Any

import polars as pl
import pytest

from check_tables import contract, rule, table
from meshguard.quality import sqlrules
from meshguard.quality.results import Table
from meshguard.quality.sqlcount import _RESERVED, counted_mask
from meshguard.quality.sqlrules import _run_local, sql_check

NAN, INF = float("nan"), float("inf")


def frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "amount": [NAN, -0.0, 0.0, INF, -INF, None, 1.0, 10000.0, 10000.5, -5.0, 0.1, 2.5e15],
            "n": [None, -5, 0, 1, 7, 10000, 10001, -(2**62), 2**62, 3, 3, 999_999_999_999_999],
            "small": pl.Series([1, 2, 3, None, 5, 6, 7, 8, 9, 10, 11, 12], dtype=pl.UInt8),
            "f32": pl.Series([NAN, 0.1, 0.5, None, 1, 2, 3, 4, 5, 6, 7, 8], dtype=pl.Float32),
            "word": ["a", "b", None, "c", "d", "e", "f", "g", "h", "i", "j", "k"],
            "My Col": [1.5, None, NAN, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "Dup": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
            "dup": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        },
        strict=False,
    )


OPS = ["<", "<=", ">", ">=", "=", "!=", "<>"]
NUMBERS = ["0", "-5", "10000", "10000.5", "0.0", "-0.0", "0.1", "1", "999999999999999", "2.5"]
COLUMNS = ["amount", "n", "small", '"amount"', '"My Col"']


def duckdb_count(con: Any, query: str) -> int:
    """The count DuckDB gives, the frame a view named as ``_run_local`` names it."""
    duckdb = pytest.importorskip("duckdb")
    try:
        return int(con.execute(query.replace("{object}", '"customers"')).fetchall()[0][0])
    except duckdb.Error as exc:
        raise sqlrules.Refused(str(exc)) from None


@pytest.fixture(scope="module")
def con() -> Any:
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect(":memory:")
    con.register("__meshguard_frame", frame())
    con.execute('CREATE VIEW "customers" AS SELECT * FROM __meshguard_frame')
    return con


@pytest.mark.parametrize("streamed", [False, True], ids=["memory", "streamed"])
def test_every_operator_and_number_counts_as_duckdb_does(streamed: bool, con: Any) -> None:
    f = frame()
    t = table(f.lazy() if streamed else f)
    counted = 0
    for column, op, number in itertools.product(COLUMNS, OPS, NUMBERS):
        for sep in (" ", ""):
            query = f"SELECT COUNT(*) FROM {{object}} WHERE {column}{sep}{op}{sep}{number}"
            mask = counted_mask(query, t)
            if column in ("n", "small") and "." in number:
                assert mask is None, query  # an integer against a decimal: DuckDB's own
            elif op == "!=" and not sep and number.startswith("-"):
                assert mask is None, query  # DuckDB reads '!=-' as one operator: its own error
                with pytest.raises(sqlrules.Refused, match="!=-"):
                    duckdb_count(con, query)
            else:
                assert mask is not None, query
                assert t.count(mask) == duckdb_count(con, query), query
                counted += 1
    assert counted > 400
    query = "SELECT COUNT(*) FROM {object} WHERE amount > 10000"  # the rule's own path agrees
    assert _run_local(t, query.replace("{object}", '"customers"')) == [(duckdb_count(con, query),)]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT COUNT(*) FROM {object} WHERE n > 99999999999999999",  # beyond 15 digits
        "SELECT COUNT(*) FROM {object} WHERE f32 > 0.1",  # a 32-bit float: 0.1 is not the double
        "SELECT COUNT(*) FROM {object} WHERE word > 1",  # text
        "SELECT COUNT(*) FROM {object} WHERE Amount > 1",  # DuckDB's names ignore case
        "SELECT COUNT(*) FROM {object} WHERE dup > 1",  # ... so 'dup' and 'Dup' are ambiguous
        "SELECT COUNT(*) FROM {object} WHERE missing > 1",
        "SELECT COUNT(*) FROM {object} WHERE amount > 1 AND n < 5",
        "SELECT COUNT(*) FROM {object} WHERE amount > 1e3",
        "SELECT COUNT(*) FROM {object} WHERE amount > - 5",
        "SELECT COUNT(*) FROM {object} WHERE amount > 1 -- a comment",
        "SELECT COUNT(*) FROM {object} WHERE amount > 1; SELECT 1",
        "SELECT COUNT(*) FROM customers WHERE amount > 1",
        "SELECT COUNT(amount) FROM {object} WHERE amount > 1",
        "SELECT COUNT(*) FROM {object} WHERE amount\u00a0> 1",  # not a blank to DuckDB's lexer
        'SELECT COUNT(*) FROM {object} WHERE "am""ount" > 1',
        "SELECT COUNT(*) FROM {object} WHERE user > 1",  # a name DuckDB binds itself
    ],
)
def test_other_forms_run_in_duckdb(query: str) -> None:
    assert counted_mask(query, table(frame())) is None


def test_a_column_named_like_a_keyword_runs_in_duckdb() -> None:
    t = table(pl.DataFrame({"order": [1, 2], "rowid": [3, 4], "Value": [1, 2]}))
    for name in ("order", "rowid"):
        assert counted_mask(f"SELECT COUNT(*) FROM {{object}} WHERE {name} > 1", t) is None
    assert counted_mask('SELECT COUNT(*) FROM {object} WHERE "order" > 1', t) is not None
    assert counted_mask("select count(*) from {model} where Value >= 2;", t) is not None
    assert {"select", "where", "null", "order"} <= _RESERVED


def test_the_reserved_words_are_duckdbs() -> None:
    duckdb = pytest.importorskip("duckdb")
    words = duckdb.sql("select keyword_name from duckdb_keywords() where keyword_category != 'unreserved'")
    assert {w for (w,) in words.fetchall()} <= _RESERVED


def test_the_rule_counts_without_duckdb(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object, **kwargs: object) -> Any:
        raise AssertionError("DuckDB was asked")

    monkeypatch.setattr(sqlrules, "guard", refused)
    monkeypatch.setattr(sqlrules, "_run_local", refused)
    t = table(frame().lazy(), of=contract())
    got = sql_check(
        t, rule(None, type="sql", query="SELECT COUNT(*) FROM {object} WHERE amount > 10000", mustBe=0)
    )
    assert (got.status, got.measured, got.message) == ("failed", 4, "query returned 4, expected = 0")
    monkeypatch.undo()
    other = sql_check(
        t, rule(None, type="sql", query="SELECT COUNT(*) FROM {object} WHERE amount > 1e4", mustBe=0)
    )
    assert (other.status, other.measured, other.message) == ("failed", 4, "query returned 4, expected = 0")


def test_a_streamed_count_imports_neither_duckdb_nor_pyarrow(tmp_path: Any) -> None:
    import subprocess

    path = tmp_path / "t.parquet"
    frame().select("amount").write_parquet(path)
    code = f"""
import sys
import polars as pl
from check_tables import rule, table
from meshguard.quality.sqlrules import sql_check
t = table(pl.scan_parquet({str(path)!r}))
got = sql_check(t, rule(None, type="sql", query="SELECT COUNT(*) FROM {{object}} WHERE amount > 10000", mustBe=0))
print(got.measured, "duckdb" in sys.modules, "pyarrow" in sys.modules)
"""
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
        env={"PYTHONPATH": ":".join(sys.path)},
    )
    assert out.stdout.split() == ["4", "False", "False"]


def test_another_engines_table_runs_in_duckdb() -> None:
    class Counting(Table):  # an engine whose masks are its own (as the Ibis table's are)
        def count(self, mask: Any) -> int:
            raise AssertionError("a polars mask handed to another engine")

    c = contract()
    t = Counting(c, c.schemas[0], frame(), frozenset(), 5, False)
    got = sql_check(
        t, rule(None, type="sql", query="SELECT COUNT(*) FROM {object} WHERE amount > 10000", mustBe=0)
    )
    assert (got.status, got.measured) == ("failed", 4)
