"""docs/configuration.md lists every key of the config schema, and no key the schema lacks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from conftest import PROJECT
from meshguard.config import CONFIG_SCHEMA

DOC = PROJECT / "docs" / "configuration.md"


def _keys(schema: dict[str, Any], prefix: str = "") -> Iterator[str]:
    for option in schema.get("oneOf", []):
        yield from _keys(option, prefix)
    for name, sub in schema.get("properties", {}).items():
        key = f"{prefix}.{name}" if prefix else name
        yield key
        yield from _keys(sub, key)


def _documented() -> set[str]:
    rows = [ln for ln in DOC.read_text(encoding="utf-8").splitlines() if ln.startswith("| `")]
    return {m.group(1) for ln in rows if (m := re.match(r"\| `([a-z_.]+)` \|", ln))}


def test_every_config_key_is_documented_and_nothing_else() -> None:
    schema = set(_keys(CONFIG_SCHEMA))
    documented = _documented()
    assert len(schema) > 40
    assert sorted(schema - documented) == [], "keys missing from docs/configuration.md"
    assert sorted(documented - schema) == [], "docs/configuration.md documents keys the schema lacks"
