"""Audit trail and determinism: every decision is traceable (bundle hash, version, engine, input hash,
waivers applied, decision log) and two runs on the same inputs give byte-identical JSON apart from
the run id, the timestamps and the timings."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import PROJECT, invoke
from meshguard import __version__
from meshguard.results.load import results_schema
from meshkit import copy_example_repo

pytestmark = pytest.mark.slow  # two whole runs of the example mesh

VOLATILE = {"run_id", "timestamp", "timings", "elapsed_s", "decision_id", "timer_eval_ns", "now"}
HASH = re.compile(r"^sha256:[0-9a-f]{64}$")


def scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, list[dict[str, Any]]]]:
    root = copy_example_repo(PROJECT, tmp_path_factory.mktemp("mesh"))
    out = []
    for i in range(2):
        log = root / f"decisions-{i}.jsonl"
        r = invoke("check", "--format", "json", "--no-history", "--decision-log", str(log), cwd=root)
        assert r.returncode in (0, 1), r.stderr
        out.append((r.stdout, [json.loads(line) for line in log.read_text().splitlines()]))
    return out


def test_two_runs_are_byte_identical_apart_from_ids_and_times(
    runs: list[tuple[str, list[dict[str, Any]]]],
) -> None:
    (a, log_a), (b, log_b) = runs
    assert json.loads(a)["run_id"] != json.loads(b)["run_id"]
    ja = json.dumps(scrub(json.loads(a)), indent=1, ensure_ascii=False)
    jb = json.dumps(scrub(json.loads(b)), indent=1, ensure_ascii=False)
    assert ja == jb
    by_product = lambda log: sorted(scrub(log), key=lambda e: e["product"])  # noqa: E731 - workers append in any order
    assert by_product(log_a) == by_product(log_b)
    # and the only differences in the raw bytes are the values of the volatile keys (a key of its
    # own, or a line inside a volatile object such as "timings": {"lint": …})
    lines_a, lines_b = a.splitlines(), b.splitlines()
    assert len(lines_a) == len(lines_b)
    differing = [i for i, (x, y) in enumerate(zip(lines_a, lines_b, strict=True)) if x != y]
    assert differing, "the run ids differ, so some line must"
    assert [lines_a[i] for i in differing if not _volatile_line(lines_a, i)] == []


def _key(line: str) -> str:
    return line.strip().split(":")[0].strip('"')


def _volatile_line(lines: list[str], i: int) -> bool:
    """Is line ``i`` of indented JSON a volatile key, or inside the value of one?"""
    indent = len(lines[i]) - len(lines[i].lstrip())
    if _key(lines[i]) in VOLATILE:
        return True
    for prev in reversed(lines[:i]):
        if len(prev) - len(prev.lstrip()) < indent:  # the line that opened the enclosing object
            return _key(prev) in VOLATILE
    return False


def test_results_record_what_decided(runs: list[tuple[str, list[dict[str, Any]]]]) -> None:
    stdout, log = runs[0]
    result = json.loads(stdout)
    jsonschema.validate(result, results_schema())
    assert result["meshguard_version"] == __version__ and result["engine"] == "embedded"
    assert HASH.match(result["policy_bundle_hash"])
    products = result["products"]
    assert all(HASH.match(p["input_hash"]) for p in products)
    assert len({p["input_hash"] for p in products}) == len(products)  # one per product input
    waived = [p for p in products if p["waivers"]]
    assert waived, "the example waivers.yaml has a valid waiver that applies"
    assert all(
        {"policy", "product", "approved_by", "expires", "reason"} <= set(w)
        for p in waived
        for w in p["waivers"]
    )
    # the decision log: one line per product, linked to the run, the bundle and the product's input
    assert len(log) == len(products)
    by_product = {p["id"]: p for p in products}
    for entry in log:
        assert entry["run_id"] == result["run_id"]
        assert entry["bundles"]["meshguard"]["revision"] == result["policy_bundle_hash"]
        assert entry["labels"] == {"app": "meshguard", "version": __version__, "engine": "embedded"}
        assert entry["input_hash"] == by_product[entry["product"]]["input_hash"]
        assert entry["input"]["product"]["id"] == entry["product"] and isinstance(entry["result"], dict)


def test_input_hash_follows_the_input(tmp_path: Path) -> None:
    from meshguard.policy.decisionlog import input_hash

    doc = {"meshguard": {"version": "1", "now": "2026-01-01T00:00:00Z"}, "contract": {"id": "x"}}
    same = {"contract": {"id": "x"}, "meshguard": {"now": "2027-05-05T00:00:00Z", "version": "1"}}
    assert input_hash(doc) == input_hash(same)  # key order and the run's clock do not matter
    assert input_hash(doc) != input_hash({**doc, "contract": {"id": "y"}})


def test_decision_log_from_config_and_unwritable(tmp_path: Path) -> None:
    from policykit import compliant, make_repo

    repo = make_repo(
        tmp_path / "gov",
        {"good": compliant()},
        config="contracts: {dir: contracts}\ndecision_log: logs/d.jsonl\n",
    )
    r = invoke("check", "--no-data", "--no-history", cwd=repo)
    assert r.returncode in (0, 1), r.stderr
    assert len((repo / "logs" / "d.jsonl").read_text().splitlines()) == 1
    r = invoke("check", "--no-data", "--no-history", "--decision-log", "/proc/nope/d.jsonl", cwd=repo)
    assert r.returncode == 3 and "cannot open the decision log" in r.stderr and r.stderr.count("\n") == 1
