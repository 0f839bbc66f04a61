"""Classify every change between two versions of a contract (breaking / non-breaking / informational).

Both documents are walked by stable identity: schema objects and properties
by ``id`` when both versions carry one, else by name (nested properties by
their dotted path), so a rename through ``id`` is a rename, not a removal
plus an addition. Each :class:`Change` carries a rule id from
:mod:`meshguard.versioning.rules`, a JSON pointer and the YAML line
in the new file. The rules of each area live in :mod:`meshguard.versioning.areas`.
"""

from __future__ import annotations

from collections.abc import Iterable

from meshguard.contracts.identity import match
from meshguard.contracts.model import Contract, SchemaObject
from meshguard.errors import UsageError
from meshguard.results.model import Change
from meshguard.versioning.areas.properties import PropertyDiff
from meshguard.versioning.areas.service import ServiceDiff
from meshguard.versioning.rules import PERSPECTIVES

#: top-level keys and the informational rule a change to them gets
_TOP_INFO: dict[str, str] = {
    "support": "MGV183",
    "team": "MGV184",
    "roles": "MGV185",
    "status": "MGV186",
    "tags": "MGV180",
    "description": "MGV181",
}
#: top-level keys walked by their own rules (or not changes at all)
_TOP_WALKED = frozenset({"schema", "servers", "slaProperties", "slaDefaultElement", "version", "id"})
_SCHEMA_WALKED = frozenset(
    {"id", "name", "physicalName", "physicalType", "logicalType", "properties", "quality", "relationships"}
)


class _Differ(PropertyDiff, ServiceDiff):
    # --- walk ------------------------------------------------------------------
    def run(self) -> list[Change]:
        o, n = self.old.doc, self.new.doc
        if o.get("id") != n.get("id") and o.get("id") is not None:
            self.add(
                "MGV100",
                ("id",),
                f"contract id changed from {o.get('id')!r} to {n.get('id')!r}",
                old=o.get("id"),
                new=n.get("id"),
            )
        self.schemas()
        self.sla()
        self.servers()
        for key in sorted(set(o) | set(n)):
            if key in _TOP_WALKED or o.get(key) == n.get(key):
                continue
            rule = _TOP_INFO.get(key, "MGV189")
            value_shown = key in ("status", "apiVersion", "domain", "dataProduct", "name", "tenant")
            self.add(
                rule,
                (key,),
                f"{key} changed" + (f" from {o.get(key)!r} to {n.get(key)!r}" if value_shown else ""),
                old=o.get(key) if value_shown else None,
                new=n.get(key) if value_shown else None,
            )
        return self.changes

    # --- schema objects ----------------------------------------------------------
    def schemas(self) -> None:
        pairs, removed, added = match(self.old.schemas, self.new.schemas, lambda s: s.name)
        for s in removed:
            self.add(
                "MGV101", s.pointer, f"schema object {s.name!r} removed", line_at=("schema",), old=s.name
            )
        for s in added:
            self.add("MGV102", s.pointer, f"schema object {s.name!r} added", new=s.name)
        for a, b in pairs:
            self.schema_pair(a, b)

    def schema_pair(self, a: SchemaObject, b: SchemaObject) -> None:
        if a.name != b.name:
            self.add(
                "MGV103",
                (*b.pointer, "name"),
                f"schema object {a.name!r} renamed to {b.name!r}",
                old=a.name,
                new=b.name,
            )
        ra, rb = a.raw, b.raw
        if ra.get("physicalName") != rb.get("physicalName"):
            self.add(
                "MGV104",
                (*b.pointer, "physicalName"),
                f"{b.name}: physicalName changed from {ra.get('physicalName')!r} to {rb.get('physicalName')!r}",
                old=ra.get("physicalName"),
                new=rb.get("physicalName"),
            )
        for key in ("physicalType", "logicalType"):
            if ra.get(key) != rb.get(key):
                self.add(
                    "MGV105",
                    (*b.pointer, key),
                    f"{b.name}: {key} changed from {ra.get(key)!r} to {rb.get(key)!r}",
                    old=ra.get(key),
                    new=rb.get(key),
                )
        self.metadata(ra, rb, b.pointer, b.name, _SCHEMA_WALKED, None)
        renames = self.properties(a, b)
        self.primary_key(a, b, renames)
        self.quality(a.quality, b.quality, b.pointer, b.name, None)
        self.relationships(
            [r for r in self.old.relationships if r.schema == a.name],
            [r for r in self.new.relationships if r.schema == b.name],
            b.pointer,
            renames,
            (a.name, b.name),
        )


def diff_contracts(old: Contract, new: Contract, perspective: str = "consumer") -> list[Change]:
    """Every classified change from ``old`` to ``new``, in document order of the new file."""
    if perspective not in PERSPECTIVES:
        raise UsageError(f"unknown perspective {perspective!r} (expected consumer or producer)")
    changes = _Differ(old, new, perspective).run()
    return sorted(changes, key=lambda c: (c.line if c.line is not None else 0, c.rule_id, c.path))


def summary(changes: Iterable[Change]) -> dict[str, int]:
    out = {"breaking": 0, "non-breaking": 0, "informational": 0}
    for c in changes:
        out[c.kind] = out.get(c.kind, 0) + 1
    return out
