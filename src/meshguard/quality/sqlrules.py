"""ODCS ``type: sql`` rules, run read-only.

A rule must be exactly one SELECT (checked with DuckDB's parser: several
statements, DDL, DML, COPY, ATTACH, PRAGMA… are refused and reported as
``errored``). Over files and DuckDB the query runs in a fresh in-memory DuckDB
with external access disabled, against the already loaded frame — never the
source itself; ``SELECT COUNT(*) FROM {object} WHERE <column> <op> <number>``,
where DuckDB's count is certain, is counted by polars instead (:mod:`meshguard.quality.sqlcount`).
Over PostgreSQL it runs in a READ ONLY transaction that is
rolled back, and calls of server functions with side effects are refused.
``{object}`` / ``{model}`` stand for the table. The result must be one number.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any, cast

from meshguard.contracts.model import QualityRule
from meshguard.errors import DataError
from meshguard.quality.operators import BadCondition, condition
from meshguard.quality.results import Table, check, severity_of
from meshguard.quality.sqlcount import counted_mask
from meshguard.results.model import CheckResult, Stage, Status
from meshguard.sources.base import SqlSource, quote_ident, scrub

#: PostgreSQL functions with side effects or file/network access
_PG_DENY = re.compile(
    r"\b(pg_\w+|lo_\w+|dblink\w*|set_config|nextval|setval|currval|txid_\w+|query_to_xml\w*|"
    r"copy|pg_sleep|current_setting|http\w*)\s*\(",
    re.I,
)
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_UNICODE_IDENT = re.compile(r"\bU&[\"']", re.I)


#: seconds a quality rule may run in the local DuckDB (PostgreSQL: statement_timeout, 60 s)
LOCAL_TIMEOUT_S = 60.0
#: a streamed table's named columns are handed to DuckDB in memory up to this many values,
#: else through a temporary Parquet file DuckDB scans out of core
IN_MEMORY_CELLS = 20_000_000


class Refused(ValueError):
    pass


def guard(sql: str, *, server: bool = False) -> str:
    """``sql`` if it is one read-only SELECT, else :class:`Refused` with the reason."""
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error:
        raise Refused("cannot be verified as a single read-only SELECT (does not parse)") from None
    if len(statements) != 1:
        raise Refused(f"must be one statement, found {len(statements)}")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise Refused(f"only SELECT is allowed, found {str(kind).rsplit('.', 1)[-1]}")
    if server:  # run on the source's own server: no server functions with side effects
        if _UNICODE_IDENT.search(sql):
            raise Refused("U& identifiers are not allowed in a quality rule")
        # a quoted name ("pg_read_file") or a comment before the parenthesis must not hide a call
        bare = _COMMENT.sub(" ", sql).replace('"', "")
        if _PG_DENY.search(bare):
            raise Refused("calls a server function that is not allowed in a quality rule")
    return sql


def _scalar(rows: list[tuple[Any, ...]]) -> float:
    if len(rows) != 1 or len(rows[0]) != 1:
        raise Refused("must return exactly one row with one column")
    value = rows[0][0]
    if value is None:
        return 0.0
    if isinstance(value, bool) or (not isinstance(value, (int, float)) and not hasattr(value, "__float__")):
        raise Refused("must return a number")  # never quote the value: it may be guarded data
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Refused("must return a number") from None


def _run_local(table: Table, sql: str) -> list[tuple[Any, ...]]:
    import duckdb

    # only the columns the query names: handing DuckDB the whole frame would copy it
    words = set(re.findall(r"\w+", sql))
    named = [
        c
        for c in table.columns
        if c in words or (not c.isidentifier() and re.search(rf"(?<![\w]){re.escape(c)}(?![\w])", sql))
    ]
    picked = named or table.columns[:1]
    if table.streaming and table.rows * len(picked) > IN_MEMORY_CELLS:
        return _run_streamed(table, sql, picked)
    con = duckdb.connect(":memory:", config={"enable_external_access": False})
    con.execute("SET enable_progress_bar = false")  # never draw on stdout (JSON may go there)
    timer = threading.Timer(LOCAL_TIMEOUT_S, con.interrupt)  # a runaway query is stopped
    timer.start()
    try:
        con.register("__meshguard_frame", table.select(picked))
        con.execute(f"CREATE VIEW {quote_ident(table.schema.name)} AS SELECT * FROM __meshguard_frame")
        return con.execute(sql).fetchall()
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.InterruptException):
            raise Refused(f"stopped after {LOCAL_TIMEOUT_S:g} s") from None
        raise Refused(f"failed: {scrub(str(exc))}") from None
    finally:
        timer.cancel()
        con.close()


def _run_streamed(table: Table, sql: str, columns: list[str]) -> list[tuple[Any, ...]]:
    """A large table: its named columns streamed to a temporary Parquet file DuckDB scans
    out of core; the only file the query may touch is that one."""
    import tempfile

    import duckdb
    import polars as pl

    frame = table.frame
    assert isinstance(frame, pl.LazyFrame)
    with tempfile.TemporaryDirectory(prefix="meshguard-sql-") as tmp:
        path = Path(tmp) / "data.parquet"
        frame.select(columns).sink_parquet(path)
        con = duckdb.connect(":memory:")
        try:
            con.execute("SET memory_limit = '512MB'")
            con.execute(f"SET temp_directory = '{tmp}'")
            con.execute(f"SET allowed_paths = ['{path}']")
            con.execute("SET allowed_directories = [" + repr(tmp) + "]")
            con.execute("SET enable_external_access = false")
            con.execute(
                f"CREATE VIEW {quote_ident(table.schema.name)} AS SELECT * FROM read_parquet('{path}')"
            )
            return con.execute(sql).fetchall()
        except duckdb.Error as exc:
            raise Refused(f"failed: {scrub(str(exc))}") from None
        finally:
            con.close()


def _pushed(run: Any, sql: str) -> list[tuple[Any, ...]]:
    try:
        rows: list[tuple[Any, ...]] = run(sql)
    except Exception as exc:  # the engine's own error type (pyspark's AnalysisException…)
        raise Refused(f"failed: {scrub(str(exc))}") from None
    return rows


def sql_check(table: Table, rule: QualityRule) -> CheckResult:
    severity = severity_of(rule.raw.get("severity"))
    common: dict[str, Any] = dict(
        id=rule.id,
        name=rule.name,
        stage=Stage.QUALITY,
        pointer=rule.pointer,
        dimension=rule.dimension or "consistency",
        severity=severity,
        field=rule.field,
    )
    query = rule.raw.get("query")
    if not isinstance(query, str) or not query.strip():
        return check(table, ok=False, status=Status.ERRORED, message="sql rule has no `query`", **common)
    remote = table.source is not None and table.source.capabilities.server_sql
    try:
        cond = condition(rule.raw, None)
        if cond is None:
            raise BadCondition("sql rule needs an operator (mustBe, mustBeLessThan…)")
        if remote:
            name = cast(SqlSource, table.source).object_name(table.schema.physical_name or table.schema.name)
        else:
            name = quote_ident(table.schema.name)
        sql = query.replace("{object}", name).replace("{model}", name)
        mask = rule_mask(table, rule)
        if mask is not None:  # a count DuckDB would give: the table counts it (sqlcount)
            rows = [(table.count(mask),)]
        else:
            guard(sql, server=remote)
            if remote:
                rows = cast(SqlSource, table.source).query_one(sql)
            elif table.pushes_sql:  # an engine that runs SQL itself (Spark)
                rows = _pushed(table.run_sql, sql)
            else:
                rows = _run_local(table, sql)
        measured = _scalar(rows)
    except (Refused, BadCondition) as exc:
        return check(table, ok=False, status=Status.ERRORED, message=f"sql rule refused: {exc}", **common)
    except DataError as exc:
        return check(
            table, ok=False, status=Status.ERRORED, message=f"sql rule failed: {exc.message}", **common
        )
    if measured.is_integer():
        measured = int(measured)
    ok = cond.holds(measured)
    return check(
        table,
        ok=ok,
        measured=measured,
        threshold=cond.text,
        message="" if ok else f"query returned {measured}, expected {cond.text}",
        **common,
    )


def rule_mask(table: Table, rule: QualityRule) -> Any:
    """The rows a rule's query counts as a polars mask, when polars counts it (:mod:`sqlcount`)."""
    query = rule.raw.get("query")
    remote = table.source is not None and table.source.capabilities.server_sql
    if not isinstance(query, str) or remote or type(table) is not Table:  # another engine's table
        return None
    return counted_mask(query, table)


def other_rule_check(table: Table, rule: QualityRule) -> CheckResult:
    """``text`` rules are documentation (info); ``custom`` and unknown types are unsupported."""
    common: dict[str, Any] = dict(
        id=rule.id,
        name=rule.name,
        stage=Stage.QUALITY,
        pointer=rule.pointer,
        dimension=rule.dimension,
        severity=severity_of(rule.raw.get("severity")),
        field=rule.field,
    )
    kind = rule.type
    if kind == "text":
        return check(
            table, ok=True, status=Status.INFO, message="text rule: documentation, not executed", **common
        )
    engine = rule.raw.get("engine")
    what = f"custom rule for engine {engine!r}" if kind == "custom" else f"rule type {kind!r}"
    return check(
        table, ok=False, status=Status.UNSUPPORTED, message=f"{what} is not run by meshguard", **common
    )
