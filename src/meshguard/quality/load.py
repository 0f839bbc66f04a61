"""Read one schema object from a source into a polars DataFrame (limits, sampling, clear errors)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from meshguard.contracts.model import Contract, Property, SchemaObject
from meshguard.errors import DataError
from meshguard.sources.base import ReadOptions, Source, scrub

if TYPE_CHECKING:
    import polars as pl


def read_frame(
    source: Source, contract: Contract, obj: SchemaObject, options: ReadOptions
) -> tuple[pl.DataFrame, bool]:
    """The rows (at most ``options.limit``) and whether they are a sample of more."""
    import polars as pl

    table = obj.physical_name or obj.name
    try:
        got: Any = source.read(table, options)
        frame = got.collect() if isinstance(got, pl.LazyFrame) else got
        if not isinstance(frame, pl.DataFrame):  # a pandas frame from a custom source
            frame = pl.from_pandas(frame)
    except pl.exceptions.NoDataError:
        raise DataError(f"product {contract.id}: {source.describe()} is empty") from None
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"product {contract.id}: {source.describe()} {_why(exc)}") from None
    except BaseException as exc:  # a panic inside the native reader (corrupt file) is BaseException
        if type(exc).__name__ != "PanicException":
            raise
        raise DataError(f"product {contract.id}: {source.describe()} {_why(exc)}") from None
    sampled = False
    if options.limit is not None and frame.height > options.limit:
        frame, sampled = frame.head(options.limit), True
    if options.fraction is not None and source.kind != "postgres":
        frame, sampled = frame.sample(fraction=options.fraction, seed=42), True
    elif options.fraction is not None:
        sampled = True
    return frame, sampled


def _why(exc: BaseException) -> str:
    """Why a file could not be read, in a few words (never the values the engine may quote)."""
    text = str(exc).lower()
    if "utf-8" in text or "utf8" in text:
        return "is not valid UTF-8 text"
    elif "parquet" in text or "magic" in text:
        return "is not a readable Parquet file"
    elif "json" in text:
        return f"is not valid JSON: {scrub(str(exc), 120)}"
    elif type(exc).__name__ == "PanicException":
        return "is corrupt: the reader gave up on it"
    else:
        return f"cannot be read: {scrub(str(exc), 160)}"


def flatten(frame: pl.DataFrame, props: dict[str, Property]) -> pl.DataFrame:
    """Nested properties (``address.city``) as their own columns, read from struct fields."""
    import polars as pl

    exprs = []
    for path in props:
        if "." not in path or path in frame.columns:
            continue
        head, *rest = path.split(".")
        if head not in frame.columns:
            continue
        expr = pl.col(head)
        dtype: Any = frame.schema[head]
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
