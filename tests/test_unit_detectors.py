"""Personal-data detectors, in-process: each kind on values that are and are not it, the checksums
that cut false positives, the share-of-the-sample threshold (and its setting) and the date-of-birth rule."""

from __future__ import annotations

from collections.abc import Sequence

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


def test_phone_digit_bounds_and_what_is_not_a_phone() -> None:
    assert not d._is_phone("12-34-56") and d._is_phone("12-34-567")  # at least 7 digits
    assert d._is_phone("+123456789012345") and not d._is_phone("+1234567890123456")  # at most 15
    assert not d._is_phone("192.168.100.100")  # an IPv4 address
    assert not d._is_phone("2025.01.18") and not d._is_phone("078-05-1120")  # a date, an SSN


def test_luhn_doubles_every_second_digit_from_the_right() -> None:
    # 5 doubled is 10 → 1; 9 doubled is 18 → 9: each is the only digit that changes the sum
    assert luhn("59") and not luhn("95") and luhn("91") and not luhn("19")
    assert luhn("18") and not luhn("81")  # 1 doubled is 2: 8 + 2 = 10


# (name, description, category, classification, families, value test or column rule)
EXPECTED_BUILTINS = [
    ("email", "e-mail addresses", "pii", "confidential", {d.STRING}),
    ("phone", "phone numbers", "pii", "confidential", {d.STRING}),
    ("national_id", "national id numbers", "pii", "restricted", {d.STRING}),
    ("iban", "IBANs", "pii", "restricted", {d.STRING}),
    ("payment_card", "payment card numbers", "pci", "restricted", {d.STRING, d.INTEGER}),
    ("ip_address", "IP addresses", "pii", "confidential", {d.STRING}),
    ("date_of_birth", "dates of birth", "pii", "confidential", {d.STRING}),
]


def test_builtin_detectors_say_what_a_column_holding_them_is() -> None:
    got = [(x.name, x.description, x.category, x.classification, set(x.families)) for x in d.BUILTIN]
    assert got == EXPECTED_BUILTINS
    assert [x.name for x in d.BUILTIN if x.column is not None] == ["date_of_birth"]
    assert d.names() == [row[0] for row in EXPECTED_BUILTINS]
    assert list(d.by_name()) == d.names() and d.by_name()["iban"] is d.BUILTIN[3]
    assert (d.STRING, d.INTEGER, d.TEMPORAL, d.OTHER) == ("string", "integer", "temporal", "other")


def test_scan_counts_matching_values_and_the_non_empty_sample() -> None:
    got = d.scan_column("c", d.STRING, ["a@x.org", " b@x.org ", "no", " ", ""])
    assert (got.kinds, got.counts, got.sampled) == (["email"], {"email": 2}, 3)
    dob = d.scan("date_of_birth", [], temporal=True)  # a column rule: found, no count
    assert (dob.kinds, dob.counts, dob.sampled) == (["date_of_birth"], {}, 0)
    assert d.scan_column("c", d.STRING, ["no"] * 3) == d.Detection([], {}, 3)
    assert d.detect_column("c", d.STRING, ["a@x.org"]) == ["email"]


def test_a_share_given_to_the_scan_or_configured_replaces_the_default() -> None:
    half = ["a@x.org", "no"]
    assert d.scan("c", half, min_fraction=0.5).kinds == ["email"]  # exactly the share
    assert d.scan("c", half, min_fraction=0.51).kinds == []
    assert d.scan("c", ["no"], min_fraction=0.0).kinds == []  # no match is never found
    try:
        d.configure(0.6)
        assert d.detect("c", half) == [] and d.detect("c", ["a@x.org"] * 3 + ["no"] * 2) == ["email"]
        d.configure(None)
        assert d._settings["min_fraction"] == d.MIN_FRACTION
        assert d.detect("c", half) == ["email"]
    finally:
        d.configure(None)


def test_value_detectors_read_only_their_families() -> None:
    card = "4111111111111111"
    assert d.detect_column("n", d.INTEGER, [card]) == ["payment_card"]  # card numbers stored as integers
    assert d.detect_column("n", d.INTEGER, ["a@x.org", "192.168.0.1"]) == []  # e-mail tests text only
    assert d.detect_column("n", d.OTHER, [card]) == []
    assert d.detect_column("n", d.TEMPORAL, [card]) == []
    reads = {f: d.reads_values(f) for f in (d.STRING, d.INTEGER, d.TEMPORAL, d.OTHER)}
    assert reads == {d.STRING: True, d.INTEGER: True, d.TEMPORAL: False, d.OTHER: False}


def test_hits_of_one_detector() -> None:
    email = d.by_name()["email"]
    assert email.hits("c", d.STRING, ["a@x.org", "no"]) == 1
    assert email.hits("c", d.STRING, []) is None
    assert email.hits("c", d.INTEGER, ["a@x.org"]) is None
    assert email.found("c", d.STRING, ["a@x.org"]) and not email.found("c", d.STRING, ["no"])
    dob = d.by_name()["date_of_birth"]
    assert dob.hits("dob", d.TEMPORAL, []) == 0 and dob.hits("created", d.TEMPORAL, []) is None
    assert dob.found("dob", d.TEMPORAL, []) and not dob.found("created", d.TEMPORAL, [])  # by its name
    assert d.Detector("bare", "nothing to test").hits("c", d.STRING, ["x"]) is None


def test_family_of_polars_types() -> None:
    import polars as pl

    got = [d.family_of(t) for t in (pl.String, pl.Date, pl.Datetime("us"), pl.Int64, pl.UInt8)]
    assert got == [d.STRING, d.TEMPORAL, d.TEMPORAL, d.INTEGER, d.INTEGER]
    assert [d.family_of(t) for t in (pl.Float64, pl.Boolean, pl.Time)] == [d.OTHER] * 3


def test_plugin_detectors_follow_the_builtins(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed entry points are replaced by a fixed table; loading the object is real
    (tests/test_plugins.py installs a real plugin and runs it end to end)."""
    import sys
    import types

    from meshguard import plugins
    from meshguard.errors import UsageError

    module = types.ModuleType("mg_detector_plugin")
    module.VIN = d.Detector("vin", "vehicle ids", value=lambda v: len(v) == 17)  # type: ignore[attr-defined]
    module.EMAIL = d.Detector("email", "again")  # type: ignore[attr-defined]
    module.NOT_ONE = "vin"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mg_detector_plugin", module)

    def with_plugins(table: dict[str, str]) -> tuple[d.Detector, ...]:
        monkeypatch.setattr(
            plugins, "entry_points", lambda group: table if group == plugins.DETECTORS else {}
        )
        d.registry.cache_clear()
        return d.registry()

    try:
        got = with_plugins({"vins": "mg_detector_plugin:VIN"})
        assert [x.name for x in got] == [*(x.name for x in d.BUILTIN), "vin"]
        assert d.detect("c", ["1HGCM82633A004352"]) == ["vin"]
        with pytest.raises(UsageError) as err:
            with_plugins({"mine": "mg_detector_plugin:NOT_ONE"})
        assert err.value.message == (
            "plugin 'mine' (meshguard.detectors): mg_detector_plugin:NOT_ONE "
            "is not a meshguard.detectors.Detector"
        )
        with pytest.raises(UsageError) as err:
            with_plugins({"dup": "mg_detector_plugin:EMAIL"})
        assert err.value.message == "plugin 'dup' (meshguard.detectors): detector 'email' already exists"
        with pytest.raises(UsageError) as err:
            with_plugins({"two": "mg_detector_plugin:VIN", "three": "mg_detector_plugin:VIN"})
        assert err.value.message == "plugin 'three' (meshguard.detectors): detector 'vin' already exists"
    finally:
        monkeypatch.undo()
        d.registry.cache_clear()
    assert d.names() == [row[0] for row in EXPECTED_BUILTINS]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("customerEmail_Address", "customer email address"),
        ("ABC", "abc"),
        ("  a--b..c  ", "a b c"),
        ("o'Neil", "o'neil"),
        ("x2Y", "x2 y"),
        ("", ""),
    ],
)
def test_words(text: str, expected: str) -> None:
    assert d.words(text) == expected


@pytest.mark.parametrize(
    ("name", "description", "logical", "physical", "kinds"),
    [
        ("amount", "Order total", "number", "decimal(10,2)", []),
        ("email", None, None, None, ["email"]),
        ("contact", "The customer's e-mail", None, None, ["email"]),  # the description says it
        ("contact_key", "Key of the customer's e-mail", None, None, []),  # a key refers, it does not hold
        ("contact_ids", "their e-mail", None, None, []),
        ("mailAddress", None, None, None, ["email"]),
        ("mobile", None, None, None, ["phone"]),
        ("fax", None, None, None, ["phone"]),
        ("ssn", None, None, None, ["national_id"]),
        ("passport_number", None, None, None, ["national_id"]),
        ("driver", "their driver's license", None, None, ["national_id"]),
        ("birthdate", None, None, None, ["date_of_birth"]),
        ("zip_code", None, None, None, ["postal_address"]),
        ("address_line_2", None, None, None, ["postal_address"]),
        ("shipping_address", None, None, None, ["postal_address"]),
        ("client_ip", None, None, None, ["ip_address"]),
        ("origin", None, "inet", None, ["ip_address"]),
        ("origin", None, "IPAddress", None, ["ip_address"]),
        ("ip", None, "inet", None, ["ip_address"]),  # named once
        ("origin", None, "string", None, []),
        ("bank_account_number", None, None, None, ["iban"]),
        ("credit_card", None, None, None, ["payment_card"]),
        ("cc_number", None, None, None, ["payment_card"]),
        ("first_name", None, None, None, ["person_name"]),
        ("patient_name", None, None, None, ["person_name"]),
        ("diagnosis", None, None, None, ["health"]),
        ("icd10", None, None, None, ["health"]),
        ("lab_result", None, None, None, ["health"]),
        ("origin", None, None, "email_address", ["email"]),  # the physical type says it
        ("email_or_phone", None, None, None, ["email", "phone"]),  # in the table's order
        ("note", "home address and blood type", None, None, ["postal_address", "health"]),
    ],
)
def test_suspect_by_name_description_and_types(
    name: str, description: str | None, logical: str | None, physical: str | None, kinds: list[str]
) -> None:
    assert d.suspect(name, description, logical, physical) == kinds


# --- candidates: the vectorised narrowing must never drop a value its detector accepts --------

#: characters that decide the detectors' regexes: digits (ASCII and not), separators, letters that
#: are hex or not, case changes (``ſ``, ``ı``, ``ß`` upper-case to ASCII), whitespace Python and
#: polars disagree on, and the characters the candidates exclude
_ALPHABET = "0123456789٣０ -.:()+@/_,;'ABFGZabfgzſıß\u00a0\x1c\t\n"


#: the shortest values of their kinds (a candidates pattern asking for one character more fails)
_SHORTEST = {"iban": ["NO9386011117947"], "payment_card": ["4222222222222"]}


def _narrowed(values: list[str], kind: str) -> list[str]:
    from meshguard.quality.profile import narrow

    detector = d.by_name()[kind]
    return list(narrow(values, [detector])[kind])


@pytest.mark.parametrize("kind", list(KINDS))
def test_candidates_keep_every_value_the_detector_accepts(kind: str) -> None:
    import random

    from meshguard.quality.profile import narrow  # noqa: F401  (polars: the quality extra)

    test = DETECTORS[kind]
    r = random.Random(kind)
    yes, no = KINDS[kind]
    yes = [*yes, *_SHORTEST.get(kind, [])]
    made = ["".join(r.choice(_ALPHABET) for _ in range(r.randint(1, 24))) for _ in range(20_000)]
    # values the detector accepts, then the same with one character changed: near misses
    mutated = [v[:i] + r.choice(_ALPHABET) + v[i + 1 :] for v in yes for i in range(len(v))]
    values = [v.strip() for v in [*yes, *no, *made, *mutated] if v.strip()]
    accepted = [v for v in values if test(v)]
    assert accepted, "the generated values include some the detector accepts"
    kept = set(_narrowed(values, kind))
    assert [v for v in accepted if v not in kept] == []
    # and the narrowing narrows: most generated values are not tested one by one
    assert len(kept) < len(values)


@pytest.mark.parametrize("kind", [x.name for x in d.BUILTIN if x.exact])
def test_an_exact_candidates_pattern_keeps_exactly_what_the_detector_accepts(kind: str) -> None:
    """polars' regex and Python's agree on every generated value and near miss (letters beyond
    ASCII that case-fold into it, Unicode digits, whitespace, a newline inside)."""
    import random

    r = random.Random(kind)
    yes, no = KINDS[kind]
    alphabet = _ALPHABET + "cmoxyz.@\u212a"
    made = ["".join(r.choice(alphabet) for _ in range(r.randint(1, 24))) for _ in range(20_000)]

    def part(chars: str, odd: str = "\u212a\u017f\u0131\u0663 \n@") -> str:
        return "".join(r.choice(odd if r.random() < 0.03 else chars) for _ in range(r.randint(1, 6)))

    # e-mail shaped: local part, domain, top level, with an odd character now and then
    shaped = [f"{part('aZ9._%+-')}@{part('aZ9.-')}.{part('abZ')}" for _ in range(5_000)]
    mutated = [v[:i] + r.choice(alphabet) + v[i + 1 :] for v in yes for i in range(len(v))]
    values = [v.strip() for v in [*yes, *no, *made, *shaped, *mutated] if v.strip()]
    accepted = [v for v in values if DETECTORS[kind](v)]
    assert len(accepted) > 1_000 and len(values) - len(accepted) > 20_000
    assert _narrowed(values, kind) == accepted


def test_scan_with_narrowing_equals_the_scan_of_every_value() -> None:
    from meshguard.quality.profile import narrow
    from piicorpus import columns

    for column in columns(per_kind=8):
        for family in (d.STRING, d.INTEGER):
            plain = d.scan_column("c", family, column.values)
            assert d.scan_column("c", family, column.values, narrow=narrow) == plain


def test_a_candidates_pattern_polars_cannot_run_tests_every_value() -> None:
    from meshguard.quality.profile import narrow

    broken = d.Detector("x", "x", value=lambda v: v == "a", candidates="(")
    assert narrow(["a", "b"], [broken]) == {}


def test_which_detectors_test_values_one_by_one() -> None:
    def value(v: str) -> bool:
        return v == "x"

    def column(name: str, family: str, sample: Sequence[str]) -> bool:
        return True

    by_value = d.Detector("v", "v", value=value)
    assert (by_value.tests_values(d.STRING), by_value.tests_values(d.INTEGER)) == (True, False)
    assert d.Detector("c", "c", column=column).tests_values(d.STRING) is False
    assert d.Detector("cv", "cv", column=column, value=value).tests_values(d.STRING) is False
    assert d.Detector("n", "n").tests_values(d.STRING) is False


def test_the_scan_narrows_with_the_detectors_that_test_values_and_uses_the_answer() -> None:
    calls: list[tuple[list[str], list[str]]] = []

    def narrow(sample: Sequence[str], detectors: Sequence[d.Detector]) -> dict[str, list[str]]:
        calls.append((list(sample), [x.name for x in detectors]))
        return {"email": ["ann@x.org"]}

    values = ["ann@x.org", " bob@y.org ", "cid@z.org", ""]
    found = d.scan_column("contact", d.STRING, values, narrow=narrow)
    # only the value the narrowing kept is tested: one e-mail counted, not three
    assert (found.kinds, found.counts, found.sampled) == (["email"], {"email": 1}, 3)
    with_candidates = [x.name for x in d.registry() if x.candidates is not None and x.tests_values(d.STRING)]
    assert calls == [(["ann@x.org", "bob@y.org", "cid@z.org"], with_candidates)]
    assert "date_of_birth" not in with_candidates
    calls.clear()
    # one detector (whole numbers: the card number test) is not worth a pass; none (dates) neither
    card = d.scan_column("card", d.INTEGER, ["4111111111111111"], narrow=narrow)
    d.scan_column("born", d.TEMPORAL, ["2001-01-01"], narrow=narrow)
    assert (calls, card.counts) == ([], {"payment_card": 1})


def test_the_shortest_card_and_iban_are_found() -> None:
    assert (DETECTORS["payment_card"]("4222222222222"), DETECTORS["payment_card"]("422222222222")) == (
        True,
        False,
    )
    assert (DETECTORS["iban"]("NO9386011117947"), DETECTORS["iban"]("NO938601111794")) == (True, False)


def test_two_detectors_are_worth_a_narrowing_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    def digits(v: str) -> bool:
        return v.isdigit()

    pair = tuple(
        d.Detector(n, n, value=digits, families=frozenset({d.INTEGER}), candidates="[0-9]")
        for n in ("a", "b")
    )
    monkeypatch.setattr(d, "registry", lambda: pair)
    calls: list[list[str]] = []

    def narrow(sample: Sequence[str], detectors: Sequence[d.Detector]) -> dict[str, list[str]]:
        calls.append([x.name for x in detectors])
        return {}

    found = d.scan_column("n", d.INTEGER, ["1", "2"], narrow=narrow)
    assert (calls, found.counts) == ([["a", "b"]], {"a": 2, "b": 2})


@pytest.mark.parametrize("lazy", [False, True], ids=["frame", "lazy"])
def test_the_profile_reads_values_as_python_writes_them(lazy: bool) -> None:
    """Whole numbers are written by polars (no call per value): the text is ``str``'s, at every width."""
    import polars as pl

    from meshguard.quality.profile import _head

    columns = {
        "i8": pl.Series([-128, 127, None, 0], dtype=pl.Int8),
        "i64": pl.Series([-(2**63), 2**63 - 1, 4111111111111111, None], dtype=pl.Int64),
        "u64": pl.Series([2**64 - 1, 0, None, 5], dtype=pl.UInt64),
        "text": pl.Series([" a ", None, "b", ""], dtype=pl.String),
        "num": pl.Series([1e20, 1e-7, None, -2.5], dtype=pl.Float64),
        "f32": pl.Series([1.1, None, 3.0, 0.5], dtype=pl.Float32),
    }
    frame = pl.DataFrame(columns)
    for name, series in columns.items():
        got = _head(frame.lazy() if lazy else frame, name, series.dtype)
        assert got == [str(v) for v in series.drop_nulls().to_list()], name


def test_the_first_values_of_a_column_with_and_without_nulls() -> None:
    """In memory a column without nulls is not filtered (a query); the first SAMPLE values
    must equal the streamed route's and ``drop_nulls().head()``'s: names, dtypes, values."""
    import polars as pl

    from meshguard.quality.profile import SAMPLE, _first

    n = SAMPLE + 7
    columns = {
        "full": pl.Series([f"u{i}@x.org" for i in range(n)], dtype=pl.String),
        "holes": pl.Series([None if i % 3 == 0 else i for i in range(n)], dtype=pl.Int64),
        "late": pl.Series([*range(n - 1), None], dtype=pl.Int32),
        "empty": pl.Series([None] * n, dtype=pl.String),
    }
    frame = pl.DataFrame(columns)
    for name in columns:
        want = frame.get_column(name).drop_nulls().head(SAMPLE)
        got = _first(frame, name)
        assert got.equals(want, check_names=True, check_dtypes=True), name
        assert got.equals(_first(frame.lazy(), name), check_names=True, check_dtypes=True), name
    assert _first(frame, "full").len() == SAMPLE and _first(frame, "holes").null_count() == 0


def test_an_exact_detector_counts_what_the_narrowing_kept() -> None:
    """No value is tested one by one after an exact narrowing (the count is the kept values');
    without a narrowing, or with an inexact one, each value is tested."""

    def never(v: str) -> bool:
        return False

    exact = d.Detector("x", "x", value=never, candidates="x", exact=True)
    inexact = d.Detector("y", "y", value=never, candidates="y")
    sample = ["x1", "x2", "z"]
    assert exact.hits("c", d.STRING, sample, 0.05, ["x1", "x2"]) == 2
    assert exact.hits("c", d.STRING, sample, 0.05) is None
    assert inexact.hits("c", d.STRING, sample, 0.05, ["x1", "x2"]) is None


def test_an_inexact_detector_tests_only_the_values_the_narrowing_kept() -> None:
    """With an inexact narrowing, each kept value is tested and only those: a value left out by
    the narrowing is never counted, even one the detector's test would accept."""
    inexact = d.Detector("y", "y", value=lambda v: v != "b", candidates="y")
    sample = ["a", "b", "c", "e"]
    assert inexact.hits("c", d.STRING, sample, 0.05, ["a", "b"]) == 1
    assert inexact.hits("c", d.STRING, sample, 0.05) == 3


def test_narrowing_several_detectors_at_once_keeps_what_each_alone_keeps() -> None:
    """The inexact detectors' candidates are asked together first (their union), then each of
    what the union kept: per detector, the same values as a narrowing by that detector alone."""
    import random

    from meshguard.quality.profile import narrow
    from piicorpus import columns

    detectors = d.narrowing(d.STRING)
    assert len([x for x in detectors if not x.exact]) > 1
    r = random.Random(3)
    made = ["".join(r.choice(_ALPHABET) for _ in range(r.randint(1, 24))) for _ in range(3_000)]
    samples = [[v.strip() for v in c.values if v.strip()] for c in columns(per_kind=4)] + [made]
    kept_by_several = 0
    for sample in samples:
        together = narrow(sample, detectors)
        alone = {x.name: narrow(sample, [x])[x.name] for x in detectors}
        assert together == alone
        kept_by_several += sum(1 for x in detectors if not x.exact and alone[x.name]) > 1
    assert kept_by_several > 10  # columns where the union kept values of several detectors


@pytest.mark.parametrize("lazy", [False, True], ids=["frame", "lazy"])
def test_a_whole_number_column_is_scanned_as_its_text_is(lazy: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole-number column's values stay in polars (narrowed there): the answer is scan_column's
    on the values as ``str`` writes them, at every width, with cards, near misses and nulls; and a
    detector without candidates (a plugin's) still tests every value."""
    import random

    import polars as pl

    from meshguard.quality.profile import _detect

    r = random.Random(11)
    cards = [4111111111111111, 4222222222222, 5555555555554444, 378282246310005]
    near = [c + 1 for c in cards] + [-c for c in cards] + [10**12, 10**18, 2**63 - 1, -(2**63)]
    columns: dict[str, list[int | None]] = {
        "few_cards": [r.randint(0, 10**6) for _ in range(900)] + cards * 10 + [None] * 5,
        "cards": cards * 100 + near,
        "near": near * 50,
        "small": [r.randint(-128, 127) for _ in range(50)],
        "empty": [None, None],
        "long": [r.randint(0, 10**19) for _ in range(1_500)],  # past the sample
    }
    widths = {"small": pl.Int8, "long": pl.UInt64}
    height = max(len(v) for v in columns.values())  # the shorter columns end in nulls
    frame = pl.DataFrame(
        {
            c: pl.Series(c, [*v, *[None] * (height - len(v))], dtype=widths.get(c, pl.Int64))
            for c, v in columns.items()
        }
    )
    odd = d.Detector("odd", "odd", value=lambda v: v.endswith("7"), families=frozenset({d.INTEGER}))
    registries = (d.registry(), (*d.registry(), odd))
    for registry in registries:
        monkeypatch.setattr(d, "registry", lambda registry=registry: registry)
        for name, series in frame.to_dict().items():
            text = [str(v) for v in series.drop_nulls().to_list()]
            got = _detect(frame.lazy() if lazy else frame, name, series.dtype)
            assert got == d.scan_column(name, d.INTEGER, text), name
    monkeypatch.undo()
    found = _detect(frame, "cards", pl.Int64)
    # the cards, and their negatives (the test drops a dash): 4 x 100 + 4
    assert (found.kinds, found.counts, found.sampled) == (["payment_card"], {"payment_card": 404}, 412)
