"""A labelled corpus for the personal-data detectors, generated (seeded) for the tests and the
benchmark: columns whose values are (partly) personal data of a known kind, columns that hold
none, and field names with their true kind (or none).

``scores()`` gives precision and recall per detector: by value (a column is flagged when the
detector reports it; a column holding a kind in any share at or over the default is a positive)
and by name (``suspect``)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from meshguard.detectors import detect, suspect

NAMES: dict[str, list[str]] = {
    "email": ["email", "customerEmail", "contact_e_mail", "EmailAddress", "billing_email", "user_mail"],
    "phone": ["phone", "mobile", "phone_number", "telephone", "contactPhone", "fax"],
    "national_id": ["ssn", "social_security_number", "national_id", "passport_number", "tax_id", "nino"],
    "date_of_birth": ["date_of_birth", "dob", "birthDate", "birthday", "patient_dob", "birth_date"],
    "postal_address": ["street", "postcode", "zip_code", "home_address", "shipping_address", "postal_code"],
    "ip_address": ["ip", "client_ip", "ip_address", "ipv4", "remote_addr", "ipv6"],
    "iban": ["iban", "bank_account", "account_number", "payer_iban", "IBAN", "bank_account_number"],
    "payment_card": ["card_number", "credit_card", "pan", "cc_number", "debit_card", "cardNumber"],
    "person_name": ["first_name", "last_name", "surname", "full_name", "customer_name", "givenName"],
    "health": ["diagnosis", "icd10_code", "medication", "allergies", "treatment", "blood_type"],
    "": [
        "order_id", "sku", "amount", "currency", "status", "created_at", "updated_at", "quantity",
        "product_name", "category", "warehouse", "region", "score", "is_active", "channel", "notes",
        "description", "country", "discount", "unit_price", "tax_rate", "version", "event_type",
        "session_length", "page", "campaign", "ip_range_count", "name_length", "address_count",
    ],
}  # fmt: skip

WORDS = [
    "the",
    "order",
    "was",
    "shipped",
    "late",
    "customer",
    "asked",
    "about",
    "refund",
    "item",
    "arrived",
    "damaged",
    "all",
    "fine",
]


def _email(r: random.Random) -> str:
    return f"{r.choice(['ana', 'li', 'jo.k', 'sam_p'])}{r.randint(1, 999)}@{r.choice(['example.com', 'mail.org'])}"


def _phone(r: random.Random) -> str:
    return r.choice(
        [f"+44 20 7946 {r.randint(0, 9999):04d}", f"(555) {r.randint(100, 999)}-{r.randint(1000, 9999)}"]
    )


def _ssn(r: random.Random) -> str:
    return f"{r.randint(100, 665)}-{r.randint(10, 99)}-{r.randint(1000, 9999)}"


def _iban(r: random.Random) -> str:
    bban = f"{r.randint(10**17, 10**18 - 1)}"
    check = 98 - int("".join(str(int(c, 36)) for c in bban + "DE00")) % 97
    return f"DE{check:02d}{bban}"


def _card(r: random.Random) -> str:
    digits = [4] + [r.randint(0, 9) for _ in range(14)]
    total = sum(
        (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 == 0 else d for i, d in enumerate(reversed(digits))
    )
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _ip(r: random.Random) -> str:
    return ".".join(str(r.randint(1, 254)) for _ in range(4))


VALUES = {
    "email": _email,
    "phone": _phone,
    "national_id": _ssn,
    "iban": _iban,
    "payment_card": _card,
    "ip_address": _ip,
}


def _negative(r: random.Random) -> str:
    return r.choice(
        [
            lambda: " ".join(r.choices(WORDS, k=r.randint(3, 9))),
            lambda: f"ORD-{r.randint(10000, 99999)}",
            lambda: f"{r.randint(1, 5000)}.{r.randint(0, 99):02d}",
            lambda: f"2025-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
            lambda: f"SKU{r.randint(100000, 999999)}",
            lambda: str(r.randint(0, 10**6)),
            lambda: f"v{r.randint(1, 9)}.{r.randint(0, 9)}.{r.randint(0, 9)}",
        ]
    )()


@dataclass(frozen=True)
class Column:
    values: list[str]
    kind: str  # the kind it holds ("" for none)


def columns(seed: int = 13, per_kind: int = 40) -> list[Column]:
    """Columns of 100 values: for each kind, columns where 100%, 50%, 20% or 10% of the values hold it
    (the rest free text), and as many columns holding none."""
    r = random.Random(seed)
    out: list[Column] = []
    for kind, make in VALUES.items():
        for i in range(per_kind):
            share = (1.0, 0.5, 0.2, 0.1)[i % 4]
            hits = int(100 * share)
            values = [make(r) for _ in range(hits)] + [_negative(r) for _ in range(100 - hits)]
            r.shuffle(values)
            out.append(Column(values, kind))
    out += [Column([_negative(r) for _ in range(100)], "") for _ in range(per_kind * len(VALUES))]
    return out


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _score(pairs: list[tuple[str, list[str]]], kinds: list[str]) -> dict[str, Score]:
    out = {}
    for kind in kinds:
        tp = sum(1 for truth, found in pairs if truth == kind and kind in found)
        fp = sum(1 for truth, found in pairs if truth != kind and kind in found)
        fn = sum(1 for truth, found in pairs if truth == kind and kind not in found)
        out[kind] = Score(tp, fp, fn)
    return out


def value_scores(seed: int = 13) -> dict[str, Score]:
    pairs = [(c.kind, detect("column", c.values)) for c in columns(seed)]
    return _score(pairs, list(VALUES))


def name_scores() -> dict[str, Score]:
    pairs = [(kind, suspect(name)) for kind, names in NAMES.items() for name in names]
    return _score(pairs, [k for k in NAMES if k])
