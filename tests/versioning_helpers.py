"""Helpers for the versioning tests: build contracts from dicts, find parts of the fixture."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from meshguard.contracts.model import Contract
from meshguard.sensitivity import SensitivityMap
from meshguard.yamlio import parse_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "versioning"
BASE_FILE = FIXTURES / "orders-1.1.0.odcs.yaml"


def base_doc() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(BASE_FILE.read_text(encoding="utf-8")))


def dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def contract(doc: dict[str, Any], path: str = "new.odcs.yaml") -> Contract:
    parsed = parse_yaml(dump(doc), path)
    return Contract(path, parsed.data, parsed.lines, SensitivityMap())


def schema(doc: dict[str, Any], name: str = "orders") -> dict[str, Any]:
    return next(s for s in doc["schema"] if s["name"] == name)


def prop(doc: dict[str, Any], name: str, schema_name: str = "orders") -> dict[str, Any]:
    parts = name.split(".")
    props = schema(doc, schema_name)["properties"]
    found: dict[str, Any] = {}
    for part in parts:
        found = next(p for p in props if p["name"] == part)
        props = found.get("properties", [])
    return found


def remove_prop(doc: dict[str, Any], name: str, schema_name: str = "orders") -> None:
    parts = name.split(".")
    holder = schema(doc, schema_name)
    for part in parts[:-1]:
        holder = next(p for p in holder["properties"] if p["name"] == part)
    holder["properties"] = [p for p in holder["properties"] if p["name"] != parts[-1]]


def sla(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in doc["slaProperties"] if s["property"] == name)
