"""The checks of a database table as Ibis expressions (compiled to the database's own SQL).

Nothing here runs a query: each function builds an expression over an Ibis
table, so the same code serves every Ibis backend (PostgreSQL, DuckDB, SQLite,
Snowflake, BigQuery, Trino, Databricks SQL, MySQL, SQL Server) and the tests
compile each rule kind to each dialect without a server.

- value checks are pandera's own Ibis built-in checks (``pandera.backends.ibis``),
  with pandera's null rule (``ignore_na``); numeric bounds on ``decimal`` columns
  become exact decimal literals (``-0.0004 >= 0`` is false in the database, not
  after a round trip through floats);
- every failing-row mask, the row count and the column profile are counted in one
  aggregate (:func:`aggregate`): one scan of the table;
- duplicates are one ``GROUP BY … HAVING COUNT(*) > 1`` aggregate per key.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from decimal import Decimal
from typing import Any

from meshguard.quality.operators import BadCondition

#: profile aggregate columns: "n|col" nulls, "d|col" distinct, "lo|col" / "hi|col" min / max
ROWS = "__rows"


def _exact(value: Any, column_type: Any) -> Any:
    """A bound as a literal of the column's kind: a Decimal against a decimal column."""
    if column_type.is_decimal() and isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(repr(value))
    return value


def violation(check: Any, t: Any, column: str) -> Any:
    """The rows of ``t`` failing a pandera ``Check`` on ``column``, as an Ibis boolean column."""
    import ibis
    import pandera.backends.ibis.builtin_checks  # noqa: F401  (registers the Ibis built-ins)
    from pandera.api.ibis.types import IbisData

    kwargs = {k: _exact(v, t[column].type()) for k, v in check._check_kwargs.items()}
    out = check._check_fn(IbisData(t, column), **kwargs)
    if not isinstance(out, ibis.Table) or len(out.columns) != 1:
        raise TypeError(f"check {check.name!r} cannot run in the database")
    passed = out.op().values[out.columns[0]].to_expr()  # the expression over ``t`` itself
    # pandera: with ignore_na a null outcome passes, without it a null outcome fails
    return (~passed).fill_null(not check.ignore_na)


def required(t: Any, column: str, *, nan: bool = True) -> Any:
    """Null (or NaN, for floats) values of ``column``: pandera's ``nullable=False``. ``nan``:
    the engine has NaN (SQL Server's floats have none)."""
    col = t[column]
    mask = col.isnull()
    return mask | col.isnan().fill_null(False) if nan and col.type().is_floating() else mask


def metric(t: Any, name: str, column: str, args: Mapping[str, Any]) -> Any:
    """The failing rows of an ODCS library metric (nullValues, missingValues, invalidValues)."""
    col = t[column]
    if name == "nullValues":
        return col.isnull()
    if name == "missingValues":
        values = args.get("missingValues", [None, ""])
        if not isinstance(values, list):
            raise BadCondition("arguments.missingValues must be a list")
        import ibis

        mask = col.isnull() if None in values else ibis.literal(False)
        others = [str(v) for v in values if v is not None]
        return mask | col.cast("string").isin(others).fill_null(False) if others else mask
    valid, pattern = args.get("validValues"), args.get("pattern")
    if valid is None and pattern is None:
        raise BadCondition("invalidValues needs arguments.validValues or arguments.pattern")
    import ibis

    bad = ibis.literal(False)
    if isinstance(valid, list):
        same = [v for v in valid if v is not None]
        bad = bad | ~col.isin([str(v) for v in same] if col.type().is_string() else same)
    if isinstance(pattern, str):
        bad = bad | ~col.cast("string").re_search(pattern)
    return bad.fill_null(False) & col.notnull()


def aggregate(t: Any, masks: Mapping[str, Any], profile: Mapping[str, Any] | None = None) -> Any:
    """One aggregate: the row count, each mask's failing rows, and the profile columns."""
    metrics: dict[str, Any] = {ROWS: t.count()}
    for i, m in enumerate(masks.values()):
        metrics[f"c{i}"] = t.count(where=m)
    metrics.update(profile or {})
    return t.aggregate(**metrics)


def profile(t: Any, masked: Collection[str], *, distinct: bool) -> dict[str, Any]:
    """The profile of every column: nulls, distinct count (when asked), min/max of ordered
    columns that are not guarded."""
    out: dict[str, Any] = {}
    for c in t.columns:
        col = t[c]
        kind = col.type()
        out[f"n|{c}"] = col.isnull().sum()
        if distinct and not (kind.is_array() or kind.is_struct() or kind.is_map()):
            out[f"d|{c}"] = col.nunique()
        ordered = kind.is_numeric() or kind.is_temporal()
        if ordered and not kind.is_boolean() and c not in masked:
            out[f"lo|{c}"], out[f"hi|{c}"] = col.min(), col.max()
    return out


def duplicate_groups(t: Any, columns: list[str], *, skip_nulls: bool) -> tuple[Any, Any]:
    """(an aggregate of ``rows`` sharing a key and the number of such keys ``groups``,
    the duplicated keys as a table)."""
    import ibis

    keyed = t
    if skip_nulls:
        for c in columns:
            keyed = keyed.filter(t[c].notnull())
    groups = keyed.group_by(columns).aggregate(__n=ibis._.count()).filter(ibis._.__n > 1)
    summary = groups.aggregate(rows=groups.__n.sum(), groups=groups.count())
    return summary, groups.select(columns)


def duplicated_rows(keys: Any, columns: list[str], *, skip_nulls: bool) -> Callable[[Any], Any]:
    """The rows whose key is among the duplicated ``keys`` (a function of the table)."""

    def rows(t: Any) -> Any:
        out = t
        if skip_nulls:
            for c in columns:
                out = out.filter(t[c].notnull())
        return out.semi_join(keys, columns)

    return rows
