"""Lint rules, in-process: each rule fires on exactly the contract that breaks it (message and
line), stays quiet on a clean one, and severities from meshguard.yaml apply by id or by name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from meshguard.contracts import lint
from meshguard.contracts.lint import RULES, RULES_BY_ID, LintContext, Rule, lint_contract
from meshguard.contracts.model import Contract
from meshguard.sensitivity import SensitivityMap
from meshguard.yamlio import LineMap, parse_yaml

CLEAN = """\
apiVersion: v3.1.0
kind: DataContract
id: orders
name: Orders
version: 1.0.0
status: active
domain: ecommerce
team:
  name: order-team
  members:
    - username: ann@example.com
      role: owner
schema:
  - name: orders
    properties:
      - name: order_id
        logicalType: integer
        primaryKey: true
        required: true
      - name: customer_id
        logicalType: integer
        classification: internal
"""


def contract(text: str, path: str = "contracts/orders.odcs.yaml") -> Contract:
    doc = parse_yaml(text, path)
    return Contract(path, doc.data, doc.lines, SensitivityMap())


def found(text: str, *others: str, **severities: str) -> list[tuple[str, str, str, str, int | None]]:
    c = contract(text)
    ctx = LintContext([c, *(contract(o, f"contracts/other{i}.odcs.yaml") for i, o in enumerate(others))])
    return [
        (f.rule_id, str(f.severity), str(f.status), f.message, f.location.line if f.location else None)
        for f in lint_contract(c, ctx, severities=severities)
    ]


def edit(old: str, new: str, text: str = CLEAN) -> str:
    assert old in text, old
    return text.replace(old, new)


def test_a_clean_contract_has_no_finding() -> None:
    assert found(CLEAN) == []
    assert lint_contract(contract(CLEAN)) == []  # without a repo context too


def test_rules_are_registered_once_with_their_severity() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)) == len(RULES_BY_ID)
    assert {r.id: str(r.severity) for r in RULES} == {
        "MG010": "warning",
        "MG011": "error",
        "MG012": "warning",
        "MG013": "error",
        "MG014": "error",
        "MG015": "error",
        "MG016": "warning",
        "MG017": "error",
        "MG018": "warning",
        "MG019": "warning",
        "MG020": "error",
        "MG021": "warning",
        "MG022": "error",
    }


NO_TEAM = CLEAN.split("team:")[0] + "schema:" + CLEAN.split("schema:")[1]

CASES: list[tuple[str, str, list[tuple[str, str, str, str, int | None]]]] = [
    ("no-team", NO_TEAM, [("MG010", "warning", "warned", "no owner: the contract has no `team`", 1)]),
    (
        "empty-team",
        edit(
            "team:\n  name: order-team\n  members:\n    - username: ann@example.com\n      role: owner\n",
            "team: {}\n",
        ),
        [("MG010", "warning", "warned", "the team has no name and no members", 8)],
    ),
    (
        "bad-semver",
        edit("version: 1.0.0", "version: '1.0'"),
        [("MG011", "error", "failed", "version '1.0' is not a semantic version (MAJOR.MINOR.PATCH)", 5)],
    ),
    (
        "numeric-version",
        edit("version: 1.0.0", "version: 1"),
        [("MG011", "error", "failed", "version 1 is not a semantic version (MAJOR.MINOR.PATCH)", 5)],
    ),
    (
        "no-status",
        edit("status: active\n", ""),
        [
            (
                "MG012",
                "warning",
                "warned",
                "no status (expected one of: proposed, draft, active, deprecated, retired)",
                1,
            )
        ],
    ),
    (
        "odd-status",
        edit("status: active", "status: live"),
        [
            (
                "MG012",
                "warning",
                "warned",
                "status 'live' is not one of: proposed, draft, active, deprecated, retired",
                6,
            )
        ],
    ),
    ("status-case", edit("status: active", "status: ' Active '"), []),
    (
        "untyped",
        edit("      - name: customer_id\n        logicalType: integer\n", "      - name: customer_id\n"),
        [("MG013", "error", "failed", "property orders.customer_id has no logicalType", 20)],
    ),
    (
        "duplicate-schema",
        CLEAN + "  - name: orders\n    properties: []\n",
        [("MG014", "error", "failed", "schema object 'orders' is defined more than once", 23)],
    ),
    (
        "duplicate-property",
        edit("      - name: customer_id", "      - name: order_id"),
        [("MG015", "error", "failed", "property orders.order_id is defined more than once", 20)],
    ),
    (
        "key-not-required",
        edit("        required: true\n", ""),
        [("MG016", "warning", "warned", "primary key orders.order_id is not marked required", 18)],
    ),
    (
        "unknown-classification",
        edit("classification: internal", "classification: top-secret-ish"),
        [
            (
                "MG019",
                "warning",
                "warned",
                "classification 'top-secret-ish' of orders.customer_id maps to no sensitivity category",
                22,
            )
        ],
    ),
    (
        "no-domain",
        edit("domain: ecommerce\n", ""),
        [("MG021", "warning", "warned", "no domain: the product will be listed under '(none)'", 1)],
    ),
    (
        "unknown-type",
        edit(
            "        logicalType: integer\n        classification",
            "        logicalType: int\n        classification",
        ),
        [("MG022", "error", "failed", "logicalType 'int' of orders.customer_id is not an ODCS type", 21)],
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_fires_exactly(name: str, text: str, expected: list[Any]) -> None:
    assert found(text) == expected


def test_every_semver_form() -> None:
    for good in ("0.0.0", "10.20.30", "1.0.0-alpha.1", "1.0.0+build.5", "1.0.0-rc.1+b2", " 1.2.3 "):
        assert found(edit("version: 1.0.0", f"version: '{good}'")) == [], good
    for bad in ("01.0.0", "1.0.0-", "1.0.0+", "v1.0.0", "1.0.0-01", "1.0.0.0", "1..0"):
        assert [f[0] for f in found(edit("version: 1.0.0", f"version: '{bad}'"))] == ["MG011"], bad


REL = """\
    relationships:
      - type: foreignKey
        from: {frm}
        to: {to}
"""


def with_rel(to: str, frm: str = "orders.customer_id") -> str:
    return CLEAN + REL.format(frm=frm, to=to)


CUSTOMERS = edit("id: orders", "id: customers", edit("- name: orders", "- name: customers"))


@pytest.mark.parametrize(
    ("to", "others", "expected"),
    [
        ("orders.order_id", (), []),
        ("customers.order_id", (CUSTOMERS,), []),
        ("schema/orders/properties/order_id", (), []),
        (
            "customers.nope",
            (CUSTOMERS,),
            [("MG017", "relationship target 'customers.nope': customers has no property 'nope'")],
        ),
        ("orders.nope", (), [("MG017", "relationship target 'orders.nope': orders has no property 'nope'")]),
        (
            "nodot",
            (),
            [("MG017", "relationship target 'nodot' is not `schema.property` or a schema/properties path")],
        ),
        (
            "a/b",
            (),
            [("MG017", "relationship target 'a/b' is not `schema.property` or a schema/properties path")],
        ),
        ("elsewhere.id", (), [("MG018", "relationship target 'elsewhere.id' is not defined in this mesh")]),
        ("customers.odcs.yaml#/schema/customers/properties/order_id", (CUSTOMERS,), []),
        (
            "customers.odcs.yaml#/schema/customers/properties/x",
            (CUSTOMERS,),
            [
                (
                    "MG017",
                    "relationship target 'customers.odcs.yaml#/schema/customers/properties/x': customers has no property 'x'",
                )
            ],
        ),
        (
            "customers.odcs.yaml#/schema/nope/properties/x",
            (CUSTOMERS,),
            [
                (
                    "MG017",
                    "relationship target 'customers.odcs.yaml#/schema/nope/properties/x': contract customers has no schema 'nope'",
                )
            ],
        ),
        (
            "missing.odcs.yaml#/schema/a/properties/b",
            (),
            [
                (
                    "MG017",
                    "relationship target 'missing.odcs.yaml#/schema/a/properties/b': no contract 'missing.odcs.yaml' in the repo",
                )
            ],
        ),
        (
            "x#/schema",
            (),
            [
                (
                    "MG017",
                    "relationship target 'x#/schema' is not `schema.property` or a schema/properties path",
                )
            ],
        ),
    ],
)
def test_relationship_targets(to: str, others: tuple[str, ...], expected: list[tuple[str, str]]) -> None:
    got = [(f[0], f[3]) for f in found(with_rel(to), *others)]
    assert got == expected
    if expected:
        assert {f[4] for f in found(with_rel(to), *others)} == {26}  # the `to:` line


def test_relationship_shapes() -> None:
    no_target = CLEAN + "    relationships:\n      - type: foreignKey\n        from: orders.customer_id\n"
    assert [(f[0], f[3]) for f in found(no_target)] == [("MG017", "relationship has no `to` target")]
    two_to_one = with_rel("[orders.order_id]", "[orders.customer_id, orders.order_id]")
    assert [(f[0], f[3]) for f in found(two_to_one)] == [("MG017", "relationship maps 2 columns to 1")]


def test_severities_by_id_or_name_and_off() -> None:
    text = edit("domain: ecommerce\n", "")
    assert found(text, MG021="error") == [
        ("MG021", "error", "failed", "no domain: the product will be listed under '(none)'", 1)
    ]
    assert [f[1] for f in found(text, **{"domain-missing": "error"})] == ["error"]
    assert found(text, MG021="off") == []
    assert found(text, **{"domain-missing": "off"}) == []
    assert [f[1:3] for f in found(edit("version: 1.0.0", "version: x"), MG011="warning")] == [
        ("warning", "warned")
    ]


def test_findings_carry_rule_metadata_and_location() -> None:
    (f,) = lint_contract(contract(edit("version: 1.0.0", "version: x")))
    assert (f.stage, f.title, f.remediation, f.details) == (
        "lint",
        "Semantic version",
        "use MAJOR.MINOR.PATCH, e.g. 1.2.0",
        {"rule": "version-not-semver"},
    )
    assert f.location is not None
    assert (f.location.path, f.location.line, f.location.column, f.location.pointer) == (
        "contracts/orders.odcs.yaml",
        5,
        10,
        "/version",
    )


def test_duplicate_ids_need_two_contracts() -> None:
    assert found(CLEAN, CUSTOMERS) == []
    assert found(CLEAN, CLEAN) == [
        ("MG020", "error", "failed", "contract id 'orders' is used by more than one contract in the repo", 3)
    ]


def test_rule_registers_its_catalogue_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    registry: list[Rule] = []
    monkeypatch.setattr(lint, "RULES", registry)

    def probe(c: Contract, ctx: LintContext) -> Iterator[tuple[str, tuple[str, ...]]]:
        yield "probe fired", ("version",)

    assert lint.rule("MG999", "probe-rule", "warning", "Probe title", "probe fix")(probe) is probe
    assert registry == [Rule("MG999", "probe-rule", "warning", "Probe title", "probe fix", probe)]
    (f,) = lint_contract(contract(CLEAN), rules=registry)
    assert (f.rule_id, f.severity, f.status, f.message, f.title, f.remediation, f.details) == (
        "MG999",
        "warning",
        "warned",
        "probe fired",
        "Probe title",
        "probe fix",
        {"rule": "probe-rule"},
    )


def test_a_rule_turned_off_leaves_the_rules_after_it_running() -> None:
    text = edit("domain: ecommerce\n", "", NO_TEAM)
    assert [f[0] for f in found(text)] == ["MG010", "MG021"]
    assert [f[0] for f in found(text, MG010="off")] == ["MG021"]


def test_a_catalogue_entry_without_a_check_is_skipped() -> None:
    listed_only = Rule("MG998", "listed-only", "error", "Listed only", "nothing to do")
    findings = lint_contract(
        contract(edit("domain: ecommerce\n", "")), rules=[listed_only, RULES_BY_ID["MG021"]]
    )
    assert [f.rule_id for f in findings] == ["MG021"]


def test_a_contract_without_source_positions_is_located_by_pointer_only() -> None:
    c = contract(
        edit("logicalType: integer\n        classification", "logicalType: int\n        classification")
    )
    bare = Contract(c.path, c.doc, LineMap(), SensitivityMap())
    (f,) = lint_contract(bare)
    assert f.location is not None
    assert (f.location.path, f.location.line, f.location.column, f.location.pointer) == (
        "contracts/orders.odcs.yaml",
        None,
        None,
        "/schema/0/properties/1/logicalType",
    )
    (located,) = lint_contract(c)
    assert located.location is not None
    assert (located.location.line, located.location.pointer) == (21, "/schema/0/properties/1/logicalType")


# schema objects and properties with ids: relationship targets may name them by id
WITH_IDS = edit(
    "  - name: orders\n    properties:\n      - name: order_id\n",
    "  - name: orders\n    id: orders_tbl\n    properties:\n      - name: order_id\n        id: order_pk\n",
)
CUSTOMERS_WITH_IDS = edit(
    "id: orders",
    "id: customers",
    edit(
        "  - name: orders\n    properties:\n      - name: order_id\n",
        "  - name: customers\n    id: customers_tbl\n    properties:\n      - name: order_id\n"
        "        id: customer_pk\n",
    ),
)


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ("orders_tbl.order_pk", []),  # local schema and property, both by id
        ("orders_tbl.customer_id", []),  # local schema by id, a property without id by name
        (
            "orders_tbl.order_id",
            ["relationship target 'orders_tbl.order_id': orders_tbl has no property 'order_id'"],
        ),
        ("customers_tbl.customer_pk", []),  # another contract's schema and property by id
        ("customers_tbl.customer_id", []),  # …and a property of it without id, by name
        (
            "customers_tbl.order_id",
            ["relationship target 'customers_tbl.order_id': customers_tbl has no property 'order_id'"],
        ),
    ],
)
def test_relationship_targets_by_id(to: str, expected: list[str]) -> None:
    text = WITH_IDS + REL.format(frm="orders.customer_id", to=to)
    c = contract(text)
    ctx = LintContext([c, contract(CUSTOMERS_WITH_IDS, "contracts/customers.odcs.yaml")])
    assert [(f.rule_id, f.message) for f in lint_contract(c, ctx)] == [("MG017", m) for m in expected]


def test_a_local_schema_is_checked_against_its_own_properties_only() -> None:
    # another contract also names a schema `orders`, with a property this one lacks
    other = edit("id: orders", "id: orders-archive", edit("- name: customer_id", "- name: archived_at"))
    c = contract(with_rel("orders.archived_at"))
    ctx = LintContext([c, contract(other, "contracts/archive.odcs.yaml")])
    assert [(f.rule_id, f.message) for f in lint_contract(c, ctx)] == [
        ("MG017", "relationship target 'orders.archived_at': orders has no property 'archived_at'")
    ]


@pytest.mark.parametrize(
    ("to", "path", "expected"),
    [
        # the file's stem is the other contract's id, whatever folders the reference names
        ("../crm/customers.odcs.yaml#/schema/customers/properties/order_id", "contracts/x.odcs.yaml", []),
        (
            "../crm/customers.odcs.yaml#/schema/customers/properties/x",
            "contracts/x.odcs.yaml",
            ["customers has no property 'x'"],
        ),
        # the stem is no id: the file is found by its name (at the repo root, or in a folder)
        ("customer-master.yaml#/schema/customers/properties/order_id", "customer-master.odcs.yaml", []),
        (
            "customer-master.yaml#/schema/customers/properties/order_id",
            "contracts/crm/customer-master.odcs.yaml",
            [],
        ),
        (
            "crm/customer-master.odcs.yaml#/schema/customers/properties/order_id",
            "contracts/crm/customer-master.odcs.yaml",
            [],
        ),
        (
            "customer.yaml#/schema/customers/properties/order_id",
            "contracts/crm/customer-master.odcs.yaml",
            ["no contract 'customer.yaml' in the repo"],
        ),
    ],
)
def test_relationship_targets_in_another_file(to: str, path: str, expected: list[str]) -> None:
    c = contract(with_rel(to))
    other = CUSTOMERS if "customers.odcs" in to else edit("id: customers", "id: cust-master-v2", CUSTOMERS)
    ctx = LintContext([c, contract(other, path)])
    got = [(f.rule_id, f.message) for f in lint_contract(c, ctx)]
    assert got == [("MG017", f"relationship target {to!r}: {m}") for m in expected]
