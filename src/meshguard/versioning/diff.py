"""Classify every change between two versions of a contract (breaking / non-breaking / informational).

Both documents are walked by stable identity: schema objects and properties
by ``id`` when both versions carry one, else by name (nested properties by
their dotted path), so a rename through ``id`` is a rename, not a removal
plus an addition. Each :class:`Change` carries a rule id from
:mod:`meshguard.contracts.rules_versioning`, a JSON pointer and the YAML line
in the new file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from meshguard.contracts.identity import match, match_properties
from meshguard.contracts.model import Contract, Property, QualityRule, Relationship, SchemaObject
from meshguard.errors import UsageError
from meshguard.results.model import Change
from meshguard.sensitivity import CLASSIFICATION_LEVELS, MASKED_CATEGORIES
from meshguard.versioning.rules import CHANGE_RULES, PERSPECTIVES
from meshguard.versioning.typecompat import TypeChange, compare_logical, compare_physical
from meshguard.yamlio import Pointer

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
_SCHEMA_WALKED = frozenset(
    {"id", "name", "physicalName", "physicalType", "logicalType", "properties", "quality", "relationships"}
)
_LOWER = {"minimum": "exclusiveMinimum", "exclusiveMinimum": "minimum"}
_UPPER = {"maximum": "exclusiveMaximum", "exclusiveMaximum": "maximum"}
_MIN_KEYS = ("minLength", "minItems", "minProperties")
_MAX_KEYS = ("maxLength", "maxItems", "maxProperties")
_FORMAT_KEYS = ("format", "timezone", "defaultTimezone")
_SENSITIVE = MASKED_CATEGORIES
_TYPE_VERB = {
    TypeChange.SAME: "respelled",
    TypeChange.WIDENED: "widened",
    TypeChange.NARROWED: "narrowed",
    TypeChange.INCOMPATIBLE: "changed (incompatible)",
}

#: service-level properties: +1 when a larger value is stronger, -1 when smaller is stronger
_SLA_DIRECTION: dict[str, int] = {
    "availability": 1,
    "uptime": 1,
    "retention": 1,
    "throughput": 1,
    "endofsupport": 1,
    "endoflife": 1,
    "latency": -1,
    "freshness": -1,
    "frequency": -1,
    "errorrate": -1,
    "timetodetect": -1,
    "timetonotify": -1,
    "timetorepair": -1,
}
_UNIT_SECONDS: dict[str, float] = {}
for _names, _secs in (
    (("s", "sec", "secs", "second", "seconds"), 1),
    (("m", "min", "mins", "minute", "minutes"), 60),
    (("h", "hr", "hrs", "hour", "hours"), 3600),
    (("d", "day", "days"), 86400),
    (("w", "wk", "week", "weeks"), 7 * 86400),
    (("mo", "mon", "month", "months"), 30 * 86400),
    (("y", "yr", "yrs", "year", "years"), 365 * 86400),
):
    for _n in _names:
        _UNIT_SECONDS[_n] = float(_secs)
_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z%]*)\s*$")


def _ptr(pointer: Pointer) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in pointer)


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _cmp(a: Any, b: Any) -> int | None:
    """-1/0/1 comparing two bounds (numbers, or ISO dates as strings); None if not comparable."""
    x, y = _num(a), _num(b)
    if x is not None and y is not None:
        return (x > y) - (x < y)
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)
    return None


def _allowed_values(p: Property) -> tuple[list[Any] | None, Pointer | None]:
    """The property's list of allowed values: ``logicalTypeOptions.enum`` or an
    ``invalidValues`` quality rule with ``arguments.validValues``."""
    enum = p.options.get("enum")
    if isinstance(enum, list):
        return enum, (*p.pointer, "logicalTypeOptions", "enum")
    for q in p.quality:
        values = _valid_values(q)
        if values is not None:
            return values, (*q.pointer, "arguments", "validValues")
    return None, None


def _valid_values(q: QualityRule) -> list[Any] | None:
    if q.metric != "invalidValues":
        return None
    args = q.raw.get("arguments")
    values = args.get("validValues") if isinstance(args, Mapping) else q.raw.get("validValues")
    return values if isinstance(values, list) else None


def _level(classification: str | None) -> int | None:
    if not classification:
        return None
    c = classification.strip().lower()
    return CLASSIFICATION_LEVELS.index(c) if c in CLASSIFICATION_LEVELS else None


def _pk(schema: SchemaObject) -> list[Property]:
    keyed = [
        (p.primary_key_position if p.primary_key_position is not None else 10**6, i, p)
        for i, p in enumerate(schema.properties)
        if p.primary_key
    ]
    return [p for _, _, p in sorted(keyed, key=lambda t: (t[0], t[1]))]


def _sla_value(value: Any, unit: str | None) -> float | None:
    if isinstance(value, str):
        m = _NUMBER.match(value)
        if not m:
            return None
        number, unit_in_value = float(m.group(1)), m.group(2)
        unit = unit or unit_in_value or None
    else:
        x = _num(value)
        if x is None:
            return None
        number = x
    if unit:
        factor = _UNIT_SECONDS.get(unit.strip().lower())
        if factor is not None:
            return number * factor
    return number


class _Differ:
    def __init__(self, old: Contract, new: Contract, perspective: str) -> None:
        self.old, self.new, self.perspective = old, new, perspective
        self.changes: list[Change] = []

    # --- recording -------------------------------------------------------------
    def add(
        self,
        rule_id: str,
        pointer: Pointer,
        message: str,
        *,
        line_at: Pointer | None = None,
        old: Any = None,
        new: Any = None,
        field: str | None = None,
    ) -> None:
        rule = CHANGE_RULES[rule_id]
        if line_at is not None:  # a removed element: the key of its surviving parent
            pos = self.new.lines.locate(line_at, key=True)
            line = pos[0] if pos else None
        else:
            line = self.new.line(pointer)
        self.changes.append(
            Change(rule.id, rule.kind(self.perspective), _ptr(pointer), message, line, old, new, field)
        )

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

    def metadata(
        self,
        ra: Mapping[str, Any],
        rb: Mapping[str, Any],
        pointer: Pointer,
        where: str,
        walked: frozenset[str],
        field: str | None,
    ) -> None:
        for key in ("description", "businessName", "dataGranularityDescription"):
            if ra.get(key) != rb.get(key):
                self.add("MGV181", (*pointer, key), f"{where}: {key} changed", field=field)
        if ra.get("tags") != rb.get("tags"):
            self.add(
                "MGV180",
                (*pointer, "tags"),
                f"{where}: tags changed from {ra.get('tags')} to {rb.get('tags')}",
                old=ra.get("tags"),
                new=rb.get("tags"),
                field=field,
            )
        for key in sorted(set(ra) | set(rb)):
            if key in walked or key in ("description", "businessName", "dataGranularityDescription", "tags"):
                continue
            if ra.get(key) != rb.get(key):
                self.add("MGV189", (*pointer, key), f"{where}: {key} changed", field=field)

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
        if isinstance(items_a, Mapping) and isinstance(items_b, Mapping):
            self.types(items_a, items_b, (*ptr, "items"), field, "items ")
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
            tuple(r for r in p.quality if _valid_values(r) is None),
            tuple(r for r in q.quality if _valid_values(r) is None),
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

    def options(self, p: Property, q: Property, field: str) -> None:
        a, b = p.options, q.options
        base = (*q.pointer, "logicalTypeOptions")
        # lower and upper bounds, inclusive or exclusive
        for pair in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
            lower = pair[0] == "minimum"
            old_b = _bound(a, pair)
            new_b = _bound(b, pair)
            if old_b == new_b:
                continue
            key = new_b[0] if new_b else (old_b[0] if old_b else pair[0])
            if new_b is None:
                self.add(
                    "MGV147",
                    (*base, key),
                    f"{field}: {key} {old_b[1]!r} removed" if old_b else f"{field}: bound removed",
                    old=old_b[1] if old_b else None,
                    field=field,
                )
                continue
            if old_b is None:
                self.add(
                    "MGV146", (*base, key), f"{field}: {key} {new_b[1]!r} added", new=new_b[1], field=field
                )
                continue
            c = _cmp(new_b[1], old_b[1])
            if c is None:
                self.add(
                    "MGV146",
                    (*base, key),
                    f"{field}: {key} changed from {old_b[1]!r} to {new_b[1]!r}",
                    old=old_b[1],
                    new=new_b[1],
                    field=field,
                )
                continue
            # same value: inclusive ↔ exclusive
            stricter = new_b[0].startswith("exclusive") if c == 0 else (c > 0) == lower
            rid = "MGV146" if stricter else "MGV147"
            verb = "narrowed" if stricter else "widened"
            self.add(
                rid,
                (*base, key),
                f"{field}: {verb}: {old_b[0]} {old_b[1]!r} → {new_b[0]} {new_b[1]!r}",
                old=old_b[1],
                new=new_b[1],
                field=field,
            )
        for key in (*_MIN_KEYS, *_MAX_KEYS, "multipleOf"):
            x, y = a.get(key), b.get(key)
            if x == y:
                continue
            if y is None:
                self.add(
                    "MGV147",
                    (*base, key) if key in b else base,
                    f"{field}: {key} {x!r} removed",
                    old=x,
                    field=field,
                )
                continue
            if x is None or key == "multipleOf":
                self.add(
                    "MGV146",
                    (*base, key),
                    f"{field}: {key} {y!r} added"
                    if x is None
                    else f"{field}: {key} changed from {x!r} to {y!r}",
                    old=x,
                    new=y,
                    field=field,
                )
                continue
            c = _cmp(y, x)
            stricter = c is None or (c > 0 if key in _MIN_KEYS else c < 0)
            rid = "MGV146" if stricter else "MGV147"
            verb = "narrowed" if stricter else "widened"
            self.add(
                rid, (*base, key), f"{field}: {key} {verb} from {x!r} to {y!r}", old=x, new=y, field=field
            )
        x, y = a.get("pattern"), b.get("pattern")
        if x != y:
            if y is None:
                self.add("MGV145", base, f"{field}: pattern {_short(x)!r} removed", old=x, field=field)
            else:
                self.add(
                    "MGV144",
                    (*base, "pattern"),
                    f"{field}: pattern {'added' if x is None else 'changed'}: {_short(y)!r}",
                    old=x,
                    new=y,
                    field=field,
                )
        for key in _FORMAT_KEYS:
            x, y = a.get(key), b.get(key)
            if x != y:
                rid = "MGV147" if y is None else "MGV148"
                self.add(
                    rid,
                    (*base, key) if y is not None else base,
                    f"{field}: {key} {x!r} removed"
                    if y is None
                    else f"{field}: {key} {'added' if x is None else 'changed from ' + repr(x) + ' to'} {y!r}",
                    old=x,
                    new=y,
                    field=field,
                )
        handled = {
            "minimum",
            "exclusiveMinimum",
            "maximum",
            "exclusiveMaximum",
            "pattern",
            "enum",
            *_MIN_KEYS,
            *_MAX_KEYS,
            "multipleOf",
            *_FORMAT_KEYS,
        }
        for key in sorted((set(a) | set(b)) - handled):
            if a.get(key) != b.get(key):
                self.add(
                    "MGV149",
                    (*base, key),
                    f"{field}: logicalTypeOptions.{key} changed",
                    old=a.get(key),
                    new=b.get(key),
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
    def quality(
        self,
        qa: Sequence[QualityRule],
        qb: Sequence[QualityRule],
        pointer: Pointer,
        where: str,
        field: str | None,
    ) -> None:
        pairs, removed, added = match(qa, qb, _quality_key)
        for r in removed:
            self.add(
                "MGV161", r.pointer, f"{where}: quality rule {r.name!r} removed", line_at=pointer, field=field
            )
        for r in added:
            self.add("MGV160", r.pointer, f"{where}: quality rule {r.name!r} added", field=field)
        for x, y in pairs:
            ra = {k: v for k, v in x.raw.items() if k not in ("description", "name")}
            rb = {k: v for k, v in y.raw.items() if k not in ("description", "name")}
            if ra != rb:
                self.add("MGV162", y.pointer, f"{where}: quality rule {y.name!r} changed", field=field)
            elif x.raw != y.raw:
                self.add(
                    "MGV181", y.pointer, f"{where}: quality rule {y.name!r} description changed", field=field
                )

    # --- relationships ----------------------------------------------------------------
    def relationships(
        self,
        ra: Sequence[Relationship],
        rb: Sequence[Relationship],
        pointer: Pointer,
        renames: Mapping[str, str],
        names: tuple[str, str],
    ) -> None:
        def from_key(r: Relationship, rename: bool) -> tuple[str, ...]:
            out = []
            for col in r.from_:
                if rename and col.startswith(names[0] + "."):
                    rest = col[len(names[0]) + 1 :]
                    col = f"{names[1]}.{renames.get(rest, rest)}"
                elif rename:
                    col = renames.get(col, col)
                out.append(col)
            return tuple(out)

        old = {from_key(r, True): r for r in ra}
        new = {from_key(r, False): r for r in rb}
        for key, r in old.items():
            if key not in new:
                self.add(
                    "MGV150",
                    r.pointer,
                    f"relationship {', '.join(key)} → {', '.join(r.to)} removed",
                    line_at=pointer,
                    old=list(r.to),
                )
            elif (tuple(new[key].to), new[key].type) != (tuple(r.to), r.type):
                s = new[key]
                self.add(
                    "MGV152",
                    s.pointer,
                    f"relationship {', '.join(key)} now points to {', '.join(s.to)} (was {', '.join(r.to)})",
                    old=list(r.to),
                    new=list(s.to),
                )
        for key, s in new.items():
            if key not in old:
                self.add(
                    "MGV151",
                    s.pointer,
                    f"relationship {', '.join(key)} → {', '.join(s.to)} added",
                    new=list(s.to),
                )

    # --- service levels ---------------------------------------------------------------
    def sla(self) -> None:
        def key(s: Any) -> str:
            return f"{s.property.lower()}@{s.element or ''}"

        pairs, removed, added = match(self.old.sla, self.new.sla, key)
        for s in removed:
            self.add(
                "MGV202",
                s.pointer,
                f"service level {s.property!r} removed",
                line_at=("slaProperties",),
                old=s.value,
            )
        for s in added:
            self.add("MGV203", s.pointer, f"service level {s.property!r} added", new=s.value)
        for x, y in pairs:
            if (x.value, x.unit) == (y.value, y.unit):
                if x.raw != y.raw:
                    self.add("MGV189", y.pointer, f"service level {y.property!r}: details changed")
                continue
            shown = f"{x.property}: {x.value}{' ' + x.unit if x.unit else ''} → {y.value}{' ' + y.unit if y.unit else ''}"
            direction = _SLA_DIRECTION.get(y.property.replace("_", "").replace("-", "").lower())
            a, b = _sla_value(x.value, x.unit), _sla_value(y.value, y.unit)
            if direction is None or a is None or b is None:
                c = _cmp(y.value, x.value) if direction is not None and isinstance(x.value, str) else None
                if c is None or direction is None:
                    self.add(
                        "MGV204",
                        (*y.pointer, "value"),
                        f"service level changed: {shown}",
                        old=x.value,
                        new=y.value,
                    )
                    continue
            else:
                c = (b > a) - (b < a)
            if c == 0:
                self.add(
                    "MGV189",
                    (*y.pointer, "value"),
                    f"service level respelled: {shown}",
                    old=x.value,
                    new=y.value,
                )
                continue
            stronger = c * direction > 0
            self.add(
                "MGV201" if stronger else "MGV200",
                (*y.pointer, "value"),
                f"service level {'strengthened' if stronger else 'weakened'}: {shown}",
                old=x.value,
                new=y.value,
            )

    # --- servers ------------------------------------------------------------------------
    def servers(self) -> None:
        pairs, removed, added = match(self.old.servers, self.new.servers, lambda s: s.name)
        for s in removed:
            self.add("MGV210", s.pointer, f"server {s.name!r} removed", line_at=("servers",), old=s.name)
        for s in added:
            self.add("MGV211", s.pointer, f"server {s.name!r} added", new=s.name)
        for x, y in pairs:
            for k in sorted(set(x.raw) | set(y.raw)):
                if x.raw.get(k) == y.raw.get(k):
                    continue
                if k in ("description", "customProperties", "roles", "environment"):
                    self.add("MGV189", (*y.pointer, k), f"server {y.name!r}: {k} changed")
                else:
                    self.add(
                        "MGV212",
                        (*y.pointer, k),
                        f"server {y.name!r}: {k} changed from {x.raw.get(k)!r} to {y.raw.get(k)!r}",
                        old=x.raw.get(k),
                        new=y.raw.get(k),
                    )


def _bound(options: Mapping[str, Any], pair: tuple[str, str]) -> tuple[str, Any] | None:
    """(key, value) of the tightest bound of one side among an inclusive/exclusive pair."""
    inc, exc = pair
    if options.get(exc) is not None:
        return exc, options[exc]
    if options.get(inc) is not None:
        return inc, options[inc]
    return None


def _quality_key(q: QualityRule) -> str:
    explicit = q.raw.get("id")
    if isinstance(explicit, str) and explicit:
        return "id:" + explicit
    name = q.raw.get("name")
    if isinstance(name, str) and name:
        return "name:" + name
    return f"kind:{q.metric or q.type}:{q.raw.get('query') or q.raw.get('description') or ''}"


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
