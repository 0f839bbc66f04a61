"""The example governance repo: its documented defects (scripts/make_example_data.py DEFECTS) are all
found by the named checks, and nothing else fails."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import polars as pl
import pytest

from conftest import PROJECT, invoke
from meshguard.config import load_config
from meshguard.pipeline import run
from meshguard.quality.stage import sla_now
from meshguard.results.model import MeshResult
from meshguard.stages import QualityContext, RunOptions


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_example_data", PROJECT / "scripts" / "make_example_data.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def result() -> Iterator[MeshResult]:
    config = load_config(PROJECT)
    assert sla_now(config, QualityContext()) == datetime.fromisoformat("2026-11-25T00:00:00+00:00")
    assert sla_now(config, QualityContext()) == _generator().REFERENCE
    yield run(config, [config.contracts_path], RunOptions(with_policy=False, with_versioning=False))


def _not_passed(result: MeshResult) -> dict[tuple[str, str], tuple[str, int | None]]:
    return {
        (p.id, c.id): (str(c.status), c.failing_rows)
        for p in result.products
        for c in p.checks
        if c.status not in ("passed", "info")
    }


def test_every_documented_defect_is_caught_by_its_named_check(result: MeshResult) -> None:
    found = _not_passed(result)
    data_defects = [d for d in _generator().DEFECTS if not d.caught_by.startswith("policy")]
    assert len(data_defects) == 6
    for d in data_defects:
        if d.caught_by.startswith("relationship"):
            key = (d.product, f"{d.product}.{d.column}.references.customers.{d.column}")
            assert found[key] == ("failed", d.failing), d
        else:
            status, failing = found[(d.product, d.caught_by)]
            assert status == "failed", d
            assert failing == d.failing or (d.kind == "negative" and failing is None), d


def test_nothing_else_fails(result: MeshResult) -> None:
    # the schema-level twins named in the DEFECTS table ("required: true", "unique", minimum, pattern)
    # and the two rules meshguard cannot run (reported unsupported, never skipped)
    assert _not_passed(result) == {
        ("customers", "customers.email.required"): ("failed", 3),
        ("customers", "customers_email_not_null"): ("failed", 3),
        ("orders", "orders.order_id.unique"): ("failed", 4),
        ("orders", "orders_order_id_unique"): ("failed", 2),
        ("orders", "orders.total_amount.minimum"): ("failed", 1),
        ("orders", "orders_amount_non_negative"): ("failed", None),
        ("orders", "orders_status_valid"): ("failed", 1),
        ("orders", "orders.customer_id.references.customers.customer_id"): ("failed", 2),
        ("encounters", "encounters.diagnosis_code.pattern"): ("failed", 1),
        ("encounters", "encounters_diagnosis_code_format"): ("failed", 1),
        ("encounters", "encounters_soda_stay_length"): ("unsupported", None),
        ("inventory", "inventory.reorder_level.multipleOf"): ("unsupported", None),
    }


def test_undeclared_email_column_is_detected_for_policies() -> None:
    from meshguard.contracts.load import load_contract
    from meshguard.quality.stage import run_quality

    config = load_config(PROJECT)
    lc = load_contract(
        PROJECT / "contracts" / "finance" / "fraud-scores.odcs.yaml", PROJECT, config.sensitivity
    )
    out = run_quality(lc.contract, config, QualityContext(), {})
    assert out.data is not None
    declared = {p.path for p in lc.contract.properties}
    assert "customer_email" not in declared
    assert out.data["columns"]["customer_email"]["detected"] == ["email"]


def test_example_json_output_never_shows_guarded_values() -> None:
    r = invoke("test", "--format", "json", "--root", str(PROJECT))
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    samples = [s for p in doc["products"] for c in p["checks"] for s in c["samples"]]
    assert samples and any(v == "***" or "***@" in str(v) for s in samples for v in s.values())
    emails = pl.read_csv(PROJECT / "data" / "ecommerce" / "customers.csv", infer_schema=False)
    for col in ("email", "phone", "street_address", "birth_date"):
        for value in emails.get_column(col).drop_nulls().to_list():
            assert value not in r.stdout, col
    assert doc["summary"]["failed"] == 10 and doc["summary"]["unsupported"] == 2
