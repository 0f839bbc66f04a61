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


def _contract() -> Contract:
    doc = {
        "apiVersion": "v3.0.2",
        "kind": "DataContract",
        "id": "types",
        "version": "1.0.0",
        "schema": [{"name": "t", "properties": PROPS}],
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
