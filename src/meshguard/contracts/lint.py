"""Semantic lint on top of the ODCS JSON Schema.

Each rule is one small function registered with :func:`rule`; it yields
``(message, pointer)`` pairs for one contract, reading the repo-wide
:class:`LintContext` when it needs other contracts (relationship targets,
duplicate ids). Adding a rule is adding one function.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from meshguard.contracts.model import Contract, Relationship, split_target
from meshguard.results.model import Finding, Location, Severity
from meshguard.results.rules import RuleSpec
from meshguard.yamlio import Pointer

Issue = tuple[str, Pointer]
RuleFn = Callable[[Contract, "LintContext"], Iterator[Issue]]

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
KNOWN_STATUS = ("proposed", "draft", "active", "deprecated", "retired")
LOGICAL_TYPES = (
    "string",
    "date",
    "timestamp",
    "time",
    "number",
    "integer",
    "object",
    "array",
    "boolean",
)


#: a lint rule: the shared catalogue shape, its check a function of (contract, context)
Rule = RuleSpec[RuleFn]


@dataclass
class LintContext:
    """What rules may know about the rest of the repo."""

    contracts: Sequence[Contract] = ()
    _schemas: dict[str, set[str]] = field(default_factory=dict)
    _by_id: dict[str, Contract] = field(default_factory=dict)
    _id_counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        for c in self.contracts:
            self._id_counts[c.id] += 1
            self._index(c)

    def _index(self, c: Contract) -> None:
        self._by_id.setdefault(c.id, c)
        for s in c.schemas:
            self._schemas.setdefault(s.name, set()).update(p.path for p in s.properties)
            if s.id:
                self._schemas.setdefault(s.id, set()).update(p.id or p.path for p in s.properties)

    def repo_schema(self, name: str) -> set[str] | None:
        return self._schemas.get(name)

    def contract_by_id(self, cid: str) -> Contract | None:
        return self._by_id.get(cid)

    def id_count(self, cid: str) -> int:
        return self._id_counts[cid]

    def outline(self) -> Outline:
        """What the cross-contract rules read of these contracts, for linting others elsewhere."""
        return Outline(Counter(self._id_counts), {k: set(v) for k, v in self._schemas.items()})

    def add(self, other: Outline) -> None:
        """The ids and schemas of contracts linted elsewhere, counted as if they were here."""
        self._id_counts.update(other.ids)
        for name, paths in other.schemas.items():
            self._schemas.setdefault(name, set()).update(paths)


@dataclass
class Outline:
    """Contracts as the built-in cross-contract rules see them without a file reference: how
    often each id occurs, and each schema name (and id) with its property paths (and ids)."""

    ids: Counter[str]
    schemas: dict[str, set[str]]


RULES: list[Rule] = []


def rule(id: str, name: str, severity: str, title: str, remediation: str) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        RULES.append(Rule(id, name, severity, title, remediation, fn))
        return fn

    return register


@rule(
    "MG010",
    "owner-missing",
    Severity.WARNING,
    "Owner team present",
    "add a `team:` with a name and at least one member",
)
def owner_present(c: Contract, ctx: LintContext) -> Iterator[Issue]:
    if c.team is None:
        yield "no owner: the contract has no `team`", ()
    elif not c.team_members and not c.owner:
        yield "the team has no name and no members", ("team",)


@rule(
    "MG011",
    "version-not-semver",
    Severity.ERROR,
    "Semantic version",
    "use MAJOR.MINOR.PATCH, e.g. 1.2.0",
)
def version_semver(c: Contract, ctx: LintContext) -> Iterator[Issue]:
    v = c.doc.get("version")
    if not isinstance(v, str) or not SEMVER.match(v.strip()):
        yield f"version {v!r} is not a semantic version (MAJOR.MINOR.PATCH)", ("version",)


@rule(
    "MG012",
    "status-unknown",
    Severity.WARNING,
    "Known status",
    f"use one of: {', '.join(KNOWN_STATUS)}",
)
def status_known(c: Contract, ctx: LintContext) -> Iterator[Issue]:
    s = c.doc.get("status")
    if s is None:
        yield "no status (expected one of: " + ", ".join(KNOWN_STATUS) + ")", ()
    elif not isinstance(s, str) or s.strip().lower() not in KNOWN_STATUS:
        yield f"status {s!r} is not one of: {', '.join(KNOWN_STATUS)}", ("status",)


@rule(
    "MG013",
    "logical-type-missing",
    Severity.ERROR,
    "Every property typed",
    f"set logicalType to one of: {', '.join(LOGICAL_TYPES)}",
)
def property_typed(c: Contract, ctx: LintContext) -> Iterator[Issue]:
    for p in c.properties:
        if p.logical_type is None:
            yield f"property {p.schema}.{p.path} has no logicalType", p.pointer


@rule(
    "MG014",
    "duplicate-schema-name",
    Severity.ERROR,
    "Unique schema names",
    "rename one of the schema objects",
)
def duplicate_schema(c: Contract, ctx: LintContext) -> Iterator[Issue]:
    seen: set[str] = set()
    for s in c.schemas:
        if s.name in seen:
            yield f"schema object {s.name!r} is defined more than once", (*s.pointer, "name")
        seen.add(s.name)


@rule(
    "MG015",
    "duplicate-property-name",
    Severity.ERROR,
    "Unique property names",
    "rename or remove one of the properties",
)
def duplicate_property(c: Contract, ctx: LintContext) -> Iterator[Issue]:
    for s in c.schemas:
        seen: set[str] = set()
        for p in s.properties:
            if p.path in seen:
                yield f"property {s.name}.{p.path} is defined more than once", (*p.pointer, "name")
            seen.add(p.path)


@rule(
    "MG016",
    "primary-key-not-required",
    Severity.WARNING,
    "Primary keys are required",
    "set `required: true` on every primaryKey property",
)
def primary_key_required(c: Contract, ctx: LintContext) -> Iterator[Issue]:
    for p in c.properties:
        if p.primary_key and not p.required:
            yield (
                f"primary key {p.schema}.{p.path} is not marked required",
                (*p.pointer, "primaryKey"),
            )


def _target_issue(c: Contract, ctx: LintContext, rel: Relationship, target: str) -> str | None:
    parsed = split_target(target)
    if parsed is None:
        return f"relationship target {target!r} is not `schema.property` or a schema/properties path"
    file_ref, schema, prop = parsed
    local = {s.name: {p.path for p in s.properties} for s in c.schemas}
    local.update({s.id: {p.id or p.path for p in s.properties} for s in c.schemas if s.id})
    if file_ref is None and schema in local:
        return (
            None
            if prop in local[schema]
            else f"relationship target {target!r}: {schema} has no property {prop!r}"
        )
    if file_ref is not None:
        stem = file_ref.rsplit("/", 1)[-1].split(".")[0]
        other = ctx.contract_by_id(stem) or next(
            (
                o
                for o in ctx.contracts
                if o.path.endswith(file_ref) or o.path.rsplit("/", 1)[-1].startswith(stem + ".")
            ),
            None,
        )
        if other is None:
            return f"relationship target {target!r}: no contract {file_ref!r} in the repo"
        props = {p.id or p.path for s in other.schemas if schema in (s.id, s.name) for p in s.properties}
        if not props:
            return f"relationship target {target!r}: contract {other.id} has no schema {schema!r}"
        return None if prop in props else f"relationship target {target!r}: {schema} has no property {prop!r}"
    repo = ctx.repo_schema(schema)
    if repo is None:
        return None  # outside this mesh: MG018 reports it as a warning
    return None if prop in repo else f"relationship target {target!r}: {schema} has no property {prop!r}"


@rule(
    "MG017",
    "relationship-target-missing",
    Severity.ERROR,
    "Relationship targets exist",
    "point `to:` at an existing schema.property, here or in another contract of the repo",
)
def relationship_targets(c: Contract, ctx: LintContext) -> Iterator[Issue]:
    for rel in c.relationships:
        if len(rel.to) == 0:
            yield "relationship has no `to` target", rel.pointer
            continue
        if len(rel.from_) and len(rel.from_) != len(rel.to):
            yield f"relationship maps {len(rel.from_)} columns to {len(rel.to)}", rel.pointer
        for target in rel.to:
            issue = _target_issue(c, ctx, rel, target)
            if issue:
                yield issue, (*rel.pointer, "to")


@rule(
    "MG018",
    "relationship-target-outside-mesh",
    Severity.WARNING,
    "Relationship targets known",
    "add the target product's contract to the repo so the relationship can be checked",
)
def relationship_outside(c: Contract, ctx: LintContext) -> Iterator[Issue]:
    local = {s.name for s in c.schemas} | {s.id for s in c.schemas if s.id}
    for rel in c.relationships:
        for target, parsed in rel.targets():
            if parsed and parsed[0] is None and parsed[1] not in local and ctx.repo_schema(parsed[1]) is None:
                yield (
                    f"relationship target {target!r} is not defined in this mesh",
                    (*rel.pointer, "to"),
                )


@rule(
    "MG019",
    "classification-unknown",
    Severity.WARNING,
    "Known classification",
    "use a classification that maps to a sensitivity category, or add it to `sensitivity:` in meshguard.yaml",
)
def classification_known(c: Contract, ctx: LintContext) -> Iterator[Issue]:
    for p in c.properties:
        if p.classification and not c.sensitivity.known(p.classification):
            yield (
                f"classification {p.classification!r} of {p.schema}.{p.path} maps to no sensitivity category",
                (*p.pointer, "classification"),
            )


@rule(
    "MG020",
    "duplicate-contract-id",
    Severity.ERROR,
    "Unique contract ids",
    "give every contract in the repo its own id",
)
def unique_id(c: Contract, ctx: LintContext) -> Iterator[Issue]:
    if ctx.id_count(c.id) > 1:
        yield f"contract id {c.id!r} is used by more than one contract in the repo", ("id",)


@rule(
    "MG021",
    "domain-missing",
    Severity.WARNING,
    "Domain named",
    "add `domain:` so the product shows under its domain on the scorecards",
)
def domain_present(c: Contract, ctx: LintContext) -> Iterator[Issue]:
    if c.domain is None:
        yield "no domain: the product will be listed under '(none)'", ()


@rule(
    "MG022",
    "logical-type-unknown",
    Severity.ERROR,
    "Known logical type",
    f"use one of: {', '.join(LOGICAL_TYPES)}",
)
def logical_type_known(c: Contract, ctx: LintContext) -> Iterator[Issue]:
    for p in c.properties:
        if p.logical_type is not None and p.logical_type not in LOGICAL_TYPES:
            yield (
                f"logicalType {p.logical_type!r} of {p.schema}.{p.path} is not an ODCS type",
                (*p.pointer, "logicalType"),
            )


RULES_BY_ID = {r.id: r for r in RULES}


def lint_contract(
    contract: Contract,
    ctx: LintContext | None = None,
    rules: Iterable[Rule] = RULES,
    severities: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Run every rule on one contract. ``severities`` overrides a rule's default
    severity by id (``error``, ``warning`` or ``off``), from meshguard.yaml ``lint.rules``."""
    ctx = ctx or LintContext([contract])
    severities = severities or {}
    out: list[Finding] = []
    for r in rules:
        severity = severities.get(r.id, severities.get(r.name, r.severity))
        if severity == "off":
            continue
        if r.check is None:
            continue
        for message, pointer in r.check(contract, ctx):
            pos = contract.lines.locate(pointer)
            out.append(
                Finding(
                    rule_id=r.id,
                    stage="lint",
                    severity=severity,
                    status="failed" if severity == Severity.ERROR else "warned",
                    message=message,
                    location=Location(
                        contract.path,
                        pos[0] if pos else None,
                        pos[1] if pos else None,
                        "/" + "/".join(map(str, pointer)),
                    ),
                    title=r.title,
                    remediation=r.remediation,
                    details={"rule": r.name},
                )
            )
    return out
