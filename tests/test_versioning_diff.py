"""Table-driven change classification: each case is applied forwards and backwards."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from meshguard.results.model import Change
from meshguard.versioning.diff import diff_contracts
from meshguard.versioning.rules import CHANGE_RULES
from versioning_helpers import (
    FIXTURES,
    base_doc,
    contract,
    dump,
    parse_ahead,
    prop,
    remove_prop,
    schema,
    sla,
)

B, N, INFO = "breaking", "non-breaking", "informational"
Doc = dict[str, Any]


@dataclass(frozen=True)
class Case:
    name: str
    mutate: Callable[[Doc], None]
    forward: tuple[str, str]  # (rule id, class) for base → mutated
    backward: tuple[str, str]  # for mutated → base
    perspective: str = "consumer"


def _set(path: str, key: str, value: Any) -> Callable[[Doc], None]:
    def go(d: Doc) -> None:
        prop(d, path)[key] = value

    return go


def _opt(path: str, key: str, value: Any) -> Callable[[Doc], None]:
    def go(d: Doc) -> None:
        options = prop(d, path).setdefault("logicalTypeOptions", {})
        if value is None:
            options.pop(key, None)
        else:
            options[key] = value

    return go


def _del(path: str, key: str) -> Callable[[Doc], None]:
    def go(d: Doc) -> None:
        prop(d, path).pop(key, None)

    return go


def _status_values(values: list[str]) -> Callable[[Doc], None]:
    def go(d: Doc) -> None:
        prop(d, "status")["quality"][0]["arguments"]["validValues"] = values

    return go


def _add_schema(d: Doc) -> None:
    d["schema"].append(
        {
            "id": "lines_tbl",
            "name": "order_lines",
            "properties": [{"name": "line_id", "logicalType": "string", "required": True}],
        }
    )


def _rename_schema(d: Doc) -> None:
    schema(d)["name"] = "purchase_orders"


def _composite_pk(d: Doc) -> None:
    prop(d, "customer_id").update(primaryKey=True, primaryKeyPosition=2)


def _sla(name: str, **kw: Any) -> Callable[[Doc], None]:
    def go(d: Doc) -> None:
        sla(d, name).update(kw)

    return go


def _drop_sla(name: str) -> Callable[[Doc], None]:
    def go(d: Doc) -> None:
        d["slaProperties"] = [s for s in d["slaProperties"] if s["property"] != name]

    return go


def _server(name: str, **kw: Any) -> Callable[[Doc], None]:
    def go(d: Doc) -> None:
        next(s for s in d["servers"] if s["server"] == name).update(kw)

    return go


def _drop_server(d: Doc) -> None:
    d["servers"] = [s for s in d["servers"] if s["server"] != "warehouse"]


def _top(key: str, value: Any) -> Callable[[Doc], None]:
    def go(d: Doc) -> None:
        d[key] = value

    return go


def _drop_relationship(d: Doc) -> None:
    prop(d, "customer_id").pop("relationships")


def _retarget_relationship(d: Doc) -> None:
    prop(d, "customer_id")["relationships"][0]["to"] = "accounts.account_id"


def _add_quality(d: Doc) -> None:
    schema(d)["quality"].append({"id": "no_dup_orders", "metric": "duplicateValues", "mustBe": 0})


def _change_quality(d: Doc) -> None:
    schema(d)["quality"][0]["mustBeGreaterThan"] = 100


def _remove(path: str) -> Callable[[Doc], None]:
    return lambda d: remove_prop(d, path)


CASES: list[Case] = [
    # structure
    Case("property removed", _remove("quantity"), ("MGV110", B), ("MGV111", N)),
    Case("required property removed", _remove("ordered_at"), ("MGV110", B), ("MGV112", N)),
    Case(
        "required property removed (producer)",
        _remove("ordered_at"),
        ("MGV110", B),
        ("MGV112", B),
        "producer",
    ),
    Case("nested property removed", _remove("shipping.zip"), ("MGV110", B), ("MGV111", N)),
    Case("schema object added", _add_schema, ("MGV102", N), ("MGV101", B)),
    Case("schema renamed through id", _rename_schema, ("MGV103", B), ("MGV103", B)),
    Case(
        "schema physicalName changed",
        lambda d: schema(d).update(physicalName="orders_v2"),
        ("MGV104", B),
        ("MGV104", B),
    ),
    Case(
        "property renamed through id", _set("customer_email", "name", "email"), ("MGV113", B), ("MGV113", B)
    ),
    Case(
        "property physicalName set",
        _set("order_id", "physicalName", "order_uuid"),
        ("MGV114", B),
        ("MGV114", B),
    ),
    Case("contract id changed", _top("id", "orders-v2"), ("MGV100", B), ("MGV100", B)),
    # types
    Case(
        "logical type incompatible",
        _set("customer_id", "logicalType", "integer"),
        ("MGV120", B),
        ("MGV120", B),
    ),
    Case("timestamp to date", _set("ordered_at", "logicalType", "date"), ("MGV120", B), ("MGV120", B)),
    Case("int to bigint", _set("quantity", "physicalType", "bigint"), ("MGV122", N), ("MGV121", B)),
    Case("integer to number", _set("quantity", "logicalType", "number"), ("MGV122", N), ("MGV121", B)),
    Case("varchar longer", _set("customer_id", "physicalType", "varchar(64)"), ("MGV122", N), ("MGV121", B)),
    Case(
        "decimal precision up", _set("amount", "physicalType", "decimal(14,2)"), ("MGV122", N), ("MGV121", B)
    ),
    Case(
        "int spelled integer", _set("quantity", "physicalType", "integer"), ("MGV123", INFO), ("MGV123", INFO)
    ),
    Case("varchar to text", _set("coupon_code", "physicalType", "text"), ("MGV122", N), ("MGV121", B)),
    Case("type declared", _set("shipping.city", "physicalType", "varchar(80)"), ("MGV121", B), ("MGV122", N)),
    # required / unique / keys
    Case("becomes required", _set("quantity", "required", True), ("MGV130", N), ("MGV131", B)),
    Case(
        "becomes required (producer)",
        _set("quantity", "required", True),
        ("MGV130", B),
        ("MGV131", N),
        "producer",
    ),
    Case("becomes unique", _set("customer_email", "unique", True), ("MGV132", N), ("MGV133", B)),
    Case(
        "becomes unique (producer)",
        _set("customer_email", "unique", True),
        ("MGV132", B),
        ("MGV133", N),
        "producer",
    ),
    Case("primary key changed", _composite_pk, ("MGV134", B), ("MGV134", B)),
    # allowed values, patterns, bounds, formats
    Case("enum value removed", _status_values(["placed", "paid", "shipped"]), ("MGV140", B), ("MGV141", N)),
    Case(
        "enum value swapped",
        _status_values(["placed", "paid", "shipped", "refunded"]),
        ("MGV140", B),
        ("MGV140", B),
    ),
    Case("enum dropped", lambda d: prop(d, "status").pop("quality"), ("MGV143", N), ("MGV142", B)),
    Case("pattern changed", _opt("coupon_code", "pattern", "^[A-Z]{8}$"), ("MGV144", B), ("MGV144", B)),
    Case("pattern removed", _opt("coupon_code", "pattern", None), ("MGV145", N), ("MGV144", B)),
    Case("minimum raised", _opt("amount", "minimum", 1), ("MGV146", B), ("MGV147", N)),
    Case("maximum lowered", _opt("amount", "maximum", 50000), ("MGV146", B), ("MGV147", N)),
    Case("maximum added", _opt("quantity", "maximum", 1000), ("MGV146", B), ("MGV147", N)),
    Case(
        "minimum made exclusive",
        lambda d: prop(d, "amount").update(logicalTypeOptions={"exclusiveMinimum": 0, "maximum": 100000}),
        ("MGV146", B),
        ("MGV147", N),
    ),
    Case("maxLength longer", _opt("customer_email", "maxLength", 320), ("MGV147", N), ("MGV146", B)),
    Case("minLength added", _opt("coupon_code", "minLength", 6), ("MGV146", B), ("MGV147", N)),
    Case("format changed", _opt("customer_email", "format", "uri"), ("MGV148", B), ("MGV148", B)),
    # relationships
    Case("relationship removed", _drop_relationship, ("MGV150", B), ("MGV151", N)),
    Case("relationship removed (producer)", _drop_relationship, ("MGV150", B), ("MGV151", B), "producer"),
    Case("relationship retargeted", _retarget_relationship, ("MGV152", B), ("MGV152", B)),
    # sensitivity
    Case(
        "classification downgraded",
        _set("customer_email", "classification", "public"),
        ("MGV170", B),
        ("MGV171", N),
    ),
    Case("classification dropped", _del("customer_email", "classification"), ("MGV170", B), ("MGV171", N)),
    Case("pii tag removed", _set("customer_email", "tags", []), ("MGV172", B), ("MGV173", N)),
    Case("tag added", _set("amount", "tags", ["finance"]), ("MGV180", INFO), ("MGV180", INFO)),
    # service levels
    Case("freshness longer", _sla("freshness", value=2), ("MGV200", B), ("MGV201", N)),
    Case("retention shorter", _sla("retention", value=1), ("MGV200", B), ("MGV201", N)),
    Case("latency removed", _drop_sla("latency"), ("MGV202", B), ("MGV203", N)),
    Case("freshness respelled", _sla("freshness", value=24, unit="h"), ("MGV189", INFO), ("MGV189", INFO)),
    # servers
    Case("server removed", _drop_server, ("MGV210", B), ("MGV211", N)),
    Case("server host changed", _server("warehouse", host="db2.example.com"), ("MGV212", B), ("MGV212", B)),
    # quality
    Case("quality rule added", _add_quality, ("MGV160", N), ("MGV161", N)),
    Case("quality rule added (producer)", _add_quality, ("MGV160", B), ("MGV161", N), "producer"),
    Case("quality rule changed", _change_quality, ("MGV162", N), ("MGV162", N)),
    # informational
    Case(
        "property description",
        _set("amount", "description", "Gross amount."),
        ("MGV181", INFO),
        ("MGV181", INFO),
    ),
    Case("examples", _set("amount", "examples", [5.0]), ("MGV182", INFO), ("MGV182", INFO)),
    Case(
        "support",
        _top("support", [{"channel": "email", "url": "mailto:orders@example.com"}]),
        ("MGV183", INFO),
        ("MGV183", INFO),
    ),
    Case(
        "team",
        _top("team", {"name": "checkout-team", "members": [{"username": "bob", "role": "owner"}]}),
        ("MGV184", INFO),
        ("MGV184", INFO),
    ),
    Case("status", _top("status", "deprecated"), ("MGV186", INFO), ("MGV186", INFO)),
    Case("purpose", _top("description", {"purpose": "Orders."}), ("MGV181", INFO), ("MGV181", INFO)),
]


#: every change of every case, reviewed by hand against docs/versioning.md (one entry per case and
#: direction); a change to a message or a pointer shows here first
EXACT: dict[str, list[list[Any]]] = json.loads((FIXTURES / "changes-exact.json").read_text(encoding="utf-8"))


def _changes(old: Doc, new: Doc, perspective: str) -> list[Change]:
    return diff_contracts(contract(old, "old.odcs.yaml"), contract(new), perspective)


def _verdict(changes: list[Change]) -> str:
    kinds = {c.kind for c in changes}
    return B if B in kinds else N if N in kinds else INFO


def _docs(case: Case, direction: str) -> tuple[Doc, Doc]:
    base = base_doc()
    mutated = base_doc()
    case.mutate(mutated)
    return (base, mutated) if direction == "forward" else (mutated, base)


parse_ahead(_docs(c, d) for c in CASES for d in ("forward", "backward"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_change_is_classified(case: Case, direction: str) -> None:
    old, new = _docs(case, direction)
    rule_id, kind = case.forward if direction == "forward" else case.backward
    changes = _changes(old, new, case.perspective)
    found = [(c.rule_id, c.kind) for c in changes]
    assert (rule_id, kind) in found, found
    # the verdict of the whole diff is the class of the expected change
    assert _verdict(changes) == kind, found
    assert CHANGE_RULES[rule_id].kind(case.perspective) == kind
    # and every change, exactly: rule, class, pointer, message, line, old and new values, field
    rows = [[c.rule_id, str(c.kind), c.path, c.message, c.line, c.old, c.new, c.field] for c in changes]
    assert json.loads(json.dumps(rows)) == EXACT[f"{case.name} [{direction}]"]


def test_table_covers_enough_cases_and_rules() -> None:
    assert len(CASES) >= 40
    used = {r for c in CASES for r, _ in (c.forward, c.backward)}
    assert len(used) >= 40


def test_identical_contracts_have_no_changes() -> None:
    assert _changes(base_doc(), base_doc(), "consumer") == []


def test_rename_through_id_is_not_a_removal() -> None:
    new = base_doc()
    prop(new, "shipping")["name"] = "delivery"
    changes = _changes(base_doc(), new, "consumer")
    ids = [c.rule_id for c in changes]
    assert ids == ["MGV113"], ids  # children follow their renamed parent
    assert changes[0].field == "orders.delivery"


def test_without_ids_a_rename_is_a_removal_and_an_addition() -> None:
    old, new = base_doc(), base_doc()
    for d in (old, new):
        for p in schema(d)["properties"]:
            p.pop("id", None)
    prop(new, "quantity")["name"] = "qty"
    ids = sorted(c.rule_id for c in _changes(old, new, "consumer"))
    assert ids == ["MGV110", "MGV111"]


def test_path_and_line_point_into_the_new_file() -> None:
    new = base_doc()
    prop(new, "quantity")["physicalType"] = "bigint"
    (change,) = _changes(base_doc(), new, "consumer")
    text = dump(new).splitlines()
    assert change.line is not None
    assert text[change.line - 1].strip() == "physicalType: bigint"
    assert change.path == "/schema/0/properties/4/physicalType"
    assert (change.old, change.new) == ("int", "bigint")


def test_removed_property_points_at_the_surviving_parent() -> None:
    new = base_doc()
    remove_prop(new, "quantity")
    (change,) = _changes(base_doc(), new, "consumer")
    assert change.path == "/schema/0/properties/4"  # in the old document
    assert change.line is not None
    assert dump(new).splitlines()[change.line - 1].strip() == "properties:"


def test_masked_property_values_are_not_shown() -> None:
    old, new = base_doc(), base_doc()
    for d, values in ((old, ["a@example.com", "b@example.com"]), (new, ["a@example.com"])):
        prop(d, "customer_email")["quality"] = [
            {"metric": "invalidValues", "arguments": {"validValues": values}, "mustBe": 0}
        ]
    (change,) = _changes(old, new, "consumer")
    assert change.rule_id == "MGV140"
    assert "b@example.com" not in change.message and change.old is None


def test_to_dict_carries_kind_path_severity_and_bump() -> None:
    new = base_doc()
    remove_prop(new, "quantity")
    (change,) = _changes(base_doc(), new, "consumer")
    d = change.to_dict()
    assert (d["kind"], d["severity"], d["bump"]) == ("breaking", "error", "major")
    assert d["path"] == "/schema/0/properties/4" and d["rule_id"] == "MGV110"


def test_unknown_perspective_is_bad_input() -> None:
    from meshguard.errors import UsageError

    with pytest.raises(UsageError) as raised:
        diff_contracts(contract(base_doc()), contract(base_doc()), "auditor")
    assert str(raised.value) == "unknown perspective 'auditor' (expected consumer or producer)"
