"""A small governance repo for the quality tests: two products, known defects, every rule kind."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

CUSTOMERS: list[dict[str, Any]] = [
    {
        "customer_id": 1,
        "email": "ann.lee@example.com",
        "age": 34,
        "country": "FR",
        "tier": "gold",
        "signed_up": "2025-01-10T08:00:00Z",
    },
    {
        "customer_id": 2,
        "email": "bob.smith@example.org",
        "age": 51,
        "country": "DE",
        "tier": "silver",
        "signed_up": "2025-01-11T09:30:00Z",
    },
    {
        "customer_id": 3,
        "email": "carla.diaz@example.net",
        "age": 27,
        "country": "ES",
        "tier": "N/A",
        "signed_up": "2025-01-12T10:00:00Z",
    },
    {
        "customer_id": 4,
        "email": "dan.wu@example.com",
        "age": 45,
        "country": "FR",
        "tier": "bronze",
        "signed_up": "2025-01-13T11:00:00Z",
    },
    {
        "customer_id": 5,
        "email": "eve.adams@example.com",
        "age": None,
        "country": "IT",
        "tier": "gold",
        "signed_up": "2025-01-14T12:00:00Z",
    },
    {
        "customer_id": 6,
        "email": "frank.o@example.com",
        "age": 38,
        "country": "FR",
        "tier": "gold",
        "signed_up": "2025-01-15T13:00:00Z",
    },
    # defects: duplicate id 6, an e-mail that breaks the pattern, an age out of range (last row)
    {
        "customer_id": 6,
        "email": "grace.h(at)example.com",
        "age": 29,
        "country": "NL",
        "tier": "silver",
        "signed_up": "2025-01-16T14:00:00Z",
    },
    {
        "customer_id": 8,
        "email": "hugo.b@example.com",
        "age": 130,
        "country": "BE",
        "tier": "gold",
        "signed_up": "2025-01-17T15:00:00Z",
    },
]

ORDERS: list[dict[str, Any]] = [
    {"order_id": 100, "customer_id": 1, "amount": 12.5},
    {"order_id": 101, "customer_id": 2, "amount": 99.0},
    {"order_id": 102, "customer_id": 42, "amount": 5.0},  # orphan: no customer 42
    {"order_id": 103, "customer_id": 4, "amount": -3.0},  # negative amount (sql rule)
]


def customers_contract(server: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": "customers",
        "name": "customers",
        "version": "1.0.0",
        "status": "active",
        "domain": "ecommerce",
        "dataProduct": "customers",
        "team": {"name": "crm", "members": [{"username": "ann", "role": "owner"}]},
        "servers": [server],
        "schema": [
            {
                "name": "customers",
                "physicalName": "customers",
                "properties": [
                    {"name": "customer_id", "logicalType": "integer", "required": True, "primaryKey": True},
                    {
                        "name": "email",
                        "logicalType": "string",
                        "classification": "restricted",
                        "tags": ["pii"],
                        "logicalTypeOptions": {"pattern": "^[^@]+@[^@]+$"},
                        "quality": [{"type": "library", "metric": "nullValues", "mustBe": 0}],
                    },
                    {
                        "name": "age",
                        "logicalType": "integer",
                        "logicalTypeOptions": {"minimum": 0, "maximum": 120},
                        "quality": [
                            {"metric": "nullValues", "mustBeLessOrEqualTo": 20, "unit": "percent"},
                        ],
                    },
                    {"name": "country", "logicalType": "string", "logicalTypeOptions": {"maxLength": 2}},
                    {
                        "name": "tier",
                        "logicalType": "string",
                        "quality": [
                            {
                                "metric": "invalidValues",
                                "arguments": {"validValues": ["gold", "silver", "bronze"]},
                                "mustBe": 0,
                                "severity": "warning",
                            },
                            {
                                "metric": "missingValues",
                                "arguments": {"missingValues": [None, "", "N/A"]},
                                "mustBe": 0,
                            },
                        ],
                    },
                    {"name": "signed_up", "logicalType": "timestamp"},
                ],
                "quality": [
                    {"metric": "rowCount", "mustBeBetween": [5, 100]},
                    {"metric": "duplicateValues", "arguments": {"properties": ["customer_id"]}, "mustBe": 0},
                    {
                        "type": "sql",
                        "name": "adults only",
                        "query": "SELECT COUNT(*) FROM {object} WHERE age < 18",
                        "mustBe": 0,
                    },
                    {"type": "text", "description": "Customers are real people."},
                    {"type": "custom", "engine": "greatExpectations", "implementation": "expect_x"},
                ],
            }
        ],
        "slaProperties": [
            {"property": "freshness", "value": 3, "unit": "d", "element": "customers.signed_up"},
            {"property": "retention", "value": 1, "unit": "y", "element": "customers.signed_up"},
            {"property": "availability", "value": "99.9%"},
        ],
    }


def orders_contract(server: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": "orders",
        "name": "orders",
        "version": "1.0.0",
        "status": "active",
        "domain": "ecommerce",
        "dataProduct": "orders",
        "team": {"name": "shop", "members": [{"username": "bob", "role": "owner"}]},
        "servers": [server],
        "schema": [
            {
                "name": "orders",
                "properties": [
                    {"name": "order_id", "logicalType": "integer", "required": True, "unique": True},
                    {
                        "name": "customer_id",
                        "logicalType": "integer",
                        "relationships": [{"to": "customers.customer_id", "type": "foreignKey"}],
                    },
                    {"name": "amount", "logicalType": "number"},
                ],
                "quality": [
                    {
                        "type": "sql",
                        "name": "no negative amounts",
                        "query": "SELECT COUNT(*) FROM {object} WHERE amount < 0",
                        "mustBe": 0,
                    }
                ],
            }
        ],
    }


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: "" if v is None else v for k, v in r.items()})


def make_repo(root: Path, customers_server: dict[str, Any] | None = None) -> Path:
    """CSV data + both contracts under ``root``; returns root."""
    write_csv(root / "data" / "customers.csv", CUSTOMERS)
    write_csv(root / "data" / "orders.csv", ORDERS)
    server = customers_server or {
        "server": "sample",
        "type": "local",
        "path": "data/customers.csv",
        "format": "csv",
    }
    write_contract(root / "contracts" / "customers.odcs.yaml", customers_contract(server))
    write_contract(
        root / "contracts" / "orders.odcs.yaml",
        orders_contract({"server": "sample", "type": "local", "path": "data/orders.csv", "format": "csv"}),
    )
    (root / "meshguard.yaml").write_text("data:\n  as_of: '2025-01-18T00:00:00Z'\n", encoding="utf-8")
    return root


def write_contract(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
