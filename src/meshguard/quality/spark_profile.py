"""What the one Spark aggregation counts besides the value checks: the library metrics of
the contract's rules, and the profile the policy stage reads (``input.data.columns``).

``table`` is a :class:`meshguard.quality.spark.SparkTable` (not imported: it imports this)."""

from __future__ import annotations

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


def profile_aggregates(table: Any) -> list[tuple[str, Any]]:
    """The profile's aggregates: nulls, min and max of ordered columns whose values are not
    masked ("n|col", "lo|col", "hi|col")."""
    from pyspark.sql import functions as F

    from meshguard.quality.spark_jobs import quoted

    schema = table.frame.collect_schema()
    out: list[tuple[str, Any]] = []
    for c in table.columns:
        col = F.col(quoted(c))
        out.append((f"n|{c}", F.sum(F.when(col.isNull(), 1).otherwise(0))))
        if _ordered(schema[c]) and c not in table.masked:
            out += [(f"lo|{c}", F.min(col)), (f"hi|{c}", F.max(col))]
    return out


def _distinct(table: Any, *, exact: bool) -> dict[str, int]:
    """Distinct counts, exact on a small table (as the polars path counts them), else estimated
    (HyperLogLog), in one more job: only when the policies read the profile. In the one
    aggregation they would cost most of it (8 estimates: about 3x its time) for every run."""
    from pyspark.sql import functions as F

    from meshguard.quality.spark_jobs import aggregate, quoted

    schema = table.frame.collect_schema()
    count = F.count_distinct if exact else F.approx_count_distinct
    named = [(c, count(F.col(quoted(c)))) for c in table.columns if _hashable(schema[c])]
    if not named:
        return {}
    row = aggregate(table.df, named).row(0, named=True)
    return {c: int(v or 0) for c, v in row.items()}


def spark_profile(table: Any) -> dict[str, dict[str, Any]]:
    """``input.data.columns`` as the polars path computes it, read from the one aggregation."""
    import polars as pl

    rows = table.rows
    schema = table.frame.collect_schema()
    distincts = _distinct(table, exact=rows <= EXACT_DISTINCT_ROWS) if rows else {}
    out: dict[str, dict[str, Any]] = {}
    for c in table.columns:
        nulls = int(table.stat(f"n|{c}") or 0) if rows else 0
        distinct = distincts.get(c) if rows else None
        hits = table.detection.get(c)
        entry: dict[str, Any] = {
            "null_fraction": round(nulls / rows, 6) if rows else 0.0,
            "distinct": None if distinct is None else int(distinct),
            "detected": list(hits.kinds) if hits else [],
        }
        if hits and hits.counts:  # how many sampled values matched each kind: counts, never values
            entry["detected_counts"] = dict(hits.counts)
            entry["sampled"] = hits.sampled
        if rows and table.has_stat(f"lo|{c}"):
            assert table.stats is not None
            lo_hi = table.stats.select(pl.col(f"lo|{c}").alias("lo"), pl.col(f"hi|{c}").alias("hi"))
            lo_hi = lo_hi.cast(schema[c], strict=False)
            entry["min"], entry["max"] = jsonable(lo_hi.item(0, "lo")), jsonable(lo_hi.item(0, "hi"))
        out[c] = entry
    return out
