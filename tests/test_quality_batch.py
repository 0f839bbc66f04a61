"""``data.batch``: the tables of products of one layout read and profiled together give every
product exactly the result it gets alone (quality/batch.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from meshguard.api import CheckOptions, check_config
from meshguard.config import Config, load_config
from meshguard.stages import QualityContext

CONTRACT = """apiVersion: v3.1.0
kind: DataContract
id: {id}
name: {id}
version: 1.0.0
status: active
domain: shop
dataProduct: {id}
team:
  name: shop-team
  members:
    - username: owner@example.com
      role: owner
slaProperties:
  - property: freshness
    value: 100
    unit: d
    element: {table}.signed_up
schema:
  - name: {table}
    physicalType: table
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
        required: true
        classification: internal
      - name: email
        logicalType: string
        required: true
        classification: restricted
        tags: [pii]
      - name: amount
        logicalType: number
        logicalTypeOptions: {{minimum: {minimum}}}
        classification: internal
      - name: signed_up
        logicalType: date
        classification: internal
{extra}    quality:
      - type: library
        metric: rowCount
        mustBeGreaterThan: 0
servers:
  - server: sample
    type: local
    path: ./{table}.csv
    format: csv
"""

#: an undeclared column holding phone numbers: detected, so masked in every sample
CONTACT = "      - name: contact\n        logicalType: string\n        classification: internal\n"


def _rows(n: int, start: int = 0, contact: bool = False, odd: int = 0) -> list[str]:
    """``n`` rows; with ``odd``, every ``odd``-th e-mail and phone number is not one (the
    detectors then count a different share of each product's values)."""

    def email(r: int) -> str:
        return "unknown" if odd and r % odd == 0 else f"user{r}@example.org"

    def phone(r: int) -> str:
        return ",ask" if odd and r % odd == 0 else f",+44 20 7946 {r:04d}"

    return [
        f"{r},{email(r)},{(r * 7) % 500}.25,2026-0{1 + r % 9}-1{r % 10}" + (phone(r) if contact else "")
        for r in range(start, start + n)
    ]


def _product(
    root: Path, i: int, rows: list[str], contact: bool = False, header: str | None = None, minimum: int = 0
) -> str:
    pid, table = f"shop-{i:02d}", f"t{i:02d}"
    extra = CONTACT if contact else ""
    text = CONTRACT.format(id=pid, table=table, extra=extra, minimum=minimum)
    (root / "contracts" / f"{pid}.odcs.yaml").write_text(text)
    head = header or ("id,email,amount,signed_up" + (",contact" if contact else ""))
    (root / "contracts" / f"{table}.csv").write_text("\n".join([head, *rows]) + "\n")
    return pid


#: a card number (a valid check digit): the keys of one product start there
CARD = 4111111111111111

#: the product of the batch with every kind of failure planted (and only it)
PLANTED = "shop-03"


def _planted_rows() -> list[str]:
    rows = _rows(40)
    rows[5] = "5,user5@example.org,-3.50,2026-01-15"  # under the minimum
    rows[6] = "5,user6@example.org,12.00,2026-01-16"  # a duplicate key
    rows[7] = "7,,13.00,2026-13-45"  # no e-mail, a date that is not one
    rows[8] = "x8,user8@example.org,nan,2026-01-18"  # an id that is not a number
    return rows


def _mesh(root: Path, only: str | None = None) -> Path:
    (root / "contracts").mkdir(parents=True)
    (root / "meshguard.yaml").write_text('contracts: {dir: contracts}\ndata: {as_of: "2026-03-01"}\n')
    made = {
        1: lambda: _product(root, 1, _rows(30)),
        2: lambda: _product(root, 2, _rows(55, 100, odd=4)),
        3: lambda: _product(root, 3, _planted_rows()),
        4: lambda: _product(root, 4, _rows(12, 7)),
        5: lambda: _product(root, 5, _rows(25, 3, contact=True), contact=True),  # another layout
        6: lambda: _product(root, 6, _rows(20, 50, contact=True, odd=3), contact=True),
        7: lambda: _product(root, 7, []),  # a header and no rows: checked alone
        8: lambda: _product(root, 8, _rows(9), header="id;email;amount;signed_up"),  # one column read
        9: lambda: _product(root, 9, _rows(33, CARD)),  # keys that look like card numbers
    }
    for i, make in made.items():
        if only is None or f"shop-{i:02d}" == only:
            make()
    if only is None:  # a file that is not text; one that breaks the CSV reader half way
        _product(root, 10, [])
        (root / "contracts" / "t10.csv").write_bytes(b"id,email\n\xff\xfe\x00\x81,\xc3\x28\n")
        _product(root, 11, [*_rows(5), "6,a@b.org,1.0,2026-01-01,extra,fields", *_rows(5, 7)])
        # the same columns and types as shop-01..04, another minimum: its own checks, not theirs
        _product(root, 12, _rows(30), minimum=50)
    return root


def _config(root: Path, batch: bool) -> Config:
    config = load_config(root)
    return replace(config, data=replace(config.data, batch=batch))


def _stable(result: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(json.dumps(result.to_dict(), sort_keys=True, default=str))
    for key in ("run_id", "timestamp"):
        doc.pop(key, None)
    doc["summary"].pop("elapsed_s", None)
    for p in doc["products"]:
        p["timings"] = {}
    return doc


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _mesh(tmp_path_factory.mktemp("batch"))


@pytest.fixture(scope="module")
def runs(mesh: Path) -> dict[bool, dict[str, Any]]:
    return {batch: _stable(check_config(_config(mesh, batch), (), CheckOptions())) for batch in (False, True)}


def test_the_batched_stage_gives_byte_identical_results(runs: dict[bool, dict[str, Any]]) -> None:
    alone, batched = runs[False], runs[True]
    assert len(batched["products"]) == 12
    assert json.dumps(batched, indent=1) == json.dumps(alone, indent=1)
    # the policy input (the profile, what was detected) is the same: its hash is in the result
    assert all(p["input_hash"] for p in batched["products"])


def test_tables_of_one_layout_are_prepared_together(mesh: Path) -> None:
    from meshguard.contracts.repo import lint_repo
    from meshguard.quality.batch import BatchTable, prepare_batch
    from meshguard.quality.stage import _read_options, run_quality

    config = _config(mesh, True)
    contracts = [lc.contract for lc in lint_repo([config.contracts_path], config).contracts]
    run = QualityContext()
    ready = prepare_batch(contracts, config, run, _read_options(config, run))
    ids = {contracts[at].id for at in ready}
    # the empty table, the unreadable ones, the one that does not read as the contract's: alone
    assert ids == {f"shop-{i:02d}" for i in (1, 2, 3, 4, 5, 6, 9, 12)}
    frames = {contracts[at].id: next(iter(t.values()))[0].frame for at, t in ready.items()}
    assert frames["shop-05"].columns == ["id", "email", "amount", "signed_up", "contact"]
    assert frames["shop-04"].columns == ["id", "email", "amount", "signed_up"]
    assert frames["shop-02"].height == 55 and frames["shop-02"]["id"][0] == 100
    assert frames["shop-09"].height == 33 and frames["shop-09"]["id"][-1] == CARD + 32
    masked = {contracts[at].id: next(iter(t.values()))[0].masked for at, t in ready.items()}
    assert masked["shop-09"] == {"email", "id"} and masked["shop-01"] == {"email"}
    # the schema's value checks of every table of the batch were counted together, in one pass
    planted = next(at for at in ready if contracts[at].id == PLANTED)
    outcome = run_quality(contracts[planted], config, run, {}, ready[planted])
    table = next(iter(ready[planted].values()))[0]
    assert isinstance(table, BatchTable)
    counted = [c for c in table.batch._done.values() if c is not None]
    assert len(counted) == 1 and len(counted[0]) == 5  # shop-01..04 and shop-09
    assert [row["amount.minimum"] for row in counted[0]] == [0, 0, 1, 0, 0]
    failed = {c.id for c in outcome.checks if c.status == "failed"}
    assert "t03.amount.minimum" in failed and "t03.id.unique" in failed


def test_a_failure_planted_in_one_product_of_a_batch_stays_in_it(
    runs: dict[bool, dict[str, Any]], tmp_path: Path
) -> None:
    products = {p["id"]: p for p in runs[True]["products"]}
    for pid, p in products.items():
        data_checks = [c for c in p["checks"] if c["stage"] in ("schema", "quality", "sla")]
        failed = [c["id"] for c in data_checks if c["status"] in ("failed", "errored")]
        if pid == PLANTED:
            assert {f.rsplit(".", 1)[1] for f in failed} >= {"minimum", "unique", "required", "type"}
        elif pid in ("shop-07", "shop-08", "shop-10", "shop-11"):
            assert failed, pid  # no rows, a missing column, unreadable: reported as alone
        elif pid == "shop-12":
            assert failed == ["t12.amount.minimum"]
        else:
            assert failed == [], (pid, failed)
    alone = _stable(check_config(_config(_mesh(tmp_path / "alone", only=PLANTED), True), (), CheckOptions()))
    assert alone["products"][0]["checks"] == products[PLANTED]["checks"]
    assert alone["products"][0]["input_hash"] == products[PLANTED]["input_hash"]
    samples = [s for c in products[PLANTED]["checks"] for s in c.get("samples") or ()]
    assert samples and all(s["email"] in (None, "u***@***.org") for s in samples)
    contact = [c for c in products["shop-05"]["checks"] if c["samples"]]
    assert contact == []


def test_a_tables_size_is_found_only_for_a_listener(mesh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from meshguard import progress
    from meshguard.contracts.repo import lint_repo
    from meshguard.quality.stage import run_quality
    from meshguard.sources.files import FileSource

    sized: list[str] = []
    real = FileSource.size
    monkeypatch.setattr(FileSource, "size", lambda self, table: sized.append(table) or real(self, table))
    config = _config(mesh, False)
    contract = next(lc.contract for lc in lint_repo([config.contracts_path], config).contracts)
    run_quality(contract, config, QualityContext(), {})
    assert sized == ["t01"] and not progress.active()  # is it too large to load?
    steps: list[progress.Step] = []
    with progress.listening(steps.append):
        run_quality(contract, config, QualityContext(), {})
    assert sized == ["t01"] * 3  # and, for the listener, how large
    assert [s.size for s in steps if s.what == "reading"] == [(mesh / "contracts" / "t01.csv").stat().st_size]


def test_a_batch_plans_its_value_checks_once(mesh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tables of a batch ask for the same checks: they are planned over the batch once, and
    a table plans its own masks only when a check fails in it (to show the failing rows)."""
    from meshguard.contracts.repo import lint_repo
    from meshguard.quality import streaming
    from meshguard.quality.batch import prepare_batch
    from meshguard.quality.stage import _read_options, run_quality

    planned: list[str] = []
    real = streaming.value_masks

    def counting(table: Any, *args: Any) -> Any:
        planned.append(table.schema.name)
        return real(table, *args)

    monkeypatch.setattr(streaming, "value_masks", counting)
    config = _config(mesh, True)
    contracts = [lc.contract for lc in lint_repo([config.contracts_path], config).contracts]
    run = QualityContext()
    ready = prepare_batch(contracts, config, run, _read_options(config, run))
    group = [
        at for at in ready if contracts[at].id in ("shop-01", "shop-02", "shop-03", "shop-04", "shop-09")
    ]
    outcomes = [run_quality(contracts[at], config, run, {}, ready[at]) for at in group]
    assert planned == ["t01", "t03"]  # the batch's plan, then the planted table's own masks
    failed = [sorted(c.id for c in o.checks if c.status == "failed") for o in outcomes]
    assert failed[0] == [] and "t03.amount.minimum" in failed[2] and failed[3] == []
