"""A Spark table read and typed for its checks (:mod:`meshguard.quality.spark`): the quality
backend ``spark`` (:data:`meshguard.quality.backends.BACKENDS`).

The table's schema is read by the JVM while a thread imports what checking imports (pandera,
DuckDB for SQL rules); its row number is added, it is sampled when asked, its columns are cast
to the types the polars path gives them, and the head read of the detectors starts in a thread
of its own. Nothing is counted here: the checks plan the one aggregation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshguard.contracts.model import Contract, Property, SchemaObject
from meshguard.detectors import family_of
from meshguard.quality.load import SEED
from meshguard.quality.masking import guarded
from meshguard.quality.profile import LazyProfile
from meshguard.quality.spark import SparkTable, key
from meshguard.quality.spark_jobs import ROW, Background, detect, empty_frame, quoted, run
from meshguard.quality.spark_profile import plan_library, plan_sql, spark_profile
from meshguard.quality.types import Normalised, normalise
from meshguard.sources.base import ReadOptions

_SPARK_TYPES = {"Int64": "bigint", "Float64": "double", "String": "string", "Boolean": "boolean"}


def prepare_spark(
    contract: Contract,
    obj: SchemaObject,
    source: Any,
    props: Mapping[str, Property],
    options: ReadOptions,
    samples: int,
) -> tuple[SparkTable, Normalised, LazyProfile]:
    """The typed Spark table of ``obj`` (nothing counted yet: the checks plan the one
    aggregation), the normalisation record, and its profile (read from that aggregation)."""
    from pyspark.sql import functions as F

    from meshguard.sources.spark import session

    # what checking imports (pandera, DuckDB for SQL rules) while the JVM reads the table's schema
    # (a job reading the Parquet footer); the session first, so its own imports come before
    rules = [*obj.quality, *(r for p in props.values() for r in p.quality)]
    imports = Background(lambda: _imports(any(r.type == "sql" for r in rules)), session(source.conf))
    try:
        df = source.dataframe(obj.physical_name or obj.name)
    finally:
        imports.join()  # a read error is reported as before, an import error below
    imports.result()
    import polars as pl  # imported by now (``_imports``: beside the read, not before it)

    plain = df if options.fraction is None and options.limit is None else None  # every row, in order
    df = df.withColumn(ROW, F.monotonically_increasing_id())
    sampled = reordered = False
    if options.fraction is not None:
        df, sampled = df.sample(False, float(options.fraction), seed=SEED), True
    elif options.limit is not None:
        df = df.orderBy(F.xxhash64(F.col(ROW), F.lit(SEED))).limit(options.limit + 1).cache()
        sampled = run(df.count) > options.limit
        df = df.limit(options.limit).cache() if sampled else df
        reordered = True
    empty = empty_frame(df.drop(ROW))
    norm = normalise(empty, props, "typed")
    typed = norm.frame
    assert isinstance(typed, pl.DataFrame)
    for c, dtype in typed.schema.items():
        if empty.schema[c] != dtype and str(dtype) in _SPARK_TYPES:
            cast = F.col(quoted(c)).cast(_SPARK_TYPES[str(dtype)])
            df = df.withColumn(c, cast)
            plain = None if plain is None else plain.withColumn(c, cast)
    declared = frozenset(p for p, prop in props.items() if guarded(prop))
    table = SparkTable(contract, obj, typed, declared, samples, sampled, source, None, df, plain=plain)
    families = {c: family_of(t) for c, t in typed.schema.items()}  # the detectors' registry, loaded here
    table.head = Background(lambda: detect(df, families, ordered=reordered), df.sparkSession)
    table.planned = {**plan_library(table, rules, key), **plan_sql(table, rules)}
    return table, norm, LazyProfile(lambda: spark_profile(table))


def _imports(sql: bool) -> None:
    """Import what checking a table imports: the data path, pandera's polars backend, DuckDB's
    parser (which vets SQL rules)."""
    from meshguard.quality.warm import warm

    warm()
    if sql:
        import duckdb  # noqa: F401
