"""Personal data detectors: in a column's values, and from a field's name, description and type.

By value (DESIGN.md §5 ``detected``): a kind is detected when at least
``min_fraction`` of the sampled non-empty values match it (default 0.05, so a
free-text column where one value in ten — or in twenty — is a phone number or
an e-mail is caught; ``data.pii_min_fraction`` in meshguard.yaml). Checksums
cut false positives: IBANs pass mod-97, payment card numbers pass Luhn. Only
counts leave this module, never values.

By name (``suspect``): words of a field's name, description and types that
say it holds personal data (``email``, ``phone``, ``ssn``, ``date_of_birth``,
``street``, ``ip_address``, ``iban``, ``first_name``…) or health data
(``diagnosis``, ``icd10``, ``medication``…), so a contract declaring such a
field without a classification is caught before any data is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meshguard.contracts.model import Property

SAMPLE = 1000
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
    if not _PHONE.match(v) or _DATE_LIKE.match(v) or _SSN.match(v):
        return False
    digits = sum(c.isdigit() for c in v)
    return 7 <= digits <= 15 and (v.startswith("+") or any(c in v for c in " ()-."))


def _is_card(v: str) -> bool:
    compact = v.replace(" ", "").replace("-", "")
    return bool(_CARD.match(compact)) and luhn(compact)


def _is_iban(v: str) -> bool:
    compact = v.replace(" ", "").upper()
    return bool(_IBAN.match(compact)) and iban_ok(compact)


DETECTORS: dict[str, Callable[[str], bool]] = {
    "email": lambda v: bool(_EMAIL.match(v)),
    "phone": _is_phone,
    "national_id": lambda v: bool(_SSN.match(v)),
    "iban": _is_iban,
    "payment_card": _is_card,
    "ip_address": lambda v: bool(_IPV4.match(v) or (":" in v and _IPV6.match(v))),
}


@dataclass(frozen=True)
class Detection:
    """What a sample of one column holds: the kinds found, how many values matched each
    (only for the kinds found) and how many non-empty values were sampled."""

    kinds: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    sampled: int = 0


def scan(
    name: str, values: Sequence[str], *, temporal: bool = False, min_fraction: float | None = None
) -> Detection:
    """Kinds of personal data found in ``values`` (strings) of the column ``name``, with counts."""
    share = _settings["min_fraction"] if min_fraction is None else min_fraction
    kinds: list[str] = []
    counts: dict[str, int] = {}
    sample = [v.strip() for v in values[:SAMPLE] if v and v.strip()]
    if sample:
        for kind, test in DETECTORS.items():
            hits = sum(1 for v in sample if test(v))
            if hits and hits / len(sample) >= share:
                kinds.append(kind)
                counts[kind] = hits
    if _BIRTH_NAME.search(name) and (temporal or (sample and all(_ISO_DATE.match(v) for v in sample))):
        kinds.append("date_of_birth")
    return Detection(kinds, counts, len(sample))


def detect(
    name: str, values: Sequence[str], *, temporal: bool = False, min_fraction: float | None = None
) -> list[str]:
    """Kinds of sensitive content found in ``values`` (strings) of the column ``name``."""
    return scan(name, values, temporal=temporal, min_fraction=min_fraction).kinds


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
    text = " | ".join(words(t) for t in (name, description or "", physical_type or "") if t)
    kinds = [kind for kind, pattern in _NAME_WORDS.items() if pattern.search(text)]
    if "ip_address" not in kinds and (logical_type or "").lower() in ("inet", "ipaddress"):
        kinds.append("ip_address")
    return kinds


def suspected(prop: Property) -> list[str]:
    """:func:`suspect` for a contract property."""
    return suspect(prop.name, prop.description, prop.logical_type, prop.physical_type)


def guarded(prop: Property) -> bool:
    """Values of ``prop`` are masked in every output: declared personal/sensitive data, or a
    field whose name, description or type says it holds personal data."""
    return prop.masked or bool(suspected(prop))
