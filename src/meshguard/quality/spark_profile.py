"""The Spark aggregates besides the value checks: the library metrics and the counting SQL rules
of the contract (planned into the one aggregation), and the profile the policy stage reads
(``input.data.columns``, one aggregation of its own, run only when read).

``table`` is a :class:`meshguard.quality.spark.SparkTable` (not imported: it imports this)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from meshguard.quality.masking import jsonable
from meshguard.quality.profile import EXACT_DISTINCT_ROWS, _hashable, _ordered

if TYPE_CHECKING:
    from meshguard.contracts.model import QualityRule


def plan_library(table: Any, rules: Sequence[QualityRule], key: Callable[[Any], str]) -> dict[str, Any]:
    """mask key → failing-row mask of each library metric the rules name (nullValues,
    missingValues, invalidValues): counted in the one aggregation instead of one job each.
    A rule that cannot be planned is left to its check, which reports why."""
    from meshguard.quality.library import METRICS, MissingColumn, _columns
    from meshguard.quality.operators import BadCondition

    out: dict[str, Any] = {}
    for rule in rules:
        metric = rule.metric or ""
        if rule.type != "library" or metric not in METRICS:
            continue
        try:
            mask = table.metric(metric, _columns(table, rule, metric)[0], rule)
        except (BadCondition, MissingColumn, TypeError, ValueError, IndexError):
            continue
        out[key(mask)] = mask
    return out


#: a SQL rule that counts the rows where a condition holds (``{object}`` or ``{model}``: the table)
_COUNTING = re.compile(
    r"\s*select\s+count\s*\(\s*(?:\*|1)\s*\)\s+from\s+\{(?:object|model)\}\s+where\s+(?P<cond>.+?)\s*;?\s*",
    re.I | re.S,
)
#: words that make a condition more than a row's condition (a subquery, a clause): run as written
_CLAUSE = re.compile(r"\b(select|from|where|group|having|order|limit|union|join|over|window)\b|[{}]", re.I)


def sql_key(sql: str) -> str:
    """A SQL rule's key among the one aggregation's counts (its query, as it would run)."""
    return f"sql|{sql}"


def plan_sql(table: Any, rules: Sequence[QualityRule]) -> dict[str, Any]:
    """sql key → the condition of each SQL rule of the form ``SELECT COUNT(*) FROM {object}
    WHERE <condition>``, as a Spark column parsed by Spark SQL (the session's parser, so its
    quoting and functions): counted in the one aggregation (the rows where it holds) instead of
    a job of its own. Any other query, or a condition Spark cannot parse here, runs as written."""
    from pyspark.sql import functions as F

    from meshguard.sources.base import quote_ident

    out: dict[str, Any] = {}
    for rule in rules:
        query = rule.raw.get("query")
        found = _COUNTING.fullmatch(query) if rule.type == "sql" and isinstance(query, str) else None
        if found is None or _CLAUSE.search(found["cond"]):
            continue
        assert isinstance(query, str)
        name = quote_ident(table.schema.name)
        try:
            out[sql_key(query.replace("{object}", name).replace("{model}", name))] = F.expr(found["cond"])
        except Exception:  # Spark's parse error: the rule runs as written and reports it
            continue
    return out


def profile_aggregates(table: Any, *, exact: bool) -> list[tuple[str, Any]]:
    """The profile's aggregates: nulls ("n|col"), distinct values ("d|col": exact on a small
    table, as the polars path counts them, else a HyperLogLog estimate), min and max of
    ordered columns whose values are not masked ("lo|col", "hi|col")."""
    from pyspark.sql import functions as F

    from meshguard.quality.spark_jobs import failing_count, quoted

    schema = table.frame.collect_schema()
    count = F.count_distinct if exact else F.approx_count_distinct
    out: list[tuple[str, Any]] = []
    for c in table.columns:
        col = F.col(quoted(c))
        out.append((f"n|{c}", failing_count(col.isNull())))
        if _hashable(schema[c]):
            out.append((f"d|{c}", count(col)))
        if _ordered(schema[c]) and c not in table.masked:
            out += [(f"lo|{c}", F.min(col)), (f"hi|{c}", F.max(col))]
    return out


def spark_profile(table: Any) -> dict[str, dict[str, Any]]:
    """``input.data.columns`` as the polars path computes it, in one aggregation of its own:
    run only when the policies read the profile (``meshguard test`` never does), so the
    checks' aggregation carries none of it."""
    import polars as pl

    from meshguard.quality.spark_jobs import aggregate

    rows = table.rows
    schema = table.frame.collect_schema()
    exact = rows <= EXACT_DISTINCT_ROWS
    stats = aggregate(table.df, profile_aggregates(table, exact=exact)) if rows else pl.DataFrame()
    table.profiled = stats

    def value(name: str) -> Any:
        return stats.get_column(name).item() if name in stats.columns else None

    out: dict[str, dict[str, Any]] = {}
    for c in table.columns:
        nulls, distinct = int(value(f"n|{c}") or 0), value(f"d|{c}")
        hits = table.detection.get(c)
        entry: dict[str, Any] = {
            "null_fraction": round(nulls / rows, 6) if rows else 0.0,
            "distinct": None if distinct is None else int(distinct),
            "detected": list(hits.kinds) if hits else [],
        }
        if hits and hits.counts:  # how many sampled values matched each kind: counts, never values
            entry["detected_counts"] = dict(hits.counts)
            entry["sampled"] = hits.sampled
        if f"lo|{c}" in stats.columns:
            lo_hi = stats.select(pl.col(f"lo|{c}").alias("lo"), pl.col(f"hi|{c}").alias("hi"))
            lo_hi = lo_hi.cast(schema[c], strict=False)
            entry["min"], entry["max"] = jsonable(lo_hi.item(0, "lo")), jsonable(lo_hi.item(0, "hi"))
        out[c] = entry
    return out
