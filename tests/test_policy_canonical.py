"""The canonical JSON of a policy input (its stored hash is sha256 of it) is written by orjson where
orjson writes json's bytes, and by json where it may not: the bytes never change."""

from __future__ import annotations

import json
import math
import random
import struct
from typing import Any

import pytest

from meshguard.policy import decisionlog
from meshguard.policy.decisionlog import canonical, hashed_payload, input_hash


def reference(value: Any) -> bytes:
    """What the input hash has always read: the standard library's canonical JSON."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


#: floats orjson writes otherwise than json, or not at all, and their neighbours
AWKWARD_FLOATS = [
    1e-05, -1e-05, 6.5786876e-05, 9e-05, 1e-06, 1.1e-09, 5e-324, 2.2250738585072014e-308,
    1e-4, 0.0001234, 1e15, 1e16, 1e17, 1.2345678901234568e17, 1e21, 1e22, 1.5e300,
    1.7976931348623157e308, 9999999999999998.0, 0.1, -0.0, 0.0, 3.0,
    math.inf, -math.inf, math.nan,
]  # fmt: skip
AWKWARD_INTS = [0, -1, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 10**40]
AWKWARD_STRINGS = [
    "", "é", "\U0001f600", "\u2028\u2029", "\x00\x01\x1f\x7f", 'quote " back \\ slash /',
    "\b\f\n\r\t", "1e-5 in a string", "0.00001", "time-series", "ünïcödé ключ 鍵",
]  # fmt: skip


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return rng.choice(AWKWARD_FLOATS + AWKWARD_INTS + AWKWARD_STRINGS + [None, True, False])
    if kind == 1:
        return struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]  # any double
    if kind == 2:
        return rng.uniform(-10, 10) * 10.0 ** rng.randint(-12, 20)
    if kind == 3:
        return rng.randint(-(2**70), 2**70) if rng.random() < 0.1 else rng.randint(-1000, 10**6)
    if kind == 4:
        return "".join(
            chr(rng.choice([rng.randrange(0x20), rng.randrange(0x20, 0x250), 0x1F600])) for _ in range(5)
        )
    if kind == 5:
        return rng.choice(["pii", "col_1", "customer_id", "a\nb"])
    if kind in (6, 7):
        keys = [
            random_value(rng, 9) if rng.random() < 0.3 else f"k{rng.randrange(50)}"
            for _ in range(rng.randrange(6))
        ]
        return {k if isinstance(k, str) else str(k): random_value(rng, depth + 1) for k in keys}
    return [random_value(rng, depth + 1) for _ in range(rng.randrange(5))]


def test_awkward_values_are_written_as_json_writes_them() -> None:
    for value in [*AWKWARD_FLOATS, *AWKWARD_INTS, *AWKWARD_STRINGS]:
        for wrapped in (value, [value], {"z": value, "a": [value, {"x": value}]}):
            assert canonical(wrapped) == reference(wrapped), repr(value)


def test_random_documents_are_written_as_json_writes_them() -> None:
    rng = random.Random(15)
    for _ in range(3000):
        value = random_value(rng)
        assert canonical(value) == reference(value), repr(value)


def test_every_finite_float_is_written_as_json_writes_it() -> None:
    rng = random.Random(7)
    for _ in range(50_000):
        f = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        g = rng.uniform(-1, 1) * 10.0 ** rng.randint(-12, 20)
        for x in (f, g, round(g, rng.randrange(8))):
            assert canonical(x) == reference(x), repr(x)


def test_keys_sort_as_json_sorts_them() -> None:
    keys = ["b", "a", "B", "é", "e", "\U0001f600", "\uffff", "ab", "a\x00", "", "Z", "鍵"]
    value = {k: i for i, k in enumerate(keys)}
    assert canonical(value) == reference(value)


def test_values_json_refuses_are_refused_as_before() -> None:
    import datetime
    import uuid

    for value in ({"d": datetime.date(2026, 1, 1)}, {"u": uuid.UUID(int=1)}, {"s": {1, 2}}):
        with pytest.raises(TypeError):
            reference(value)
        with pytest.raises(TypeError):
            canonical(value)


def test_the_input_hash_is_unchanged_for_every_kind_of_value() -> None:
    rng = random.Random(3)
    for _ in range(300):
        doc = {
            "meshguard": {"version": "1", "now": "2026-01-01T00:00:00Z", "x": random_value(rng)},
            "contract": random_value(rng),
            "fields": [random_value(rng) for _ in range(3)],
        }
        digest, payload = hashed_payload(doc)
        stable = {**doc, "meshguard": {k: v for k, v in doc["meshguard"].items() if k != "now"}}
        assert digest == "sha256:" + decisionlog.sha256(reference(stable)).hexdigest() == input_hash(doc)
        assert payload == reference(doc)


def test_plain_documents_are_written_by_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path is taken for what inputs usually hold (json is not called)."""
    doc = {
        "meshguard": {"version": "1", "now": "2026-01-01T00:00:00Z"},
        "fields": [{"name": "é", "tags": ["pii"], "min": 0.5, "max": 1e16, "n": 2**63, "d": None}],
        "contract": {"description": "time-series of 0.5 units", "quality": [{"mustBeLessThan": 1.25}]},
    }
    expected = hashed_payload(doc)

    def refused(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("json wrote a document orjson writes alike")

    monkeypatch.setattr(decisionlog.json, "dumps", refused)
    assert hashed_payload(doc) == expected
