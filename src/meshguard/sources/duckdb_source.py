"""A table (or view) of a DuckDB database file, opened read-only and checked in place through Ibis.

The connection has no access to other files (``enable_external_access = false``):
SQL quality rules see the database and nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from meshguard.errors import DataError
from meshguard.sources.base import Capabilities, ReadOptions, Typing, scrub
from meshguard.sources.dbfile import DatabaseFile

if TYPE_CHECKING:
    import polars as pl


class DuckDBSource(DatabaseFile):
    kind = "duckdb"
    extra = "duckdb"
    capabilities: ClassVar[Capabilities] = Capabilities(
        backend="ibis", samples_fraction=True, server_sql=True
    )
    typing: Typing = "typed"

    def _open(self, threads: int | None = None) -> Any:
        import duckdb

        config: dict[str, Any] = {"enable_external_access": False}
        if threads:
            config["threads"] = threads
        try:
            con = duckdb.connect(str(self.file), read_only=True, config=config)
        except duckdb.Error as exc:
            raise DataError(
                f"product {self.product}: cannot open {self.raw_path!r}: {scrub(str(exc))}"
            ) from None
        con.execute("SET enable_progress_bar = false")  # never draw on stdout (JSON may go there)
        return con

    def _ibis(self, con: Any) -> Any:
        import ibis

        return ibis.duckdb.from_connection(con)

    def read(self, table: str, options: ReadOptions) -> pl.LazyFrame | pl.DataFrame:
        """The rows as a polars frame: only for what must be in memory (a relationship's keys)."""
        import duckdb

        sql = f"SELECT * FROM {self.object_name(table)}"
        # seeded samples drawn by DuckDB (repeatable on one thread); one more row tells it was a sample
        if options.limit is not None:
            sql += f" USING SAMPLE reservoir({int(options.limit) + 1} ROWS) REPEATABLE (42)"
        elif options.fraction is not None:
            sql += f" USING SAMPLE {float(options.fraction) * 100:.6f} PERCENT (bernoulli, 42)"
        sampling = options.limit is not None or options.fraction is not None
        con = self._open(threads=1 if sampling else None)
        try:
            frame: pl.DataFrame = con.sql(sql).pl()
            return frame
        except duckdb.Error as exc:
            raise DataError(f"product {self.product}: {self.raw_path!r}: {scrub(str(exc))}") from None
        finally:
            con.close()
