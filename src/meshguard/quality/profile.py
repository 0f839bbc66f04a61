"""The data profile the policy stage reads (DESIGN.md §5 ``input.data.columns``).

Per column: null fraction, distinct count, min/max for numbers and dates (never
for guarded columns) and the sensitive content detected in a bounded sample of
its values.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from meshguard.detectors import (
    INTEGER,
    SAMPLE,
    Detection,
    Detector,
    family_of,
    narrowing,
    reads_values,
    scan_column,
    scan_sample,
)
from meshguard.errors import DataError
from meshguard.quality.masking import jsonable

if TYPE_CHECKING:
    import polars as pl

#: rows of a sample file read to propose sensitivity (``meshguard import``)
PROFILE_ROWS = 1000
#: above this many rows the distinct count is an estimate (HyperLogLog)
EXACT_DISTINCT_ROWS = 1_000_000


def profile(
    frame: pl.DataFrame | pl.LazyFrame,
    masked: Collection[str],
    rows: int | None = None,
    found: Mapping[str, Detection] | None = None,
    stats: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """The profile of every column of ``frame`` (a LazyFrame is aggregated in one streaming pass);
    ``stats``: the aggregation's answer, already computed (by a batch of tables, quality/batch.py)."""
    import polars as pl

    schema = frame.collect_schema()
    ordered = [c for c in schema.names() if not c.startswith("__bad__")]
    if not ordered:
        return {}
    if rows is None:
        rows = (
            frame.height if isinstance(frame, pl.DataFrame) else int(frame.select(pl.len()).collect().item())
        )
    if stats is None:
        stats = _statistics(frame, schema, ordered, masked, rows)
    out: dict[str, dict[str, Any]] = {}
    for c in ordered:
        dtype = schema[c]
        nulls = int(stats.get(f"n|{c}", 0) or 0)
        distinct = stats.get(f"d|{c}")
        entry: dict[str, Any] = {
            "null_fraction": round(nulls / rows, 6) if rows else 0.0,
            "distinct": None if distinct is None else int(distinct) - (1 if nulls and rows else 0),
        }
        hits = found[c] if found is not None and c in found else _detect(frame, c, dtype)
        entry["detected"] = list(hits.kinds)
        if hits.counts:  # how many sampled values matched each kind: counts, never values
            entry["detected_counts"] = dict(hits.counts)
            entry["sampled"] = hits.sampled
        if f"lo|{c}" in stats:
            entry["min"] = jsonable(stats[f"lo|{c}"])
            entry["max"] = jsonable(stats[f"hi|{c}"])
        out[c] = entry
    return out


def profile_exprs(
    schema: pl.Schema, ordered: Sequence[str], masked: Collection[str], rows: int, *, grouped: bool = False
) -> list[pl.Expr] | None:
    """The profile's aggregations of the ``ordered`` columns (``grouped``: to run per group of a
    ``group_by``, None when a column cannot be profiled that way)."""
    import polars as pl

    exprs: list[pl.Expr] = []
    for c in ordered:
        col = pl.col(c)
        exprs.append(col.null_count().alias(f"n|{c}"))
        if not _hashable(schema[c]):
            if grouped:
                return None
            exprs.append(pl.lit(None).alias(f"d|{c}"))
        elif rows > EXACT_DISTINCT_ROWS:  # HyperLogLog estimate on large frames
            exprs.append(col.approx_n_unique().alias(f"d|{c}"))
        else:
            exprs.append(col.n_unique().alias(f"d|{c}"))
        if _ordered(schema[c]) and c not in masked:
            exprs.append(col.min().alias(f"lo|{c}"))
            exprs.append(col.max().alias(f"hi|{c}"))
    return exprs


def _statistics(
    frame: pl.DataFrame | pl.LazyFrame,
    schema: pl.Schema,
    ordered: Sequence[str],
    masked: Collection[str],
    rows: int,
) -> dict[str, Any]:
    import polars as pl

    exprs = profile_exprs(schema, ordered, masked, rows)
    assert exprs is not None

    def aggregate(exprs: list[pl.Expr]) -> dict[str, Any]:
        if isinstance(frame, pl.DataFrame):  # in memory: one eager select (30,000 expressions stay fast)
            return frame.select(exprs).row(0, named=True)
        return frame.lazy().select(exprs).collect(engine="streaming").row(0, named=True)

    try:
        return aggregate(exprs) if rows else {}
    except (OverflowError, ValueError):  # a date beyond Python's range (year > 9999): min/max as text
        return aggregate(
            [e.cast(pl.String) if e.meta.output_name().startswith(("lo|", "hi|")) else e for e in exprs]
        )


def _hashable(dtype: pl.DataType) -> bool:
    import polars as pl

    return not isinstance(dtype, (pl.List, pl.Array, pl.Struct, pl.Object))


def _ordered(dtype: pl.DataType) -> bool:
    import polars as pl

    return dtype.is_numeric() or dtype in (pl.Date, pl.Time) or isinstance(dtype, pl.Datetime)


def _head(frame: pl.DataFrame | pl.LazyFrame, column: str, dtype: pl.DataType) -> list[str]:
    """The first non-null values of ``column`` as Python's ``str`` writes them."""
    return _as_text(_first(frame, column), dtype)


def _first(frame: pl.DataFrame | pl.LazyFrame, column: str) -> pl.Series:
    """The first :data:`SAMPLE` non-null values of ``column``."""
    import polars as pl

    if isinstance(frame, pl.DataFrame):  # in memory: no query per column (10,000 columns stay fast)
        return _leading(frame.get_column(column))
    lazy = frame.lazy().select(pl.col(column).drop_nulls().head(SAMPLE))
    return lazy.collect(engine="streaming").get_column(column)


def _detect(frame: pl.DataFrame | pl.LazyFrame, column: str, dtype: pl.DataType) -> Detection:
    family = family_of(dtype)
    if family == INTEGER and reads_values(family):
        return _whole_numbers(frame, column)
    values = _head(frame, column, dtype) if reads_values(family) else []
    return scan_column(column, family, values, narrow=narrow)


def _whole_numbers(frame: pl.DataFrame | pl.LazyFrame, column: str) -> Detection:
    """:func:`scan_column`'s answer for a whole-number column, its values kept in polars: the
    digits polars writes are ``str``'s, never empty nor padded (nothing to strip), and each
    detector's candidates narrow them there: only what a detector then tests comes to Python."""
    import polars as pl

    text = _first(frame, column).cast(pl.String)
    detectors = narrowing(INTEGER)
    tested: dict[str, Sequence[str]] = {}
    if detectors and text.len():
        try:
            found = text.to_frame("v").select(
                pl.col("v").str.contains(d.candidates or "").alias(f"{i}") for i, d in enumerate(detectors)
            )
            tested = {d.name: _Values(text.filter(found.get_column(f"{i}"))) for i, d in enumerate(detectors)}
        except pl.exceptions.PolarsError:  # a plugin's pattern polars cannot run: test every value
            tested = {}
    return scan_sample(column, INTEGER, _Values(text), tested=tested)


class _Values(Sequence[str]):
    """The values of a polars Series of text: its length without a copy, the values copied
    into Python on first use."""

    def __init__(self, series: pl.Series) -> None:
        self._series = series
        self._values: list[str] | None = None

    def __len__(self) -> int:
        return self._series.len()

    def _list(self) -> list[str]:
        if self._values is None:
            self._values = self._series.to_list()
        return self._values

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        return self._list()[i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._list())


def narrow(sample: Sequence[str], detectors: Sequence[Detector]) -> dict[str, list[str]]:
    """Per detector, the values of ``sample`` holding a match of its ``candidates``: one polars
    pass over the sample instead of each detector's test on every value (detectors.Narrow).

    An exact detector's candidates are its test, so it is asked on its own; the others' are
    asked together first (one pattern, their union), each then only of the values that union
    kept, usually none: a value holding a match of one pattern holds a match of the union."""
    import polars as pl

    values = pl.Series("v", sample, dtype=pl.String)
    exact = [d for d in detectors if d.exact]
    rest = [d for d in detectors if not d.exact]
    union = "|".join(f"(?:{d.candidates or ''})" for d in rest)
    try:
        found = values.to_frame().select(
            *(pl.col("v").str.contains(d.candidates or "").alias(f"{i}") for i, d in enumerate(exact)),
            *([pl.col("v").str.contains(union).alias("rest")] if rest else []),
        )
        out = {d.name: values.filter(found.get_column(f"{i}")).to_list() for i, d in enumerate(exact)}
        if rest:
            out.update(_each(values.filter(found.get_column("rest")), rest))
    except pl.exceptions.PolarsError:  # a plugin's pattern polars cannot run: test every value
        return {}
    return {d.name: out[d.name] for d in detectors}


def _each(values: pl.Series, detectors: Sequence[Detector]) -> dict[str, list[str]]:
    """Per detector, the ``values`` holding a match of its ``candidates``."""
    import polars as pl

    if len(detectors) == 1 or values.is_empty():  # what the union kept is the answer
        return {d.name: values.to_list() for d in detectors}
    found = values.to_frame().select(
        pl.col("v").str.contains(d.candidates or "").alias(f"{i}") for i, d in enumerate(detectors)
    )
    return {d.name: values.filter(found.get_column(f"{i}")).to_list() for i, d in enumerate(detectors)}


def detected_in_sample(sample: Path, rows: int = PROFILE_ROWS) -> dict[str, list[str]]:
    """column → kinds of sensitive content the quality stage's profile finds in the first rows."""
    import polars as pl

    suffix = sample.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pl.read_csv(sample, n_rows=rows, infer_schema_length=rows, try_parse_dates=True)
        elif suffix == ".parquet":
            frame = pl.read_parquet(sample, n_rows=rows)
        else:
            frame = pl.read_ndjson(sample, n_rows=rows)
    except (OSError, pl.exceptions.PolarsError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise DataError(f"cannot read the sample: {first}", path=sample.as_posix()) from None
    columns = profile(frame, masked=frame.columns)  # masked: no min/max values computed
    return {name: list(entry.get("detected", [])) for name, entry in columns.items()}


class LazyProfile(Mapping[str, dict[str, Any]]):
    """A profile computed on first read (``meshguard test`` runs no policy and never reads it)."""

    def __init__(self, build: Callable[[], Mapping[str, dict[str, Any]]]) -> None:
        self._build = build
        self._entries: Mapping[str, dict[str, Any]] | None = None

    def _get(self) -> Mapping[str, dict[str, Any]]:
        if self._entries is None:
            self._entries = self._build()
        return self._entries

    def __getitem__(self, key: str) -> dict[str, Any]:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def detected(frame: pl.DataFrame | pl.LazyFrame) -> dict[str, Detection]:
    """Column → the sensitive content found in its first values (what masks failing samples)."""
    schema = frame.collect_schema()
    return {c: _detect(frame, c, schema[c]) for c in schema.names() if not c.startswith("__bad__")}


def _leading(values: pl.Series) -> pl.Series:
    """:func:`_first` of an in-memory column."""
    # dropping nulls is a query (~0.1 ms even on 1,000 values); the count is kept with the Series
    return (values.drop_nulls() if values.null_count() else values).head(SAMPLE)


def _as_text(head: pl.Series, dtype: pl.DataType) -> list[str]:
    """The values ``head`` holds as Python's ``str`` writes them."""
    import polars as pl

    if dtype == pl.String:
        return head.to_list()
    if dtype.is_integer():
        return head.cast(pl.String).to_list()  # the digits ``str`` writes, without a call per value
    return [str(v) for v in head.to_list()]
