"""Generate the sample data of the example governance repo (``data/``), deterministically.

    python scripts/make_example_data.py            # rewrite data/ in the project root
    python scripts/make_example_data.py --out DIR  # write DIR/data/… instead

Every value is fake: names from short lists, e-mails on example.com / example.org,
phone numbers from the fictional 555-01xx range, card numbers from the public
test-card list (all pass Luhn), IBANs with a valid checksum but a bank code no
real bank uses (``000…``), IP addresses from the documentation ranges
(RFC 5737), ICD-10 / CPT codes from a small list.

Reproducible: one fixed seed (``SEED``) and every timestamp relative to one fixed
reference instant (``REFERENCE``), never the wall clock. Running the script again
gives byte-identical CSV and NDJSON files and the same Parquet and DuckDB contents
(a DuckDB file carries a random salt in its header, so only its contents repeat).

Freshness SLAs hold "as of" ``REFERENCE``: the newest row of every product is at
most a few hours older than it. Evaluate them with the clock set to that instant
(``RunOptions(now=REFERENCE)``; ``--now 2026-11-25T00:00:00Z`` on the command line
where the CLI offers it); evaluated later, the freshness checks fail, as they should.

The data is clean except for the deliberate defects below. Each one is caught
by one named check of its contract (the quality rule ``id`` or the contract
element), and the tests in ``tests/test_example_repo.py`` count them in the
generated files. Row numbers are 0-based data rows (the CSV header is not a row).

DEFECTS
| product      | column           | row(s)              | defect                                | caught by                                                                  | failing |
|--------------|------------------|---------------------|---------------------------------------|----------------------------------------------------------------------------|---------|
| customers    | email            | 17, 242, 403        | null e-mail although required         | quality `customers_email_not_null` (nullValues mustBe 0); `required: true`  | 3 rows  |
| orders       | order_id         | 1500, 1501          | repeat the ids of rows 10 and 11      | quality `orders_order_id_unique` (duplicateValues mustBe 0); `unique`/pk   | 2 duplicate values (4 rows share an id) |
| orders       | total_amount     | 777                 | negative amount (-42.5)               | quality `orders_amount_non_negative` (sql mustBe 0); logicalTypeOptions.minimum 0 | 1 row |
| orders       | status           | 1234                | status `dispatched` not in the enum   | quality `orders_status_valid` (invalidValues mustBe 0)                      | 1 row   |
| orders       | customer_id      | 333, 1666           | customer C999001 / C999002 not found  | relationship orders.customer_id -> customers.customer_id                   | 2 rows  |
| encounters   | diagnosis_code   | 600                 | `E11-9` is not ICD-10 formatted       | quality `encounters_diagnosis_code_format` (invalidValues pattern); logicalTypeOptions.pattern | 1 row |
| fraud-scores | customer_email   | all                 | e-mail column not in the contract     | policy (detected e-mail in an undeclared column)                            | 1 column |

Tolerated, not defects: customers.postal_code holds 4 ``N/A`` (0.8 %, rule
``customers_postal_code_missing`` allows up to 2 %), customers.phone is null in
10 rows (2 %, rule ``customers_phone_completeness`` allows < 5 %), patients.email is
null in about 15 % of rows (allowed up to 30 %), transactions.card_number is null
for non-card transactions, encounters.discharged_at is null for ongoing stays.

The contract-level defects of fraud-scores (for the policy stage) are listed
at the top of contracts/finance/fraud-scores.odcs.yaml.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 20261125
#: every timestamp is relative to this instant; freshness SLAs hold as of it
REFERENCE = datetime(2026, 11, 25, 0, 0, 0, tzinfo=UTC)

ROWS = {
    "customers": 500,
    "orders": 2000,
    "inventory": 300,
    "patients": 400,
    "encounters": 1200,
    "billing": 1000,
    "transactions": 1500,
    "fraud_scores": 1500,
}


@dataclass(frozen=True)
class Defect:
    product: str
    file: str
    column: str
    rows: tuple[int, ...]  # 0-based data rows; () = the whole column
    kind: str  # null | duplicate | negative | invalid_enum | orphan | invalid_pattern | undeclared
    caught_by: str  # quality rule id, relationship or policy
    failing: int  # the failing count the check reports (rows, or duplicate values)


DEFECTS: tuple[Defect, ...] = (
    Defect(
        "customers",
        "data/ecommerce/customers.csv",
        "email",
        (17, 242, 403),
        "null",
        "customers_email_not_null",
        3,
    ),
    Defect(
        "orders",
        "data/ecommerce/orders.parquet",
        "order_id",
        (1500, 1501),
        "duplicate",
        "orders_order_id_unique",
        2,
    ),
    Defect(
        "orders",
        "data/ecommerce/orders.parquet",
        "total_amount",
        (777,),
        "negative",
        "orders_amount_non_negative",
        1,
    ),
    Defect(
        "orders",
        "data/ecommerce/orders.parquet",
        "status",
        (1234,),
        "invalid_enum",
        "orders_status_valid",
        1,
    ),
    Defect(
        "orders",
        "data/ecommerce/orders.parquet",
        "customer_id",
        (333, 1666),
        "orphan",
        "relationship orders.customer_id -> customers.customer_id",
        2,
    ),
    Defect(
        "encounters",
        "data/healthcare/encounters.parquet",
        "diagnosis_code",
        (600,),
        "invalid_pattern",
        "encounters_diagnosis_code_format",
        1,
    ),
    Defect(
        "fraud-scores",
        "data/finance/fraud_scores.ndjson",
        "customer_email",
        (),
        "undeclared",
        "policy: e-mail detected in a column the contract does not declare",
        1,
    ),
)

#: values used by the defects (the tests look for them)
DUPLICATED_FROM = {1500: 10, 1501: 11}
ORPHAN_CUSTOMERS = {333: "C999001", 1666: "C999002"}
NEGATIVE_AMOUNT = -42.5
INVALID_STATUS = "dispatched"
INVALID_ICD10 = "E11-9"

ORDER_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")
ICD10_PATTERN = r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$"

FIRST = [
    "Ada",
    "Alan",
    "Amara",
    "Ben",
    "Carla",
    "Chen",
    "Dana",
    "Diego",
    "Elena",
    "Emil",
    "Fatima",
    "Femi",
    "Grace",
    "Hana",
    "Hugo",
    "Ines",
    "Ivan",
    "Jonas",
    "Julia",
    "Kai",
    "Kenji",
    "Lara",
    "Leila",
    "Luca",
    "Maya",
    "Mateo",
    "Nadia",
    "Nils",
    "Noor",
    "Olga",
    "Omar",
    "Paula",
    "Priya",
    "Quinn",
    "Rafael",
    "Rosa",
    "Sami",
    "Sara",
    "Sofia",
    "Tariq",
    "Tess",
    "Umar",
    "Vera",
    "Wei",
    "Yara",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Adams",
    "Alvarez",
    "Bauer",
    "Becker",
    "Brown",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Hansen",
    "Ito",
    "Jensen",
    "Kaur",
    "Keller",
    "Kim",
    "Kowalski",
    "Larsen",
    "Lopez",
    "Meyer",
    "Moreau",
    "Muller",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Patel",
    "Petrov",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Smith",
    "Suzuki",
    "Tanaka",
    "Weber",
    "Wilson",
    "Yilmaz",
    "Zhang",
]
STREETS = (
    "Maple Street",
    "Oak Avenue",
    "Station Road",
    "Harbour Lane",
    "Mill Way",
    "Church Street",
    "Park Road",
    "River Walk",
    "Elm Close",
    "Market Square",
)
CITIES = (
    ("Springfield", "US"),
    ("Riverton", "US"),
    ("Lakeside", "US"),
    ("Bristol", "GB"),
    ("Leeds", "GB"),
    ("Hamburg", "DE"),
    ("Leipzig", "DE"),
    ("Lyon", "FR"),
    ("Utrecht", "NL"),
    ("Porto", "PT"),
)
#: public test card numbers (payment-provider documentation); all pass Luhn
TEST_CARDS = (
    "4111111111111111",
    "4242424242424242",
    "4000056655665556",
    "5555555555554444",
    "5105105105105100",
    "5200828282828210",
    "2223003122003222",
    "378282246310005",
    "371449635398431",
    "6011111111111117",
    "6011000990139424",
    "3056930009020004",
    "36227206271667",
    "3566002020360505",
    "6200000000000005",
)
ICD10 = (
    ("E11.9", "Type 2 diabetes mellitus without complications"),
    ("I10", "Essential (primary) hypertension"),
    ("J06.9", "Acute upper respiratory infection, unspecified"),
    ("J45.909", "Unspecified asthma, uncomplicated"),
    ("M54.50", "Low back pain, unspecified"),
    ("K21.9", "Gastro-esophageal reflux disease without esophagitis"),
    ("F41.1", "Generalized anxiety disorder"),
    ("N39.0", "Urinary tract infection, site not specified"),
    ("R07.9", "Chest pain, unspecified"),
    ("Z00.00", "General adult medical examination without abnormal findings"),
    ("S93.401A", "Sprain of unspecified ligament of right ankle, initial encounter"),
    ("E78.5", "Hyperlipidemia, unspecified"),
    ("I25.10", "Atherosclerotic heart disease of native coronary artery"),
    ("J18.9", "Pneumonia, unspecified organism"),
    ("A09", "Infectious gastroenteritis and colitis, unspecified"),
    ("G43.909", "Migraine, unspecified, not intractable"),
    ("H10.9", "Unspecified conjunctivitis"),
    ("L03.90", "Cellulitis, unspecified"),
    ("R51.9", "Headache, unspecified"),
    ("B34.9", "Viral infection, unspecified"),
)
CPT = ("99213", "99214", "99284", "93000", "80053", "85025", "71046", "36415", "90471", "97110")
PRODUCTS = (
    ("Trail Running Shoe", "footwear"),
    ("Rain Jacket", "apparel"),
    ("Wool Beanie", "apparel"),
    ("Insulated Bottle", "accessories"),
    ("Day Pack 20L", "bags"),
    ("Headlamp", "electronics"),
    ("Camping Stove", "outdoor"),
    ("Sleeping Bag", "outdoor"),
    ("Merino Socks", "apparel"),
    ("Trekking Poles", "outdoor"),
)
MERCHANTS = (
    ("Corner Grocer", "5411"),
    ("City Fuel", "5541"),
    ("Book Nook", "5942"),
    ("Sky Airlines", "4511"),
    ("Cafe Lumen", "5814"),
    ("Pharma Plus", "5912"),
    ("Hotel Meridian", "7011"),
    ("Online Marketplace", "5999"),
    ("Metro Transit", "4111"),
    ("Electro World", "5732"),
)


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_de(rng: random.Random) -> str:
    """A German-format IBAN with a valid checksum and a bank code no bank uses."""
    bban = f"000{rng.randint(10, 99)}000" + f"{rng.randint(0, 9_999_999_999):010d}"
    check = 98 - int(bban + "131400") % 97  # D=13, E=14, then "00"
    return f"DE{check:02d}{bban}"


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def before(rng: random.Random, max_days: float, min_hours: float = 1.0) -> datetime:
    """A whole-second instant between ``min_hours`` and ``max_days`` before REFERENCE."""
    seconds = rng.randint(int(min_hours * 3600), int(max_days * 86400))
    return REFERENCE - timedelta(seconds=seconds)


def phone(rng: random.Random) -> str:
    area = rng.choice(("201", "312", "415", "503", "617", "720", "808", "919"))
    return f"+1{area}55501{rng.randint(0, 99):02d}"


def email(first: str, last: str, n: int, rng: random.Random) -> str:
    domain = rng.choice(("example.com", "example.org"))
    return f"{first.lower()}.{last.lower()}{n}@{domain}"


def birth_date(rng: random.Random, min_age: int = 18, max_age: int = 90) -> date:
    days = rng.randint(min_age * 365 + 5, max_age * 365)
    return REFERENCE.date() - timedelta(days=days)


# --- products -----------------------------------------------------------------


def customers(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    null_email = set(DEFECTS[0].rows)
    na_postal = set(rng.sample(range(ROWS["customers"]), 4))
    null_phone = set(rng.sample(range(ROWS["customers"]), 10))
    for i in range(ROWS["customers"]):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, country = rng.choice(CITIES)
        signup = before(rng, 700, 48)
        updated = signup + (REFERENCE - signup) * rng.random()
        if i == ROWS["customers"] - 1:
            updated = REFERENCE - timedelta(hours=3, minutes=12)
        rows.append(
            {
                "customer_id": f"C{i + 1:06d}",
                "first_name": first,
                "last_name": last,
                "email": None if i in null_email else email(first, last, i + 1, rng),
                "phone": None if i in null_phone else phone(rng),
                "street_address": f"{rng.randint(1, 240)} {rng.choice(STREETS)}",
                "city": city,
                "postal_code": "N/A" if i in na_postal else f"{rng.randint(10000, 99999)}",
                "country_code": country,
                "birth_date": birth_date(rng).isoformat(),
                "loyalty_tier": rng.choices(("bronze", "silver", "gold", "platinum"), (50, 30, 15, 5))[0],
                "marketing_opt_in": rng.random() < 0.4,
                "signup_ts": iso(signup),
                "updated_at": iso(updated.replace(microsecond=0)),
            }
        )
    return rows


def orders(rng: random.Random, n_customers: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(ROWS["orders"]):
        ts = before(rng, 180, 1)
        if i == ROWS["orders"] - 1:
            ts = REFERENCE - timedelta(hours=1, minutes=40)
        status = rng.choices(ORDER_STATUSES, (10, 15, 20, 45, 6, 4))[0]
        rows.append(
            {
                "order_id": f"O{i + 1:08d}",
                "customer_id": f"C{rng.randint(1, n_customers):06d}",
                "order_ts": ts,
                "status": status,
                "item_count": rng.randint(1, 8),
                "total_amount": round(rng.uniform(5, 480), 2),
                "currency": rng.choices(("EUR", "USD", "GBP"), (50, 35, 15))[0],
                "payment_method": rng.choice(("card", "paypal", "invoice", "gift_card")),
                "shipping_country": rng.choice(CITIES)[1],
                "channel": rng.choice(("web", "app", "store", None)),
            }
        )
    for row, src in DUPLICATED_FROM.items():
        rows[row]["order_id"] = rows[src]["order_id"]
    for row, cid in ORPHAN_CUSTOMERS.items():
        rows[row]["customer_id"] = cid
    rows[DEFECTS[2].rows[0]]["total_amount"] = NEGATIVE_AMOUNT
    rows[DEFECTS[3].rows[0]]["status"] = INVALID_STATUS
    return rows


def inventory(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for i in range(ROWS["inventory"]):
        name, category = PRODUCTS[i % len(PRODUCTS)]
        counted = before(rng, 6, 2)
        rows.append(
            {
                "sku": f"SKU-{i + 1:05d}",
                "product_name": f"{name} {chr(65 + i // len(PRODUCTS) % 26)}{i // 260 + 1}",
                "category": category,
                "warehouse_code": rng.choice(("WH-AMS", "WH-BER", "WH-LYS", "WH-MAN")),
                "quantity_on_hand": rng.randint(0, 900),
                "reorder_level": rng.choice((20, 50, 100)),
                "unit_cost": round(rng.uniform(2, 180), 2),
                "last_counted_at": counted.replace(tzinfo=None),
            }
        )
    return rows


def patients(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    mrns = rng.sample(range(10_000_000, 100_000_000), ROWS["patients"])
    for i in range(ROWS["patients"]):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        registered = before(rng, 1500, 24)
        updated = registered + (REFERENCE - registered) * rng.random()
        if i == ROWS["patients"] - 1:
            updated = REFERENCE - timedelta(hours=5)
        rows.append(
            {
                "patient_id": f"P{i + 1:07d}",
                "mrn": f"MRN-{mrns[i]}",
                "first_name": first,
                "last_name": last,
                "birth_date": birth_date(rng, 0, 99).isoformat(),
                "sex": rng.choices(("F", "M", "X", "U"), (49, 48, 2, 1))[0],
                "email": None if rng.random() < 0.15 else email(first, last, i + 1, rng),
                "phone": phone(rng),
                "postal_code": f"{rng.randint(10000, 99999)}",
                "primary_language": rng.choices(("en", "es", "de", "fr", "zh"), (60, 20, 8, 7, 5))[0],
                "registered_at": iso(registered),
                "updated_at": iso(updated.replace(microsecond=0)),
            }
        )
    return rows


def encounters(rng: random.Random, n_patients: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(ROWS["encounters"]):
        admitted = before(rng, 365, 2)
        if i == ROWS["encounters"] - 1:
            admitted = REFERENCE - timedelta(hours=2, minutes=30)
        kind = rng.choices(("outpatient", "inpatient", "emergency", "telehealth"), (55, 15, 20, 10))[0]
        stay = (
            timedelta(hours=rng.randint(1, 6)) if kind != "inpatient" else timedelta(days=rng.randint(1, 9))
        )
        discharged = admitted + stay
        code, _desc = rng.choice(ICD10)
        rows.append(
            {
                "encounter_id": f"E{i + 1:08d}",
                "patient_id": f"P{rng.randint(1, n_patients):07d}",
                "encounter_type": kind,
                "admitted_at": admitted,
                "discharged_at": None if discharged > REFERENCE else discharged,
                "diagnosis_code": code,
                "attending_npi": f"1{rng.randint(0, 999_999_999):09d}",
                "facility_code": rng.choice(("FAC-NORTH", "FAC-SOUTH", "FAC-EAST")),
            }
        )
    rows[DEFECTS[5].rows[0]]["diagnosis_code"] = INVALID_ICD10
    return rows


def billing(rng: random.Random, encounter_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    # the newest encounter is always billed, so the billing freshness SLA holds
    last = len(encounter_rows) - 1
    picked = [*sorted(rng.sample(range(last), ROWS["billing"] - 1)), last]
    for i, e in enumerate(picked):
        enc = encounter_rows[e]
        billed = enc["admitted_at"] + timedelta(hours=rng.randint(1, 20))
        billed = min(billed, REFERENCE - timedelta(minutes=30))
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(
            {
                "invoice_id": f"INV-{i + 1:07d}",
                "encounter_id": enc["encounter_id"],
                "patient_id": enc["patient_id"],
                "cpt_code": rng.choice(CPT),
                "amount": round(rng.uniform(40, 4800), 2),
                "currency": "USD",
                "payer": rng.choices(("medicare", "medicaid", "private", "self_pay"), (30, 15, 45, 10))[0],
                "card_number": rng.choice(TEST_CARDS),
                "card_holder_name": f"{first} {last}",
                "status": rng.choices(("open", "paid", "denied", "refunded"), (25, 60, 10, 5))[0],
                "billed_at": iso(billed),
            }
        )
    return rows


def transactions(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for i in range(ROWS["transactions"]):
        ts = before(rng, 90, 0.5)
        if i == ROWS["transactions"] - 1:
            ts = REFERENCE - timedelta(minutes=45)
        channel = rng.choices(("pos", "ecommerce", "atm", "transfer"), (45, 35, 10, 10))[0]
        merchant, mcc = rng.choice(MERCHANTS)
        rows.append(
            {
                "transaction_id": f"T{i + 1:010d}",
                "account_iban": iban_de(rng),
                "card_number": rng.choice(TEST_CARDS) if channel in ("pos", "ecommerce", "atm") else None,
                "amount": round(rng.uniform(1, 2500), 2),
                "currency": rng.choices(("EUR", "USD", "GBP"), (70, 20, 10))[0],
                "merchant_name": merchant if channel != "transfer" else None,
                "merchant_category_code": mcc if channel != "transfer" else None,
                "channel": channel,
                "is_reversal": rng.random() < 0.02,
                "transaction_ts": iso(ts),
            }
        )
    return rows


def fraud_scores(rng: random.Random, tx_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for i, tx in enumerate(tx_rows[: ROWS["fraud_scores"]]):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        score = round(rng.betavariate(1.2, 9), 4)
        decision = "decline" if score > 0.8 else "review" if score > 0.5 else "approve"
        scored = datetime.strptime(tx["transaction_ts"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        scored += timedelta(seconds=rng.randint(1, 20))
        rows.append(
            {
                "score_id": f"FS{i + 1:09d}",
                "transaction_id": tx["transaction_id"],
                "score": score,
                "decision": decision,
                "model_version": rng.choice(("gbm-2026.09", "gbm-2026.10")),
                "device_ip": rng.choice(("192.0.2", "198.51.100", "203.0.113")) + f".{rng.randint(1, 254)}",
                "reviewer_email": f"analyst{rng.randint(1, 12)}@example.com"
                if decision == "review"
                else None,
                # deliberate defect: a column the contract does not declare, holding e-mails
                "customer_email": email(first, last, i + 1, rng),
                "scored_at": iso(min(scored, REFERENCE - timedelta(minutes=1))),
            }
        )
    return rows


# --- writing ------------------------------------------------------------------


def write_all(out: Path) -> list[Path]:
    """Write every sample file under ``out/data``; return the paths written."""
    import duckdb
    import polars as pl

    rng = random.Random(SEED)
    data = out / "data"
    for sub in ("ecommerce", "healthcare", "finance"):
        (data / sub).mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def csv(rows: list[dict[str, Any]], path: Path) -> None:
        pl.DataFrame(rows, infer_schema_length=None).write_csv(path, float_precision=2)
        written.append(path)

    def ndjson(rows: list[dict[str, Any]], path: Path) -> None:
        pl.DataFrame(rows, infer_schema_length=None).write_ndjson(path)
        written.append(path)

    def parquet(frame: pl.DataFrame, path: Path) -> None:
        frame.write_parquet(path, compression="zstd", statistics=True)
        written.append(path)

    cust = customers(rng)
    csv(cust, data / "ecommerce" / "customers.csv")

    ords = orders(rng, len(cust))
    parquet(
        pl.DataFrame(ords, infer_schema_length=None).with_columns(
            pl.col("order_ts").dt.replace_time_zone("UTC"), pl.col("item_count").cast(pl.Int32)
        ),
        data / "ecommerce" / "orders.parquet",
    )

    inv = inventory(rng)
    db_path = data / "ecommerce" / "inventory.duckdb"
    for stale in (db_path, db_path.with_name(db_path.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.register("inv_frame", pl.DataFrame(inv, infer_schema_length=None))
        con.execute(f"ATTACH '{db_path.as_posix()}' AS mesh (BLOCK_SIZE 16384)")
        con.execute(
            "CREATE TABLE mesh.main.inventory ("
            " sku VARCHAR PRIMARY KEY, product_name VARCHAR NOT NULL, category VARCHAR NOT NULL,"
            " warehouse_code VARCHAR NOT NULL, quantity_on_hand INTEGER NOT NULL,"
            " reorder_level INTEGER NOT NULL, unit_cost DECIMAL(10, 2) NOT NULL,"
            " last_counted_at TIMESTAMP NOT NULL)"
        )
        con.execute("INSERT INTO mesh.main.inventory SELECT * FROM inv_frame ORDER BY sku")
        con.execute("DETACH mesh")
    finally:
        con.close()
    written.append(db_path)

    pats = patients(rng)
    ndjson(pats, data / "healthcare" / "patients.ndjson")

    encs = encounters(rng, len(pats))
    parquet(
        pl.DataFrame(encs, infer_schema_length=None).with_columns(
            pl.col("admitted_at").dt.replace_time_zone("UTC"),
            pl.col("discharged_at").dt.replace_time_zone("UTC"),
        ),
        data / "healthcare" / "encounters.parquet",
    )

    csv(billing(rng, encs), data / "healthcare" / "billing.csv")

    txs = transactions(rng)
    csv(txs, data / "finance" / "transactions.csv")
    ndjson(fraud_scores(rng, txs), data / "finance" / "fraud_scores.ndjson")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[1], help="repo root to write data/ in"
    )
    args = parser.parse_args(argv)
    assert all(luhn_ok(c) for c in TEST_CARDS), "a test card number fails Luhn"
    for path in write_all(args.out):
        print(f"wrote {path.relative_to(args.out).as_posix()} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
