"""pandera validates each column layout once per process (meshguard.quality.pandera_layout): a mesh
of products sharing one contract layout gets, product by product, exactly what a run of each product
alone gets — a missing column, a dtype that is not the contract's, a check that cannot run on the
column's dtype are reported for the product that has them, and only for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

import meshguard
from meshguard.quality import pandera_layout, schema_plan

CONTRACT = """apiVersion: v3.1.0
kind: DataContract
id: {pid}
name: {pid}
version: 1.0.0
status: active
schema:
  - name: t
    physicalType: table
    properties:
      - name: id
        logicalType: integer
        required: true
        unique: true
        logicalTypeOptions: {{pattern: "^[0-9]+$"}}
        enum: {enum}
      - name: amount
        logicalType: number
        logicalTypeOptions: {{minimum: 0}}
      - name: code
        logicalType: string
        logicalTypeOptions: {{maxLength: 3}}
      - name: ref
        logicalTypeOptions: {{pattern: "{pattern}"}}
servers:
  - server: sample
    type: local
    path: ./{pid}.{ext}
    format: {ext}
"""

# product → its data: what differs is the layout the data has, never the contract's
# (``ref`` has no logicalType: its pattern runs on whatever the data holds)
FINE = {"id": ["1", "2"], "amount": ["1.5", "-2"], "code": ["ab", "abcd"], "ref": ["r1", "x"]}
DATA: dict[str, tuple[str, pl.DataFrame]] = {
    "a-fine": ("csv", pl.DataFrame(FINE)),
    "b-no-code": ("csv", pl.DataFrame({"id": ["1", "1"], "amount": ["1.5", "2"], "ref": ["r1", "r2"]})),
    "c-typed": (
        "parquet",
        pl.DataFrame({"id": [1, 2], "amount": [1.5, 2.0], "code": ["ab", "c"], "ref": [1, 2]}),
    ),
    "d-fine-again": (
        "csv",
        pl.DataFrame({"id": ["3", "4"], "amount": ["0", "7"], "code": ["x", "yyyy"], "ref": ["r9", "r8"]}),
    ),
    "e-bad-pattern": ("csv", pl.DataFrame(FINE)),
    "f-word-enum": ("csv", pl.DataFrame(FINE)),
}
#: the allowed values of ``id`` (one product's are words: not comparable with integers)
ENUM = {"f-word-enum": '["one", "two"]'}
#: the pattern of ``ref`` (one product's cannot compile)
PATTERN = {"e-bad-pattern": "^r[0-9"}


def _repo(root: Path, products: list[str]) -> Path:
    (root / "contracts").mkdir(parents=True)
    (root / "meshguard.yaml").write_text("contracts: {dir: contracts}\n", encoding="utf-8")
    for pid in products:
        ext, frame = DATA[pid]
        text = CONTRACT.format(
            pid=pid, ext=ext, pattern=PATTERN.get(pid, "^r[0-9]$"), enum=ENUM.get(pid, "[1, 2, 3, 4]")
        )
        (root / "contracts" / f"{pid}.odcs.yaml").write_text(text, encoding="utf-8")
        path = root / "contracts" / f"{pid}.{ext}"
        frame.write_csv(path) if ext == "csv" else frame.write_parquet(path)
    return root


def _checks(mesh: Any) -> dict[str, list[tuple[str, str, str, int | None]]]:
    return {
        p.id: [(c.id, c.status, c.message, c.failing_rows) for c in p.checks if c.stage == "schema"]
        for p in mesh.products
    }


def _check(root: Path) -> Any:
    options = meshguard.CheckOptions(with_policy=False, with_versioning=False)
    return meshguard.check(root, options=options)


def test_products_sharing_a_layout_get_what_each_alone_gets(tmp_path: Path) -> None:
    products = list(DATA)
    pandera_layout._seen.clear()
    together = _checks(_check(_repo(tmp_path / "all", products)))
    layouts = len(pandera_layout._seen)
    alone: dict[str, Any] = {}
    for pid in products:
        pandera_layout._seen.clear()
        schema_plan._plans.clear()
        alone.update(_checks(_check(_repo(tmp_path / pid, [pid]))))
    assert together == alone
    # layouts: CSV with code, without it, Parquet, CSV with the other pattern, with the other enum
    assert layouts == 5
    status = {pid: {cid.split(".", 1)[1]: s for cid, s, _, _ in checks} for pid, checks in together.items()}
    # what only pandera's validation on no rows finds, each for its own product
    assert status["b-no-code"]["code.present"] == "failed"
    assert status["a-fine"]["code.present"] == status["d-fine-again"]["code.present"] == "passed"
    assert status["c-typed"]["ref.pattern"] == "errored"  # a pattern on integers
    assert status["a-fine"]["ref.pattern"] == "failed"  # "x"
    assert status["d-fine-again"]["ref.pattern"] == "passed"
    assert status["e-bad-pattern"]["ref.pattern"] == "errored"
    assert status["f-word-enum"]["id.enum"] == "errored"
    assert status["a-fine"]["id.enum"] == "passed"
    # a pattern on an integer column cannot run: errored, in every product that has the column
    assert {s["id.pattern"] for s in status.values()} == {"errored"}
    # and the values are still each product's own
    assert status["a-fine"]["amount.minimum"] == "failed"
    assert status["d-fine-again"]["amount.minimum"] == "passed"
    assert status["b-no-code"]["id.unique"] == "failed"
    assert status["a-fine"]["code.length"] == status["d-fine-again"]["code.length"] == "failed"
