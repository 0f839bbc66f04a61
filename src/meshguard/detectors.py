"""The one registry of personal-data detectors (DESIGN.md §5 ``detected``).

Each :class:`Detector` names a kind of sensitive content, says what a column
holding it is (category and classification, for ``meshguard import``'s
proposals) and recognises it in a bounded sample of a column's values, or from
the column as a whole. The profile (polars), the Spark backend, the importer
and the policy vocabulary (``personal_data_detections`` in the policy pack's
data) all read this registry; a plugin adds detectors through the
``meshguard.detectors`` entry point (:mod:`meshguard.plugins`).

A kind is detected when at least ``min_fraction`` of the sampled non-empty
values match it (default 0.05, so a free-text column where one value in ten —
or in twenty — is a phone number or an e-mail is caught;
``data.pii_min_fraction`` in meshguard.yaml). Checksums cut false positives:
IBANs pass mod-97, payment card numbers pass Luhn. Only counts leave this
module, never values.

Without data (:func:`suspect`): words of a field's name, description and types
that say it holds personal data (``email``, ``phone``, ``ssn``,
``date_of_birth``, ``street``, ``ip_address``, ``iban``, ``first_name``…) or
health data (``diagnosis``, ``icd10``, ``medication``…), so a contract
declaring such a field without a classification is caught before any data is
read, and the field's values are masked like declared personal data.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from meshguard import plugins
from meshguard.errors import UsageError

SAMPLE = 1000
#: the characters ``str.strip()`` removes (``str.isspace``), for an engine told them explicitly
#: (polars' own whitespace is Unicode's, another set): tests/test_batch_detect.py computes it again
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: default share of sampled values that must match a kind for the column to be flagged
MIN_FRACTION = 0.05
THRESHOLD = MIN_FRACTION  # the name older callers use
_settings = {"min_fraction": MIN_FRACTION}


def configure(min_fraction: float | None) -> None:
    """Set the share of matching values that flags a column (``data.pii_min_fraction``)."""
    _settings["min_fraction"] = MIN_FRACTION if min_fraction is None else float(min_fraction)


_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[\d\s().-]{7,22}$")
_DATE_LIKE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")
_SSN = re.compile(r"^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_CARD = re.compile(r"^\d{13,19}$")
_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$")
_IPV6 = re.compile(r"^[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}$")
_BIRTH_NAME = re.compile(r"(birth|dob\b|^dob|date_of_birth|birthday)", re.I)
_ISO_DATE = re.compile(r"^(19|20)\d\d-\d\d-\d\d$")


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(value: str) -> bool:
    s = value[4:] + value[:4]
    num = "".join(str(int(c, 36)) for c in s)
    return int(num) % 97 == 1


def _is_phone(v: str) -> bool:
    if not _PHONE.match(v) or _DATE_LIKE.match(v) or _SSN.match(v) or _IPV4.match(v):
        return False
    digits = sum(c.isdigit() for c in v)
    return 7 <= digits <= 15 and (v.startswith("+") or any(c in v for c in " ()-."))


def _is_card(v: str) -> bool:
    if len(v) < 13:  # 13-19 digits once spaces and dashes are dropped: most values end here
        return False
    compact = v.replace(" ", "").replace("-", "")
    return bool(_CARD.match(compact)) and luhn(compact)


def _is_iban(v: str) -> bool:
    if len(v) < 15:  # the shortest IBAN has 15 characters
        return False
    compact = v.replace(" ", "").upper()
    return bool(_IBAN.match(compact)) and iban_ok(compact)


#: what a column's values are, for the detectors: text, whole numbers, dates and times, other
STRING, INTEGER, TEMPORAL, OTHER = "string", "integer", "temporal", "other"


@dataclass(frozen=True)
class Detector:
    """One kind of personal data recognised in a column's name or sampled values."""

    name: str
    #: what the values are, in a sentence ("e-mail addresses")
    description: str
    #: the sensitivity category (meshguard.sensitivity.CATEGORIES) a column holding them has
    category: str = "pii"
    #: the ODCS classification proposed for such a column
    classification: str = "confidential"
    #: does one (stripped, non-empty) value look like this kind?
    value: Callable[[str], bool] | None = None
    #: the value families whose values are tested (numbers stored as integers: card numbers)
    families: frozenset[str] = frozenset({STRING})
    #: decided on the column as a whole instead: (column name, family, sampled values) → found
    column: Callable[[str, str, Sequence[str]], bool] | None = None
    #: a regular expression (the syntax polars runs) that every value ``value`` accepts contains:
    #: a necessary condition only, so a column's values are narrowed in one vectorised pass and
    #: ``value`` tests the few that are left (see :data:`Narrow`); None: every value is tested
    candidates: str | None = None
    #: ``candidates`` accepts exactly the (stripped) values ``value`` accepts, not only a superset:
    #: the values the narrowing keeps are the hits, none is tested one by one
    exact: bool = False

    def tests_values(self, family: str) -> bool:
        """Whether this detector tests the values of a column of ``family`` one by one."""
        return self.column is None and self.value is not None and family in self.families

    def hits(
        self,
        name: str,
        family: str,
        sample: Sequence[str],
        share: float | None = None,
        tested: Sequence[str] | None = None,
    ) -> int | None:
        """How many sampled values match (None: not found; 0: found on the column as a whole).
        ``tested``: the values of ``sample`` that may match (the others cannot), when known."""
        if self.column is not None:
            return 0 if self.column(name, family, sample) else None
        if self.value is None or family not in self.families or not sample:
            return None
        if tested is not None and self.exact:
            n = len(tested)
        else:
            n = sum(1 for v in (sample if tested is None else tested) if self.value(v))
        limit = _settings["min_fraction"] if share is None else share
        return n if n and n / len(sample) >= limit else None

    def found(self, name: str, family: str, sample: Sequence[str]) -> bool:
        return self.hits(name, family, sample) is not None


def _date_of_birth(name: str, family: str, sample: Sequence[str]) -> bool:
    if not _BIRTH_NAME.search(name):
        return False
    return family == TEMPORAL or (
        family == STRING and bool(sample) and all(_ISO_DATE.match(v) for v in sample)
    )


# The candidates of each built-in detector name only ASCII characters, which mean the same to
# Python's ``re`` and to polars: a value the detector accepts never holds one it excludes (nor
# does its upper case, for the IBAN), and it is at least as long; the e-mail pattern is the
# detector's own test (tests/test_unit_detectors.py).
BUILTIN: tuple[Detector, ...] = (
    Detector(
        "email",
        "e-mail addresses",
        value=lambda v: bool(_EMAIL.match(v)),
        candidates=_EMAIL.pattern,  # ``$`` is the end here: a stripped value never ends in a newline
        exact=True,
    ),
    Detector("phone", "phone numbers", value=_is_phone, candidates=r"^[^A-Za-z@]{7,}$"),
    Detector(
        "national_id",
        "national id numbers",
        classification="restricted",
        value=lambda v: bool(_SSN.match(v)),
        candidates=r"^.{3}-.{2}-.{4}$",
    ),
    Detector("iban", "IBANs", classification="restricted", value=_is_iban, candidates=r"^[^@.:/,;_]{15,}$"),
    Detector(
        "payment_card",
        "payment card numbers",
        category="pci",
        classification="restricted",
        value=_is_card,
        families=frozenset({STRING, INTEGER}),
        candidates=r"^[^A-Za-z@.:/,;_]{13,}$",
    ),
    Detector(
        "ip_address",
        "IP addresses",
        value=lambda v: bool(_IPV4.match(v) or (":" in v and _IPV6.match(v))),
        candidates=r"^[^@g-zG-Z_/,;]+$",
    ),
    Detector("date_of_birth", "dates of birth", column=_date_of_birth),
)


#: kind → its value test, for the built-in detectors that test values
DETECTORS: dict[str, Callable[[str], bool]] = {d.name: d.value for d in BUILTIN if d.value is not None}


@functools.cache
def registry() -> tuple[Detector, ...]:
    """The built-in detectors, then the plugins' (a plugin may not reuse a built-in name)."""
    out = list(BUILTIN)
    names = {d.name for d in out}
    for name, spec in plugins.entry_points(plugins.DETECTORS).items():
        detector = plugins.load(spec, group=plugins.DETECTORS, name=name)
        if not isinstance(detector, Detector):
            raise UsageError(
                f"plugin {name!r} ({plugins.DETECTORS}): {spec} is not a meshguard.detectors.Detector"
            )
        if detector.name in names:
            raise UsageError(
                f"plugin {name!r} ({plugins.DETECTORS}): detector {detector.name!r} already exists"
            )
        names.add(detector.name)
        out.append(detector)
    return tuple(out)


def names() -> list[str]:
    """Every kind a detector can report in ``input.data.columns[*].detected``."""
    return [d.name for d in registry()]


def by_name() -> dict[str, Detector]:
    return {d.name: d for d in registry()}


def family_of(dtype: Any) -> str:
    """The family of a polars data type (the profile's and the Spark backend's columns)."""
    import polars as pl

    if dtype == pl.String:
        return STRING
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        return TEMPORAL
    if dtype.is_integer():
        return INTEGER
    return OTHER


def reads_values(family: str) -> bool:
    """Whether any detector tests the values of a column of this family (else none are read)."""
    return any(d.value is not None and family in d.families for d in registry())


@dataclass(frozen=True)
class Detection:
    """What a sample of one column holds: the kinds found, how many values matched each
    (value detectors only) and how many non-empty values were sampled."""

    kinds: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    sampled: int = 0


#: (sampled values, the detectors with ``candidates`` to run on them) → per detector name, the
#: values holding a match of its candidates (a vectorised engine's pass; see quality/profile.py)
Narrow = Callable[[Sequence[str], Sequence[Detector]], Mapping[str, Sequence[str]]]


def scan_column(
    name: str,
    family: str,
    values: Sequence[str],
    *,
    min_fraction: float | None = None,
    narrow: Narrow | None = None,
) -> Detection:
    """Kinds of sensitive content found in the column ``name`` from a sample of its values (as text),
    with how many values matched: counts, never values. ``narrow`` picks the values each detector
    may match first (the same result, fewer values tested one by one)."""
    sample = sample_of(values)
    tested: Mapping[str, Sequence[str]] = {}
    if narrow is not None and sample:
        narrowed = narrowing(family)
        # one pass for several detectors pays; for one (a whole-number column: card numbers),
        # the pass costs more than the test it saves
        tested = narrow(sample, narrowed) if len(narrowed) > 1 else {}
    return scan_sample(name, family, sample, min_fraction=min_fraction, tested=tested)


def sample_of(values: Sequence[str]) -> list[str]:
    """What :func:`scan_column` tests of a column's values: the first :data:`SAMPLE`, stripped,
    the empty ones dropped."""
    return [s for v in values[:SAMPLE] if v and (s := v.strip())]


def scan_sample(
    name: str,
    family: str,
    sample: Sequence[str],
    *,
    min_fraction: float | None = None,
    tested: Mapping[str, Sequence[str]] | None = None,
) -> Detection:
    """:func:`scan_column` of a sample already taken (the first :data:`SAMPLE` values, stripped,
    the empty ones dropped); ``tested``: per detector, the values of ``sample`` it may match."""
    tested = tested or {}
    kinds: list[str] = []
    counts: dict[str, int] = {}
    for d in registry():
        n = d.hits(name, family, sample, min_fraction, tested.get(d.name))
        if n is not None:
            kinds.append(d.name)
            if n:
                counts[d.name] = n
    return Detection(kinds, counts, len(sample))


def narrowing(family: str) -> list[Detector]:
    """The detectors that test a ``family`` column's values one by one and can be narrowed first."""
    return [d for d in registry() if d.candidates is not None and d.tests_values(family)]


def detect_column(name: str, family: str, values: Sequence[str]) -> list[str]:
    """Kinds of sensitive content found in the column ``name`` from a sample of its values (as text)."""
    return scan_column(name, family, values).kinds


def scan(
    name: str, values: Sequence[str], *, temporal: bool = False, min_fraction: float | None = None
) -> Detection:
    """:func:`scan_column` for a text column (``temporal``: a date column, no values read)."""
    return scan_column(name, TEMPORAL if temporal else STRING, values, min_fraction=min_fraction)


def detect(name: str, values: Sequence[str], *, temporal: bool = False) -> list[str]:
    """Kinds found in a text column's ``values`` (``temporal``: a date column, no values read)."""
    return detect_column(name, TEMPORAL if temporal else STRING, values)


# --- by name, description and type ------------------------------------------------------

#: kind → pattern over the words of a field's name and types (lower case, one space apart)
_NAME_WORDS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"\b(e ?mail|email address|mail address)\b"),
    "phone": re.compile(r"\b(phone|telephone|mobile|cell ?phone|msisdn|fax|tel)\b"),
    "national_id": re.compile(
        r"\b(ssn|social security( number)?|national (id|identifier|insurance)( number)?|passport( number)?"
        r"|tax (id|identifier)|nino|driver'?s? licen[cs]e)\b"
    ),
    "date_of_birth": re.compile(r"\b(birth ?date|date of birth|dob|birthday|birth day)\b"),
    "postal_address": re.compile(
        r"\b(street|street address|home address|postal address|post ?code|zip ?code|zip|postal code"
        r"|address line ?\d?|billing address|shipping address|mailing address)\b"
    ),
    "ip_address": re.compile(r"\b(ip|ip address|ipv4|ipv6|client ip|remote addr|inet)\b"),
    "iban": re.compile(r"\b(iban|bank account( number)?|account number)\b"),
    "payment_card": re.compile(r"\b(card number|credit card|debit card|pan|cc number)\b"),
    "person_name": re.compile(
        r"\b(first name|last name|full name|given name|family name|surname|maiden name"
        r"|(customer|patient|person|contact|employee|holder|member) name)\b"
    ),
    "health": re.compile(
        r"\b(diagnosis|diagnoses|icd ?10|icd|medical|medication|prescription|treatment|allergy|allergies"
        r"|symptom|symptoms|clinical|condition code|blood type|lab result|health)\b"
    ),
}

_REFERENCE = re.compile(r"(?i)(id|ids|key|type|code|hash|style|promotion|month|year|count|flag)$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[^a-z0-9']+")


def words(text: str) -> str:
    """``customerEmail_Address`` → ``customer email address`` (lower case, one space apart)."""
    return " ".join(_SEPARATORS.sub(" ", _CAMEL.sub(" ", text).lower()).split())


def suspect(
    name: str,
    description: str | None = None,
    logical_type: str | None = None,
    physical_type: str | None = None,
) -> list[str]:
    """Kinds of personal (or health) data a field's name, description or types point to."""
    return list(_suspect(name, description, logical_type, physical_type))


def _suspect_words(
    name: str, description: str | None, logical_type: str | None, physical_type: str | None
) -> tuple[str, ...]:
    # a key, type, code or flag column is described by the personal data it refers to
    # ("Primary key for e-mail addresses"), it does not hold it: its description is not read
    about = "" if _REFERENCE.search(name) else (description or "")
    text = " | ".join(words(t) for t in (name, about, physical_type or "") if t)
    kinds = [kind for kind, pattern in _NAME_WORDS.items() if pattern.search(text)]
    if "ip_address" not in kinds and (logical_type or "").lower() in ("inet", "ipaddress"):
        kinds.append("ip_address")
    return tuple(kinds)


#: a mesh repeats names and descriptions (policy input, per field): each is read once. Wrapped
#: here rather than decorated, so that mutation testing (which skips decorated functions)
#: reaches the words' logic.
_suspect = functools.lru_cache(maxsize=4096)(_suspect_words)
