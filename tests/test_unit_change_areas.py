"""The change areas the classification table does not reach, in-process: metadata, other
options, service-level details and directions, servers' descriptions, quality descriptions,
top-level keys. Each edit gives exactly these changes (rule, class, pointer, message)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from meshguard.contracts.model import Contract
from meshguard.results.model import Change
from meshguard.sensitivity import SensitivityMap
from meshguard.versioning import rules
from meshguard.versioning.areas.base import compare, short
from meshguard.versioning.areas.service import _sla_value
from meshguard.versioning.diff import diff_contracts, summary
from meshguard.yamlio import LineMap
from versioning_helpers import base_doc, contract, parse_ahead, prop, schema, sla

Doc = dict[str, Any]


def _opts(name: str, **kw: Any) -> Callable[[Doc], None]:
    def go(d: Doc) -> None:
        prop(d, name).setdefault("logicalTypeOptions", {}).update(kw)

    return go


def _each(*edits: Callable[[Doc], None]) -> Callable[[Doc], None]:
    def go(d: Doc) -> None:
        for e in edits:
            e(d)

    return go


EDITS: list[tuple[str, Callable[[Doc], None]]] = [
    ("businessName", lambda d: prop(d, "amount").update(businessName="Gross")),
    (
        "customProperties",
        lambda d: prop(d, "amount").update(customProperties=[{"property": "x", "value": 1}]),
    ),
    ("schema description", lambda d: schema(d).update(description="All orders.")),
    ("granularity", lambda d: schema(d).update(dataGranularityDescription="One row per order.")),
    ("schema tags", lambda d: schema(d).update(tags=["sales"])),
    ("schema physicalType", lambda d: schema(d).update(physicalType="view")),
    ("multipleOf", _opts("amount", multipleOf=0.01)),
    ("format dropped", lambda d: prop(d, "customer_email")["logicalTypeOptions"].pop("format")),
    ("other option", _opts("amount", precisionHint=2)),
    ("minimum not comparable", _opts("amount", minimum="low")),
    ("quality description", lambda d: schema(d)["quality"][0].update(description="At least one row.")),
    ("sla details", lambda d: sla(d, "freshness").update(description="daily")),
    ("sla value not comparable", lambda d: sla(d, "freshness").update(value="soon")),
    ("sla of no known direction", lambda d: d["slaProperties"].append({"property": "colour", "value": 1})),
    ("server description", lambda d: d["servers"][1].update(description="the warehouse")),
    ("domain", lambda d: d.update(domain="shop")),
    ("apiVersion", lambda d: d.update(apiVersion="v3.0.2")),
    ("dataProduct", lambda d: d.update(dataProduct="sales")),
    ("name", lambda d: d.update(name="Sales orders")),
    ("a key with / and ~", lambda d: prop(d, "amount").update({"x/y~z": 1})),
    ("tenant", lambda d: d.update(tenant="acme")),
    ("custom top-level key", lambda d: d.update(customProperties=[{"property": "a", "value": 1}])),
    (
        "two tags",
        _each(
            lambda d: prop(d, "amount").update(tags=["a"]), lambda d: prop(d, "quantity").update(tags=["b"])
        ),
    ),
]


EXPECTED: dict[str, list[tuple[str, str, str, str]]] = dict(
    [
        (
            "businessName",
            [
                (
                    "MGV181",
                    "informational",
                    "/schema/0/properties/3/businessName",
                    "orders.amount: businessName changed",
                ),
            ],
        ),
        (
            "customProperties",
            [
                (
                    "MGV189",
                    "informational",
                    "/schema/0/properties/3/customProperties",
                    "orders.amount: customProperties changed",
                ),
            ],
        ),
        (
            "schema description",
            [
                ("MGV181", "informational", "/schema/0/description", "orders: description changed"),
            ],
        ),
        (
            "granularity",
            [
                (
                    "MGV181",
                    "informational",
                    "/schema/0/dataGranularityDescription",
                    "orders: dataGranularityDescription changed",
                ),
            ],
        ),
        (
            "schema tags",
            [
                ("MGV180", "informational", "/schema/0/tags", "orders: tags changed from None to ['sales']"),
            ],
        ),
        (
            "schema physicalType",
            [
                (
                    "MGV105",
                    "informational",
                    "/schema/0/physicalType",
                    "orders: physicalType changed from 'table' to 'view'",
                ),
            ],
        ),
        (
            "multipleOf",
            [
                (
                    "MGV146",
                    "breaking",
                    "/schema/0/properties/3/logicalTypeOptions/multipleOf",
                    "orders.amount: multipleOf 0.01 added",
                ),
            ],
        ),
        (
            "format dropped",
            [
                (
                    "MGV147",
                    "non-breaking",
                    "/schema/0/properties/2/logicalTypeOptions",
                    "orders.customer_email: format 'email' removed",
                ),
            ],
        ),
        (
            "other option",
            [
                (
                    "MGV149",
                    "informational",
                    "/schema/0/properties/3/logicalTypeOptions/precisionHint",
                    "orders.amount: logicalTypeOptions.precisionHint changed",
                ),
            ],
        ),
        (
            "minimum not comparable",
            [
                (
                    "MGV146",
                    "breaking",
                    "/schema/0/properties/3/logicalTypeOptions/minimum",
                    "orders.amount: minimum changed from 0 to 'low'",
                ),
            ],
        ),
        (
            "quality description",
            [
                (
                    "MGV181",
                    "informational",
                    "/schema/0/quality/0",
                    "orders: quality rule 'At least one row.' description changed",
                ),
            ],
        ),
        (
            "sla details",
            [
                ("MGV189", "informational", "/slaProperties/0", "service level 'freshness': details changed"),
            ],
        ),
        (
            "sla value not comparable",
            [
                (
                    "MGV204",
                    "non-breaking",
                    "/slaProperties/0/value",
                    "service level changed: freshness: 1 d → soon d",
                ),
            ],
        ),
        (
            "sla of no known direction",
            [
                ("MGV203", "non-breaking", "/slaProperties/3", "service level 'colour' added"),
            ],
        ),
        (
            "server description",
            [
                (
                    "MGV189",
                    "informational",
                    "/servers/1/description",
                    "server 'warehouse': description changed",
                ),
            ],
        ),
        (
            "domain",
            [
                ("MGV189", "informational", "/domain", "domain changed from 'ecommerce' to 'shop'"),
            ],
        ),
        (
            "apiVersion",
            [
                ("MGV189", "informational", "/apiVersion", "apiVersion changed from 'v3.1.0' to 'v3.0.2'"),
            ],
        ),
        (
            "dataProduct",
            [
                ("MGV189", "informational", "/dataProduct", "dataProduct changed from 'orders' to 'sales'"),
            ],
        ),
        (
            "name",
            [
                ("MGV189", "informational", "/name", "name changed from 'Orders' to 'Sales orders'"),
            ],
        ),
        (
            "a key with / and ~",  # escaped in the JSON pointer
            [
                (
                    "MGV189",
                    "informational",
                    "/schema/0/properties/3/x~1y~0z",
                    "orders.amount: x/y~z changed",
                ),
            ],
        ),
        (
            "tenant",
            [
                ("MGV189", "informational", "/tenant", "tenant changed from None to 'acme'"),
            ],
        ),
        (
            "custom top-level key",
            [
                ("MGV189", "informational", "/customProperties", "customProperties changed"),
            ],
        ),
        (
            "two tags",
            [
                (
                    "MGV180",
                    "informational",
                    "/schema/0/properties/3/tags",
                    "orders.amount: tags changed from None to ['a']",
                ),
                (
                    "MGV180",
                    "informational",
                    "/schema/0/properties/4/tags",
                    "orders.quantity: tags changed from None to ['b']",
                ),
            ],
        ),
    ]
)


def _edited(edit: Callable[[Doc], None]) -> tuple[Doc, Doc]:
    old, new = base_doc(), base_doc()
    edit(new)
    return old, new


parse_ahead(_edited(edit) for _, edit in EDITS)


@pytest.mark.parametrize(("name", "edit"), EDITS, ids=[n for n, _ in EDITS])
def test_each_edit_gives_exactly_its_changes(name: str, edit: Callable[[Doc], None]) -> None:
    old, new = _edited(edit)
    changes = diff_contracts(contract(old, "old.odcs.yaml"), contract(new))
    assert [(c.rule_id, str(c.kind), c.path, c.message) for c in changes] == EXPECTED[name]


def test_summary_counts_each_class() -> None:
    old, new = base_doc(), base_doc()
    prop(new, "amount").update(tags=["a"], logicalTypeOptions={"multipleOf": 0.5})
    new["slaProperties"].append({"property": "colour", "value": 1})
    changes = diff_contracts(contract(old, "old.odcs.yaml"), contract(new))
    # multipleOf added; minimum and maximum dropped with the old options, a service level added; a tag
    assert summary(changes) == {"breaking": 1, "non-breaking": 3, "informational": 1}
    assert summary([]) == {"breaking": 0, "non-breaking": 0, "informational": 0}


def test_a_change_rule_is_built_with_its_class_per_perspective() -> None:
    # the catalogue is built at import, before any test: build one here so the helper is checked too
    rule = rules._r("MGV999", "probe-changed", "non-breaking", "A probe changed", producer="breaking")
    assert (rule.id, rule.name, rule.severity, rule.title, rule.producer) == (
        "MGV999",
        "probe-changed",
        "non-breaking",
        "A probe changed",
        "breaking",
    )
    assert (rule.kind("consumer"), rule.kind("producer")) == ("non-breaking", "breaking")
    same = rules._r("MGV998", "probe-removed", "breaking", "A probe was removed")
    assert (same.producer, same.kind("consumer"), same.kind("producer")) == (None, "breaking", "breaking")


def _diff(edit_old: Callable[[Doc], None], edit_new: Callable[[Doc], None]) -> list[tuple[str, str]]:
    old, new = base_doc(), base_doc()
    edit_old(old)
    edit_new(new)
    return [(c.rule_id, c.message) for c in diff_contracts(contract(old, "old.odcs.yaml"), contract(new))]


def _quality(*rows: dict[str, Any]) -> Callable[[Doc], None]:
    return lambda d: schema(d).update(quality=list(rows))


def test_quality_rules_are_matched_by_id_then_name_then_kind() -> None:
    # the same id: a renamed rule is the same rule
    renamed = _diff(
        _quality({"id": "r1", "name": "a", "metric": "rowCount", "mustBeGreaterThan": 0}),
        _quality({"id": "r1", "name": "b", "metric": "rowCount", "mustBeGreaterThan": 0}),
    )
    assert renamed == [("MGV181", "orders: quality rule 'b' description changed")]
    # no id: by name (an id that is no string does not count)
    by_name = _diff(
        _quality({"id": 5, "name": "a", "metric": "rowCount"}, {"name": "b", "metric": "rowCount"}),
        _quality({"id": 5, "name": "a", "metric": "rowCount"}),
    )
    assert by_name == [("MGV161", "orders: quality rule 'b' removed")]
    # no name either: by kind and query
    by_kind = _diff(
        _quality({"metric": "rowCount"}, {"type": "sql", "query": "select 1"}),
        _quality({"type": "sql", "query": "select 1"}),
    )
    assert by_kind == [("MGV161", "orders: quality rule 'orders.rowCount.0' removed")]  # its generated name


def test_quality_rules_without_an_id_are_not_paired_by_position() -> None:
    # the first of two named rules removed: the second moves up, and is still the same rule
    # (a rule without an id is known by an id made from its position, which must not pair it)
    first_removed = _diff(
        _quality(
            {"name": "a", "metric": "rowCount", "mustBeGreaterThan": 0},
            {"name": "b", "metric": "rowCount", "mustBeLessThan": 100},
        ),
        _quality({"name": "b", "metric": "rowCount", "mustBeLessThan": 100}),
    )
    assert first_removed == [("MGV161", "orders: quality rule 'a' removed")]
    # different ids, the same name: two different rules
    new_id = _diff(
        _quality({"id": "r1", "name": "a", "metric": "rowCount", "mustBeGreaterThan": 0}),
        _quality({"id": "r2", "name": "a", "metric": "rowCount", "mustBeGreaterThan": 0}),
    )
    assert new_id == [
        ("MGV161", "orders: quality rule 'a' removed"),  # on the line of the schema object
        ("MGV160", "orders: quality rule 'a' added"),
    ]
    # a name that is no string does not name the rule: matched by its kind
    odd_name = _diff(
        _quality({"metric": "rowCount"}, {"name": 7, "metric": "nullValues", "mustBe": 0}),
        _quality({"name": 7, "metric": "nullValues", "mustBe": 1}),
    )
    assert odd_name == [
        ("MGV161", "orders: quality rule 'orders.rowCount.0' removed"),
        ("MGV162", "orders: quality rule 'orders.nullValues.0' changed"),
    ]


def test_removed_elements_point_at_their_list_or_at_no_line_without_positions() -> None:
    old, new = base_doc(), base_doc()
    del new["servers"], new["slaProperties"]
    with_lines = contract(new)
    # built from a document, not read from a file: no positions at all
    bare = Contract("new.odcs.yaml", with_lines.doc, LineMap(), SensitivityMap())
    expected = [
        ("MGV202", "/slaProperties/0", "service level 'freshness' removed"),
        ("MGV202", "/slaProperties/1", "service level 'retention' removed"),
        ("MGV202", "/slaProperties/2", "service level 'latency' removed"),
        ("MGV210", "/servers/0", "server 'sample' removed"),
        ("MGV210", "/servers/1", "server 'warehouse' removed"),
    ]
    # the list is gone from the new file: the top of the file
    found = diff_contracts(contract(old, "old.odcs.yaml"), with_lines)
    assert [(c.rule_id, c.path, c.message, c.line) for c in found] == [(*e, 1) for e in expected]
    found = diff_contracts(contract(old, "old.odcs.yaml"), bare)
    assert [(c.rule_id, c.path, c.message, c.line) for c in found] == [(*e, None) for e in expected]


def test_schema_objects_without_ids_are_matched_by_name() -> None:
    def two(d: Doc) -> None:
        d["schema"].append(
            {"name": "order_lines", "properties": [{"name": "line_id", "logicalType": "string"}]}
        )

    def no_ids(d: Doc) -> None:
        for s in d["schema"]:
            s.pop("id", None)

    def lines_only(d: Doc) -> None:
        two(d)
        no_ids(d)
        d["schema"] = [s for s in d["schema"] if s["name"] == "order_lines"]

    assert _diff(_each(two, no_ids), lines_only) == [("MGV101", "schema object 'orders' removed")]


def test_unnamed_quality_rules_are_matched_by_kind_and_query_or_description() -> None:
    # a rule in front shifts the generated ids (``orders.sql.1`` → ``orders.sql.0``), so each rule
    # is found again by its kind (metric, else type) and its query, else its description
    by_query = _diff(
        _quality(
            {"metric": "rowCount"},
            {"type": "sql", "query": "select 1", "mustBe": 0},
            {"type": "sql", "query": "select 2", "mustBe": 0},
        ),
        _quality({"type": "sql", "query": "select 2", "mustBe": 0}),
    )
    assert by_query == [
        ("MGV161", "orders: quality rule 'orders.rowCount.0' removed"),
        ("MGV161", "orders: quality rule 'orders.sql.1' removed"),
    ]
    by_metric = _diff(
        _quality({"metric": "rowCount", "mustBeGreaterThan": 0}, {"metric": "duplicateCount", "mustBe": 0}),
        _quality({"metric": "duplicateCount", "mustBe": 0}),
    )
    assert by_metric == [("MGV161", "orders: quality rule 'orders.rowCount.0' removed")]
    by_description = _diff(
        _quality(
            {"metric": "rowCount"},
            {"type": "text", "description": "Reviewed weekly."},
            {"type": "text", "description": "Signed off."},
        ),
        _quality({"type": "text", "description": "Signed off."}),
    )
    assert by_description == [
        ("MGV161", "orders: quality rule 'orders.rowCount.0' removed"),
        ("MGV161", "orders: quality rule 'Reviewed weekly.' removed"),
    ]
    # a rule with neither query nor description matches only another such rule of its kind
    bare = _diff(
        _quality({"metric": "rowCount"}, {"type": "text", "description": "XXXX"}, {"type": "text"}),
        _quality({"type": "text"}),
    )
    assert bare == [
        ("MGV161", "orders: quality rule 'orders.rowCount.0' removed"),
        ("MGV161", "orders: quality rule 'XXXX' removed"),
    ]


def test_a_classification_of_no_known_level_changes_without_direction() -> None:
    changed = _diff(
        lambda d: prop(d, "amount").update(classification="top-secret-ish"),
        lambda d: prop(d, "amount").update(classification="internal"),
    )
    assert changed == [("MGV174", "orders.amount: classification 'top-secret-ish' → 'internal'")]


def test_summary_counts_a_class_it_does_not_know_too() -> None:
    odd = Change("MGV189", "cosmetic", "/x", "m")
    assert summary([odd, odd]) == {"breaking": 0, "non-breaking": 0, "informational": 0, "cosmetic": 2}


def test_long_values_are_shortened_in_messages() -> None:
    long = "^" + "a" * 100 + "$"
    (msg,) = [
        m
        for _, m in _diff(
            lambda d: None, lambda d: prop(d, "coupon_code")["logicalTypeOptions"].update(pattern=long)
        )
    ]
    assert msg == "orders.coupon_code: pattern changed: '" + long[:79] + "…'"
    assert short("x" * 80) == "x" * 80 and short("x" * 81) == "x" * 79 + "…" and short(3) == "3"


@pytest.mark.parametrize(
    ("value", "unit", "seconds"),
    [
        ("2 d", None, 172800.0),
        ("24h", None, 86400.0),
        (" 1.5 d ", "h", 5400.0),  # the declared unit wins over the one in the value
        ("3", "min", 180.0),
        (5, "Weeks", 3024000.0),
        ("7 parsecs", None, 7.0),  # a unit we do not know: the number as written
        ("-2", None, -2.0),
        ("soon", None, None),
        (True, None, None),
    ],
)
def test_service_level_values_in_seconds(value: Any, unit: str | None, seconds: float | None) -> None:
    assert _sla_value(value, unit, "freshness") == seconds


@pytest.mark.parametrize(
    ("a", "b", "order"),
    [
        ("2026-01-02", "2026-01-01", 1),
        ("2026-01-01", "2026-01-02", -1),
        ("2026-01-01", "2026-01-01", 0),
        ("10", 9, 1),
        (2, 2.0, 0),
        (True, 1, None),
        ("a", None, None),
    ],
)
def test_bounds_compare_as_numbers_then_as_text(a: Any, b: Any, order: int | None) -> None:
    assert compare(a, b) == order


def _options(name: str, **kw: Any) -> Callable[[Doc], None]:
    def go(d: Doc) -> None:
        prop(d, name)["logicalTypeOptions"] = dict(kw)

    return go


def _changes(edit_old: Callable[[Doc], Any], edit_new: Callable[[Doc], Any]) -> list[tuple[str, str, str]]:
    old, new = base_doc(), base_doc()
    edit_old(old)
    edit_new(new)
    changes = diff_contracts(contract(old, "old.odcs.yaml"), contract(new))
    return [(c.rule_id, c.path, c.message) for c in changes]


OPTS = "/schema/0/properties/{}/logicalTypeOptions"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            {"multipleOf": 0.01},
            {"multipleOf": 0.02},
            [("MGV146", "/multipleOf", "multipleOf changed from 0.01 to 0.02")],
            id="a step changed is a narrowing whichever way",
        ),
        pytest.param(
            {"maxLength": 200},
            {"maxLength": "big"},
            [("MGV146", "/maxLength", "maxLength narrowed from 200 to 'big'")],
            id="a length no longer comparable",
        ),
        pytest.param(
            {"minLength": 6},
            {"minLength": "6"},
            [("MGV147", "/minLength", "minLength widened from 6 to '6'")],
            id="a lower length respelled",
        ),
        pytest.param(
            {"maxLength": 200},
            {"maxLength": "200"},
            [("MGV147", "/maxLength", "maxLength widened from 200 to '200'")],
            id="an upper length respelled",
        ),
        pytest.param(
            {"maxLength": 200},
            {"maxLength": None},
            [("MGV147", "/maxLength", "maxLength 200 removed")],
            id="a length set to null points at its key",
        ),
        pytest.param(
            {"maxLength": 200},
            {},
            [("MGV147", "", "maxLength 200 removed")],
            id="a length dropped points at the options",
        ),
        pytest.param(
            {"maximum": 100},
            {"exclusiveMaximum": 100},
            [("MGV146", "/exclusiveMaximum", "narrowed: maximum 100 → exclusiveMaximum 100")],
            id="an upper bound made exclusive",
        ),
        pytest.param(
            {"exclusiveMaximum": 100},
            {"maximum": 100},
            [("MGV147", "/maximum", "widened: exclusiveMaximum 100 → maximum 100")],
            id="an upper bound made inclusive",
        ),
        pytest.param(
            {"exclusiveMinimum": 0, "minimum": 5},
            {"exclusiveMinimum": 1, "minimum": 0},
            [("MGV146", "/exclusiveMinimum", "narrowed: exclusiveMinimum 0 → exclusiveMinimum 1")],
            id="the exclusive bound of a pair counts",
        ),
        pytest.param(
            {"maximum": 10},
            {},
            [("MGV147", "/maximum", "maximum 10 removed")],
            id="an upper bound removed",
        ),
        pytest.param(
            {},
            {"timezone": "UTC"},
            [("MGV148", "/timezone", "timezone added 'UTC'")],
            id="a timezone added",
        ),
        pytest.param(
            {"defaultTimezone": "UTC"},
            {"defaultTimezone": "Europe/Paris"},
            [("MGV148", "/defaultTimezone", "defaultTimezone changed from 'UTC' to 'Europe/Paris'")],
            id="a default timezone changed",
        ),
        pytest.param(
            {"enum": ["A", "B"]},
            {"enum": ["A"]},
            [("MGV140", "/enum", "allowed value(s) removed: 'B'")],
            id="allowed values in the options",
        ),
    ],
)
def test_each_option_edit_gives_exactly_its_changes(
    old: dict[str, Any], new: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    # on a property without other options: the coupon code, with its pattern dropped on both sides
    path = OPTS.format(6)
    assert _changes(_options("coupon_code", **old), _options("coupon_code", **new)) == [
        (rule, path + suffix, "orders.coupon_code: " + message) for rule, suffix, message in expected
    ]


def _items(type_: str) -> Callable[[Doc], None]:
    def go(d: Doc) -> None:
        schema(d)["properties"].append(
            {"id": "labels_prop", "name": "labels", "logicalType": "array", "items": {"logicalType": type_}}
        )

    return go


def _remove_props(*names: str) -> Callable[[Doc], None]:
    def go(d: Doc) -> None:
        schema(d)["properties"] = [p for p in schema(d)["properties"] if p["name"] not in names]

    return go


def _array_of_objects(d: Doc) -> None:
    schema(d)["properties"].append(
        {
            "id": "lines_prop",
            "name": "lines",
            "logicalType": "array",
            "items": {"logicalType": "object", "properties": [{"name": "sku", "logicalType": "string"}]},
        }
    )


@pytest.mark.parametrize(
    ("edit_old", "edit_new", "expected"),
    [
        pytest.param(
            _items("string"),
            _items("integer"),
            [
                (
                    "MGV120",
                    "/schema/0/properties/9/items/logicalType",
                    "orders.labels: items logicalType changed (incompatible) from 'string' to 'integer'",
                )
            ],
            id="the type of an array's items",
        ),
        pytest.param(
            lambda d: _items("string")(d) or prop(d, "labels").pop("items"),
            _items("string"),
            [
                (
                    "MGV121",
                    "/schema/0/properties/9/items/logicalType",
                    "orders.labels: items logicalType declared (None → 'string')",
                )
            ],
            id="items typed where they were not",
        ),
        pytest.param(
            _items("string"),
            lambda d: _items("string")(d) or prop(d, "labels").update(items="string"),
            [
                (
                    "MGV122",
                    "/schema/0/properties/9/items/logicalType",
                    "orders.labels: items logicalType dropped ('string' → None)",
                )
            ],
            id="items no longer typed",
        ),
        pytest.param(
            lambda d: None,
            _remove_props("shipping"),
            [("MGV110", "/schema/0/properties/8", "property orders.shipping removed")],
            id="an object removed with its properties: one change",
        ),
        pytest.param(
            _array_of_objects,
            lambda d: None,
            [("MGV110", "/schema/0/properties/9", "property orders.lines removed")],
            id="an array of objects removed with its items' properties: one change",
        ),
        pytest.param(
            _remove_props("shipping"),
            lambda d: None,
            [("MGV111", "/schema/0/properties/8", "optional property orders.shipping added")],
            id="an object added with its properties: one change",
        ),
        pytest.param(
            lambda d: None,
            _array_of_objects,
            [("MGV111", "/schema/0/properties/9", "optional property orders.lines added")],
            id="an array of objects added with its items' properties: one change",
        ),
        pytest.param(
            lambda d: None,
            lambda d: schema(d).update(logicalType="object"),
            [("MGV105", "/schema/0/logicalType", "orders: logicalType changed from None to 'object'")],
            id="a schema object's logical type",
        ),
        pytest.param(
            lambda d: None,
            lambda d: prop(d, "order_id").update(name="id"),
            [("MGV113", "/schema/0/properties/0/name", "property orders.order_id renamed to orders.id")],
            id="a key renamed stays the key",
        ),
        pytest.param(
            lambda d: None,
            lambda d: prop(d, "customer_id").update(name="client_id"),
            [
                (
                    "MGV113",
                    "/schema/0/properties/1/name",
                    "property orders.customer_id renamed to orders.client_id",
                )
            ],
            id="a relationship follows its renamed property",
        ),
        pytest.param(
            lambda d: schema(d).update(
                relationships=[{"from": "customer_id", "to": "customers.customer_id"}]
            ),
            lambda d: (
                prop(d, "customer_id").update(name="client_id"),
                schema(d).update(relationships=[{"from": "client_id", "to": "customers.customer_id"}]),
            ),
            [
                (
                    "MGV113",
                    "/schema/0/properties/1/name",
                    "property orders.customer_id renamed to orders.client_id",
                )
            ],
            id="a schema's relationship follows a renamed column",
        ),
        pytest.param(
            lambda d: None,
            lambda d: prop(d, "customer_id")["relationships"][0].update(type="reference"),
            [
                (
                    "MGV152",
                    "/schema/0/properties/1/relationships/0",
                    "relationship orders.customer_id now points to customers.customer_id"
                    " (was customers.customer_id)",
                )
            ],
            id="a relationship of another type",
        ),
        pytest.param(
            lambda d: None,
            lambda d: prop(d, "order_id").update(primaryKey=False),
            [
                ("MGV134", "/schema/0", "orders: primary key changed from ['order_id'] to none"),
            ],
            id="the primary key dropped",
        ),
        pytest.param(
            lambda d: prop(d, "order_id").update(primaryKey=False),
            lambda d: None,
            [
                ("MGV134", "/schema/0", "orders: primary key changed from none to ['order_id']"),
            ],
            id="a primary key declared",
        ),
        pytest.param(
            lambda d: None,
            lambda d: (
                prop(d, "order_id").pop("primaryKeyPosition"),
                prop(d, "customer_id").update(primaryKey=True, primaryKeyPosition=1),
            ),
            [
                (
                    "MGV134",
                    "/schema/0",
                    "orders: primary key changed from ['order_id'] to ['customer_id', 'order_id']",
                ),
            ],
            id="a key column without a position comes last",
        ),
        pytest.param(
            lambda d: None,
            lambda d: (
                prop(d, "order_id").pop("primaryKeyPosition"),
                prop(d, "customer_id").update(primaryKey=True, primaryKeyPosition=2_000_000),
            ),
            [
                (
                    "MGV134",
                    "/schema/0",
                    "orders: primary key changed from ['order_id'] to ['customer_id', 'order_id']",
                ),
            ],
            id="after any position",
        ),
        pytest.param(
            lambda d: prop(d, "order_id").pop("primaryKeyPosition"),
            lambda d: (
                prop(d, "order_id").pop("primaryKeyPosition"),
                prop(d, "amount").update(primaryKey=True),
                prop(d, "customer_id").update(primaryKey=True),
            ),
            [
                (
                    "MGV134",
                    "/schema/0",
                    "orders: primary key changed from ['order_id'] to ['order_id', 'customer_id', 'amount']",
                ),
            ],
            id="key columns without positions in document order",
        ),
    ],
)
def test_each_property_edit_gives_exactly_its_changes(
    edit_old: Callable[[Doc], Any], edit_new: Callable[[Doc], Any], expected: list[tuple[str, str, str]]
) -> None:
    assert _changes(edit_old, edit_new) == expected


def _valid(name: str, values: Any) -> Callable[[Doc], None]:
    def go(d: Doc) -> None:
        prop(d, name)["quality"] = [
            {"metric": "invalidValues", "arguments": {"validValues": values}, "mustBe": 0}
        ]

    return go


def _plain_email(d: Doc) -> None:
    prop(d, "customer_email").update(tags=[], classification="internal")


EMAIL = "/schema/0/properties/2"


@pytest.mark.parametrize(
    ("edit_old", "edit_new", "expected"),
    [
        pytest.param(
            lambda d: None,
            _valid("customer_email", ["a@example.com", "b@example.com"]),
            [
                (
                    "MGV142",
                    EMAIL + "/quality/0/arguments/validValues",
                    "orders.customer_email: allowed values introduced (2 values)",
                    None,
                    None,
                )
            ],
            id="allowed values of personal data introduced: counted, not shown",
        ),
        pytest.param(
            _valid("customer_email", ["a@example.com"]),
            _valid("customer_email", ["a@example.com", "b@example.com", "c@example.com"]),
            [
                (
                    "MGV141",
                    EMAIL + "/quality/0/arguments/validValues",
                    "orders.customer_email: allowed value(s) added: 2 value(s)",
                    None,
                    None,
                )
            ],
            id="allowed values of personal data added",
        ),
        pytest.param(
            _valid("customer_email", ["a@example.com", "b@example.com"]),
            _each(_plain_email, _valid("customer_email", ["a@example.com"])),
            [
                ("MGV172", EMAIL, "orders.customer_email: sensitive category removed: pii", ["pii"], None),
                (
                    "MGV170",
                    EMAIL + "/classification",
                    "orders.customer_email: classification 'restricted' → 'internal'",
                    "restricted",
                    "internal",
                ),
                (
                    "MGV180",
                    EMAIL + "/tags",
                    "orders.customer_email: tags changed from ['pii'] to []",
                    ["pii"],
                    [],
                ),
                (
                    "MGV140",
                    EMAIL + "/quality/0/arguments/validValues",
                    "orders.customer_email: allowed value(s) removed: 1 value(s)",
                    None,
                    None,
                ),
            ],
            id="values stay hidden when only the old version was personal data",
        ),
        pytest.param(
            _each(_plain_email, _valid("customer_email", ["a@example.com"])),
            _valid("customer_email", ["a@example.com", "b@example.com"]),
            [
                ("MGV173", EMAIL, "orders.customer_email: sensitive category added: pii", None, ["pii"]),
                (
                    "MGV171",
                    EMAIL + "/classification",
                    "orders.customer_email: classification 'internal' → 'restricted'",
                    "internal",
                    "restricted",
                ),
                (
                    "MGV180",
                    EMAIL + "/tags",
                    "orders.customer_email: tags changed from [] to ['pii']",
                    [],
                    ["pii"],
                ),
                (
                    "MGV141",
                    EMAIL + "/quality/0/arguments/validValues",
                    "orders.customer_email: allowed value(s) added: 1 value(s)",
                    None,
                    None,
                ),
            ],
            id="values stay hidden when only the new version is personal data",
        ),
        pytest.param(
            lambda d: prop(d, "status")["quality"][0].update(validValues=["placed"], arguments=None),
            lambda d: prop(d, "status")["quality"][0].update(validValues=["placed", "paid"], arguments=None),
            [
                (
                    "MGV141",
                    "/schema/0/properties/5/quality/0/validValues",
                    "orders.status: allowed value(s) added: 'paid'",
                    None,
                    ["paid"],
                )
            ],
            id="allowed values written on the rule itself",
        ),
        pytest.param(
            _valid("status", "placed"),
            _valid("status", "paid"),
            [
                (
                    "MGV162",
                    "/schema/0/properties/5/quality/0",
                    "orders.status: quality rule 'orders.status.invalidValues.0' changed",
                    None,
                    None,
                )
            ],
            id="allowed values that are no list: a quality rule like another",
        ),
        pytest.param(
            _valid("status", ["placed"]),
            _valid("status", ["placed", "paid"]),
            [
                (
                    "MGV141",
                    "/schema/0/properties/5/quality/0/arguments/validValues",
                    "orders.status: allowed value(s) added: 'paid'",
                    None,
                    ["paid"],
                )
            ],
            id="allowed values of other data are shown",
        ),
        pytest.param(
            lambda d: prop(d, "status").pop("quality"),
            _valid("status", ["placed", 2]),
            [
                (
                    "MGV142",
                    "/schema/0/properties/5/quality/0/arguments/validValues",
                    "orders.status: allowed values introduced (placed, 2)",
                    None,
                    ["placed", 2],
                )
            ],
            id="allowed values introduced are shown",
        ),
        pytest.param(
            lambda d: None,
            lambda d: prop(d, "customer_email").update(tags=["phi"]),
            [
                (
                    "MGV173",
                    EMAIL,
                    "orders.customer_email: sensitive categories added: phi, special",
                    None,
                    ["phi", "special"],
                ),
                (
                    "MGV180",
                    EMAIL + "/tags",
                    "orders.customer_email: tags changed from ['pii'] to ['phi']",
                    ["pii"],
                    ["phi"],
                ),
            ],
            id="two categories added",
        ),
        pytest.param(
            lambda d: prop(d, "customer_email").update(tags=["phi"]),
            lambda d: None,
            [
                (
                    "MGV172",
                    EMAIL,
                    "orders.customer_email: sensitive categories removed: phi, special",
                    ["phi", "special"],
                    None,
                ),
                (
                    "MGV180",
                    EMAIL + "/tags",
                    "orders.customer_email: tags changed from ['phi'] to ['pii']",
                    ["phi"],
                    ["pii"],
                ),
            ],
            id="two categories removed",
        ),
        pytest.param(
            lambda d: None,
            lambda d: prop(d, "customer_email").update(classification="confidential-ish"),
            [
                (
                    "MGV174",
                    EMAIL + "/classification",
                    "orders.customer_email: classification 'restricted' → 'confidential-ish'",
                    "restricted",
                    "confidential-ish",
                )
            ],
            id="a known classification to an unknown one",
        ),
        pytest.param(
            lambda d: prop(d, "customer_email").update(classification="confidential-ish"),
            lambda d: None,
            [
                (
                    "MGV174",
                    EMAIL + "/classification",
                    "orders.customer_email: classification 'confidential-ish' → 'restricted'",
                    "confidential-ish",
                    "restricted",
                )
            ],
            id="an unknown classification to a known one",
        ),
        pytest.param(
            lambda d: None,
            lambda d: prop(d, "customer_email").update(classification=" Restricted "),
            [
                (
                    "MGV171",
                    EMAIL + "/classification",
                    "orders.customer_email: classification 'restricted' → ' Restricted '",
                    "restricted",
                    " Restricted ",
                )
            ],
            id="a classification respelled is no downgrade",
        ),
    ],
)
def test_each_values_or_sensitivity_edit_gives_exactly_its_changes(
    edit_old: Callable[[Doc], None], edit_new: Callable[[Doc], None], expected: list[tuple[Any, ...]]
) -> None:
    old, new = base_doc(), base_doc()
    edit_old(old)
    edit_new(new)
    changes = diff_contracts(contract(old, "old.odcs.yaml"), contract(new))
    assert [(c.rule_id, c.path, c.message, c.old, c.new) for c in changes] == expected


def _sla_list(*rows: dict[str, Any]) -> Callable[[Doc], None]:
    def go(d: Doc) -> None:
        d["slaProperties"] = [dict(r) for r in rows]

    return go


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            {"property": "availability", "value": 99.9},
            {"property": "availability", "value": 99.5},
            ("MGV200", "/slaProperties/0/value", "service level weakened: availability: 99.9 → 99.5"),
            id="a service level without unit, larger is stronger",
        ),
        pytest.param(
            {"property": "time_to_repair", "value": 4, "unit": "h"},
            {"property": "time_to_repair", "value": 2, "unit": "h"},
            ("MGV201", "/slaProperties/0/value", "service level strengthened: time_to_repair: 4 h → 2 h"),
            id="a spelling with underscores, smaller is stronger",
        ),
        pytest.param(
            {"property": "error-rate", "value": 0.01},
            {"property": "error-rate", "value": 0.02},
            ("MGV200", "/slaProperties/0/value", "service level weakened: error-rate: 0.01 → 0.02"),
            id="a spelling with dashes",
        ),
        pytest.param(
            {"property": "endOfSupport", "value": "2027-01-01"},
            {"property": "endOfSupport", "value": "2028-06-30"},
            (
                "MGV201",
                "/slaProperties/0/value",
                "service level strengthened: endOfSupport: 2027-01-01 → 2028-06-30",
            ),
            id="dates compare as text",
        ),
        pytest.param(
            {"property": "endOfLife", "value": "2028-06-30"},
            {"property": "endOfLife", "value": "2027-01-01"},
            (
                "MGV200",
                "/slaProperties/0/value",
                "service level weakened: endOfLife: 2028-06-30 → 2027-01-01",
            ),
            id="an earlier end of life",
        ),
        pytest.param(
            {"property": "colour", "value": "blue"},
            {"property": "colour", "value": "red"},
            ("MGV204", "/slaProperties/0/value", "service level changed: colour: blue → red"),
            id="no known direction, comparable text",
        ),
        pytest.param(
            {"property": "Latency", "value": 4, "unit": "h"},
            {"property": "latency", "value": 240, "unit": "min"},
            ("MGV189", "/slaProperties/0/value", "service level respelled: Latency: 4 h → 240 min"),
            id="the property's case does not matter",
        ),
        pytest.param(
            {"property": "Maß", "value": 4, "unit": "h"},
            {"property": "MASS", "value": 240, "unit": "MIN"},
            ("MGV204", "/slaProperties/0/value", "service level changed: Maß: 4 h → 240 MIN"),
            id="case folded, not only lowered: ß is SS, one service level",
        ),
        pytest.param(
            {"property": "retention", "value": 24, "unit": "m"},
            {"property": "retention", "value": 1, "unit": "y"},
            ("MGV200", "/slaProperties/0/value", "service level weakened: retention: 24 m → 1 y"),
            id="a retention in m is in months, as the data check reads it",
        ),
        pytest.param(
            {"property": "latency", "value": 4, "element": "orders.ordered_at"},
            {"property": "latency", "value": 4, "element": "orders.amount"},
            ("MGV203", "/slaProperties/0", "service level 'latency' added"),
            id="another element is another service level",
        ),
        pytest.param(
            {"property": "latency", "value": 4, "element": "XXXX"},
            {"property": "latency", "value": 4},
            ("MGV203", "/slaProperties/0", "service level 'latency' added"),
            id="no element is no element of any name",
        ),
        pytest.param(
            {"property": "latency", "value": 4},
            {"property": "latency", "value": 4, "unit": None},
            ("MGV189", "/slaProperties/0", "service level 'latency': details changed"),
            id="the same value, other details",
        ),
    ],
)
def test_each_service_level_edit_gives_exactly_its_change(
    old: dict[str, Any], new: dict[str, Any], expected: tuple[str, str, str]
) -> None:
    def no_default(rows: dict[str, Any]) -> Callable[[Doc], None]:
        return lambda d: (d.pop("slaDefaultElement"), _sla_list(rows)(d))

    changes = _changes(no_default(old), no_default(new))
    if expected[0] == "MGV203":  # not the same service level: one removed, one added
        assert changes == [("MGV202", "/slaProperties/0", "service level 'latency' removed"), expected]
    else:
        assert changes == [expected]


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("description", "the warehouse", "MGV189"),
        ("customProperties", [{"property": "tier", "value": "gold"}], "MGV189"),
        ("roles", [{"role": "reader"}], "MGV189"),
        ("environment", "prod", "MGV189"),
        ("port", 5433, "MGV212"),
    ],
)
def test_a_server_change_is_informational_only_for_its_metadata(key: str, value: Any, rule: str) -> None:
    changes = _changes(lambda d: None, lambda d: d["servers"][1].update({key: value}))
    message = (
        f"server 'warehouse': {key} changed"
        if rule == "MGV189"
        else f"server 'warehouse': {key} changed from 5432 to 5433"
    )
    assert changes == [(rule, f"/servers/1/{key}", message)]


def test_a_schema_objects_type_change_carries_both_values() -> None:
    old, new = base_doc(), base_doc()
    schema(new).update(physicalType="view", logicalType="object")
    changes = diff_contracts(contract(old, "old.odcs.yaml"), contract(new))
    assert [(c.rule_id, c.path, c.old, c.new) for c in changes] == [
        ("MGV105", "/schema/0/physicalType", "table", "view"),
        ("MGV105", "/schema/0/logicalType", None, "object"),
    ]


def test_every_service_level_is_compared_with_its_values() -> None:
    old = _sla_list(
        {"property": "latency", "value": 4, "unit": "h"},
        {"property": "colour", "value": 1},
        {"property": "freshness", "value": 1, "unit": "d"},
        {"property": "availability", "value": 99},
        {"property": "retention", "value": 3, "unit": "y"},
    )
    new = _sla_list(
        {"property": "latency", "value": 4, "unit": "h", "description": "p99"},
        {"property": "colour", "value": 2},
        {"property": "freshness", "value": 24, "unit": "h"},
        {"property": "availability", "value": "1e2"},
        {"property": "retention", "value": 2, "unit": "y"},
    )
    o, n = base_doc(), base_doc()
    old(o)
    new(n)
    changes = diff_contracts(contract(o, "old.odcs.yaml"), contract(n))
    assert [(c.rule_id, c.path, c.message, c.old, c.new) for c in changes] == [
        ("MGV189", "/slaProperties/0", "service level 'latency': details changed", None, None),
        ("MGV204", "/slaProperties/1/value", "service level changed: colour: 1 → 2", 1, 2),
        ("MGV189", "/slaProperties/2/value", "service level respelled: freshness: 1 d → 24 h", 1, 24),
        # a number the service-level syntax does not read: no direction is assumed
        ("MGV204", "/slaProperties/3/value", "service level changed: availability: 99 → 1e2", 99, "1e2"),
        ("MGV200", "/slaProperties/4/value", "service level weakened: retention: 3 y → 2 y", 3, 2),
    ]


def _add_notes(d: Doc) -> None:
    schema(d)["properties"].append({"id": "notes_prop", "name": "notes", "logicalType": "string"})


def test_changes_after_a_skipped_or_declared_one_are_still_found() -> None:
    # removed/added parents skip their children, and go on with the properties after them
    assert _diff(_add_notes, _remove_props("shipping", "notes")) == [
        ("MGV110", "property orders.shipping removed"),
        ("MGV110", "property orders.notes removed"),
    ]
    assert _diff(_remove_props("shipping", "notes"), _add_notes) == [
        ("MGV111", "optional property orders.shipping added"),
        ("MGV111", "optional property orders.notes added"),
    ]
    # a logical type dropped, and the physical type changed too
    assert _diff(
        lambda d: None,
        lambda d: (
            prop(d, "amount").pop("logicalType"),
            prop(d, "amount").update(physicalType="decimal(14,2)"),
        ),
    ) == [
        ("MGV122", "orders.amount: logicalType dropped ('number' → None)"),
        ("MGV122", "orders.amount: physicalType widened from 'decimal(12,2)' to 'decimal(14,2)'"),
    ]
    # the key column removed: the old key is named, not lost
    assert _diff(lambda d: None, _remove_props("order_id")) == [
        ("MGV134", "orders: primary key changed from ['order_id'] to none"),
        ("MGV110", "property orders.order_id removed"),
    ]
    # several allowed values removed and added at once, unmasked
    assert _diff(_valid("status", ["a", "b", "c"]), _valid("status", ["a", "d", "e"])) == [
        ("MGV140", "orders.status: allowed value(s) removed: 'b', 'c'"),
        ("MGV141", "orders.status: allowed value(s) added: 'd', 'e'"),
    ]
    # a schema object's business name is a description, not other metadata
    assert _diff(lambda d: None, lambda d: schema(d).update(businessName="Web orders")) == [
        ("MGV181", "orders: businessName changed"),
    ]
    # other metadata equal on both sides is no change; a change names its field
    same = [{"property": "owner", "value": "x"}]
    old, new = base_doc(), base_doc()
    for d in (old, new):
        prop(d, "amount")["customProperties"] = same
    prop(new, "amount")["x-note"] = 1
    changes = diff_contracts(contract(old, "old.odcs.yaml"), contract(new))
    assert [(c.rule_id, c.message, c.field) for c in changes] == [
        ("MGV189", "orders.amount: x-note changed", "orders.amount")
    ]


def test_a_property_quality_rule_removed_names_its_field_and_the_propertys_line() -> None:
    old, new = base_doc(), base_doc()
    prop(old, "amount")["quality"] = [{"metric": "nullValues", "mustBe": 0}]
    after = contract(new)
    (change,) = diff_contracts(contract(old, "old.odcs.yaml"), after)
    where = after.lines.locate(("schema", 0, "properties", 3), key=True)
    assert where is not None
    assert (change.rule_id, change.field, change.line) == ("MGV161", "orders.amount", where[0])


def _relations(*rows: dict[str, Any]) -> Callable[[Doc], None]:
    return lambda d: schema(d).update(relationships=list(rows))


def _client(d: Doc) -> None:
    prop(d, "customer_id").update(name="client_id")


_PAIR = {"from": ["order_id", "customer_id"], "to": ["sales.order_id", "sales.customer_id"]}
_REPOINTED = {"from": ["order_id", "customer_id"], "to": ["sales.order_id", "sales.client_id"]}
_RELS = "/schema/0/relationships/0"
_RENAMED = (
    "MGV113",
    "/schema/0/properties/1/name",
    "property orders.customer_id renamed to orders.client_id",
)


@pytest.mark.parametrize(
    ("edit_old", "edit_new", "expected"),
    [
        pytest.param(
            _relations(_PAIR),
            lambda d: None,
            [
                (
                    "MGV150",
                    _RELS,
                    "relationship order_id, customer_id → sales.order_id, sales.customer_id removed",
                )
            ],
            id="a relationship of two columns removed",
        ),
        pytest.param(
            lambda d: None,
            _relations(_PAIR),
            [
                (
                    "MGV151",
                    _RELS,
                    "relationship order_id, customer_id → sales.order_id, sales.customer_id added",
                )
            ],
            id="a relationship of two columns added",
        ),
        pytest.param(
            _relations(_PAIR),
            _relations(_REPOINTED),
            [
                (
                    "MGV152",
                    _RELS,
                    "relationship order_id, customer_id now points to sales.order_id, sales.client_id"
                    " (was sales.order_id, sales.customer_id)",
                )
            ],
            id="a relationship of two columns repointed",
        ),
        pytest.param(
            _relations({"from": ["orders.customer_id", "orders.amount"], "to": ["c.a", "c.b"]}),
            _each(_client, _relations({"from": ["orders.client_id", "orders.amount"], "to": ["c.a", "c.b"]})),
            [_RENAMED],
            id="qualified columns: one renamed, one kept",
        ),
        pytest.param(
            _relations({"from": ["customer_id", "amount"], "to": ["c.a", "c.b"]}),
            _each(_client, _relations({"from": ["client_id", "amount"], "to": ["c.a", "c.b"]})),
            [_RENAMED],
            id="plain columns: one renamed, one kept",
        ),
        pytest.param(
            _relations({"from": ["orders.customer_id", "orders.gone"], "to": ["c.a", "c.b"]}),
            _each(_client, _relations({"from": ["orders.client_id", "orders.gone"], "to": ["c.a", "c.b"]})),
            [_RENAMED],
            id="qualified columns: one renamed, one of no property",
        ),
        pytest.param(
            _relations({"from": ["customer_id", "gone"], "to": ["c.a", "c.b"]}),
            _each(_client, _relations({"from": ["client_id", "gone"], "to": ["c.a", "c.b"]})),
            [_RENAMED],
            id="plain columns: one renamed, one of no property",
        ),
        pytest.param(
            _relations({"from": "customer_id", "to": "c.a"}),
            _each(_client, _relations({"from": "customer_id", "to": "c.a"})),
            [
                ("MGV150", _RELS, "relationship client_id → c.a removed"),
                _RENAMED,
                ("MGV151", _RELS, "relationship customer_id → c.a added"),
            ],
            id="the new side's columns are not renamed again",
        ),
    ],
)
def test_each_relationship_edit_gives_exactly_its_changes(
    edit_old: Callable[[Doc], Any], edit_new: Callable[[Doc], Any], expected: list[tuple[str, str, str]]
) -> None:
    assert _changes(edit_old, edit_new) == expected


def _amount_rule(**kw: Any) -> Callable[[Doc], None]:
    return lambda d: prop(d, "amount").update(quality=[{"metric": "nullValues", "mustBe": 0, **kw}])


@pytest.mark.parametrize(
    ("edit_old", "edit_new", "expected"),
    [
        pytest.param(
            lambda d: None,
            _amount_rule(),
            (
                "MGV160",
                "/schema/0/properties/3/quality/0",
                "orders.amount: quality rule 'orders.amount.nullValues.0' added",
                "orders.amount",
            ),
            id="added",
        ),
        pytest.param(
            _amount_rule(),
            _amount_rule(mustBe=1),
            (
                "MGV162",
                "/schema/0/properties/3/quality/0",
                "orders.amount: quality rule 'orders.amount.nullValues.0' changed",
                "orders.amount",
            ),
            id="changed",
        ),
        pytest.param(
            _amount_rule(name="no_nulls"),
            _amount_rule(name="no_nulls", description="Never empty."),
            (
                "MGV181",
                "/schema/0/properties/3/quality/0",
                "orders.amount: quality rule 'no_nulls' description changed",
                "orders.amount",
            ),
            id="description changed",
        ),
    ],
)
def test_a_property_quality_rule_change_names_its_field(
    edit_old: Callable[[Doc], Any], edit_new: Callable[[Doc], Any], expected: tuple[str, str, str, str]
) -> None:
    old, new = base_doc(), base_doc()
    edit_old(old)
    edit_new(new)
    (change,) = diff_contracts(contract(old, "old.odcs.yaml"), contract(new))
    assert (change.rule_id, change.path, change.message, change.field) == expected


_ONE = ("orders.quantity",)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            {"exclusiveMinimum": 1, "maximum": 9},
            {"maximum": 10},
            [
                ("MGV147", "/exclusiveMinimum", "exclusiveMinimum 1 removed", 1, None, *_ONE),
                ("MGV147", "/maximum", "widened: maximum 9 → maximum 10", 9, 10, *_ONE),
            ],
            id="an exclusive bound removed, the next bound still compared",
        ),
        pytest.param(
            {"minimum": "low", "maximum": 9},
            {"minimum": 1, "maximum": 8},
            [
                ("MGV146", "/minimum", "minimum changed from 'low' to 1", "low", 1, *_ONE),
                ("MGV146", "/maximum", "narrowed: maximum 9 → maximum 8", 9, 8, *_ONE),
            ],
            id="a bound not comparable, the next bound still compared",
        ),
        pytest.param(
            {"minimum": 1, "maximum": 9},
            {"minimum": 2, "maximum": 10},
            [
                ("MGV146", "/minimum", "narrowed: minimum 1 → minimum 2", 1, 2, *_ONE),
                ("MGV147", "/maximum", "widened: maximum 9 → maximum 10", 9, 10, *_ONE),
            ],
            id="bounds narrowed and widened",
        ),
        pytest.param(
            {"maximum": 9},
            {"minimum": 1, "maximum": 10},
            [
                ("MGV146", "/minimum", "minimum 1 added", None, 1, *_ONE),
                ("MGV147", "/maximum", "widened: maximum 9 → maximum 10", 9, 10, *_ONE),
            ],
            id="a bound added, the next bound still compared",
        ),
        pytest.param(
            {"multipleOf": 0.01},
            {"multipleOf": 0.02},
            [("MGV146", "/multipleOf", "multipleOf changed from 0.01 to 0.02", 0.01, 0.02, *_ONE)],
            id="a step changed",
        ),
        pytest.param(
            {"minLength": 1, "maxLength": 9},
            {"maxLength": 8},
            [
                ("MGV146", "/maxLength", "maxLength narrowed from 9 to 8", 9, 8, *_ONE),
                ("MGV147", "", "minLength 1 removed", 1, None, *_ONE),
            ],
            id="a length removed, the next length still compared",
        ),
        pytest.param(
            {},
            {"minLength": 2, "maxLength": 8},
            [
                ("MGV146", "/minLength", "minLength 2 added", None, 2, *_ONE),
                ("MGV146", "/maxLength", "maxLength 8 added", None, 8, *_ONE),
            ],
            id="a length added, the next length still compared",
        ),
        pytest.param(
            {"minLength": 1, "maxItems": 9},
            {"minLength": 2, "maxItems": 10},
            [
                ("MGV146", "/minLength", "minLength narrowed from 1 to 2", 1, 2, *_ONE),
                ("MGV147", "/maxItems", "maxItems widened from 9 to 10", 9, 10, *_ONE),
            ],
            id="a lower length raised narrows, an upper one raised widens",
        ),
        pytest.param(
            {"precisionHint": 2, "other": 1},
            {"other": 2, "extra": 3},
            [
                ("MGV149", "/other", "logicalTypeOptions.other changed", 1, 2, *_ONE),
                ("MGV149", "/precisionHint", "logicalTypeOptions.precisionHint changed", 2, None, *_ONE),
                ("MGV149", "/extra", "logicalTypeOptions.extra changed", None, 3, *_ONE),
            ],
            id="other options changed, removed, added",
        ),
    ],
)
def test_each_option_change_carries_its_values_and_field(
    old: dict[str, Any], new: dict[str, Any], expected: list[tuple[Any, ...]]
) -> None:
    a, b = base_doc(), base_doc()
    _options("quantity", **old)(a)
    _options("quantity", **new)(b)
    at = "/schema/0/properties/4/logicalTypeOptions"
    got = [
        (
            c.rule_id,
            c.path.removeprefix(at),
            c.message.removeprefix("orders.quantity: "),
            c.old,
            c.new,
            c.field,
        )
        for c in diff_contracts(contract(a, "old.odcs.yaml"), contract(b))
    ]
    assert got == expected


def test_a_property_quality_rule_removed_beside_a_kept_one_gets_the_propertys_line() -> None:
    old, new = base_doc(), base_doc()
    kept = {"name": "no_nulls", "metric": "nullValues", "mustBe": 0}
    prop(old, "amount")["quality"] = [kept, {"name": "few_dups", "metric": "duplicateValues", "mustBe": 0}]
    prop(new, "amount")["quality"] = [kept]
    after = contract(new)
    (change,) = diff_contracts(contract(old, "old.odcs.yaml"), after)
    where = after.lines.locate(("schema", 0, "properties", 3), key=True)
    rules_key = after.lines.locate(("schema", 0, "properties", 3, "quality"), key=True)
    assert where is not None and rules_key is not None and where[0] != rules_key[0]
    assert (change.rule_id, change.path, change.line) == (
        "MGV161",
        "/schema/0/properties/3/quality/1",
        where[0],
    )
