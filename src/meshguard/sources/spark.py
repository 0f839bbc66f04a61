"""Data read through a SparkSession: Databricks / Hive / Spark tables and Parquet / Delta files.

The extra ``meshguard-odcs[spark]`` installs pyspark (and the pandas < 3 that pandera's
pyspark backend needs). The session is local (``spark.master`` in meshguard.yaml,
default ``local[2]``) or a cluster through Spark Connect (``SPARK_REMOTE`` or
``spark.remote``); ``spark.conf`` entries are passed as they are. One session per
process. The data never leaves Spark: :mod:`meshguard.quality.spark` runs every
check as Spark aggregations over the cached table.

Server entries: ``type: spark`` with ``path`` + ``format`` (parquet, delta, csv, json)
or ``table``; ``type: databricks`` with ``catalog``, ``schema``, ``table``; ``type:
hive`` with ``database`` (or ``schema``) and ``table``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from meshguard.errors import DataError, MissingExtra, SourceUnavailable
from meshguard.sources.base import Capabilities, ReadOptions, Typing, scrub
from meshguard.sources.paths import resolve_data_paths
from meshguard.sources.spark_cds import java_options

if TYPE_CHECKING:
    import polars as pl

_SESSION: Any = None
#: the driver JVM's options: meshguard's (:data:`LOCAL`, the class-data archive) unless set in spark.conf
JAVA_OPTIONS = "spark.driver.extraJavaOptions"

#: a local session's defaults (``spark.conf`` in meshguard.yaml overrides each), measured by
#: benchmarks/validate.py on 2 cores: one run of checks is a short-lived JVM, so the JIT stops
#: at its quick tier (C1: about half the JVM start-up's CPU, and less for the first jobs), and
#: the serial collector (no collector threads beside the two task threads: the checks' JVM CPU
#: 0.90-0.95x G1's, the JVM's peak RSS about half: 545 MB against 1.0-1.1 GB at 5M rows);
#: a heap that holds a uniqueness key's hash table without spilling (3 GiB: a third less CPU
#: for a groupBy of 5M keys than the 1 GiB default); no adaptive re-planning (a few fixed jobs
#: over 4 shuffle partitions: about a tenth less CPU per run of checks); files split by their
#: bytes alone (the 4 MiB Spark adds per file to its total before dividing it among the cores
#: left one Parquet file in unequal halves: 2.9M and 2.1M of 5M rows, or one task for a file
#: under ~4 MiB, so one core idled while the other read); no UI, no progress bars; no Python
#: call site recorded for the JVM at each Column function (pyspark's DataFrame debugging: about
#: 950 of the checks' 1,900 py4j round trips, and on or off by a race of pyspark's first call;
#: an error's first line, all meshguard reports, is the same).
LOCAL = {
    JAVA_OPTIONS: "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    "spark.driver.memory": "3g",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.files.openCostInBytes": "1",
    "spark.python.sql.dataFrameDebugging.enabled": "false",
}


def session(conf: Mapping[str, Any]) -> Any:
    """The process's SparkSession (created on first use); SourceUnavailable without pyspark/Java."""
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise MissingExtra("a Spark source", "spark") from None
    remote = os.environ.get("SPARK_REMOTE") or conf.get("remote")
    builder: Any = SparkSession.builder.appName("meshguard")
    if remote:
        builder = builder.remote(str(remote))
    else:
        builder = builder.master(str(conf.get("master") or "local[2]"))
        for key, value in LOCAL.items():
            builder = builder.config(key, value)
        options = driver_options(conf)
        builder = builder.config(JAVA_OPTIONS, options) if options is not None else builder
    builder = builder.config("spark.sql.session.timeZone", "UTC")
    # SQL quality rules are written (and checked) with standard "quoted" identifiers
    builder = builder.config("spark.sql.ansi.enabled", "true")
    builder = builder.config("spark.sql.ansi.doubleQuotedIdentifiers", "true")
    for key, value in dict(conf.get("conf") or {}).items():
        builder = builder.config(str(key), str(value))
    try:
        _SESSION = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start, or the cluster is unreachable
        raise SourceUnavailable(f"cannot start a Spark session: {scrub(str(exc))}") from None
    _SESSION.sparkContext.setLogLevel("ERROR") if not remote else None
    return _SESSION


def driver_options(conf: Mapping[str, Any]) -> str | None:
    """A local driver JVM's options: :data:`LOCAL`'s with the class-data archive's
    (:mod:`meshguard.sources.spark_cds`); None when meshguard.yaml opts out (``class_data:
    false``) or sets ``spark.driver.extraJavaOptions`` itself."""
    own = {str(k): str(v) for k, v in dict(conf.get("conf") or {}).items()}
    if conf.get("class_data", True) is False or JAVA_OPTIONS in own:
        return None
    jvm = {k: v for k, v in own.items() if k.startswith("spark.driver.")}  # e.g. the heap's size
    return java_options(LOCAL[JAVA_OPTIONS], jvm)


class SparkSource:
    kind = "spark"
    capabilities: ClassVar[Capabilities] = Capabilities(backend="spark")
    typing: Typing = "typed"

    def __init__(
        self,
        *,
        product: str,
        conf: Mapping[str, Any],
        path: Path | None = None,
        raw_path: str | None = None,
        fmt: str = "parquet",
        table: str | None = None,
    ) -> None:
        self.product = product
        self.conf = dict(conf)
        self.path = path
        self.raw_path = raw_path
        self.format = fmt
        self.table = table

    @classmethod
    def from_server(
        cls,
        server: Mapping[str, Any],
        *,
        root: Path,
        product: str,
        allowed_roots: Sequence[Path] = (),
        spark: Mapping[str, Any] | None = None,
        base: Path | None = None,
        **_: Any,
    ) -> SparkSource:
        kind = str(server.get("type") or "spark").lower()
        conf = dict(spark or {})
        path = server.get("path") or server.get("location")
        if kind == "spark" and isinstance(path, str) and path:
            fmt = str(server.get("format") or "parquet").lower()
            if fmt not in ("parquet", "delta", "csv", "json"):
                raise DataError(f"product {product}: Spark cannot read format {fmt!r}")
            if "://" in path:  # a cluster path (s3://, abfss://, dbfs:/): Spark reads it, not meshguard
                return cls(product=product, conf=conf, raw_path=path, fmt=fmt)
            local = (
                resolve_data_paths(path, root, allowed_roots, product, base)[0] if fmt != "delta" else None
            )
            return cls(
                product=product, conf=conf, path=local or (root / path).resolve(), raw_path=path, fmt=fmt
            )
        table = server.get("table")
        parts = [server.get("catalog"), server.get("schema") or server.get("database"), table]
        if not isinstance(table, str) or not table:
            raise DataError(f"product {product}: {kind} server {server.get('server')!r} names no `table`")
        name = ".".join(f"`{p}`" for p in parts if isinstance(p, str) and p)
        return cls(product=product, conf=conf, table=name)

    def describe(self) -> str:
        return f"spark:{self.raw_path or self.table}"

    def dataframe(self, table: str) -> Any:
        """The Spark DataFrame of ``table`` (nothing is read yet)."""
        spark = session(self.conf)
        try:
            if self.table or not (self.path or self.raw_path):
                return spark.table(self.table or f"`{table}`")
            where = str(self.path) if self.path is not None else str(self.raw_path)
            reader = spark.read.format(self.format)
            if self.format == "csv":
                reader = reader.option("header", "true")
            return reader.load(where)
        except Exception as exc:
            raise DataError(
                f"product {self.product}: {self.describe()} cannot be read: {scrub(str(exc))}"
            ) from None

    def read(self, table: str, options: ReadOptions) -> pl.DataFrame:
        """The rows as a polars frame: only for what must be in memory (a relationship's keys)."""
        import polars as pl

        df = self.dataframe(table)
        if options.limit is not None:
            df = df.limit(options.limit + 1)
        return pl.from_arrow(df.toArrow())  # type: ignore[return-value]
