"""The schema checks of a table too large to load, as aggregations in polars' streaming engine.

pandera stays the authority: it checks the columns and dtypes (on no rows),
and every value check is pandera's own expression — taken from the pandera
``Check`` itself, with pandera's null semantics (``ignore_na``) — counted over
the whole file in one streaming pass. ``required`` counts nulls and NaNs as
pandera's ``not_nullable`` does; ``unique`` and composite primary keys go
through :mod:`meshguard.quality.duplicates` (bounded memory). Failing samples
are ``filter(mask).head(n)`` on the same lazy frame. The in-memory path and this
one give identical results on the same data (tests/test_scale_streaming.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from meshguard.quality.duplicates import duplicated, duplicates
from meshguard.quality.keysahead import taken
from meshguard.quality.prunable import bound_twin, keep
from meshguard.quality.tableview import PolarsTable
from meshguard.quality.types import Normalised
from meshguard.sources.base import scrub

if TYPE_CHECKING:
    import polars as pl


class _Spec(Protocol):
    id: str
    pandera: Any


@dataclass(frozen=True)
class Streamed:
    """A check counted over a streamed table: the failing rows and how to find them."""

    count: int
    mask: pl.Expr


class _Capture:
    """Stands in for the LazyFrame a pandera polars check selects from, to keep its expression."""

    exprs: tuple[Any, ...] = ()

    def select(self, *exprs: Any) -> _Capture:
        self.exprs = exprs
        return self


def violation(check: Any, column: str, table: PolarsTable | None = None) -> pl.Expr:
    """The rows failing a pandera polars ``Check`` on ``column``, as a boolean expression (with
    its twin kept on ``table`` when it has one: its samples fetched by row-group statistics)."""
    from pandera.api.polars.types import PolarsData

    capture = _Capture()
    check._check_fn(PolarsData(capture, column), **check._check_kwargs)  # type: ignore[arg-type]
    if len(capture.exprs) != 1:
        raise TypeError(f"check {check.name!r} cannot be streamed")
    passed: pl.Expr = capture.exprs[0]
    # pandera: with ignore_na a null outcome passes, without it a null outcome fails
    mask = (~passed).fill_null(False) if check.ignore_na else (~passed).fill_null(True)
    if table is not None:
        twin = bound_twin(check, column)
        if twin is not None:
            keep(mask, twin, table)
    return mask


def streamed_failures(
    table: PolarsTable,
    norm: Normalised,
    planned: Mapping[str, Sequence[_Spec]],
    builtin: Mapping[tuple[str, str], _Spec],
    pk: tuple[_Spec, list[str]] | None,
    skip: Collection[str],
) -> tuple[dict[str, Streamed], dict[str, str]]:
    """(spec id → failing count and mask, spec id → error) for every value check of ``table``."""
    masks, keys, errors = value_masks(table, parse_failure(norm), planned, builtin, pk, skip)
    counts = _count_all(table, masks, errors)
    out = {sid: Streamed(counts[sid], masks[sid]) for sid in counts}
    for sid, cols in keys.items():
        found = taken(table, cols) or duplicates(table, cols, skip_nulls=False)
        out[sid] = Streamed(found.rows, found.mask)
    return out, errors


def parse_failure(norm: Normalised) -> Callable[[str], pl.Expr | None]:
    """A column's rows whose value did not parse (as :class:`Normalised` holds them), as an expression."""
    import polars as pl

    def rows(path: str) -> pl.Expr | None:
        bad = norm.parse_failures.get(path)
        return bad if bad is None or isinstance(bad, pl.Expr) else pl.lit(bad)

    return rows


def value_masks(
    table: PolarsTable,
    failed: Callable[[str], pl.Expr | None],
    planned: Mapping[str, Sequence[_Spec]],
    builtin: Mapping[tuple[str, str], _Spec],
    pk: tuple[_Spec, list[str]] | None,
    skip: Collection[str],
) -> tuple[dict[str, Any], dict[str, list[str]], dict[str, str]]:
    """:func:`plan_masks` of ``table`` (``failed``: a column's rows whose value did not parse);
    in memory, a one-column key's duplicated rows are a mask counted in the same pass."""
    import polars as pl

    def required(path: str) -> pl.Expr:
        mask = pl.col(path).is_null()
        if table.dtype(path).is_float():
            mask = mask | pl.col(path).is_nan()
        bad = failed(path)  # unparsable values are counted by the type check
        return mask if bad is None else mask & ~bad

    masks, keys, errors = plan_masks(
        planned, builtin, pk, skip, required, lambda check, column: violation(check, column, table)
    )
    if not table.streaming:
        for sid, cols in list(keys.items()):
            if len(cols) == 1:
                masks[sid] = duplicated(cols[0])
                del keys[sid]
    return masks, keys, errors


def plan_masks(
    planned: Mapping[str, Sequence[_Spec]],
    builtin: Mapping[tuple[str, str], _Spec],
    pk: tuple[_Spec, list[str]] | None,
    skip: Collection[str],
    required: Callable[[str], Any],
    violation: Callable[[Any, str], Any],
) -> tuple[dict[str, Any], dict[str, list[str]], dict[str, str]]:
    """The schema's value checks in an engine's terms: (spec id → failing-row mask, spec id →
    key columns of a uniqueness check, spec id → why it cannot run). ``required(column)`` and
    ``violation(pandera_check, column)`` build the engine's masks."""
    masks: dict[str, Any] = {}
    keys: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for (path, kind), spec in builtin.items():
        if kind == "not_nullable" and spec.id not in skip:
            masks[spec.id] = required(path)
    for path, specs in planned.items():
        for spec in specs:
            if spec.id in skip:
                continue
            if spec.id.endswith(".unique"):
                keys[spec.id] = [path]
                continue
            try:
                masks[spec.id] = violation(spec.pandera, path)
            except (TypeError, ValueError) as exc:
                errors[spec.id] = scrub(str(exc))
    if pk is not None and pk[0].id not in skip:
        keys[pk[0].id] = pk[1]
    return masks, keys, errors


def _count_all(table: PolarsTable, masks: Mapping[str, pl.Expr], errors: dict[str, str]) -> dict[str, int]:
    """Every mask counted in one streaming pass; a mask that cannot run is an error of its own."""
    import polars as pl

    if not masks:
        return {}
    counts = [m.fill_null(False).sum().alias(sid) for sid, m in masks.items()]
    # the quality rules' masks on the columns this pass reads are counted in it too (one on a
    # further column would hold that column's row groups in flight as well: ~+20 MiB at 5M rows)
    read = {c for m in masks.values() for c in m.meta.root_names()}
    planned = [m for m in table.planned_counts() if set(m.meta.root_names()) <= read]
    if planned:
        extra = [m.fill_null(False).sum().alias(f"planned {i}") for i, m in enumerate(planned)]
        try:
            row = table.scalars(*counts, *extra)
            table.counted(planned, row[len(counts) :])
            return {sid: int(v or 0) for sid, v in zip(masks, row, strict=False)}
        except pl.exceptions.PolarsError:
            pass  # a rule's mask that cannot run: each rule counts its own, as unplanned
    try:
        row = table.scalars(*counts)
        return {sid: int(v or 0) for sid, v in zip(masks, row, strict=True)}
    except pl.exceptions.PolarsError:
        pass
    out: dict[str, int] = {}
    for sid, m in masks.items():  # find the one(s) that fail
        try:
            out[sid] = table.count(m)
        except pl.exceptions.PolarsError as exc:
            errors[sid] = scrub(str(exc))
    return out
