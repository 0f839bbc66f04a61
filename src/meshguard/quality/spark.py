"""The checks of a Spark table, pushed down as Spark aggregations (``meshguard-odcs[spark]``).

The same checks as the polars path, planned by the same code (pandera schema,
ODCS rules, SLAs, relationships); only the data work runs in Spark, over the
table read once and cached:

- pandera is the schema authority on the columns and dtypes (an empty frame of the
  table's schema goes through the same pandera schema as on the polars path);
- every value check becomes a Spark column expression (pandera's check, same null
  semantics), all counted in one ``agg`` pass; duplicates by ``groupBy``;
- failing samples are ``filter(mask).orderBy(row).limit(n)``, masked as everywhere;
- SQL rules run in Spark SQL on a temporary view named after the schema object;
- the profile is one more ``agg`` pass (exact distinct counts up to 1M rows, as polars).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from meshguard.contracts.model import Contract, Property, SchemaObject
from meshguard.detectors import SAMPLE, detect_column, family_of, reads_values
from meshguard.quality.duplicates import Duplicates
from meshguard.quality.load import SEED
from meshguard.quality.masking import guarded, jsonable
from meshguard.quality.profile import EXACT_DISTINCT_ROWS
from meshguard.quality.results import Table
from meshguard.quality.streaming import Streamed, plan_masks
from meshguard.quality.types import Normalised, normalise
from meshguard.sources.base import ReadOptions

if TYPE_CHECKING:
    import polars as pl

ROW = "__meshguard_row"
#: a failing-row mask on Spark: a boolean Column, or a function DataFrame → failing rows
Mask = Any

_SPARK_TYPES = {"Int64": "bigint", "Float64": "double", "String": "string", "Boolean": "boolean"}


@dataclass
class SparkTable(Table):
    df: Any = None  # the cached Spark DataFrame, with its row number in ROW
    pushes_sql: ClassVar[bool] = True

    @property
    def streaming(self) -> bool:
        return True

    @property
    def rows(self) -> int:
        return int(self.row_count or 0)

    def _failing(self, mask: Mask) -> Any:
        return mask(self.df) if callable(mask) else self.df.filter(mask)

    def count(self, mask: Mask) -> int:
        return int(self._failing(mask).count())

    def rows_where(self, mask: Mask, n: int) -> pl.DataFrame:
        picked = self._failing(mask).orderBy(ROW).limit(n).select(*[f"`{c}`" for c in self.columns])
        return _to_polars(picked, self.frame)

    def select(self, columns: list[str]) -> pl.DataFrame:
        return _to_polars(self.df.select(*[f"`{c}`" for c in columns]), self.frame)

    def extreme(self, column: str, which: str) -> Any:
        from pyspark.sql import functions as F

        agg = F.max(column) if which == "max" else F.min(column)
        return _to_polars(self.df.agg(agg.alias(column)), self.frame).item()

    def latency(self, start: str, end: str, limit_s: float) -> tuple[Any, int, Any]:
        from pyspark.sql import functions as F

        delay = (F.unix_micros(F.col(end)) - F.unix_micros(F.col(start))) / 1_000_000
        late = F.coalesce(delay > limit_s, F.lit(False))
        row = self.df.agg(F.max(delay).alias("w"), F.sum(F.when(late, 1).otherwise(0)).alias("n")).first()
        worst = None if row["w"] is None else float(row["w"])
        return worst, int(row["n"] or 0), late

    def orphans(self, columns: list[str], keys: pl.DataFrame) -> tuple[int, Any]:
        from pyspark.sql import functions as F

        spark = self.df.sparkSession
        known = spark.createDataFrame(keys.to_arrow())
        complete = F.lit(True)
        for c in columns:
            complete = complete & F.col(c).isNotNull()

        def mask(df: Any) -> Any:
            return df.filter(complete).join(known, on=columns, how="left_anti")

        return self.count(mask), mask

    def duplicates(self, columns: list[str], *, skip_nulls: bool) -> Duplicates:
        from pyspark.sql import functions as F

        df = self.df
        if skip_nulls:
            for c in columns:
                df = df.filter(F.col(c).isNotNull())
        groups = df.groupBy(*columns).count().filter(F.col("count") > 1).cache()
        row = groups.agg(F.sum("count").alias("rows"), F.count(F.lit(1)).alias("groups")).first()
        rows = int(row["rows"] or 0)
        dup_keys = groups.select(*columns)

        def mask(frame: Any) -> Any:
            out = frame
            if skip_nulls:
                for c in columns:
                    out = out.filter(F.col(c).isNotNull())
            return out.join(dup_keys, on=columns, how="left_semi")

        return Duplicates(rows, rows - int(row["groups"] or 0), mask)

    def value_failures(
        self,
        norm: Normalised,
        planned: Mapping[str, Sequence[Any]],
        builtin: Mapping[tuple[str, str], Any],
        pk: tuple[Any, list[str]] | None,
        skip: Collection[str],
    ) -> tuple[dict[str, Streamed], dict[str, str]]:
        from pyspark.sql import functions as F

        def required(path: str) -> Any:
            mask = F.col(path).isNull()
            return mask | F.isnan(F.col(path)) if self.dtype(path).is_float() else mask

        masks, keys, errors = plan_masks(planned, builtin, pk, skip, required, violation)
        counts = self.counts(masks)
        out = {sid: Streamed(counts[sid], masks[sid]) for sid in masks}
        for sid, cols in keys.items():
            found = self.duplicates(cols, skip_nulls=False)
            out[sid] = Streamed(found.rows, found.mask)
        return out, errors

    def counts(self, masks: Mapping[str, Any]) -> dict[str, int]:
        """Every mask counted in one aggregation pass."""
        from pyspark.sql import functions as F

        if not masks:
            return {}
        aggs = [F.sum(F.when(m, 1).otherwise(0)).alias(f"c{i}") for i, m in enumerate(masks.values())]
        row = self.df.agg(*aggs).first()
        return {sid: int(row[f"c{i}"] or 0) for i, sid in enumerate(masks)}

    def metric(self, metric: str, column: str, rule: Any) -> Any:
        import polars as pl
        from pyspark.sql import functions as F

        from meshguard.quality.operators import BadCondition

        c = F.col(column)
        args = rule.raw.get("arguments") or {}
        args = args if isinstance(args, dict) else {}
        if metric == "nullValues":
            return c.isNull()
        if metric == "missingValues":
            values = args.get("missingValues", [None, ""])
            if not isinstance(values, list):
                raise BadCondition("arguments.missingValues must be a list")
            mask = c.isNull() if None in values else F.lit(False)
            others = [str(v) for v in values if v is not None]
            return mask | F.coalesce(c.cast("string").isin(others), F.lit(False)) if others else mask
        valid, pattern = args.get("validValues"), args.get("pattern")
        if valid is None and pattern is None:
            raise BadCondition("invalidValues needs arguments.validValues or arguments.pattern")
        bad = F.lit(False)
        if isinstance(valid, list):
            same = [v for v in valid if v is not None]
            bad = bad | ~c.isin([str(v) for v in same] if self.dtype(column) == pl.String else same)
        if isinstance(pattern, str):
            bad = bad | ~c.cast("string").rlike(pattern)
        return F.coalesce(bad, F.lit(False)) & c.isNotNull()

    def run_sql(self, sql: str) -> list[tuple[Any, ...]]:
        self.df.drop(ROW).createOrReplaceTempView(self.schema.name)
        return [tuple(r) for r in self.df.sparkSession.sql(sql).collect()]


def violation(check: Any, column: str) -> Any:
    """The rows failing a pandera ``Check`` on ``column``, as a Spark column (pandera's null rule)."""
    from pyspark.sql import functions as F

    name = getattr(check._check_fn, "__name__", "")
    kw = check._check_kwargs
    c = F.col(column)
    ops: dict[str, Callable[[], Any]] = {
        "greater_than_or_equal_to": lambda: c >= F.lit(kw["min_value"]),
        "greater_than": lambda: c > F.lit(kw["min_value"]),
        "less_than_or_equal_to": lambda: c <= F.lit(kw["max_value"]),
        "less_than": lambda: c < F.lit(kw["max_value"]),
        "isin": lambda: c.isin(list(kw["allowed_values"])),
        "str_contains": lambda: c.rlike(str(getattr(kw["pattern"], "pattern", kw["pattern"]))),
        "str_length": lambda: _length(c, kw),
    }
    if name not in ops:
        raise TypeError(f"check {check.name!r} cannot run on Spark")
    passed = ops[name]()
    failed = ~passed
    return F.coalesce(failed, F.lit(not check.ignore_na))


def _length(c: Any, kw: Mapping[str, Any]) -> Any:
    from pyspark.sql import functions as F

    n = F.char_length(c)
    if kw.get("exact_value") is not None:
        return n == kw["exact_value"]
    lo, hi = kw.get("min_value"), kw.get("max_value")
    if lo is not None and hi is not None:
        return n.between(lo, hi)
    return n >= lo if lo is not None else n <= hi


def _to_polars(df: Any, like: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """A (small) Spark result as polars, with the dtypes of the polars path."""
    import polars as pl

    got = pl.from_arrow(df.toArrow())
    assert isinstance(got, pl.DataFrame)
    schema = like.collect_schema()
    return got.with_columns([pl.col(c).cast(schema[c], strict=False) for c in got.columns if c in schema])


def prepare_spark(
    contract: Contract,
    obj: SchemaObject,
    source: Any,
    props: Mapping[str, Property],
    options: ReadOptions,
    samples: int,
) -> tuple[SparkTable, Normalised, dict[str, dict[str, Any]]]:
    """The cached, typed Spark table of ``obj``, the normalisation record, and its profile."""
    import polars as pl
    from pyspark.sql import functions as F

    df = source.dataframe(obj.physical_name or obj.name)
    df = df.withColumn(ROW, F.monotonically_increasing_id())
    sampled = False
    if options.fraction is not None:
        df, sampled = df.sample(False, float(options.fraction), seed=SEED), True
    elif options.limit is not None:
        df = df.orderBy(F.xxhash64(F.col(ROW), F.lit(SEED))).limit(options.limit + 1).cache()
        sampled = df.count() > options.limit
        df = df.limit(options.limit) if sampled else df
    empty = _to_polars(df.limit(0).drop(ROW), pl.DataFrame())
    norm = normalise(empty, props, "typed")
    typed = norm.frame
    assert isinstance(typed, pl.DataFrame)
    for c, dtype in typed.schema.items():
        if empty.schema[c] != dtype and str(dtype) in _SPARK_TYPES:
            df = df.withColumn(c, F.col(c).cast(_SPARK_TYPES[str(dtype)]))
    df = df.cache()
    rows = df.count()
    table = SparkTable(contract, obj, typed, frozenset(), samples, sampled, source, rows, df)
    declared = {p for p, prop in props.items() if guarded(prop)}
    prof = spark_profile(table, declared)
    table.masked = frozenset(declared | {c for c, e in prof.items() if e["detected"]})
    return table, norm, prof


def spark_profile(table: SparkTable, masked: Collection[str]) -> dict[str, dict[str, Any]]:
    """``input.data.columns`` as the polars path computes it, in one Spark aggregation."""
    import polars as pl
    from pyspark.sql import functions as F

    from meshguard.quality.profile import _hashable, _ordered

    schema = table.frame.schema
    rows = table.rows
    aggs: list[Any] = []
    names: list[str] = []
    for i, c in enumerate(table.columns):
        col = F.col(f"`{c}`")
        aggs.append(F.sum(F.when(col.isNull(), 1).otherwise(0)).alias(f"n{i}"))
        if _hashable(schema[c]):
            distinct = F.countDistinct(col) if rows <= EXACT_DISTINCT_ROWS else F.approx_count_distinct(col)
            aggs.append(distinct.alias(f"d{i}"))
        if _ordered(schema[c]) and c not in masked:
            aggs += [F.min(col).alias(f"lo{i}"), F.max(col).alias(f"hi{i}")]
        names.append(c)
    if not names:
        return {}
    stats = pl.from_arrow(table.df.agg(*aggs).toArrow()) if rows else None
    out: dict[str, dict[str, Any]] = {}
    for i, c in enumerate(names):
        dtype = schema[c]
        got = stats.row(0, named=True) if isinstance(stats, pl.DataFrame) else {}
        nulls = int(got.get(f"n{i}") or 0)
        entry: dict[str, Any] = {
            "null_fraction": round(nulls / rows, 6) if rows else 0.0,
            "distinct": None if f"d{i}" not in got else int(got[f"d{i}"] or 0),
            "detected": _detect(table, c, dtype),
        }
        if f"lo{i}" in got:
            lo_hi = pl.DataFrame({"lo": [got[f"lo{i}"]], "hi": [got[f"hi{i}"]]}).cast(dtype, strict=False)
            entry["min"], entry["max"] = jsonable(lo_hi.item(0, "lo")), jsonable(lo_hi.item(0, "hi"))
        out[c] = entry
    return out


def _detect(table: SparkTable, column: str, dtype: pl.DataType) -> list[str]:
    from pyspark.sql import functions as F

    family = family_of(dtype)
    values: list[str] = []
    if reads_values(family):
        head = table.df.filter(F.col(f"`{column}`").isNotNull()).orderBy(ROW).limit(SAMPLE)
        values = [str(v) for v in _to_polars(head.select(f"`{column}`"), table.frame).get_column(column)]
    return detect_column(column, family, values)
