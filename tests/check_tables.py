"""Hand-built contracts and tables for the in-process tests of the quality checks' decisions."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import polars as pl
import yaml

from meshguard.contracts.model import Contract, QualityRule
from meshguard.quality.results import Table
from meshguard.yamlio import parse_yaml

PATH = "contracts/shop.odcs.yaml"

#: the schema object every table is checked against; its email property carries one quality rule
DOC: dict[str, Any] = {
    "apiVersion": "v3.0.2",
    "kind": "DataContract",
    "id": "shop",
    "version": "1.0.0",
    "schema": [
        {
            "name": "customers",
            "properties": [
                {"name": "id", "logicalType": "integer"},
                {"name": "email", "logicalType": "string", "quality": [{"metric": "nullValues"}]},
            ],
        },
        {"name": "orders", "properties": [{"name": "order_id", "logicalType": "integer"}]},
    ],
}
#: where the email rule is in the file: line 13 (``- metric: nullValues``), column 7
RULE_POINTER = ("schema", 0, "properties", 1, "quality", 0)


def contract(**extra: Any) -> Contract:
    """The contract above (plus top-level keys), parsed from its YAML text so it has line numbers."""
    text = yaml.safe_dump({**DOC, **extra}, sort_keys=False)
    parsed = parse_yaml(text, PATH)
    return Contract(PATH, parsed.data, parsed.lines)


def table(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    schema: int = 0,
    masked: Collection[str] = (),
    samples: int = 5,
    sampled: bool = False,
    of: Contract | None = None,
) -> Table:
    c = of or contract()
    return Table(c, c.schemas[schema], frame, frozenset(masked), samples, sampled)


def rule(field: str | None = "email", **raw: Any) -> QualityRule:
    return QualityRule(raw, RULE_POINTER, "customers", field, 0)
