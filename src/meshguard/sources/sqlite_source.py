"""A table of a SQLite database file, opened read-only and checked in place through Ibis."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from meshguard.errors import DataError
from meshguard.sources.base import Capabilities, ReadOptions, Typing, scrub
from meshguard.sources.dbfile import DatabaseFile

if TYPE_CHECKING:
    import polars as pl


class SQLiteSource(DatabaseFile):
    kind = "sqlite"
    extra = "sqlite"
    capabilities: ClassVar[Capabilities] = Capabilities(backend="ibis", server_sql=True)
    typing: Typing = "typed"

    def _open(self) -> Any:
        import sqlite3

        try:
            return sqlite3.connect(f"{self.file.as_uri()}?mode=ro", uri=True, check_same_thread=False)
        except sqlite3.Error as exc:
            raise DataError(
                f"product {self.product}: cannot open {self.raw_path!r}: {scrub(str(exc))}"
            ) from None

    def _ibis(self, con: Any) -> Any:
        import ibis

        return ibis.sqlite.from_connection(con)

    def read(self, table: str, options: ReadOptions) -> pl.LazyFrame | pl.DataFrame:
        """The rows as a polars frame: only for what must be in memory (a relationship's keys)."""
        import polars as pl

        t = self.ibis_table(table)
        if options.limit is not None:
            t = t.limit(options.limit + 1)
        got = pl.from_arrow(t.to_pyarrow())
        assert isinstance(got, pl.DataFrame)
        return got
