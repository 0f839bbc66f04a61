"""Is a change of a property's type a widening, a narrowing or incompatible?

Logical types are ODCS's nine; physical types are parsed into a family and a
size (``int`` → integer/32 bits, ``varchar(40)`` → string/40 characters,
``decimal(12,2)`` → decimal/(12, 2)). A change inside one family is a widening
when every value of the old type fits the new one (``int`` → ``bigint``,
``varchar(10)`` → ``varchar(20)``), a narrowing otherwise. ``int2``/``int4``/``int8``
follow PostgreSQL (bytes); ``int16``/``int32``/``int64`` count bits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class TypeChange(StrEnum):
    SAME = "same"  # the same type, maybe spelled differently (int → integer)
    WIDENED = "widened"
    NARROWED = "narrowed"
    INCOMPATIBLE = "incompatible"


#: logical type → the logical types it widens to without loss
_LOGICAL_WIDENING: dict[str, frozenset[str]] = {
    "integer": frozenset({"number"}),
}

_INT_BITS: dict[str, int] = {
    "tinyint": 8,
    "byteint": 8,
    "int1": 8,
    "smallint": 16,
    "int2": 16,
    "int16": 16,
    "short": 16,
    "mediumint": 24,
    "int": 32,
    "integer": 32,
    "int4": 32,
    "int32": 32,
    "serial": 32,
    "bigint": 64,
    "int8": 64,
    "int64": 64,
    "long": 64,
    "bigserial": 64,
    "hugeint": 128,
    "int128": 128,
}
_FLOAT_BITS: dict[str, int] = {
    "real": 32,
    "float4": 32,
    "float32": 32,
    "float": 32,
    "double": 64,
    "double precision": 64,
    "float8": 64,
    "float64": 64,
}
_STRINGS = ("varchar", "character varying", "nvarchar", "char", "character", "nchar", "bpchar")
_UNBOUNDED_STRINGS = ("string", "text", "varchar", "character varying", "nvarchar", "utf8", "str", "clob")
_ALIASES: dict[str, str] = {
    "bool": "boolean",
    "boolean": "boolean",
    "date": "date",
    "date32": "date",
    "timestamp": "timestamp",
    "datetime": "timestamp",
    "timestamp without time zone": "timestamp",
    "timestamp_ntz": "timestamp",
    "timestamptz": "timestamptz",
    "timestamp with time zone": "timestamptz",
    "timestamp_tz": "timestamptz",
    "timestamp_ltz": "timestamptz",
    "time": "time",
    "uuid": "uuid",
    "json": "json",
    "jsonb": "json",
    "binary": "binary",
    "bytea": "binary",
    "blob": "binary",
    "varbinary": "binary",
}
_PARAMS = re.compile(r"^(?P<base>[a-z][a-z0-9 _]*?)\s*(?:\((?P<args>[^)]*)\))?$")


@dataclass(frozen=True)
class PhysicalType:
    family: str
    #: bits for integers and floats, max length for strings (None = unbounded),
    #: (precision, scale) for decimals; None when the family has no size
    size: int | tuple[int, int] | None = None


def parse_physical(text: str) -> PhysicalType:
    """Family and size of a physical type as written in a contract."""
    raw = " ".join(text.strip().lower().split())
    m = _PARAMS.match(raw)
    base, args = (m.group("base").strip(), m.group("args")) if m else (raw, None)
    numbers = [int(a) for a in re.findall(r"\d+", args or "")]
    if base in _INT_BITS and not args:
        return PhysicalType("integer", _INT_BITS[base])
    if base in _FLOAT_BITS and not args:
        return PhysicalType("float", _FLOAT_BITS[base])
    if base in ("float", "double") and numbers:  # float(p): p ≤ 24 is single precision
        return PhysicalType("float", 32 if numbers[0] <= 24 else 64)
    if base in ("decimal", "numeric", "number", "dec"):
        precision = numbers[0] if numbers else 38
        scale = numbers[1] if len(numbers) > 1 else 0
        return PhysicalType("decimal", (precision, scale))
    if base in _STRINGS and numbers:
        return PhysicalType("string", numbers[0])
    if base in _UNBOUNDED_STRINGS:
        return PhysicalType("string", None)
    if base in _ALIASES:
        return PhysicalType(_ALIASES[base])
    return PhysicalType(raw)


def _compare_sizes(old: PhysicalType, new: PhysicalType) -> TypeChange:
    a, b = old.size, new.size
    if a == b:
        return TypeChange.SAME
    if old.family == "string":  # None = unbounded
        if b is None:
            return TypeChange.WIDENED
        if a is None:
            return TypeChange.NARROWED
    if isinstance(a, tuple) and isinstance(b, tuple):
        (p1, s1), (p2, s2) = a, b
        return TypeChange.WIDENED if p2 - s2 >= p1 - s1 and s2 >= s1 else TypeChange.NARROWED
    if isinstance(a, int) and isinstance(b, int):
        return TypeChange.WIDENED if b > a else TypeChange.NARROWED
    return TypeChange.INCOMPATIBLE


def compare_physical(old: str, new: str) -> TypeChange:
    a, b = parse_physical(old), parse_physical(new)
    if a.family == b.family:
        return _compare_sizes(a, b)
    if a.family == "integer" and b.family in ("float", "decimal"):
        if b.family == "float":
            return TypeChange.WIDENED
        assert isinstance(a.size, int) and isinstance(b.size, tuple)
        digits = {8: 3, 16: 5, 24: 8, 32: 10, 64: 19, 128: 39}.get(a.size, 39)
        return TypeChange.WIDENED if b.size[0] - b.size[1] >= digits else TypeChange.NARROWED
    if a.family in ("integer", "float", "decimal") and b.family in ("integer", "float", "decimal"):
        return TypeChange.NARROWED  # float/decimal → integer loses the fraction
    if b.family == "string" and b.size is None and a.family in ("uuid", "string"):
        return TypeChange.WIDENED
    return TypeChange.INCOMPATIBLE


def compare_logical(old: str, new: str) -> TypeChange:
    a, b = old.strip().lower(), new.strip().lower()
    if a == b:
        return TypeChange.SAME
    if b in _LOGICAL_WIDENING.get(a, frozenset()):
        return TypeChange.WIDENED
    if a in _LOGICAL_WIDENING.get(b, frozenset()):
        return TypeChange.NARROWED
    return TypeChange.INCOMPATIBLE
