"""The way back: ``MeshResult.to_dict()`` output → dataclasses (history re-rendering)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from meshguard.results.model import (
    Change,
    CheckResult,
    DimensionScore,
    Finding,
    Location,
    MeshResult,
    ProductResult,
    Waiver,
)


def _location(raw: Any) -> Location | None:
    return Location(**raw) if isinstance(raw, dict) else None


def _waiver(raw: Any) -> Waiver | None:
    return Waiver(**raw) if isinstance(raw, dict) else None


def finding_from_dict(raw: dict[str, Any]) -> Finding:
    return Finding(
        **{
            **raw,
            "location": _location(raw.get("location")),
            "waiver": _waiver(raw.get("waiver")),
            "details": dict(raw.get("details") or {}),
        }
    )


def check_from_dict(raw: dict[str, Any]) -> CheckResult:
    return CheckResult(
        **{
            **raw,
            "location": _location(raw.get("location")),
            "samples": tuple(dict(s) for s in raw.get("samples") or ()),
            "details": dict(raw.get("details") or {}),
        }
    )


def product_from_dict(raw: dict[str, Any]) -> ProductResult:
    return ProductResult(
        **{
            **raw,
            "dimensions": [DimensionScore(**d) for d in raw.get("dimensions", [])],
            "checks": [check_from_dict(c) for c in raw.get("checks", [])],
            "findings": [finding_from_dict(f) for f in raw.get("findings", [])],
            "changes": [Change.from_dict(c) for c in raw.get("changes", [])],
            "waivers": [Waiver(**w) for w in raw.get("waivers", [])],
        }
    )


def mesh_from_dict(raw: dict[str, Any]) -> MeshResult:
    return MeshResult(
        **{
            **raw,
            "products": [product_from_dict(p) for p in raw.get("products", [])],
            "findings": [finding_from_dict(f) for f in raw.get("findings", [])],
        }
    )


RESULTS_SCHEMA = Path(__file__).resolve().parent / "schemas" / "results.schema.json"


def results_schema() -> dict[str, Any]:
    """The JSON Schema of ``MeshResult.to_dict()`` (its ``schema_version`` is :data:`SCHEMA_VERSION`)."""
    schema: dict[str, Any] = json.loads(RESULTS_SCHEMA.read_text(encoding="utf-8"))
    return schema
