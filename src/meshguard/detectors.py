"""Detect sensitive content in a bounded sample of a column's values (DESIGN.md §5 ``detected``).

A kind is detected when at least half of the sampled non-empty values match
it (so one stray value does not flag a column). Checksums cut false
positives: IBANs pass mod-97, payment card numbers pass Luhn.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

SAMPLE = 1000
THRESHOLD = 0.5

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


def detect(name: str, values: Sequence[str], *, temporal: bool = False) -> list[str]:
    """Kinds of sensitive content found in ``values`` (strings) of the column ``name``."""
    found: list[str] = []
    sample = [v.strip() for v in values[:SAMPLE] if v and v.strip()]
    if sample:
        for kind, test in DETECTORS.items():
            hits = sum(1 for v in sample if test(v))
            if hits / len(sample) >= THRESHOLD:
                found.append(kind)
    if _BIRTH_NAME.search(name) and (temporal or (sample and all(_ISO_DATE.match(v) for v in sample))):
        found.append("date_of_birth")
    return found
