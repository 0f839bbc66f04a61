"""Personal-data detectors, in-process: each kind on values that are and are not it, the checksums
that cut false positives, the half-of-the-sample threshold and the date-of-birth rule."""

from __future__ import annotations

import pytest

from meshguard import detectors as d
from meshguard.detectors import DETECTORS, SAMPLE, THRESHOLD, detect, iban_ok, luhn

# kind → (values that are it, values that are not)
KINDS: dict[str, tuple[list[str], list[str]]] = {
    "email": (
        ["jane.doe@example.com", "o'neil+x@mail.example.co.uk", "A_B%c-d@x.io"],
        ["jane@example", "jane.example.com", "@example.com", "jane@example.c", "a b@x.org", "x@y.c0m"],
    ),
    "phone": (
        ["+44 20 7946 0958", "(555) 123-4567", "555.123.4567", "+33612345678", "020 7946 0958"],
        [
            "2025-01-18",
            "123-45-6789",
            "12345678",
            "+12 345",
            "1234567890123456789012",
            "phone",
            "+1 2345 6789 0123 4567",
        ],
    ),
    "national_id": (
        ["123-45-6789", "078-05-1120"],
        [
            "000-12-3456",
            "666-12-3456",
            "912-12-3456",
            "123-00-4567",
            "123-45-0000",
            "123456789",
            "123-45-67890",
        ],
    ),
    "iban": (
        ["GB82WEST12345698765432", "gb82 west 1234 5698 7654 32", "DE89370400440532013000"],
        ["GB82WEST12345698765433", "GB82", "XX00WEST12345698765432", "GB82WEST1234"],
    ),
    "payment_card": (
        ["4111111111111111", "4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"],
        ["4111111111111112", "411111111111", "41111111111111111111", "4111x11111111111"],
    ),
    "ip_address": (
        ["192.168.0.1", "255.255.255.255", "0.0.0.0", "2001:db8::1", "::1", "fe80::1:2:3:4"],
        ["256.1.1.1", "1.2.3", "1.2.3.4.5", "192.168.0.01x", "abcd", "12:34"],
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_detector_on_values_that_are_and_are_not_its_kind(kind: str) -> None:
    yes, no = KINDS[kind]
    test = DETECTORS[kind]
    assert [v for v in yes if not test(v)] == []
    assert [v for v in no if test(v)] == []


def test_every_detector_is_covered() -> None:
    assert set(DETECTORS) == set(KINDS)


def test_checksums() -> None:
    assert luhn("4111111111111111") and luhn("79927398713") and luhn("0")
    assert not luhn("4111111111111112") and not luhn("79927398710") and not luhn("1")
    assert iban_ok("GB82WEST12345698765432") and iban_ok("DE89370400440532013000")
    assert not iban_ok("GB82WEST12345698765431") and not iban_ok("DE89370400440532013001")


def test_a_kind_needs_its_share_of_the_non_empty_sample() -> None:
    assert (SAMPLE, THRESHOLD) == (1000, 0.05)  # one value in twenty (data.pii_min_fraction)
    emails = ["a@x.org", "b@x.org"]
    assert detect("c", [*emails, *["no"] * 38]) == ["email"]  # exactly one in twenty
    assert detect("c", [*emails, *["no"] * 39]) == []  # under one in twenty
    assert detect("c", [*emails, "", "  ", None, *["no"] * 38]) == ["email"]  # type: ignore[list-item]
    assert detect("c", ["  a@x.org  "]) == ["email"]  # values are stripped
    assert detect("c", []) == [] and detect("c", ["", " "]) == []


def test_only_the_first_sample_values_count() -> None:
    values = ["nope"] * SAMPLE + ["a@x.org"] * (SAMPLE + 10)
    assert detect("c", values) == []
    assert detect("c", ["a@x.org"] * SAMPLE + ["nope"] * (SAMPLE + 10)) == ["email"]


def test_several_kinds_in_detector_order() -> None:
    assert detect("c", ["4111111111111111", "4111 1111 1111 1111"]) == ["payment_card"]
    assert detect("c", ["+44 20 7946 0958", "192.168.0.1"]) == ["phone", "ip_address"]


@pytest.mark.parametrize(
    ("name", "values", "temporal", "found"),
    [
        ("date_of_birth", [], True, ["date_of_birth"]),
        ("birth_date", ["1980-02-01", "2001-12-31"], False, ["date_of_birth"]),
        ("dob", ["1980-02-01"], False, ["date_of_birth"]),
        ("customer_dob", ["1980-02-01"], False, ["date_of_birth"]),
        ("Birthday", ["1980-02-01"], False, ["date_of_birth"]),
        ("birth_date", ["1980-02-01", "unknown"], False, []),  # every value must be an ISO date
        ("birth_date", ["1880-02-01"], False, []),  # 19xx or 20xx
        ("birth_date", [], False, []),  # no values, not temporal: nothing to go on
        ("adobe", ["1980-02-01"], False, []),
        ("dob_date", ["1980-02-01"], False, ["date_of_birth"]),
        ("signed_up", ["1980-02-01"], True, []),
        ("created", [], True, []),
    ],
)
def test_date_of_birth_needs_the_name_and_dates(
    name: str, values: list[str], temporal: bool, found: list[str]
) -> None:
    assert detect(name, values, temporal=temporal) == found


def test_phone_needs_separators_or_a_plus() -> None:
    assert d._is_phone("+4420794609") and not d._is_phone("4420794609")
    assert d._is_phone("1234-567") and not d._is_phone("123-4567-8901-2345-6")
