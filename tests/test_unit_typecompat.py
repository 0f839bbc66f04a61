"""Type compatibility, in-process: each physical type parses to its family and size, and each
change of type is the widening, narrowing or incompatible change the module's rules say."""

from __future__ import annotations

import pytest

from meshguard.versioning.typecompat import (
    PhysicalType,
    TypeChange,
    compare_logical,
    compare_physical,
    parse_physical,
)

S, W, NA, X = TypeChange.SAME, TypeChange.WIDENED, TypeChange.NARROWED, TypeChange.INCOMPATIBLE


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("int", PhysicalType("integer", 32)),
        ("  BIGINT ", PhysicalType("integer", 64)),
        ("int2", PhysicalType("integer", 16)),
        ("int(11)", PhysicalType("int(11)")),  # a display width is no size we know
        ("double precision", PhysicalType("float", 64)),
        ("double   precision", PhysicalType("float", 64)),
        ("float", PhysicalType("float", 32)),
        ("float(24)", PhysicalType("float", 32)),
        ("float(25)", PhysicalType("float", 64)),
        ("double(53)", PhysicalType("float", 64)),
        ("decimal", PhysicalType("decimal", (38, 0))),
        ("numeric(12)", PhysicalType("decimal", (12, 0))),
        ("decimal(12, 2)", PhysicalType("decimal", (12, 2))),
        ("number(10,2)", PhysicalType("decimal", (10, 2))),  # Oracle's spelling
        ("dec(5)", PhysicalType("decimal", (5, 0))),
        ("varchar(40)", PhysicalType("string", 40)),
        ("character varying (40)", PhysicalType("string", 40)),
        ("varchar", PhysicalType("string", None)),
        ("text", PhysicalType("string", None)),
        ("char", PhysicalType("char")),
        ("jsonb", PhysicalType("json")),
        ("timestamp with time zone", PhysicalType("timestamptz")),
        ("geometry", PhysicalType("geometry")),
        ("Map<String,Int>", PhysicalType("map<string,int>")),
    ],
)
def test_parse_physical(text: str, parsed: PhysicalType) -> None:
    assert parse_physical(text) == parsed


@pytest.mark.parametrize(
    ("old", "new", "change"),
    [
        ("int", "integer", S),
        ("int", "bigint", W),
        ("bigint", "int", NA),
        ("float", "double", W),
        ("double", "real", NA),
        ("decimal(12,2)", "decimal(14,2)", W),
        ("decimal(12,2)", "decimal(12,3)", NA),  # one digit less before the point
        ("decimal(12,2)", "decimal(13,3)", W),  # as many before it, one more after
        ("decimal(12,2)", "decimal(14,3)", W),
        ("decimal(12,2)", "decimal(12,1)", NA),
        ("decimal(12,2)", "decimal(12,2)", S),
        ("varchar(10)", "varchar(20)", W),
        ("varchar(20)", "varchar(10)", NA),
        ("varchar(10)", "text", W),
        ("text", "varchar(10)", NA),
        ("text", "varchar", S),
        ("int", "float", W),
        ("int", "decimal(10,0)", W),
        ("int", "decimal(9,0)", NA),
        ("smallint", "decimal(5,0)", W),
        ("tinyint", "decimal(3,0)", W),
        ("mediumint", "decimal(7,0)", NA),
        ("mediumint", "decimal(8,0)", W),
        ("hugeint", "decimal(39,0)", W),
        ("decimal(10,2)", "double", NA),
        ("bigint", "decimal(19,0)", W),
        ("bigint", "decimal(20,2)", NA),
        ("hugeint", "decimal(38,0)", NA),
        ("float", "int", NA),
        ("decimal(10,2)", "bigint", NA),
        ("double", "decimal(38,10)", NA),
        ("uuid", "text", W),
        ("uuid", "varchar(36)", X),
        ("int", "text", X),
        ("date", "timestamp", X),
        ("timestamp", "datetime", S),
        ("json", "jsonb", S),
        ("geometry", "geography", X),
        ("point", "point", S),
    ],
)
def test_compare_physical(old: str, new: str, change: TypeChange) -> None:
    assert compare_physical(old, new) == change


@pytest.mark.parametrize(
    ("old", "new", "change"),
    [
        ("integer", "number", W),
        ("number", "integer", NA),
        (" Integer ", "integer", S),
        ("string", "date", X),
        ("date", "timestamp", X),
    ],
)
def test_compare_logical(old: str, new: str, change: TypeChange) -> None:
    assert compare_logical(old, new) == change
