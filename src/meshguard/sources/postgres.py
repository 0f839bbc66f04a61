"""A PostgreSQL table, checked in the database through Ibis (``meshguard-odcs[postgres]``).

Checks run as aggregates on a read-only session (``default_transaction_read_only``);
only counts and a few failing rows come back. ``read`` (a server-side cursor in a
read-only transaction) is kept for what must be in memory (a relationship's keys).

Connection details (host, port, database, schema) come from the contract's
server entry; credentials only from the environment, never from the contract:
``MESHGUARD_PG_USER`` / ``MESHGUARD_PG_PASSWORD`` (falling back to libpq's own
``PGUSER`` / ``PGPASSWORD`` / ``PGPASSFILE``). ``MESHGUARD_PG_SSLMODE`` sets sslmode.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from meshguard.errors import DataError, MissingExtra, SourceUnavailable
from meshguard.sources.base import Capabilities, ReadOptions, Typing, custom_properties, quote_ident, scrub

if TYPE_CHECKING:
    import polars as pl

USER_ENV = "MESHGUARD_PG_USER"
PASSWORD_ENV = "MESHGUARD_PG_PASSWORD"
SSLMODE_ENV = "MESHGUARD_PG_SSLMODE"
FETCH = 50_000
TIMEOUT_S = 10


def _pl_dtype(pg_type: str) -> Any:
    import polars as pl

    table: dict[str, Any] = {
        "int2": pl.Int16,
        "int4": pl.Int32,
        "int8": pl.Int64,
        "float4": pl.Float32,
        "float8": pl.Float64,
        "numeric": pl.Float64,
        "bool": pl.Boolean,
        "date": pl.Date,
        "timestamp": pl.Datetime("us"),
        "timestamptz": pl.Datetime("us", "UTC"),
        "time": pl.Time,
    }
    return table.get(pg_type, pl.String)


class PostgresSource:
    kind = "postgres"
    capabilities: ClassVar[Capabilities] = Capabilities(
        backend="ibis", samples_fraction=True, server_sql=True
    )
    typing: Typing = "typed"

    def __init__(
        self,
        *,
        product: str,
        host: str = "localhost",
        port: int = 5432,
        database: str = "postgres",
        schema: str | None = None,
        table: str | None = None,
    ) -> None:
        self.product = product
        self.host = host
        self.port = int(port)
        self.database = database
        self.schema = schema
        self.table = table

    @classmethod
    def from_server(cls, server: Mapping[str, Any], *, product: str, **_: Any) -> PostgresSource:
        custom = custom_properties(server)
        table = server.get("table") or custom.get("table")
        return cls(
            product=product,
            host=str(server.get("host") or "localhost"),
            port=int(server.get("port") or 5432),
            database=str(server.get("database") or "postgres"),
            schema=str(server["schema"]) if server.get("schema") else None,
            table=table if isinstance(table, str) else None,
        )

    def describe(self) -> str:
        where = f"{self.schema}." if self.schema else ""
        return f"postgres://{self.host}:{self.port}/{self.database} {where}{self.table or '*'}"

    def object_name(self, table: str) -> str:
        name = quote_ident(self.table or table)
        return f"{quote_ident(self.schema)}.{name}" if self.schema else name

    def _params(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "dbname": self.database,
            "connect_timeout": TIMEOUT_S,
            "application_name": "meshguard",
        }
        if os.environ.get(USER_ENV):
            kwargs["user"] = os.environ[USER_ENV]
        if os.environ.get(PASSWORD_ENV):
            kwargs["password"] = os.environ[PASSWORD_ENV]
        if os.environ.get(SSLMODE_ENV):
            kwargs["sslmode"] = os.environ[SSLMODE_ENV]
        return kwargs

    def _unreachable(self, exc: BaseException) -> SourceUnavailable:
        return SourceUnavailable(
            f"product {self.product}: PostgreSQL at {self.host}:{self.port}/{self.database} "
            f"unreachable: {scrub(str(exc))}"
        )

    def ibis_table(self, table: str) -> Any:
        """The table on a read-only Ibis connection (every statement of the session is read-only)."""
        try:
            import ibis
            import psycopg
        except ImportError:
            raise MissingExtra("a PostgreSQL source", "postgres") from None
        params = self._params()
        params["options"] = "-c default_transaction_read_only=on -c statement_timeout=0"
        try:
            con = ibis.postgres.connect(
                host=params.pop("host"),
                port=params.pop("port"),
                database=params.pop("dbname"),
                user=params.pop("user", None),
                password=params.pop("password", None),
                **params,
            )
        except psycopg.Error as exc:
            raise self._unreachable(exc) from None
        try:
            return con.table(self.table or table, database=self.schema)
        except Exception as exc:  # ibis or psycopg: no such table, no permission
            raise DataError(f"product {self.product}: {self.describe()}: {scrub(str(exc))}") from None

    def _connect(self) -> Any:
        try:
            import psycopg
        except ImportError:
            raise MissingExtra("a PostgreSQL source", "postgres") from None
        kwargs = self._params()
        try:
            conn = psycopg.connect(**kwargs)
        except psycopg.Error as exc:
            raise self._unreachable(exc) from None
        conn.read_only = True
        return conn

    def read(self, table: str, options: ReadOptions) -> pl.LazyFrame | pl.DataFrame:
        import polars as pl

        conn = self._connect()  # first: without psycopg, the one-line hint naming the extra
        import psycopg

        sql = f"SELECT * FROM {self.object_name(table)}"
        if options.fraction is not None:
            sql += f" TABLESAMPLE BERNOULLI ({float(options.fraction) * 100:.6f}) REPEATABLE (42)"
        if options.limit is not None:
            sql += f" LIMIT {int(options.limit) + 1}"
        try:
            with conn.transaction(), conn.cursor(name="meshguard_read") as cur:
                cur.execute(sql)
                rows: list[tuple[Any, ...]] = []
                while batch := cur.fetchmany(FETCH):
                    rows.extend(batch)
                desc = cur.description or []
                names = [d.name for d in desc]
                types = [conn.adapters.types.get(d.type_code) for d in desc]
        except psycopg.Error as exc:
            raise DataError(f"product {self.product}: {self.describe()}: {scrub(str(exc))}") from None
        finally:
            conn.close()
        series = []
        for i, name in enumerate(names):
            dtype = _pl_dtype(types[i].name if types[i] else "")
            values = [r[i] for r in rows]
            if dtype == pl.String:
                values = [None if v is None else str(v) for v in values]
            elif dtype in (pl.Float64, pl.Float32):
                values = [None if v is None else float(v) for v in values]
            series.append(pl.Series(name, values, dtype=dtype))
        return pl.DataFrame(series)

    def query_one(self, sql: str) -> list[tuple[Any, ...]]:
        conn = self._connect()
        import psycopg

        try:
            with conn.transaction(force_rollback=True), conn.cursor() as cur:
                cur.execute("SET LOCAL statement_timeout = 60000")
                cur.execute(sql, prepare=False)
                return list(cur.fetchall())
        except psycopg.Error as exc:
            raise DataError(scrub(str(exc))) from None
        finally:
            conn.close()
