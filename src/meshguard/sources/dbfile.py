"""What the sources reading a database file (DuckDB, SQLite) share: the server entry, the
file inside the repo, read-only connections, SQL rules with a time limit."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from meshguard.errors import DataError, MissingExtra
from meshguard.sources.base import custom_properties, quote_ident, scrub
from meshguard.sources.paths import resolve_data_paths

#: seconds a SQL quality rule may run
TIMEOUT_S = 60.0


class DatabaseFile:
    """A table of a database file inside the repo; subclasses open it read-only."""

    kind = "database file"
    extra = ""  # the meshguard extra that installs its Ibis backend

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
    def from_server(
        cls,
        server: Mapping[str, Any],
        *,
        root: Path,
        product: str,
        allowed_roots: Sequence[Path] = (),
        base: Path | None = None,
        **_: Any,
    ) -> Any:
        custom = custom_properties(server)
        path = server.get("path") or server.get("database")
        if not isinstance(path, str) or not path:
            raise DataError(f"product {product}: {cls.kind} server {server.get('server')!r} has no `path`")
        table = server.get("table") or custom.get("table")
        schema = server.get("schema") or custom.get("schema")
        return cls(
            path,
            root=root,
            product=product,
            table=table if isinstance(table, str) else None,
            schema=schema if isinstance(schema, str) else None,
            allowed_roots=allowed_roots,
            base=base,
        )

    def describe(self) -> str:
        return f"{self.kind}:{self.raw_path}"

    def object_name(self, table: str) -> str:
        name = quote_ident(self.table or table)
        return f"{quote_ident(self.schema)}.{name}" if self.schema else name

    def _open(self) -> Any:
        """A read-only DB-API connection to the file."""
        raise NotImplementedError

    def _ibis(self, con: Any) -> Any:
        """The Ibis backend over the connection ``con``."""
        raise NotImplementedError

    def ibis_table(self, table: str) -> Any:
        """The table on a read-only Ibis connection to the file."""
        try:
            backend = self._ibis(self._open())
        except ImportError:
            raise MissingExtra(f"a {self.kind} source (checked in place through Ibis)", self.extra) from None
        try:
            return backend.table(self.table or table, database=self.schema)
        except Exception as exc:  # no such table
            raise DataError(f"product {self.product}: {self.raw_path!r}: {scrub(str(exc))}") from None

    def query_one(self, sql: str) -> list[tuple[Any, ...]]:
        """One read-only SELECT, stopped after :data:`TIMEOUT_S`."""
        con = self._open()
        timer = threading.Timer(TIMEOUT_S, con.interrupt)  # a runaway query is stopped
        timer.start()
        try:
            return list(con.execute(sql).fetchall())
        except Exception as exc:  # the driver's own error type
            if not timer.is_alive():
                raise DataError(f"stopped after {TIMEOUT_S:g} s") from None
            raise DataError(scrub(str(exc))) from None
        finally:
            timer.cancel()
            con.close()
