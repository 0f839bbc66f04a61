"""The protocol every data source implements, its declared capabilities, and shared helpers.

A source reads one schema object (table) of a data product as a polars
``LazyFrame`` (or ``DataFrame``) and describes itself in one line. What else it
can do is declared in its :class:`Capabilities` (never probed): which quality
backend checks its tables (``polars`` over frames, ``ibis`` in the database,
``spark``), whether it knows a table's size in bytes (large files are streamed),
whether it draws fraction samples itself, and whether SQL quality rules run on
its own server (then it also implements :class:`SqlSource`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

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


@dataclass(frozen=True)
class Capabilities:
    """What a source can do, declared by its class."""

    #: the quality backend that checks its tables (a key of meshguard.quality.backends.BACKENDS)
    backend: str = "polars"
    #: ``size(table)`` gives the bytes of a table (a table over ``data.large_file_bytes``, or a
    #: columnar one, is streamed): see :class:`SizedSource`
    sizes: bool = False
    #: ``read`` draws a ``--sample-fraction`` sample itself
    samples_fraction: bool = False
    #: SQL quality rules run on the source's own server (``object_name`` + ``query_one``)
    server_sql: bool = False


class Source(Protocol):
    kind: str
    typing: Typing
    capabilities: ClassVar[Capabilities]

    def describe(self) -> str:
        """One line naming the source (never credentials)."""
        ...

    def read(self, table: str, options: ReadOptions) -> pl.LazyFrame | pl.DataFrame:
        """The rows of ``table`` (a schema object's physical name or name)."""
        ...


class SqlSource(Protocol):
    """A source declaring ``server_sql``: it runs read-only SQL quality rules itself."""

    def object_name(self, table: str) -> str:
        """The quoted name that replaces ``{object}`` / ``{model}`` in a rule."""
        ...

    def query_one(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one read-only SELECT, return its rows."""
        ...


class SizedSource(Protocol):
    """A source declaring ``sizes``."""

    #: its tables are columnar files (Parquet): a lazy scan reads only the columns a pass needs,
    #: so the checks stream (one aggregation pass) whatever the size
    columnar: bool

    def size(self, table: str) -> int:
        """Bytes of ``table``."""
        ...


#: a quoted span, or a quote left open to the end of the line (the value it quotes runs on to
#: the next lines, as a CSV field with a newline in polars' "could not parse `…` as dtype"); a
#: single quote opens one only where it is not a word's apostrophe ("doesn't", "users'")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|[\"`].*|(?<![A-Za-z0-9])'.*", re.DOTALL)


def scrub(message: str, limit: int = 200) -> str:
    """An engine's error message without the data values it may quote (first line only)."""
    first = (message.strip().splitlines() or [""])[0]
    return _QUOTED.sub("'…'", first)[:limit]


def custom_properties(server: Mapping[str, Any]) -> dict[Any, Any]:
    """A server entry's ``customProperties`` as a dict."""
    return {
        p.get("property"): p.get("value")
        for p in server.get("customProperties", []) or []
        if isinstance(p, dict)
    }


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
