"""A table (or view) of a DuckDB database file, opened read-only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meshguard.errors import DataError
from meshguard.sources.base import ReadOptions, Typing, quote_ident, scrub
from meshguard.sources.paths import resolve_data_paths

if TYPE_CHECKING:
    import polars as pl


class DuckDBSource:
    kind = "duckdb"
    typing: Typing = "typed"

    def __init__(
        self,
        path: str,
        *,
        root: Path,
        product: str,
        table: str | None = None,
        schema: str | None = None,
        allowed_roots: Sequence[Path] = (),
        base: Path | None = None,
    ) -> None:
        self.raw_path = path
        self.product = product
        self.table = table
        self.schema = schema
        self.file = resolve_data_paths(path, root, allowed_roots, product, base)[0]

    @classmethod
    def from_server(cls, server: Mapping[str, Any], *, root: Path, product: str, **kw: Any) -> DuckDBSource:
        custom = {
            p.get("property"): p.get("value")
            for p in server.get("customProperties", []) or []
            if isinstance(p, dict)
        }
        path = server.get("path") or server.get("database")
        if not isinstance(path, str) or not path:
            raise DataError(f"product {product}: duckdb server {server.get('server')!r} has no `path`")
        table = server.get("table") or custom.get("table")
        schema = server.get("schema") or custom.get("schema")
        return cls(
            path,
            root=root,
            product=product,
            table=table if isinstance(table, str) else None,
            schema=schema if isinstance(schema, str) else None,
            **kw,
        )

    def describe(self) -> str:
        return f"duckdb:{self.raw_path}"

    def object_name(self, table: str) -> str:
        name = quote_ident(self.table or table)
        return f"{quote_ident(self.schema)}.{name}" if self.schema else name

    def read(self, table: str, options: ReadOptions) -> pl.LazyFrame | pl.DataFrame:
        import duckdb

        sql = f"SELECT * FROM {self.object_name(table)}"
        # seeded samples drawn by DuckDB (repeatable on one thread); one more row tells it was a sample
        if options.limit is not None:
            sql += f" USING SAMPLE reservoir({int(options.limit) + 1} ROWS) REPEATABLE (42)"
        elif options.fraction is not None:
            sql += f" USING SAMPLE {float(options.fraction) * 100:.6f} PERCENT (bernoulli, 42)"
        try:
            sampling = options.limit is not None or options.fraction is not None
            con = duckdb.connect(str(self.file), read_only=True, config={"threads": 1} if sampling else {})
        except duckdb.Error as exc:
            raise DataError(
                f"product {self.product}: cannot open {self.raw_path!r}: {scrub(str(exc))}"
            ) from None
        try:
            con.execute("SET enable_progress_bar = false")  # never draw on stdout (JSON may go there)
            frame: pl.DataFrame = con.sql(sql).pl()
            return frame
        except duckdb.Error as exc:
            raise DataError(f"product {self.product}: {self.raw_path!r}: {scrub(str(exc))}") from None
        finally:
            con.close()
