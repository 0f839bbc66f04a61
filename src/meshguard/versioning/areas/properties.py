"""Changes to properties: added, removed, renamed, typed, required, enumerated, classified, keys."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from meshguard.contracts.identity import match_properties
from meshguard.contracts.model import Property, SchemaObject
from meshguard.sensitivity import CLASSIFICATION_LEVELS, MASKED_CATEGORIES
from meshguard.versioning.areas.bounds import OptionsDiff
from meshguard.versioning.areas.quality import QualityDiff, valid_values
from meshguard.versioning.typecompat import TypeChange, compare_logical, compare_physical
from meshguard.yamlio import Pointer

_PROPERTY_WALKED = frozenset(
    {
        "id",
        "name",
        "physicalName",
        "logicalType",
        "physicalType",
        "required",
        "unique",
        "primaryKey",
        "primaryKeyPosition",
        "logicalTypeOptions",
        "classification",
        "tags",
        "description",
        "businessName",
        "examples",
        "quality",
        "relationships",
        "properties",
        "items",
    }
)
_SENSITIVE = MASKED_CATEGORIES
_TYPE_VERB = {
    TypeChange.SAME: "respelled",
    TypeChange.WIDENED: "widened",
    TypeChange.NARROWED: "narrowed",
    TypeChange.INCOMPATIBLE: "changed (incompatible)",
}


def _allowed_values(p: Property) -> tuple[list[Any] | None, Pointer | None]:
    """The property's list of allowed values: ``logicalTypeOptions.enum`` or an
    ``invalidValues`` quality rule with ``arguments.validValues``."""
    enum = p.options.get("enum")
    if isinstance(enum, list):
        return enum, (*p.pointer, "logicalTypeOptions", "enum")
    for q in p.quality:
        values = valid_values(q)
        if values is not None:  # under the rule's arguments, or on the rule itself (as ODCS 3.0 had it)
            under = ("arguments",) if isinstance(q.raw.get("arguments"), Mapping) else ()
            return values, (*q.pointer, *under, "validValues")
    return None, None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _level(classification: str | None) -> int | None:
    if not classification:
        return None
    c = classification.strip().lower()
    return CLASSIFICATION_LEVELS.index(c) if c in CLASSIFICATION_LEVELS else None


def _pk(schema: SchemaObject) -> list[Property]:
    """The primary key's columns by position; those without one last, in document order."""
    return sorted(
        (p for p in schema.properties if p.primary_key),
        key=lambda p: math.inf if p.primary_key_position is None else p.primary_key_position,
    )


class PropertyDiff(OptionsDiff, QualityDiff):
    # --- properties --------------------------------------------------------------
    def properties(self, a: SchemaObject, b: SchemaObject) -> dict[str, str]:
        """Walk the properties of two matched schema objects; returns old path → new path."""
        pairs, removed, added = match_properties(a.properties, b.properties)
        renames = {p.path: q.path for p, q in pairs}
        gone = [p.path for p in removed]
        for p in removed:
            if any(p.path.startswith(g + ".") or p.path.startswith(g + "[].") for g in gone if g != p.path):
                continue
            self.add(
                "MGV110",
                p.pointer,
                f"property {a.name}.{p.path} removed",
                line_at=(*b.pointer, "properties"),
                old=p.path,
                field=f"{b.name}.{p.path}",
            )
        new_paths = [q.path for q in added]
        for q in added:
            if any(
                q.path.startswith(g + ".") or q.path.startswith(g + "[].") for g in new_paths if g != q.path
            ):
                continue
            field = f"{b.name}.{q.path}"
            if q.required:
                self.add("MGV112", q.pointer, f"required property {field} added", new=q.path, field=field)
            else:
                self.add("MGV111", q.pointer, f"optional property {field} added", new=q.path, field=field)
        for p, q in pairs:
            self.property_pair(b, p, q)
        return renames

    def property_pair(self, schema: SchemaObject, p: Property, q: Property) -> None:
        field = f"{schema.name}.{q.path}"
        ptr = q.pointer
        if p.name != q.name:
            self.add(
                "MGV113",
                (*ptr, "name"),
                f"property {schema.name}.{p.path} renamed to {field}",
                old=p.name,
                new=q.name,
                field=field,
            )
        if p.raw.get("physicalName") != q.raw.get("physicalName"):
            self.add(
                "MGV114",
                (*ptr, "physicalName"),
                f"{field}: physicalName changed from {p.raw.get('physicalName')!r} to {q.raw.get('physicalName')!r}",
                old=p.raw.get("physicalName"),
                new=q.raw.get("physicalName"),
                field=field,
            )
        self.types(p.raw, q.raw, ptr, field, "")
        items_a, items_b = p.raw.get("items"), q.raw.get("items")
        if isinstance(items_a, Mapping) or isinstance(items_b, Mapping):  # items typed on one side too
            self.types(_mapping(items_a), _mapping(items_b), (*ptr, "items"), field, "items ")
        for key, added, removed in (("required", "MGV130", "MGV131"), ("unique", "MGV132", "MGV133")):
            was, now = getattr(p, key), getattr(q, key)
            if was != now:
                msg = f"{field}: {key} {was} → {now}"
                self.add(added if now else removed, (*ptr, key), msg, old=was, new=now, field=field)
        self.options(p, q, field)
        self.enum(p, q, field)
        self.sensitivity(p, q, field)
        if p.raw.get("examples") != q.raw.get("examples"):
            self.add("MGV182", (*ptr, "examples"), f"{field}: examples changed", field=field)
        self.metadata(p.raw, q.raw, ptr, field, _PROPERTY_WALKED, field)
        self.quality(
            tuple(r for r in p.quality if valid_values(r) is None),
            tuple(r for r in q.quality if valid_values(r) is None),
            ptr,
            field,
            field,
        )

    def types(
        self, ra: Mapping[str, Any], rb: Mapping[str, Any], ptr: Pointer, field: str, what: str
    ) -> None:
        for key, compare in (("logicalType", compare_logical), ("physicalType", compare_physical)):
            x, y = ra.get(key), rb.get(key)
            if x == y:
                continue
            if not isinstance(x, str) or not isinstance(y, str):
                # a type declared where there was none narrows; dropping one widens
                rid = "MGV121" if y is not None else "MGV122"
                verb = "declared" if y is not None else "dropped"
                self.add(
                    rid,
                    (*ptr, key),
                    f"{field}: {what}{key} {verb} ({x!r} → {y!r})",
                    old=x,
                    new=y,
                    field=field,
                )
                continue
            result = compare(x, y)
            rid = {
                TypeChange.SAME: "MGV123",
                TypeChange.WIDENED: "MGV122",
                TypeChange.NARROWED: "MGV121",
                TypeChange.INCOMPATIBLE: "MGV120",
            }[result]
            self.add(
                rid,
                (*ptr, key),
                f"{field}: {what}{key} {_TYPE_VERB[result]} from {x!r} to {y!r}",
                old=x,
                new=y,
                field=field,
            )

    def enum(self, p: Property, q: Property, field: str) -> None:
        va, _ = _allowed_values(p)
        vb, ptr_b = _allowed_values(q)
        if va is None and vb is None:
            return
        masked = p.masked or q.masked
        where = ptr_b or q.pointer
        if vb is None:
            self.add("MGV143", q.pointer, f"{field}: list of allowed values dropped", field=field)
            return
        if va is None:
            shown = f"{len(vb)} values" if masked else ", ".join(map(str, vb))
            self.add(
                "MGV142",
                where,
                f"{field}: allowed values introduced ({shown})",
                new=None if masked else vb,
                field=field,
            )
            return
        removed = [v for v in va if v not in vb]
        added = [v for v in vb if v not in va]
        if removed:
            shown = f"{len(removed)} value(s)" if masked else ", ".join(map(repr, removed))
            self.add(
                "MGV140",
                where,
                f"{field}: allowed value(s) removed: {shown}",
                old=None if masked else removed,
                field=field,
            )
        if added:
            shown = f"{len(added)} value(s)" if masked else ", ".join(map(repr, added))
            self.add(
                "MGV141",
                where,
                f"{field}: allowed value(s) added: {shown}",
                new=None if masked else added,
                field=field,
            )

    def sensitivity(self, p: Property, q: Property, field: str) -> None:
        ptr = q.pointer
        if p.classification != q.classification:
            la, lb = _level(p.classification), _level(q.classification)
            msg = f"{field}: classification {p.classification!r} → {q.classification!r}"
            if la is not None and lb is not None:
                rid = "MGV170" if lb < la else "MGV171"
            elif la is not None and q.classification is None:
                rid = "MGV170"  # classification dropped
            elif lb is not None and p.classification is None:
                rid = "MGV171"  # classification declared
            else:
                rid = "MGV174"
            self.add(
                rid, (*ptr, "classification"), msg, old=p.classification, new=q.classification, field=field
            )
        lost = sorted((p.categories - q.categories) & _SENSITIVE)
        gained = sorted((q.categories - p.categories) & _SENSITIVE)
        if lost:
            self.add(
                "MGV172",
                ptr,
                f"{field}: sensitive categor{'y' if len(lost) == 1 else 'ies'} removed: {', '.join(lost)}",
                old=lost,
                field=field,
            )
        if gained:
            self.add(
                "MGV173",
                ptr,
                f"{field}: sensitive categor{'y' if len(gained) == 1 else 'ies'} added: {', '.join(gained)}",
                new=gained,
                field=field,
            )

    def primary_key(self, a: SchemaObject, b: SchemaObject, renames: Mapping[str, str]) -> None:
        old = [renames.get(p.path, p.path) for p in _pk(a)]
        new = [p.path for p in _pk(b)]
        if old != new:
            self.add(
                "MGV134",
                b.pointer,
                f"{b.name}: primary key changed from {old or 'none'} to {new or 'none'}",
                old=old,
                new=new,
            )

    # --- quality -------------------------------------------------------------------
