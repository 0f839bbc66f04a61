"""A schema object's checks are planned once per layout and process (meshguard.quality.schema_plan):
the tables of a layout get a copy of the plan with their own schema name and properties, and each
product's schema checks are exactly those it gets when it is planned alone — whatever of its
properties (types, options, enum, required, order), of its data's columns or of its values' types
differs from the product planned before it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

import meshguard
from meshguard.quality import pandera_layout, schema_plan

PROPS = {
    "id": "logicalType: integer\n        required: {required}\n        {key}: true\n        enum: {enum}",
    "amount": "logicalType: {amount}\n        logicalTypeOptions: {{minimum: {minimum}}}",
    "code": "logicalType: string\n        physicalType: {physical}\n        logicalTypeOptions: {{pattern: '^[a-z]+$'}}",
}

CONTRACT = """apiVersion: v3.1.0
kind: DataContract
id: {pid}
name: {pid}
version: 1.0.0
status: active
schema:{extra}
  - name: {name}
    physicalType: table
    properties:
{props}
servers:
  - server: sample
    type: local
    path: ./{pid}.{ext}
    format: {ext}
"""

FINE = {"id": ["1", "2"], "amount": ["1.5", "-2"], "code": ["ab", "abcd"]}
BASE = {
    "name": "orders",
    "key": "unique",
    "amount": "number",
    "physical": "varchar(3)",
    "required": "true",
    "enum": "[1, 2, 3]",
    "minimum": "0",
    "order": ("id", "amount", "code"),
}
#: product → what differs from BASE (the contract) and its data
PRODUCTS: dict[str, tuple[dict[str, Any], str, pl.DataFrame]] = {
    "a-orders": ({}, "csv", pl.DataFrame(FINE)),
    "b-sales": ({"name": "sales"}, "csv", pl.DataFrame(FINE)),  # the same layout, another name
    "c-stock": (
        {"name": "stock"},
        "csv",
        pl.DataFrame({"id": ["1", "1"], "amount": ["3", "4"], "code": ["x", "y"]}),
    ),
    "d-minimum": ({"name": "m", "minimum": "1.5"}, "csv", pl.DataFrame(FINE)),
    "e-minimum-int": ({"name": "m", "minimum": "2"}, "csv", pl.DataFrame(FINE)),
    "f-optional": ({"name": "o", "required": "false"}, "csv", pl.DataFrame(FINE)),
    "g-enum": ({"name": "e", "enum": "[1, 3]"}, "csv", pl.DataFrame(FINE)),
    "h-words": ({"name": "w", "enum": '["1", "2"]'}, "csv", pl.DataFrame(FINE)),
    "i-no-code": ({"name": "n"}, "csv", pl.DataFrame({"id": ["1", "2"], "amount": ["1", "2"]})),
    "j-typed": (
        {"name": "p"},
        "parquet",
        pl.DataFrame({"id": [1, 2], "amount": ["x", "y"], "code": ["ab", "c"]}),
    ),
    "k-reordered": ({"name": "r", "order": ("code", "id", "amount")}, "csv", pl.DataFrame(FINE)),
    "m-integer": ({"name": "i", "amount": "integer"}, "csv", pl.DataFrame(FINE)),
    "n-varchar": ({"name": "v", "physical": "varchar(1)"}, "csv", pl.DataFrame(FINE)),
    "o-key": ({"name": "k", "key": "primaryKey"}, "csv", pl.DataFrame(FINE)),
    # the layout's table second in its contract: the same properties at other places
    "l-second": ({"name": "s", "extra": True}, "csv", pl.DataFrame(FINE)),
}
#: a first schema object (the same file's id column)
EXTRA = "\n  - name: ids\n    physicalType: table\n    properties:\n      - name: id\n        logicalType: integer"


def _repo(root: Path, products: list[str]) -> Path:
    (root / "contracts").mkdir(parents=True)
    (root / "meshguard.yaml").write_text("contracts: {dir: contracts}\n", encoding="utf-8")
    for pid in products:
        changed, ext, frame = PRODUCTS[pid]
        v = {**BASE, **changed}
        props = "\n".join(f"      - name: {c}\n        " + PROPS[c].format(**v) for c in v["order"])
        extra = EXTRA if v.get("extra") else ""
        text = CONTRACT.format(pid=pid, name=v["name"], props=props, ext=ext, extra=extra)
        (root / "contracts" / f"{pid}.odcs.yaml").write_text(text, encoding="utf-8")
        path = root / "contracts" / f"{pid}.{ext}"
        frame.write_csv(path) if ext == "csv" else frame.write_parquet(path)
    return root


def _checks(mesh: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {
        p.id: [
            (c.id, c.name, c.status, c.message, c.failing_rows, c.field, c.threshold, c.location, c.dimension)
            for c in p.checks
            if c.stage == "schema"
        ]
        for p in mesh.products
    }


def _check(root: Path) -> Any:
    options = meshguard.CheckOptions(with_policy=False, with_versioning=False)
    return meshguard.check(root, options=options)


def _fresh() -> None:
    pandera_layout._seen.clear()
    schema_plan._plans.clear()


def test_each_product_gets_the_checks_it_gets_planned_alone(tmp_path: Path) -> None:
    products = list(PRODUCTS)
    _fresh()
    together = _checks(_check(_repo(tmp_path / "all", products)))
    plans = len(schema_plan._plans)
    alone: dict[str, Any] = {}
    for pid in products:
        _fresh()
        alone.update(_checks(_check(_repo(tmp_path / pid, [pid]))))
    assert together == alone
    # a, b and c share one layout; every other product differs in something its plan reads (and
    # l-second's first table is a layout of its own)
    assert plans == len(products) - 2 + 1
    for pid, checks in together.items():
        name = {**BASE, **PRODUCTS[pid][0]}["name"]
        assert checks and all(c[0].startswith((f"{name}.", "ids.")) for c in checks), pid
        assert any(c[0].startswith(f"{name}.") for c in checks), pid
    status = {pid: {c[0].split(".", 1)[1]: c[2] for c in checks} for pid, checks in together.items()}
    assert status["a-orders"]["amount.minimum"] == status["b-sales"]["amount.minimum"] == "failed"
    assert status["c-stock"]["amount.minimum"] == "passed"
    assert status["c-stock"]["id.unique"] == "failed"
    assert status["a-orders"]["id.unique"] == "passed"
    assert status["d-minimum"]["amount.minimum"] == "failed"
    assert "id.required" not in status["f-optional"]
    assert status["i-no-code"]["code.present"] == "failed"
    assert status["i-no-code"]["code.length"] != "passed"


def test_a_layout_is_planned_once_and_copied_with_its_own_name_and_properties(tmp_path: Path) -> None:
    _fresh()
    mesh = meshguard.check(
        _repo(tmp_path, ["a-orders", "b-sales", "c-stock"]),
        options=meshguard.CheckOptions(with_policy=False, with_versioning=False),
    )
    assert len(schema_plan._plans) == 1
    (kept,) = schema_plan._plans.values()
    assert {p.id for p in mesh.products} == {"a-orders", "b-sales", "c-stock"}
    # the copy for another schema object: its own ids and Property objects, the kept checks
    from meshguard.contracts.load import load_contract

    other = "a-orders" if kept.name == "sales" else "b-sales"
    obj = load_contract(tmp_path / "contracts" / f"{other}.odcs.yaml").contract.schemas[0]
    props = {p.path: p for p in obj.properties}
    copy = schema_plan.planned_for(obj.name, props, set(props), {})
    alone = schema_plan.plan(obj.name, props, set(props), {})
    assert copy is not kept and copy.name != kept.name

    def specs(p: schema_plan.Plan) -> list[tuple[Any, ...]]:
        every = [*(s for ss in p.planned.values() for s in ss), *p.builtin.values(), *p.notes]
        return [
            (s.id, s.name, s.dimension, s.pointer, s.prop, s.threshold, s.note, s.note_status) for s in every
        ]

    assert specs(copy) == specs(alone)
    assert all(s.prop is props[s.prop.path] for s in copy.builtin.values() if s.prop is not None)
    # the pandera checks and columns are the kept plan's, not built again
    assert copy.columns is kept.columns
    assert [s.pandera for ss in copy.planned.values() for s in ss] == [
        s.pandera for ss in kept.planned.values() for s in ss
    ]
