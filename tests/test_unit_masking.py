"""Masking of guarded values in failing samples, in-process: what a masked value keeps (the first
letter of a long local part, the top-level domain), what it never keeps, and strict JSON."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from typing import Any

import pytest

from meshguard.contracts.model import Property
from meshguard.quality.masking import MASK, guarded, jsonable, mask_rows, mask_value


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("jane.doe@example.com", "j***@***.com"),
        ("abcd@x.org", "a***@***.org"),
        ("abc@x.org", "***@***.org"),  # a short local part keeps nothing
        ("jane@example.museum", "j***@***.museum"),
        ("jane@example.photography", "j***@***"),  # a long tld is not kept
        ("jane@example.c0m", "j***@***"),  # nor one that is not letters
        ("jane@localhost", "j***@***"),
        ("jane@mail", "j***@***"),  # no dot: no top-level domain to keep
        ("jane@mail.example.co.uk", "j***@***.uk"),
        ("jane@x.example", "j***@***"),  # seven letters: too long to keep
        ("ab@cdef@x.org", "***@***.org"),  # the local part ends at the first @
        ("@", "***@***"),
        ("4111111111111111", MASK),
        ("", MASK),
        (42, MASK),
        (3.5, MASK),
        (dt.date(1980, 2, 1), MASK),
        (None, None),
    ],
)
def test_mask_value(value: Any, masked: Any) -> None:
    assert mask_value(value) == masked


def test_mask_constant() -> None:
    assert MASK == "***"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (math.nan, "NaN"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        (1.5, 1.5),
        (dt.date(2025, 1, 2), "2025-01-02"),
        (dt.datetime(2025, 1, 2, 3, 4, 5), "2025-01-02T03:04:05"),
        (dt.time(3, 4), "03:04:00"),
        (dt.timedelta(minutes=2), 120.0),
        (Decimal("1.25"), 1.25),
        (b"\x01\xff", "01ff"),
        ((1, math.nan), [1, "NaN"]),
        ({1: math.inf, "a": [dt.date(2025, 1, 1)]}, {"1": "Infinity", "a": ["2025-01-01"]}),
        ("text", "text"),
        (None, None),
        (True, True),
    ],
)
def test_jsonable(value: Any, expected: Any) -> None:
    got = jsonable(value)
    assert got == expected and type(got) is type(expected)
    json.dumps(got, allow_nan=False)  # strict JSON


def test_mask_rows_masks_only_guarded_columns() -> None:
    rows = [
        {"id": 1, "email": "jane.doe@example.com", "seen": dt.date(2025, 1, 2), "score": math.nan},
        {"id": 2, "email": None, "seen": None, "score": 1.0},
    ]
    assert mask_rows(rows, {"email", "score"}) == (
        {"id": 1, "email": "j***@***.com", "seen": "2025-01-02", "score": "***"},
        {"id": 2, "email": None, "seen": None, "score": "***"},
    )
    assert mask_rows(rows, ()) == (
        {"id": 1, "email": "jane.doe@example.com", "seen": "2025-01-02", "score": "NaN"},
        {"id": 2, "email": None, "seen": None, "score": 1.0},
    )
    assert mask_rows([], {"email"}) == ()


def _prop(**fields: Any) -> Property:
    base: dict[str, Any] = {
        "raw": {},
        "pointer": ("schema", 0, "properties", 0),
        "schema": "orders",
        "name": "amount",
        "path": "amount",
        "logical_type": "number",
        "physical_type": "decimal(10,2)",
        "required": False,
        "unique": False,
        "primary_key": False,
        "primary_key_position": None,
        "classification": None,
        "tags": (),
        "categories": frozenset(),
        "description": "Order total",
        "critical": False,
        "options": {},
        "quality": (),
    }
    return Property(**{**base, **fields})


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, False),  # nothing says personal data
        ({"categories": frozenset({"pii"}), "name": "note"}, True),  # declared, whatever its name
        ({"categories": frozenset({"public"})}, False),
        ({"name": "email"}, True),  # the name says it
        ({"name": "contact", "description": "Customer phone number"}, True),  # the description says it
        ({"name": "origin", "logical_type": "inet"}, True),  # the logical type says it
        ({"name": "origin", "physical_type": "email_address"}, True),  # the physical type says it
    ],
)
def test_guarded(fields: dict[str, Any], expected: bool) -> None:
    assert guarded(_prop(**fields)) is expected
