"""A read-only typed view over a parsed ODCS contract, used by every later stage."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from meshguard.sensitivity import MASKED_CATEGORIES, SensitivityMap
from meshguard.yamlio import LineMap, Pointer


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class QualityRule:
    """One entry of a ``quality`` list, at schema or property level."""

    raw: Mapping[str, Any]
    pointer: Pointer
    schema: str
    field: str | None  # dotted property path, None for schema-level rules
    index: int

    @property
    def type(self) -> str:
        return str(
            self.raw.get("type") or ("library" if self.raw.get("metric") or self.raw.get("rule") else "text")
        )

    @property
    def metric(self) -> str | None:
        return _str(self.raw.get("metric")) or _str(self.raw.get("rule"))

    @property
    def id(self) -> str:
        explicit = _str(self.raw.get("id"))
        if explicit:
            return explicit
        target = f"{self.schema}.{self.field}" if self.field else self.schema
        kind = self.metric or self.type
        return f"{target}.{kind}.{self.index}"

    @property
    def name(self) -> str:
        return _str(self.raw.get("name")) or _str(self.raw.get("description")) or self.id

    @property
    def severity(self) -> str:
        return (_str(self.raw.get("severity")) or "error").lower()

    @property
    def dimension(self) -> str | None:
        return _str(self.raw.get("dimension"))


@dataclass(frozen=True)
class Property:
    """One property, nested ones flattened with dotted paths."""

    raw: Mapping[str, Any]
    pointer: Pointer
    schema: str
    name: str
    path: str
    logical_type: str | None
    physical_type: str | None
    required: bool
    unique: bool
    primary_key: bool
    primary_key_position: int | None
    classification: str | None
    tags: tuple[str, ...]
    categories: frozenset[str]
    description: str | None
    critical: bool
    options: Mapping[str, Any]
    quality: tuple[QualityRule, ...]
    id: str | None = None

    @property
    def masked(self) -> bool:
        """True when values of this property must never appear in output."""
        return bool(self.categories & MASKED_CATEGORIES)


@dataclass(frozen=True)
class SchemaObject:
    """One table (schema object) of a contract."""

    raw: Mapping[str, Any]
    pointer: Pointer
    name: str
    physical_name: str | None
    physical_type: str | None
    id: str | None
    description: str | None
    properties: tuple[Property, ...]
    quality: tuple[QualityRule, ...]


@dataclass(frozen=True)
class Server:
    """One server (data location) a contract declares."""

    raw: Mapping[str, Any]
    pointer: Pointer
    name: str
    type: str | None

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)


@dataclass(frozen=True)
class SlaProperty:
    """One service-level property (freshness, retention, …) of a contract."""

    raw: Mapping[str, Any]
    pointer: Pointer
    property: str
    value: Any
    unit: str | None
    element: str | None


def split_target(target: str) -> tuple[str | None, str, str] | None:
    """A relationship target as (contract file or None, schema, property): the shorthand
    ``schema.property``, ``schema/<s>/properties/<p>`` or ``file#/schema/<s>/properties/<p>``;
    None when it is none of them."""
    if "#" in target:
        file_part, _, rest = target.partition("#")
        parts = [x for x in rest.split("/") if x]
        if len(parts) >= 4 and parts[0] == "schema" and parts[2] == "properties":
            return file_part or None, parts[1], parts[3]
        return None
    if "/" in target:
        parts = [x for x in target.split("/") if x]
        if len(parts) >= 4 and parts[0] == "schema" and parts[2] == "properties":
            return None, parts[1], parts[3]
        return None
    schema, dot, prop = target.partition(".")
    return (None, schema, prop) if dot else None


@dataclass(frozen=True)
class Relationship:
    """A foreign-key style relationship: ``from_`` columns reference ``to`` columns."""

    raw: Mapping[str, Any]
    pointer: Pointer
    schema: str
    from_: tuple[str, ...]
    to: tuple[str, ...]
    type: str

    def targets(self) -> list[tuple[str, tuple[str | None, str, str] | None]]:
        """Each ``to`` target with its parts (:func:`split_target`; None when malformed)."""
        return [(t, split_target(t)) for t in self.to]


@dataclass(frozen=True)
class Contract:
    """An ODCS data contract as read from its file, with line numbers."""

    path: str
    doc: Mapping[str, Any]
    lines: LineMap = field(repr=False, compare=False)
    sensitivity: SensitivityMap = field(default_factory=SensitivityMap, repr=False, compare=False)

    # --- identity -------------------------------------------------------------
    @property
    def id(self) -> str:
        return str(self.doc.get("id") or self.name or self.path)

    @property
    def name(self) -> str:
        return _str(self.doc.get("name")) or _str(self.doc.get("dataProduct")) or str(self.doc.get("id", ""))

    @property
    def product(self) -> str:
        return _str(self.doc.get("dataProduct")) or self.name

    @property
    def version(self) -> str:
        return str(self.doc.get("version", ""))

    @property
    def api_version(self) -> str:
        return str(self.doc.get("apiVersion", ""))

    @property
    def status(self) -> str | None:
        return _str(self.doc.get("status"))

    @property
    def domain(self) -> str | None:
        return _str(self.doc.get("domain"))

    @property
    def team(self) -> Mapping[str, Any] | None:
        team = self.doc.get("team")
        if isinstance(team, dict):
            return team
        if isinstance(team, list):  # ODCS 3.0.x: team is a list of members
            return {"members": team}
        return None

    @property
    def team_members(self) -> list[Mapping[str, Any]]:
        team = self.team
        return [m for m in _list(team.get("members")) if isinstance(m, dict)] if team else []

    @property
    def owner(self) -> str | None:
        """Owner team name (ODCS 3.1 ``team.name``), else a customProperty ``owner``."""
        team = self.team
        if team and _str(team.get("name")):
            return str(team["name"])
        for prop in _list(self.doc.get("customProperties")):
            if isinstance(prop, dict) and prop.get("property") in (
                "owner",
                "ownerTeam",
                "productOwner",
            ):
                return _str(prop.get("value"))
        for member in self.team_members:
            if str(member.get("role", "")).lower() in ("owner", "data owner", "product owner"):
                return _str(member.get("username")) or _str(member.get("name"))
        return None

    @property
    def support(self) -> list[Mapping[str, Any]]:
        return [s for s in _list(self.doc.get("support")) if isinstance(s, dict)]

    @property
    def description(self) -> Mapping[str, Any]:
        desc = self.doc.get("description")
        return desc if isinstance(desc, dict) else {"purpose": desc} if isinstance(desc, str) else {}

    # --- structure ------------------------------------------------------------
    @property
    def schemas(self) -> tuple[SchemaObject, ...]:
        cached = self.__dict__.get("_schemas")
        if cached is None:
            cached = tuple(self._build_schemas())
            object.__setattr__(self, "_schemas", cached)
        return cached

    @property
    def properties(self) -> tuple[Property, ...]:
        return tuple(p for s in self.schemas for p in s.properties)

    def find_property(self, schema: str, path: str) -> Property | None:
        for s in self.schemas:
            if s.name == schema:
                for p in s.properties:
                    if p.path == path:
                        return p
        return None

    @property
    def quality_rules(self) -> tuple[QualityRule, ...]:
        out: list[QualityRule] = []
        for s in self.schemas:
            out.extend(s.quality)
            for p in s.properties:
                out.extend(p.quality)
        return tuple(out)

    @property
    def servers(self) -> tuple[Server, ...]:
        out = []
        for i, raw in enumerate(_list(self.doc.get("servers"))):
            if isinstance(raw, dict):
                name = _str(raw.get("server")) or f"server{i}"
                out.append(Server(raw, ("servers", i), name, _str(raw.get("type"))))
        return tuple(out)

    @property
    def sla(self) -> tuple[SlaProperty, ...]:
        default_element = _str(self.doc.get("slaDefaultElement"))
        out = []
        for i, raw in enumerate(_list(self.doc.get("slaProperties"))):
            if isinstance(raw, dict) and _str(raw.get("property")):
                out.append(
                    SlaProperty(
                        raw,
                        ("slaProperties", i),
                        str(raw["property"]),
                        raw.get("value"),
                        _str(raw.get("unit")),
                        _str(raw.get("element")) or default_element,
                    )
                )
        return tuple(out)

    @property
    def relationships(self) -> tuple[Relationship, ...]:
        out: list[Relationship] = []
        for s in self.schemas:
            for i, raw in enumerate(_list(s.raw.get("relationships"))):
                if isinstance(raw, dict):
                    out.append(_relationship(raw, (*s.pointer, "relationships", i), s.name, None))
            for p in s.properties:
                for i, raw in enumerate(_list(p.raw.get("relationships"))):
                    if isinstance(raw, dict):
                        out.append(
                            _relationship(raw, (*p.pointer, "relationships", i), s.name, f"{s.name}.{p.path}")
                        )
        return tuple(out)

    def line(self, pointer: Pointer) -> int | None:
        return self.lines.line(pointer)

    # --- building -------------------------------------------------------------
    def _build_schemas(self) -> Iterator[SchemaObject]:
        for i, raw in enumerate(_list(self.doc.get("schema"))):
            if not isinstance(raw, dict):
                continue
            name = _str(raw.get("name")) or f"schema{i}"
            pointer: Pointer = ("schema", i)
            props = tuple(self._flatten(name, _list(raw.get("properties")), (*pointer, "properties"), ""))
            quality = tuple(
                QualityRule(q, (*pointer, "quality", j), name, None, j)
                for j, q in enumerate(_list(raw.get("quality")))
                if isinstance(q, dict)
            )
            yield SchemaObject(
                raw,
                pointer,
                name,
                _str(raw.get("physicalName")),
                _str(raw.get("physicalType")),
                _str(raw.get("id")),
                _str(raw.get("description")),
                props,
                quality,
            )

    def _flatten(self, schema: str, items: list[Any], pointer: Pointer, prefix: str) -> Iterator[Property]:
        for i, raw in enumerate(items):
            if not isinstance(raw, dict):
                continue
            name = _str(raw.get("name")) or f"property{i}"
            path = f"{prefix}{name}"
            ptr: Pointer = (*pointer, i)
            tags = tuple(t for t in _list(raw.get("tags")) if isinstance(t, str))
            classification = _str(raw.get("classification"))
            categories = self.sensitivity.categories(classification, tags, _list(raw.get("customProperties")))
            pk_pos = raw.get("primaryKeyPosition")
            yield Property(
                raw=raw,
                pointer=ptr,
                schema=schema,
                name=name,
                path=path,
                logical_type=_str(raw.get("logicalType")),
                physical_type=_str(raw.get("physicalType")),
                required=raw.get("required") is True,
                unique=raw.get("unique") is True,
                primary_key=raw.get("primaryKey") is True,
                primary_key_position=pk_pos if isinstance(pk_pos, int) and pk_pos >= 0 else None,
                classification=classification,
                tags=tags,
                categories=categories,
                description=_str(raw.get("description")),
                critical=raw.get("criticalDataElement") is True,
                options=_dict(raw.get("logicalTypeOptions")),
                quality=tuple(
                    QualityRule(q, (*ptr, "quality", j), schema, path, j)
                    for j, q in enumerate(_list(raw.get("quality")))
                    if isinstance(q, dict)
                ),
                id=_str(raw.get("id")),
            )
            nested = raw.get("properties")
            if isinstance(nested, list):
                yield from self._flatten(schema, nested, (*ptr, "properties"), f"{path}.")
            items_ = raw.get("items")
            if isinstance(items_, dict) and isinstance(items_.get("properties"), list):
                yield from self._flatten(
                    schema, items_["properties"], (*ptr, "items", "properties"), f"{path}[]."
                )


def _columns(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _relationship(raw: Mapping[str, Any], pointer: Pointer, schema: str, own: str | None) -> Relationship:
    from_ = _columns(raw.get("from")) or ((own,) if own else ())
    return Relationship(
        raw, pointer, schema, from_, _columns(raw.get("to")), str(raw.get("type", "foreignKey"))
    )
