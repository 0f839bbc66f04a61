"""What a schema object's checks are, planned once per layout and process.

A table's schema checks are planned from its contract's properties, the columns its
data has and the columns whose values are not of the contract's type: one
:class:`~meshguard.quality.schema_specs.Spec` per constraint (with the pandera
``Check`` that runs it, or a note), the pandera column of each present column, the
composite primary key. A mesh repeats a few layouts over many products, and their
plans differ only in the schema object's name, which starts every check id. So a
plan is kept per layout (:func:`layout_of`: everything of the properties the
planning reads, the columns present, the mismatched columns) and each further table
of that layout gets a copy of it with its own name and properties
(:func:`planned_for`), the same checks in the same order as if it had been planned
alone.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from meshguard.contracts.model import Property
from meshguard.quality.pandera_layout import ColumnPlan
from meshguard.quality.pandera_polars import pandera_polars
from meshguard.quality.schema_specs import Spec, option_specs
from meshguard.quality.types import expected_kind, target_dtype

#: layouts kept per process (a mesh with more distinct layouts plans the rest every time)
LIMIT = 1024


@dataclass
class Plan:
    """A schema object's planned checks (``name``: the schema object's name in their ids)."""

    name: str
    #: column → the specs pandera runs on it (with a ``Check``), in order
    planned: dict[str, list[Spec]] = field(default_factory=dict)
    #: (column, pandera's built-in check) → spec: presence, dtype, nullability
    builtin: dict[tuple[str, str], Spec] = field(default_factory=dict)
    #: specs not run (their note says why)
    notes: list[Spec] = field(default_factory=list)
    #: column → its pandera column (None: only required to exist)
    columns: dict[str, ColumnPlan | None] = field(default_factory=dict)
    pk_spec: Spec | None = None
    #: the primary key's columns, in key order
    pk: list[str] = field(default_factory=list)


def layout_of(props: Mapping[str, Property], present: set[str], mismatched: Mapping[str, str]) -> Hashable:
    """What the plan of ``props`` depends on besides the schema object's name (``repr`` of the
    options and the enum: values of different types or order never share a plan)."""
    return tuple(
        (
            path,
            p.pointer,
            p.logical_type,
            p.physical_type,
            p.required,
            p.unique,
            p.primary_key,
            p.primary_key_position,
            repr(tuple(p.options.items())),
            "enum" in p.raw,
            repr(p.raw.get("enum")),
            path in present,
            mismatched.get(path),
        )
        for path, p in props.items()
    )


_plans: dict[Hashable, Plan] = {}


def planned_for(
    name: str, props: Mapping[str, Property], present: set[str], mismatched: Mapping[str, str]
) -> Plan:
    """The plan of schema object ``name``'s ``props``: planned once per layout, copied after."""
    key = layout_of(props, present, mismatched)
    kept = _plans.get(key)
    if kept is None:
        kept = plan(name, props, present, mismatched)
        if len(_plans) < LIMIT:
            _plans[key] = kept
    return kept if kept.name == name else _renamed(kept, name, props)


def _renamed(kept: Plan, name: str, props: Mapping[str, Property]) -> Plan:
    cut = len(kept.name)
    copies: dict[int, Spec] = {}

    def copy(s: Spec) -> Spec:
        got = copies.get(id(s))
        if got is None:
            prop = props[s.prop.path] if s.prop is not None else None
            got = copies[id(s)] = replace(s, id=name + s.id[cut:], prop=prop)
        return got

    return Plan(
        name,
        {path: [copy(s) for s in specs] for path, specs in kept.planned.items()},
        {k: copy(s) for k, s in kept.builtin.items()},
        [copy(s) for s in kept.notes],
        kept.columns,
        None if kept.pk_spec is None else copy(kept.pk_spec),
        kept.pk,
    )


def plan(name: str, props: Mapping[str, Property], present: set[str], mismatched: Mapping[str, str]) -> Plan:
    """Plan ``props`` of schema object ``name`` on data with the columns ``present``."""
    pa = pandera_polars()
    out = Plan(name)
    for path, prop in props.items():
        base = f"{name}.{path}"
        kind = expected_kind(prop)
        specs = [
            Spec(f"{base}.present", f"column {path} present", "conformity", prop.pointer, prop, "present"),
        ]
        specs.append(
            Spec(
                f"{base}.type",
                f"{path} is {kind or 'any type'}",
                "conformity",
                (*prop.pointer, "logicalType") if prop.logical_type else prop.pointer,
                prop,
                kind,
            )
        )
        if prop.required:
            specs.append(
                Spec(
                    f"{base}.required",
                    f"{path} not null",
                    "completeness",
                    (*prop.pointer, "required"),
                    prop,
                    "no nulls",
                )
            )
        unique = prop.unique or (prop.primary_key and sum(p.primary_key for p in props.values()) == 1)
        if unique:
            specs.append(
                Spec(
                    f"{base}.unique",
                    f"{path} unique",
                    "uniqueness",
                    (*prop.pointer, "unique" if prop.unique else "primaryKey"),
                    prop,
                    "unique",
                )
            )
        value_specs = option_specs(prop, base, kind)
        if path not in present:
            for s in specs[1:] + value_specs:
                s.note = s.note or f"not evaluated: column {path} is missing"
            out.notes.extend(specs[1:] + value_specs)
            out.builtin[(path, "column_in_dataframe")] = specs[0]
            out.columns[path] = None  # only required to exist
            continue
        if path in mismatched:
            for s in value_specs:
                s.note = s.note or f"not evaluated: {path} holds {mismatched[path]} values, not {kind}"
        runnable = [s for s in value_specs if s.note is None]
        out.notes.extend(s for s in value_specs if s.note is not None)
        for s in specs:
            if s.id.endswith(".unique"):  # a vectorised check: cheaper than pandera's unique=True
                s.pandera = pa.Check(_not_duplicated, name="unique")
                runnable.insert(0, s)
                continue
            key = {"present": "column_in_dataframe", "type": "dtype", "required": "not_nullable"}
            out.builtin[(path, key[s.id.rsplit(".", 1)[1]])] = s
        out.planned[path] = runnable
        out.columns[path] = ColumnPlan(
            target_dtype(kind) if kind else None,
            nullable=not prop.required,
            checks=tuple(s.pandera for s in runnable),
        )
    pk = sorted((p for p in props.values() if p.primary_key), key=lambda p: p.primary_key_position or 0)
    if len(pk) > 1:
        cols = [p.path for p in pk]
        pk_spec = Spec(
            f"{name}.primaryKey",
            f"primary key ({', '.join(cols)}) unique",
            "uniqueness",
            pk[0].pointer,
            None,
            "unique",
        )
        if not all(c in present for c in cols):
            pk_spec.note = "not evaluated: a primary key column is missing"
            out.notes.append(pk_spec)
        else:
            out.pk_spec, out.pk = pk_spec, cols
    return out


def _not_duplicated(data: Any) -> Any:
    import polars as pl

    return data.lazyframe.select(~pl.col(data.key).is_duplicated())
