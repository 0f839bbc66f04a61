"""pandera's verdict on a table's columns and dtypes, validated once per layout and process.

meshguard asks pandera to validate a schema on the table's first zero rows
(:mod:`meshguard.quality.schema`): what that finds (a missing column, a dtype
that is not the contract's, a check that cannot run on the column's dtype)
depends only on the layout — the frame's column names and dtypes, and per
schema column its dtype, nullability and checks (their kind and parameters) —
never on the values. A mesh repeats a few layouts over many products (an id,
an e-mail, an amount…), and pandera's fixed cost per validation (a query per
column and per check, even on no rows) is most of a small product's schema
checks; so each layout is validated once per process, and its failure cases
are kept.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from meshguard.quality.pandera_polars import pandera_polars

if TYPE_CHECKING:
    import polars as pl

#: the columns of a failure case meshguard reads
_FIELDS = ("check", "column", "check_number", "failure_case", "index")
#: layouts kept per process (a mesh with more distinct layouts validates the rest every time)
_LIMIT = 4096


@dataclass(frozen=True)
class ColumnPlan:
    """One column of the pandera schema: None ``dtype`` checks no dtype."""

    dtype: Any
    nullable: bool
    checks: tuple[Any, ...]

    def key(self) -> Hashable:
        return self._key

    @cached_property
    def _key(self) -> Hashable:  # a plan is shared by the tables of its layout (schema_plan.py)
        return (self.dtype, self.nullable, tuple(_check_key(c) for c in self.checks))


def _check_key(check: Any) -> Hashable:
    """What decides a pandera check's outcome on no rows: its function and parameters."""
    return (check.name, check._check_fn, repr(check.statistics), check.ignore_na, check.element_wise)


_seen: dict[Hashable, tuple[dict[str, Any], ...]] = {}


def failure_cases(
    name: str,
    columns: Sequence[tuple[str, ColumnPlan | None]],
    unique: Sequence[str] | None,
    frame: pl.DataFrame | pl.LazyFrame,
    present: Sequence[str],
) -> tuple[dict[str, Any], ...]:
    """pandera's failure cases (``check``, ``column``, ``check_number``, ``failure_case``,
    ``index``) for the schema of ``columns`` (None: a column only required to exist) on no rows
    of ``frame``'s ``present`` columns; ``pandera.errors.SchemaError`` propagates."""
    schema = frame.collect_schema()
    key = (
        tuple((c, schema[c]) for c in present),
        tuple((path, None if plan is None else plan.key()) for path, plan in columns),
        None if unique is None else tuple(unique),
    )
    try:
        found = _seen.get(key)
    except TypeError:  # a parameter that cannot be hashed: validated every time
        return _validate(name, columns, unique, frame, present)
    if found is None:
        found = _validate(name, columns, unique, frame, present)
        if len(_seen) < _LIMIT:
            _seen[key] = found
    return found


def _validate(
    name: str,
    columns: Sequence[tuple[str, ColumnPlan | None]],
    unique: Sequence[str] | None,
    frame: pl.DataFrame | pl.LazyFrame,
    present: Sequence[str],
) -> tuple[dict[str, Any], ...]:
    pa = pandera_polars()
    built: Mapping[str, Any] = {
        path: pa.Column(required=True)
        if plan is None
        else pa.Column(plan.dtype, nullable=plan.nullable, required=True, checks=list(plan.checks))
        for path, plan in columns
    }
    schema = pa.DataFrameSchema(dict(built), unique=list(unique) if unique else None, name=name)
    head = frame.lazy().select(present).head(0).collect()
    try:
        schema.validate(head, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return tuple({k: row.get(k) for k in _FIELDS} for row in exc.failure_cases.iter_rows(named=True))
    return ()
