"""ODCS logical/physical types → polars dtypes, and bringing a frame's columns to them.

Untyped sources (CSV: all strings; JSON: dates as strings) are parsed to the
contract's type; a value that does not parse is a type failure of that row.
Typed sources are only widened losslessly (Int32 → Int64, Decimal → Float64,
naive timestamps read as UTC); a column of another type family is left as is
and fails pandera's dtype check.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from meshguard.contracts.model import Property

if TYPE_CHECKING:
    import polars as pl

LOGICAL = ("string", "integer", "number", "boolean", "date", "timestamp", "time", "array", "object")

_PHYSICAL: tuple[tuple[str, str], ...] = (
    (r"^(var)?char|^text|^string|^uuid|^(n)?varchar|^clob", "string"),
    (r"^(tiny|small|big|medium)?int(eger)?\d*$|^long$|^short$|^u?int\d+$|^serial|^bigserial", "integer"),
    (r"^(double|float|real|decimal|numeric|number)", "number"),
    (r"^bool", "boolean"),
    (r"^date$", "date"),
    (r"^(timestamp|datetime)", "timestamp"),
    (r"^time", "time"),
    (r"^(array|list)", "array"),
    (r"^(struct|map|object|record|json)", "object"),
)
_VARCHAR = re.compile(r"^(?:n?var)?char(?:acter varying)?\s*\(\s*(\d+)\s*\)$", re.I)


def expected_kind(prop: Property) -> str | None:
    """The logical type meshguard checks, from logicalType, else physicalType."""
    lt = (prop.logical_type or "").lower()
    if lt in LOGICAL:
        return lt
    pt = (prop.physical_type or "").strip().lower()
    for pattern, kind in _PHYSICAL:
        if pt and re.search(pattern, pt):
            return kind
    return None


def physical_max_length(prop: Property) -> int | None:
    """``varchar(50)`` → 50: a physical type more precise than the logical one."""
    m = _VARCHAR.match((prop.physical_type or "").strip())
    return int(m.group(1)) if m else None


def family(dtype: pl.DataType) -> str:
    import polars as pl

    if dtype == pl.Null:
        return "null"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float() or isinstance(dtype, pl.Decimal):
        return "number"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "timestamp"
    if dtype == pl.Time:
        return "time"
    if isinstance(dtype, (pl.List, pl.Array)):
        return "array"
    if isinstance(dtype, pl.Struct):
        return "object"
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        return "string"
    return str(dtype)


def target_dtype(kind: str) -> Any:
    """The exact dtype pandera checks after normalisation (None: only the family is checked)."""
    import polars as pl

    return {
        "string": pl.String,
        "integer": pl.Int64,
        "number": pl.Float64,
        "boolean": pl.Boolean,
        "date": pl.Date,
        "timestamp": pl.Datetime("us", "UTC"),
        "time": pl.Time,
    }.get(kind)


_JAVA_FORMAT = (
    (".SSS", "%.f"),
    ("yyyy", "%Y"),
    ("yy", "%y"),
    ("MM", "%m"),
    ("dd", "%d"),
    ("HH", "%H"),
    ("mm", "%M"),
    ("ss", "%S"),
)
_JAVA_ZONE = re.compile(r"X{1,3}|Z{1,2}|z")


def strftime_format(fmt: str | None) -> str | None:
    """ODCS ``format`` (Java ``yyyy-MM-dd'T'HH:mm:ssX`` style, or already strftime) → strftime.

    A zone letter (X, Z) becomes ``%:z``; values ending in ``Z`` are read as ``+00:00``.
    """
    if not fmt or "%" in fmt:
        return fmt
    parts = re.split(r"('[^']*')", fmt)
    out = []
    for part in parts:
        if part.startswith("'") and part.endswith("'"):
            out.append(part[1:-1].replace("%", "%%"))
            continue
        for java, c in _JAVA_FORMAT:
            part = part.replace(java, c)
        out.append(_JAVA_ZONE.sub("%:z", part))
    return "".join(out)


@dataclass
class Normalised:
    frame: pl.DataFrame | pl.LazyFrame
    #: column → the rows whose value did not parse as the contract's type: a boolean mask
    #: (in memory) or a boolean expression over the hidden ``__bad__<column>`` column (streamed)
    parse_failures: dict[str, pl.Series | pl.Expr] = field(default_factory=dict)
    #: column → the type family found, when it is not the contract's (dtype check fails)
    mismatched: dict[str, str] = field(default_factory=dict)


def _parse(col: pl.Expr, kind: str, fmt: str | None, per: str | None = None) -> pl.Expr | None:
    """``col`` (strings) parsed as ``kind``; a date or time without a format takes the format
    polars infers from the column's first value: with ``per``, from the first value of each
    group of rows with one value of that column (the tables of a batch: see :func:`normalise`)."""
    import polars as pl

    def inferred(expr: pl.Expr) -> pl.Expr:
        return expr.over(per) if per is not None and fmt is None else expr

    s = col.str.strip_chars()
    if kind == "integer":
        return s.cast(pl.Int64, strict=False)
    if kind == "number":
        return s.cast(pl.Float64, strict=False)
    if kind == "boolean":
        low = s.str.to_lowercase()
        return (
            pl.when(low.is_in(["true", "t", "yes", "y", "1"]))
            .then(True)
            .when(low.is_in(["false", "f", "no", "n", "0"]))
            .then(False)
            .otherwise(None)
        )
    if kind == "date":
        return inferred(s.str.to_date(format=fmt, strict=False))
    if kind == "timestamp":
        if fmt and "%:z" in fmt:
            return s.str.replace(r"Z$", "+00:00").str.to_datetime(
                format=fmt, strict=False, time_unit="us", time_zone="UTC"
            )
        if fmt:
            return s.str.to_datetime(format=fmt, strict=False, time_unit="us")
        aware = s.str.replace(r"Z$", "+00:00").str.to_datetime(
            format="%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_unit="us", time_zone="UTC"
        )
        naive = [
            s.str.to_datetime(format=f, strict=False, time_unit="us").dt.replace_time_zone("UTC")
            for f in ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d")
        ]
        return pl.coalesce([aware, *naive])
    if kind == "time":
        return inferred(s.str.to_time(format=fmt, strict=False))
    return None


def _utc(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    import polars as pl

    if isinstance(dtype, pl.Datetime) and dtype.time_zone:
        return expr.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
    return expr.dt.cast_time_unit("us").dt.replace_time_zone("UTC")


def _failed_rows(was: pl.Series, now: pl.Series, name: str) -> pl.Series:
    """The rows holding a value in ``was`` and none in ``now`` (its conversion), named ``name``.

    Every conversion here keeps a null a null, so when both hold as many nulls (their counts
    are kept with the Series: no pass over the values) no row failed, and the mask is all
    false; built as a copy of one value, it costs a fraction of the three Series operations
    (a query each) that compute it otherwise."""
    import polars as pl

    if now.null_count() == was.null_count():
        return pl.Series(name, [False], dtype=pl.Boolean).new_from_index(0, now.len())
    return (was.is_not_null() & now.is_null()).alias(name)


def normalise(
    frame: pl.DataFrame | pl.LazyFrame, props: Mapping[str, Property], typing: str, per: str | None = None
) -> Normalised:
    """Bring each contract column of ``frame`` to its logical type (see module doc).

    A ``LazyFrame`` stays lazy: it keeps its ``__bad__<column>`` columns, which
    :class:`Normalised.parse_failures` refers to. ``per``: a column of ``frame`` telling the
    tables of several products apart (stacked rows of one layout): what is inferred from the
    values (a date's format) is inferred for each table, as if it were normalised alone.
    """
    import polars as pl

    out = Normalised(frame)
    exprs: list[pl.Expr] = []
    parsed_cols: dict[str, pl.Expr] = {}
    #: column → the rows whose value did not convert, in the columns' order
    failed: dict[str, pl.Expr] = {}
    schema = frame.collect_schema()
    for path, prop in props.items():
        if path not in schema:
            continue
        kind = expected_kind(prop)
        dtype = schema[path]
        fam = family(dtype)
        col = pl.col(path)
        if kind is None or fam == kind:
            if kind in ("integer", "number") and target_dtype(kind) != dtype:
                # Int128 / UInt64 values beyond Int64 do not fit: a type failure of those rows
                cast = col.cast(target_dtype(kind), strict=False)
                exprs.append(cast)
                failed[path] = col.is_not_null() & cast.is_null()
            elif kind == "string" and target_dtype(kind) != dtype:
                exprs.append(col.cast(target_dtype(kind)))
            elif kind == "timestamp":
                exprs.append(_utc(col, dtype))
            continue
        if fam == "null" and kind in LOGICAL and target_dtype(kind) is not None:
            exprs.append(col.cast(target_dtype(kind)))
        elif fam == "integer" and kind == "number":
            exprs.append(col.cast(pl.Float64))
        elif fam == "date" and kind == "timestamp":
            exprs.append(col.cast(pl.Datetime("us")).dt.replace_time_zone("UTC"))
        elif fam == "string" and (
            typing == "text" or (typing == "json" and kind in ("date", "timestamp", "time"))
        ):
            fmt = strftime_format(
                prop.options.get("format") if isinstance(prop.options.get("format"), str) else None
            )
            parsed = _parse(col, kind, fmt, per)
            if parsed is None:
                out.mismatched[path] = fam
                continue
            if kind == "timestamp":
                parsed_cols[path] = parsed
            else:
                exprs.append(parsed.alias(path))
            failed[path] = col.is_not_null() & parsed.is_null()
        else:
            out.mismatched[path] = fam
    # in memory, a converted column's failures are read off the result (Series, no query): as an
    # expression beside it, each conversion would run twice; timestamps are converted twice over
    later = {p: e for p, e in failed.items() if p in parsed_cols or isinstance(frame, pl.LazyFrame)}
    before = frame
    exprs.extend(e.alias(f"__bad__{p}") for p, e in later.items())
    if exprs:
        frame = frame.with_columns(exprs)
    if isinstance(frame, pl.DataFrame) and isinstance(before, pl.DataFrame):
        for p in failed:
            if p not in later:
                out.parse_failures[p] = _failed_rows(before.get_column(p), frame.get_column(p), f"__bad__{p}")
    if parsed_cols:  # timestamps: the parsed dtype (naive or zoned) is known only after parsing
        frame = frame.with_columns([e.alias(p) for p, e in parsed_cols.items()])
        parsed_schema = frame.collect_schema()
        frame = frame.with_columns([_utc(pl.col(p), parsed_schema[p]).alias(p) for p in parsed_cols])
    bad = [c for c in frame.collect_schema().names() if c.startswith("__bad__")]
    if isinstance(frame, pl.LazyFrame):
        out.parse_failures = {c.removeprefix("__bad__"): pl.col(c) for c in bad}
        out.frame = frame
        return out
    for c in bad:
        out.parse_failures[c.removeprefix("__bad__")] = frame.get_column(c)
    out.parse_failures = {p: out.parse_failures[p] for p in failed}  # the columns' order
    out.frame = frame.drop(bad) if bad else frame
    return out
