"""Bringing columns to the contract's types: the rows that did not convert, in memory and streamed.

In memory the failures are read off the converted columns; streamed they stay expressions beside
them. Both routes must mark the same rows of the same columns, in the columns' order."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
import yaml

from meshguard.contracts.model import Contract
from meshguard.quality.types import normalise
from meshguard.yamlio import parse_yaml

PROPS: list[dict[str, Any]] = [
    {"name": "n", "logicalType": "integer"},
    {"name": "s", "logicalType": "string"},
    {"name": "x", "logicalType": "number"},
    {"name": "d", "logicalType": "date"},
    {"name": "b", "logicalType": "boolean"},
    {"name": "ts", "logicalType": "timestamp"},
    {"name": "big", "logicalType": "integer"},
    {"name": "t", "logicalType": "time"},
]

TEXT = {
    "n": ["1", " 2 ", "x", None, "", "3.5"],
    "s": ["a", None, "b", "c", "d", "e"],
    "x": ["1.5", "nan", "one", None, " 2 ", "-0"],
    "d": ["2026-01-02", "2026-13-01", None, "  2026-02-03", "soon", "2026-02-30"],
    "b": ["yes", "N", "maybe", None, "1", ""],
    "ts": ["2026-01-02T03:04:05Z", "2026-01-02 03:04:05", "never", None, "2026-01-02", "x"],
    "big": [1, 2**64 - 1, None, 5, 2**63, 0],
    "t": ["10:00:00", "25:00:00", None, "noon", "00:00:01", "9"],
}


def _contract(props: list[dict[str, Any]] = PROPS) -> Contract:
    doc = {
        "apiVersion": "v3.0.2",
        "kind": "DataContract",
        "id": "types",
        "version": "1.0.0",
        "schema": [{"name": "t", "properties": props}],
    }
    parsed = parse_yaml(yaml.safe_dump(doc, sort_keys=False), "types.odcs.yaml")
    return Contract("types.odcs.yaml", parsed.data, parsed.lines)


def _frame() -> pl.DataFrame:
    columns = {k: pl.Series(k, v, dtype=pl.String) for k, v in TEXT.items() if k != "big"}
    return pl.DataFrame({**columns, "big": pl.Series("big", TEXT["big"], dtype=pl.UInt64)})


@pytest.mark.parametrize("typing", ["text", "json"])
def test_in_memory_and_streamed_mark_the_same_rows(typing: str) -> None:
    props = {p.path: p for p in _contract().properties}
    frame = _frame()
    eager = normalise(frame, props, typing)
    lazy = normalise(frame.lazy(), props, typing)
    assert isinstance(eager.frame, pl.DataFrame)
    streamed = lazy.frame.collect()  # type: ignore[union-attr]
    assert list(eager.parse_failures) == list(lazy.parse_failures)
    # text: every column but the string one converts; json: dates and times only (and the cast)
    expected = ["n", "x", "d", "b", "ts", "big", "t"] if typing == "text" else ["d", "ts", "big", "t"]
    assert list(eager.parse_failures) == expected
    for path, mask in eager.parse_failures.items():
        assert isinstance(mask, pl.Series)
        assert mask.name == f"__bad__{path}"
        want = streamed.select(lazy.parse_failures[path]).to_series()
        assert mask.to_list() == want.to_list(), path
        # a failure is a value present before and missing after: never a null to begin with
        before = frame.get_column(path).is_not_null()
        after = eager.frame.get_column(path).is_null()
        assert mask.to_list() == (before & after).to_list(), path
    assert eager.frame.columns == frame.columns  # no hidden column left in memory
    assert eager.frame.equals(streamed.select(frame.columns))
    if typing == "text":
        assert eager.parse_failures["n"].to_list() == [False, False, True, False, True, True]
    assert eager.parse_failures["big"].to_list() == [False, True, False, False, True, False]


CLEAN = {  # nulls, blanks in strings that parse, and no failure: each mask is all false
    "n": [" 1", None, "2", None],
    "x": ["1.5", None, "-0", "nan"],
    "d": ["2026-01-02", None, " 2026-02-03", "2026-02-28"],
    "b": ["yes", None, "N", "0"],
    "t": ["10:00:00", None, "00:00:01", "23:59:59"],
}


@pytest.mark.parametrize("rows", [4, 0])
def test_a_column_that_converts_everywhere_has_an_all_false_mask(rows: int) -> None:
    """The in-memory route skips the mask's queries when no row can have failed (as many nulls
    after as before); its mask must equal the computed one, name, dtype and values."""
    props = {p.path: p for p in _contract().properties if p.path in CLEAN}
    frame = pl.DataFrame({k: pl.Series(k, v, dtype=pl.String) for k, v in CLEAN.items()}).head(rows)
    frame = frame.with_columns(pl.Series("big", [1, None, 2**63 - 1, 0][:rows], dtype=pl.UInt64))
    props["big"] = next(p for p in _contract().properties if p.path == "big")
    eager = normalise(frame, props, "text")
    lazy = normalise(frame.lazy(), props, "text")
    streamed = lazy.frame.collect()  # type: ignore[union-attr]
    assert list(eager.parse_failures) == ["n", "x", "d", "b", "t", "big"]
    for path, mask in eager.parse_failures.items():
        assert isinstance(mask, pl.Series)
        computed = frame.get_column(path).is_not_null() & eager.frame.get_column(path).is_null()
        assert mask.equals(computed.alias(f"__bad__{path}"), check_names=True, check_dtypes=True), path
        assert mask.to_list() == streamed.select(lazy.parse_failures[path]).to_series().to_list(), path
        assert not mask.any()
    # one failure in one column: that column's mask is computed, the others stay all false
    broken = frame.with_columns(pl.Series("x", ["1.5", None, "one", "2"][:rows], dtype=pl.String))
    marked = normalise(broken, props, "text").parse_failures
    assert marked["x"].to_list() == [False, False, True, False][:rows]
    assert not marked["n"].any()


# --- every conversion keeps a null a null ----------------------------------------------------------
# The in-memory mask above is all false, with no query, when a column holds as many nulls after its
# conversion as before. That is right only if no conversion turns a null into a value (a
# ``fill_null``, an ``otherwise(default)``): then a row that failed and a null that was filled
# would cancel out in the counts. Every route of ``normalise`` (each source type family to each
# logical type, with and without a format, text / json / typed sources, in memory and streamed)
# is run below over columns holding nulls, and each null must stay null.

#: source columns: values of each type family, with nulls between them
SOURCES: dict[str, pl.Series] = {
    "str": pl.Series(["1", None, " 2 ", "x", None, ""], dtype=pl.String),
    "str_dates": pl.Series(["2026-01-02", None, "2026-01-02T03:04:05Z", "10:00:00", None, "no"]),
    "str_bools": pl.Series(["yes", None, "0", "maybe", None, "T"]),
    "int32": pl.Series([1, None, -2, 3, None, 0], dtype=pl.Int32),
    "int64": pl.Series([1, None, -2, 3, None, 0], dtype=pl.Int64),
    "uint64": pl.Series([1, None, 2**64 - 1, 3, None, 0], dtype=pl.UInt64),
    "int128": pl.Series([1, None, 2**100, 3, None, 0], dtype=pl.Int128),
    "float32": pl.Series([1.5, None, float("nan"), 3.0, None, 0.0], dtype=pl.Float32),
    "float64": pl.Series([1.5, None, float("inf"), 3.0, None, -0.0], dtype=pl.Float64),
    "decimal": pl.Series(["1.5", None, "2.25", "3", None, "0"], dtype=pl.String).cast(pl.Decimal(10, 2)),
    "bool": pl.Series([True, None, False, True, None, False], dtype=pl.Boolean),
    "date": pl.Series(["2026-01-02", None, "2026-02-03", "1970-01-01", None, "2026-12-31"]).str.to_date(),
    "naive": pl.Series(
        [
            "2026-01-02 03:04:05",
            None,
            "2026-02-03 00:00:00",
            "1970-01-01 00:00:00",
            None,
            "2026-12-31 23:59:59",
        ]
    ).str.to_datetime(time_unit="ns"),
    "time": pl.Series(["10:00:00", None, "00:00:01", "23:59:59", None, "12:00:00"]).str.to_time(),
    "null": pl.Series([None] * 6, dtype=pl.Null),
    "categorical": pl.Series(["a", None, "b", "a", None, ""], dtype=pl.Categorical),
    "list": pl.Series([[1], None, [], [2, 3], None, [0]], dtype=pl.List(pl.Int64)),
    "struct": pl.Series([{"a": 1}, None, {"a": 2}, {"a": None}, None, {"a": 0}]),
}
SOURCES["zoned"] = SOURCES["naive"].dt.replace_time_zone("Europe/Paris")
#: the logical types (and formats) a contract may ask of a column; None: an unknown type
KINDS: list[tuple[str | None, str | None]] = [
    *(
        (k, None)
        for k in ("string", "integer", "number", "boolean", "date", "timestamp", "time", "array", "object")
    ),
    ("date", "yyyy-MM-dd"),
    ("timestamp", "yyyy-MM-dd'T'HH:mm:ssX"),
    ("timestamp", "yyyy-MM-dd"),
    ("time", "%H:%M:%S"),
    (None, None),
]


def _every_route(typing: str) -> tuple[pl.DataFrame, dict[str, Any]]:
    columns: dict[str, pl.Series] = {}
    props: list[dict[str, Any]] = []
    for source, values in SOURCES.items():
        if source == "categorical" and typing != "typed":
            continue  # the CSV and JSON readers make strings; the parsers take String columns
        for kind, fmt in KINDS:
            name = f"{source}_{kind}_{len(props)}"
            columns[name] = values.alias(name)
            prop: dict[str, Any] = {"name": name, "logicalType": kind or "geometry"}
            if fmt:
                prop["logicalTypeOptions"] = {"format": fmt}
            props.append(prop)
    contract = _contract(props)
    return pl.DataFrame(columns), {p.path: p for p in contract.properties}


def _converted(typing: str) -> set[str]:
    """The ``source_kind`` columns whose type normalise changes: the routes of a conversion."""
    typed = {"date_timestamp", "naive_timestamp", "zoned_timestamp", "decimal_number", "float32_number"}
    typed |= {f"{s}_{k}" for s in ("int32", "uint64", "int128") for k in ("integer", "number")}
    typed |= {
        "int64_number",
        *(f"null_{k}" for k in ("string", "integer", "number", "boolean", "date", "timestamp", "time")),
    }
    if typing == "typed":
        return typed | {"categorical_string"}
    parsed = (
        ("date", "timestamp", "time")
        if typing == "json"
        else ("integer", "number", "boolean", "date", "timestamp", "time")
    )
    return typed | {f"{s}_{k}" for s in ("str", "str_dates", "str_bools") for k in parsed}


@pytest.mark.parametrize("streamed", [False, True], ids=["in memory", "streamed"])
@pytest.mark.parametrize("typing", ["text", "json", "typed"])
def test_every_conversion_keeps_a_null_a_null(typing: str, streamed: bool) -> None:
    frame, props = _every_route(typing)
    out = normalise(frame.lazy() if streamed else frame, props, typing)
    result = out.frame.collect() if isinstance(out.frame, pl.LazyFrame) else out.frame
    converted = {c.rsplit("_", 1)[0] for c in frame.columns if result.schema[c] != frame.schema[c]}
    assert converted == _converted(typing)  # every route ran
    filled = {
        c: result.get_column(c).filter(frame.get_column(c).is_null()).to_list()
        for c in frame.columns
        if result.get_column(c).filter(frame.get_column(c).is_null()).null_count()
        != frame.get_column(c).null_count()
    }
    assert filled == {}
    if not streamed:  # and the all-false shortcut gives exactly the computed mask
        for path, mask in out.parse_failures.items():
            assert isinstance(mask, pl.Series)
            computed = frame.get_column(path).is_not_null() & result.get_column(path).is_null()
            assert mask.to_list() == computed.to_list(), path
