"""The protocol every data source implements, and the errors they share.

A source reads one schema object (table) of a data product as a polars
``LazyFrame`` (or ``DataFrame``) and describes itself in one line. Sources
whose engine can run SQL themselves (PostgreSQL) also implement
:class:`SqlSource`; the others get their SQL quality rules run by DuckDB over
the loaded frame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    import polars as pl

#: how typed the values a source returns are:
#: "text" — every value is a string (CSV): anything may be parsed to the contract's type;
#: "json" — numbers/booleans typed, dates are strings: strings may be parsed to dates/times;
#: "typed" — the source has real types (Parquet, DuckDB, PostgreSQL): only lossless widening.
Typing = Literal["text", "json", "typed"]


@dataclass(frozen=True)
class ReadOptions:
    """What to read: at most ``limit`` rows (None: all), or a ``fraction`` sample."""

    limit: int | None = None
    fraction: float | None = None
    large_file_bytes: int | None = None


@runtime_checkable
class Source(Protocol):
    kind: str
    typing: Typing

    def describe(self) -> str:
        """One line naming the source (never credentials)."""
        ...

    def read(self, table: str, options: ReadOptions) -> pl.LazyFrame | pl.DataFrame:
        """The rows of ``table`` (a schema object's physical name or name)."""
        ...


@runtime_checkable
class SqlSource(Protocol):
    """A source that runs read-only SQL quality rules itself."""

    def object_name(self, table: str) -> str:
        """The quoted name that replaces ``{object}`` / ``{model}`` in a rule."""
        ...

    def query_one(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one read-only SELECT, return its rows."""
        ...


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`")


def scrub(message: str, limit: int = 200) -> str:
    """An engine's error message without the data values it may quote (first line only)."""
    first = (message.strip().splitlines() or [""])[0]
    return _QUOTED.sub("'…'", first)[:limit]


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
