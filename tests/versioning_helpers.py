"""Helpers for the versioning tests: build contracts from dicts, find parts of the fixture."""

from __future__ import annotations

import functools
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from meshguard.contracts.model import Contract
from meshguard.sensitivity import SensitivityMap
from meshguard.yamlio import parse_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "versioning"
BASE_FILE = FIXTURES / "orders-1.1.0.odcs.yaml"


@functools.cache
def _base() -> bytes:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loaded: dict[str, Any] = yaml.load(BASE_FILE.read_text(encoding="utf-8"), Loader=loader)
    return pickle.dumps(loaded)


def base_doc() -> dict[str, Any]:
    """A fresh copy of the fixture (parsed once: tests edit their copy; unpickled, as deepcopy
    took a third of a table's time)."""
    doc: dict[str, Any] = pickle.loads(_base())
    return doc


def dump(doc: dict[str, Any]) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True)


def contract(doc: dict[str, Any], path: str = "new.odcs.yaml") -> Contract:
    """The contract of ``doc`` as if read from ``path``; the same document is parsed once (a
    Contract is frozen and the code under test only reads it)."""
    key = (repr(doc), path)  # keys in order (they decide pointers and lines), types told apart
    found = _CONTRACTS.get(key)
    if found is None:
        found = _CONTRACTS[key] = _parse(doc, path)
    return found


_CONTRACTS: dict[tuple[str, str], Contract] = {}


def parse_ahead(pairs: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """Parse (old, new) documents of a test table now, at import, as :func:`contract` will.

    Reading YAML is not what the versioning tests check, and the diff itself still runs inside
    each test. A mutation run imports the tests once and forks a process per mutant: parsed
    here, no mutant's run parses them again (the whole of the table's cost before)."""
    for old, new in pairs:
        contract(old, "old.odcs.yaml")
        contract(new)


def _parse(doc: dict[str, Any], path: str) -> Contract:
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
