"""Read one schema object from a source into a polars DataFrame (limits, sampling, clear errors)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

from meshguard.contracts.model import Contract, Property, SchemaObject
from meshguard.errors import DataError
from meshguard.sources.base import ReadOptions, SizedSource, Source, scrub
from meshguard.sources.files import FileSource

if TYPE_CHECKING:
    import polars as pl

Frame = TypeVar("Frame", "pl.DataFrame", "pl.LazyFrame")


#: the seed of every sample meshguard draws (``--sample N`` / ``--sample-fraction F``)
SEED = 42


def read_frame(
    source: Source, contract: Contract, obj: SchemaObject, options: ReadOptions
) -> tuple[pl.DataFrame, bool]:
    """The rows (a seeded sample of ``options.limit`` / ``options.fraction`` of them, when asked)
    and whether they are a sample of more."""
    import polars as pl

    frame, sampled = read_table(source, contract, obj, options, stream=False)
    assert isinstance(frame, pl.DataFrame)
    return frame, sampled


def is_large(source: Source, obj: SchemaObject, options: ReadOptions) -> bool:
    """Whether this table is streamed: a columnar file (a lazy scan reads only the columns each
    pass needs, in one aggregation pass: faster and smaller than loading it, measured by
    benchmarks/validate.py), or a whole table of more than ``data.large_file_bytes``."""
    if options.large_file_bytes is None or options.limit is not None or options.fraction is not None:
        return False
    if not source.capabilities.sizes:
        return False
    sized = cast(SizedSource, source)
    return sized.columnar or sized.size(obj.physical_name or obj.name) > options.large_file_bytes


def read_table(
    source: Source, contract: Contract, obj: SchemaObject, options: ReadOptions, *, stream: bool
) -> tuple[pl.DataFrame | pl.LazyFrame, bool]:
    """Like :func:`read_frame`; with ``stream`` the rows stay a ``LazyFrame`` (its schema checked)."""
    import polars as pl

    table = obj.physical_name or obj.name
    try:
        got: Any = source.read(table, options)
        if not isinstance(got, (pl.DataFrame, pl.LazyFrame)):  # a pandas frame from a custom source
            got = pl.from_pandas(got)
        if stream:
            lazy = got.lazy()
            lazy.collect_schema()
            return lazy, False
        frame, sampled = _rows(got, source, options)
        if isinstance(source, FileSource):
            again = source.blank_lines_left_out(table, frame)
            if again is not None:  # a CSV's blank lines are no rows: read (and drawn) again without them
                frame, sampled = _rows(again, source, options)
    except pl.exceptions.NoDataError:
        raise DataError(f"product {contract.id}: {source.describe()} is empty") from None
    except unreadable(UnicodeDecodeError, ValueError) as exc:
        raise read_error(contract, source, exc) from None
    return frame, sampled


def _rows(
    got: pl.DataFrame | pl.LazyFrame, source: Source, options: ReadOptions
) -> tuple[pl.DataFrame, bool]:
    """``got``'s rows (a seeded sample of ``options.limit`` / ``options.fraction`` of them, when
    asked) and whether they are a sample of more."""
    import polars as pl

    if options.limit is not None:
        got = _sample_rows(got.lazy(), options.limit)
    elif options.fraction is not None and not source.capabilities.samples_fraction:
        got = _sample_fraction(got.lazy(), options.fraction)
    frame = got.collect(engine="streaming") if isinstance(got, pl.LazyFrame) else got
    if options.limit is None:
        return frame, options.fraction is not None
    sampled = frame.height > options.limit
    if sampled:  # n + 1 rows came back: drop the one drawn last
        frame = frame.filter(pl.col("__h") != pl.col("__h").max())
    return frame.drop("__i", "__h"), sampled


def _sample_rows(frame: pl.LazyFrame, n: int) -> pl.LazyFrame:
    """``n + 1`` rows drawn with the fixed seed (in data order), with their draw in ``__h``."""
    import polars as pl

    drawn = frame.with_row_index("__i").with_columns(pl.col("__i").hash(SEED).alias("__h"))
    return drawn.bottom_k(n + 1, by="__h").sort("__i")


def _sample_fraction(frame: pl.LazyFrame, fraction: float) -> pl.LazyFrame:
    import polars as pl

    cut = int(min(max(fraction, 0.0), 1.0) * (2**64 - 1))
    return frame.with_row_index("__i").filter(pl.col("__i").hash(SEED) <= cut).drop("__i")


def panic() -> type[BaseException]:
    """The class of a panic in polars' native code, e.g. its reader giving up on a corrupt file
    (pyo3's PanicException: a BaseException, which ``except Exception`` does not catch)."""
    import polars as pl

    return pl.exceptions.PanicException


def unreadable(*more: type[BaseException]) -> tuple[type[BaseException], ...]:
    """What reading a table's rows raises when they cannot be read: polars' error, a panic of
    its native reader, or the system's (and ``more``)."""
    import polars as pl

    return (pl.exceptions.PolarsError, panic(), OSError, *more)


def read_error(contract: Contract, source: Source, exc: BaseException) -> DataError:
    """A one-line error for data that cannot be read (never quoting a value)."""
    text = str(exc).lower()
    if "utf-8" in text or "utf8" in text:
        msg = "is not valid UTF-8 text"
    elif "parquet" in text or "magic" in text:
        msg = "is not a readable Parquet file"
    elif "json" in text:
        msg = f"is not valid JSON: {scrub(str(exc), 120)}"
    elif isinstance(exc, panic()):
        msg = "is corrupt: the reader gave up on it"
    else:
        msg = f"cannot be read: {scrub(str(exc), 160)}"
    return DataError(f"product {contract.id}: {source.describe()} {msg}")


def flatten(frame: Frame, props: dict[str, Property]) -> Frame:
    """Nested properties (``address.city``) as their own columns, read from struct fields."""
    import polars as pl

    exprs = []
    schema = frame.collect_schema()
    for path in props:
        if "." not in path or path in schema:
            continue
        head, *rest = path.split(".")
        if head not in schema:
            continue
        expr = pl.col(head)
        dtype: Any = schema[head]
        ok = True
        for part in rest:
            if not isinstance(dtype, pl.Struct) or part not in {f.name for f in dtype.fields}:
                ok = False
                break
            dtype = next(f.dtype for f in dtype.fields if f.name == part)
            expr = expr.struct.field(part)
        if ok:
            exprs.append(expr.alias(path))
    return frame.with_columns(exprs) if exprs else frame
