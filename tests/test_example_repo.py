"""The example governance repo at the project root: contracts lint clean, every
contract's sample exists, the data generator is reproducible, and the data holds
exactly the deliberate defects its DEFECTS table lists (and no others)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from conftest import PROJECT, run_cli
from meshguard.config import load_config
from meshguard.contracts.load import load_contract
from meshguard.contracts.model import Contract

CONTRACTS = PROJECT / "contracts"
GENERATOR = PROJECT / "scripts" / "make_example_data.py"
CONTRACT_FILES = sorted(CONTRACTS.rglob("*.odcs.yaml"))
PRODUCTS = {
    "customers",
    "orders",
    "inventory",
    "patients",
    "encounters",
    "billing",
    "transactions",
    "fraud-scores",
}
UNITS = {"min": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_example_data", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module
    spec.loader.exec_module(module)
    return module


GEN = _generator()


def _contract(path: Path) -> Contract:
    return load_contract(path, PROJECT).contract


def _current() -> dict[str, Contract]:
    """Product id → its current contract (orders: the newest version)."""
    out: dict[str, Contract] = {}
    for f in CONTRACT_FILES:
        c = _contract(f)
        if c.id not in out or f.name > Path(out[c.id].path).name:
            out[c.id] = c
    return out


CURRENT = _current()


def _sample(c: Contract) -> Path:
    server = next(s for s in c.servers if s.name == "sample")
    return PROJECT / str(server.get("path") or server.get("database"))


def read(c: Contract, root: Path = PROJECT) -> Any:
    """The product's sample as a polars frame (CSV and NDJSON columns as strings)."""
    import duckdb
    import polars as pl

    server = next(s for s in c.servers if s.name == "sample")
    if server.type == "duckdb":
        table = next(p["value"] for p in server.get("customProperties") if p["property"] == "table")
        con = duckdb.connect(str(root / server.get("database")), read_only=True)
        try:
            return con.sql(f"SELECT * FROM {table} ORDER BY sku").pl()
        finally:
            con.close()
    path = root / server.get("path")
    fmt = server.get("format")
    if fmt == "csv":
        return pl.read_csv(path, infer_schema=False)
    if fmt == "json":
        return pl.read_ndjson(path, infer_schema_length=None)
    assert fmt == "parquet"
    return pl.read_parquet(path)


def _defects(product: str, column: str | None = None) -> list[Any]:
    return [d for d in GEN.DEFECTS if d.product == product and column in (None, d.column)]


def _defect_rows(product: str, column: str) -> set[int]:
    return {r for d in _defects(product, column) for r in d.rows}


def _quality_rules(c: Contract) -> Iterator[tuple[str | None, dict[str, Any]]]:
    for q in c.quality_rules:
        yield q.field, dict(q.raw)


# --- contracts ----------------------------------------------------------------


def test_the_mesh_has_the_agreed_products_and_two_orders_versions() -> None:
    assert set(CURRENT) == PRODUCTS
    versions = sorted(_contract(f).version for f in CONTRACT_FILES if _contract(f).id == "orders")
    assert versions == ["1.1.0", "2.0.0"]
    assert len(CONTRACT_FILES) == 9


def test_all_example_contracts_lint_without_errors() -> None:
    proc = run_cli("lint", "contracts", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["errors"] == 0
    assert doc["summary"]["unreadable"] == 0
    assert {c["id"] for c in doc["products"]} == PRODUCTS
    # the previous orders version is linted on its own, and is not a duplicate id
    proc = run_cli("lint", "contracts/ecommerce/orders/1.1.0.odcs.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 error(s)" in proc.stdout


@pytest.mark.parametrize("path", CONTRACT_FILES, ids=lambda p: p.relative_to(CONTRACTS).as_posix())
def test_contract_is_schema_valid_and_fully_typed(path: Path) -> None:
    loaded = load_contract(path, PROJECT)
    assert loaded.findings == ()  # no ODCS JSON Schema violation
    c = loaded.contract
    assert c.api_version == "v3.1.0"
    assert c.owner and c.domain in {"ecommerce", "healthcare", "finance"}
    for p in c.properties:
        assert p.logical_type, f"{p.schema}.{p.path}"
        assert not p.primary_key or p.required, f"{p.schema}.{p.path}"


def test_the_repo_config_is_accepted_and_makes_owners_mandatory() -> None:
    config = load_config(PROJECT)
    assert config.lint_rules == {"MG010": "error"}
    assert config.waivers_path.is_file()


def test_waivers_cover_valid_expiring_expired_and_stale() -> None:
    import datetime as dt

    import yaml

    waivers = yaml.safe_load((PROJECT / "waivers.yaml").read_text())["waivers"]
    today = dt.date(2026, 11, 25)
    left = sorted((w["expires"] - today).days for w in waivers)
    assert left[0] < 0 and 0 < left[1] <= 30 and left[-1] > 30
    for w in waivers:
        assert {"policy", "product", "reason", "approved_by", "expires"} <= set(w)
        assert w["product"] in PRODUCTS


@pytest.mark.parametrize("product", sorted(PRODUCTS))
def test_sample_server_exists_inside_data(product: str) -> None:
    path = _sample(CURRENT[product])
    assert path.is_file(), path
    assert path.resolve().is_relative_to((PROJECT / "data").resolve())


def test_older_orders_version_points_at_existing_data() -> None:
    assert _sample(_contract(CONTRACTS / "ecommerce" / "orders" / "1.1.0.odcs.yaml")).is_file()


def test_fraud_scores_is_deliberately_non_compliant_in_the_documented_ways() -> None:
    c = CURRENT["fraud-scores"]
    header = Path(PROJECT / c.path).read_text().split("apiVersion:")[0]
    assert "DELIBERATELY NON-COMPLIANT" in header
    assert c.team is not None and not c.team_members
    assert not c.support
    assert "retention" not in {s.property for s in c.sla}
    assert not c.description.get("purpose")
    email = c.find_property("fraud_scores", "reviewer_email")
    assert email is not None and email.classification is None and not email.categories


# --- data ---------------------------------------------------------------------


def test_generator_reproduces_the_committed_data(tmp_path: Path) -> None:
    import polars as pl
    from polars.testing import assert_frame_equal

    proc = subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    committed = sorted(p.relative_to(PROJECT) for p in (PROJECT / "data").rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(tmp_path) for p in (tmp_path / "data").rglob("*") if p.is_file())
    assert committed == fresh
    for rel in committed:
        if rel.suffix in (".csv", ".ndjson"):
            assert (tmp_path / rel).read_bytes() == (PROJECT / rel).read_bytes(), rel
        elif rel.suffix == ".parquet":
            assert_frame_equal(pl.read_parquet(tmp_path / rel), pl.read_parquet(PROJECT / rel))
    inventory = CURRENT["inventory"]
    assert_frame_equal(read(inventory, tmp_path), read(inventory))
    total = sum((PROJECT / rel).stat().st_size for rel in committed)
    assert total < 1_500_000, total


@pytest.mark.parametrize("product", sorted(PRODUCTS))
def test_rows_and_columns_match_the_contract(product: str) -> None:
    c = CURRENT[product]
    frame = read(c)
    assert frame.height == GEN.ROWS[product.replace("-", "_")]
    assert 300 <= frame.height <= 5000
    declared = {p.path for p in c.properties}
    undeclared = {d.column for d in _defects(product) if d.kind == "undeclared"}
    assert set(frame.columns) == declared | undeclared


def _pattern_violations(frame: Any, column: str, pattern: str) -> set[int]:
    import polars as pl

    values = frame.filter(pl.col(column).is_not_null())
    bad = values.filter(~pl.col(column).cast(pl.String).str.contains(pattern))
    return set(bad["_row"].to_list())


@pytest.mark.parametrize("product", sorted(PRODUCTS))
def test_data_violates_exactly_the_documented_defects(product: str) -> None:
    """Required, unique, pattern, minimum and validValues hold everywhere except
    at the rows the DEFECTS table names, and each defect's rule is in the contract."""
    import polars as pl

    c = CURRENT[product]
    frame = read(c).with_row_index("_row")
    for p in c.properties:
        col = p.path
        if p.required:
            nulls = set(frame.filter(pl.col(col).is_null())["_row"].to_list())
            assert nulls == (_defect_rows(product, col) if nulls else set()), col
        if p.unique:
            dupes = frame.height - frame[col].n_unique()
            expected = sum(d.failing for d in _defects(product, col) if d.kind == "duplicate")
            assert dupes == expected, col
        if "pattern" in p.options:
            bad = _pattern_violations(frame, col, p.options["pattern"])
            assert bad == {r for d in _defects(product, col) if d.kind == "invalid_pattern" for r in d.rows}
        if "minimum" in p.options and p.logical_type in ("number", "integer"):
            values = frame.with_columns(pl.col(col).cast(pl.Float64))
            below = set(values.filter(pl.col(col) < p.options["minimum"])["_row"].to_list())
            assert below == {r for d in _defects(product, col) if d.kind == "negative" for r in d.rows}
    for field, rule in _quality_rules(c):
        valid = rule.get("arguments", {}).get("validValues")
        if rule.get("metric") == "invalidValues" and valid is not None and field:
            bad = set(frame.filter(~pl.col(field).is_in(valid) & pl.col(field).is_not_null())["_row"])
            assert bad == {r for d in _defects(product, field) if d.kind == "invalid_enum" for r in d.rows}
    rule_ids = {r.get("id") for _, r in _quality_rules(c)}
    for d in _defects(product):
        if d.kind in ("null", "duplicate", "negative", "invalid_enum", "invalid_pattern"):
            assert d.caught_by in rule_ids, d


def test_documented_defects_are_at_the_documented_rows() -> None:
    import polars as pl

    customers = read(CURRENT["customers"]).with_row_index("_row")
    assert set(customers.filter(pl.col("email").is_null())["_row"]) == {17, 242, 403}

    orders = read(CURRENT["orders"]).with_row_index("_row")
    for row, src in GEN.DUPLICATED_FROM.items():
        assert orders["order_id"][row] == orders["order_id"][src]
    assert orders.height - orders["order_id"].n_unique() == 2
    assert set(orders.filter(pl.col("total_amount") < 0)["_row"]) == {777}
    assert orders["total_amount"][777] == GEN.NEGATIVE_AMOUNT
    assert orders["status"][1234] == GEN.INVALID_STATUS
    known = set(customers["customer_id"])
    orphans = set(orders.filter(~pl.col("customer_id").is_in(known))["_row"])
    assert orphans == {333, 1666} == set(GEN.ORPHAN_CUSTOMERS)

    encounters = read(CURRENT["encounters"]).with_row_index("_row")
    assert encounters["diagnosis_code"][600] == GEN.INVALID_ICD10

    fraud = read(CURRENT["fraud-scores"])
    assert fraud["customer_email"].null_count() == 0
    assert fraud["customer_email"].str.contains(r"^[a-z.]+\d+@example\.(com|org)$").all()
    assert CURRENT["fraud-scores"].find_property("fraud_scores", "customer_email") is None


@pytest.mark.parametrize(
    ("product", "column", "target", "key"),
    [
        ("orders", "customer_id", "customers", "customer_id"),
        ("encounters", "patient_id", "patients", "patient_id"),
        ("billing", "encounter_id", "encounters", "encounter_id"),
        ("fraud-scores", "transaction_id", "transactions", "transaction_id"),
    ],
)
def test_relationships_resolve_except_documented_orphans(
    product: str, column: str, target: str, key: str
) -> None:
    import polars as pl

    rel = [r for r in CURRENT[product].relationships if r.from_[0].endswith("." + column)]
    assert rel and rel[0].to[0].endswith("." + key)
    child = read(CURRENT[product]).with_row_index("_row")
    known = set(read(CURRENT[target])[key])
    orphans = set(child.filter(~pl.col(column).is_in(known))["_row"])
    assert orphans == {r for d in _defects(product, column) if d.kind == "orphan" for r in d.rows}


@pytest.mark.parametrize("product", sorted(PRODUCTS))
def test_freshness_sla_holds_as_of_the_reference_instant(product: str) -> None:
    import polars as pl

    c = CURRENT[product]
    fresh = [s for s in c.sla if s.property == "freshness"]
    assert fresh, "every product declares freshness"
    for sla in fresh:
        assert sla.element and sla.unit
        column = sla.element.split(".", 1)[1]
        values = read(c)[column]
        if values.dtype == pl.String:
            values = values.str.to_datetime(time_zone="UTC")
        elif values.dtype.time_zone is None:  # type: ignore[union-attr]
            values = values.dt.replace_time_zone("UTC")
        newest = values.max()
        assert newest <= GEN.REFERENCE
        assert GEN.REFERENCE - newest <= UNITS[sla.unit] * float(sla.value), (product, newest)


def test_card_numbers_pass_luhn_and_ibans_their_checksum() -> None:
    cards = set(read(CURRENT["billing"])["card_number"]) | set(
        read(CURRENT["transactions"])["card_number"].drop_nulls()
    )
    assert cards and cards <= set(GEN.TEST_CARDS)
    assert all(GEN.luhn_ok(c) for c in cards)
    assert not GEN.luhn_ok("4111111111111112")
    for iban in read(CURRENT["transactions"])["account_iban"]:
        digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
        assert int(digits) % 97 == 1, iban


def test_fake_contact_data_stays_on_reserved_ranges() -> None:
    emails = read(CURRENT["customers"])["email"].drop_nulls()
    assert emails.str.contains(r"@example\.(com|org)$").all()
    phones = read(CURRENT["customers"])["phone"].drop_nulls()
    assert phones.str.contains(r"^\+1\d{3}55501\d{2}$").all()
    icd = read(CURRENT["encounters"])["diagnosis_code"]
    known = {code for code, _ in GEN.ICD10}
    assert set(icd) - known == {GEN.INVALID_ICD10}
    assert re.compile(GEN.ICD10_PATTERN).match(GEN.INVALID_ICD10) is None
