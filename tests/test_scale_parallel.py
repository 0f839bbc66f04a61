"""``meshguard check --jobs N`` gives what ``--jobs 1`` gives; ``--sample`` draws seeded samples."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import run_cli

pytestmark = pytest.mark.slow  # whole runs of the example mesh, serial and parallel

#: what legitimately differs between two runs: their identity and how long things took
VOLATILE = ("run_id", "timestamp")


def _check(*extra: str) -> dict[str, Any]:
    r = run_cli("check", "--format", "json", "--no-history", "--no-reports", "--no-progress", *extra)
    assert r.returncode in (0, 1), r.stderr[-800:]
    doc: dict[str, Any] = json.loads(r.stdout)
    return doc


def _stable(doc: dict[str, Any]) -> str:
    doc = {k: v for k, v in doc.items() if k not in VOLATILE}
    doc["summary"] = {k: v for k, v in doc["summary"].items() if k != "elapsed_s"}
    for p in doc["products"]:
        p["timings"] = {}
    return json.dumps(doc, indent=1, sort_keys=True)


@pytest.fixture(scope="module")
def serial() -> dict[str, Any]:
    return _check("--jobs", "1")


def test_two_jobs_give_byte_identical_results(serial: dict[str, Any]) -> None:
    parallel = _check("--jobs", "2")
    assert len(serial["products"]) >= 8
    assert [p["contract_path"] for p in parallel["products"]] == [
        p["contract_path"] for p in serial["products"]
    ]
    assert _stable(parallel) == _stable(serial)
    assert any(c["status"] == "failed" for p in serial["products"] for c in p["checks"])


def test_a_seeded_sample_is_reported_and_repeatable(serial: dict[str, Any]) -> None:
    first = _check("--jobs", "2", "--sample", "40")
    again = _check("--jobs", "1", "--sample", "40")
    assert _stable(first) == _stable(again)  # the same rows drawn each time
    with_data = [p for p in first["products"] if p["rows"] is not None]
    assert len(with_data) >= 8
    full_rows = {p["id"]: p["rows"] for p in serial["products"]}
    for p in with_data:
        assert full_rows[p["id"]] > 40 and p["sampled"] is True
        assert p["rows"] == 40  # one table per product in the example repo
        assert all(c["sampled"] for c in p["checks"] if c["stage"] in ("schema", "quality"))
    text = run_cli("check", "--no-history", "--no-reports", "--no-progress", "--sample", "40").stdout
    assert "(data sampled: 40 rows)" in text


def test_a_sample_fraction_is_reported(tmp_path: Any) -> None:
    half = _check("--sample-fraction", "0.25", "--output", f"markdown={tmp_path / 'r.md'}")
    full = {p["id"]: p["rows"] for p in _check("--no-policy")["products"]}
    for p in half["products"]:
        if p["rows"] is None:
            continue
        assert p["sampled"] is True
        assert 0.1 * full[p["id"]] <= p["rows"] <= 0.4 * full[p["id"]], p["id"]
    assert "data sampled" in (tmp_path / "r.md").read_text()
