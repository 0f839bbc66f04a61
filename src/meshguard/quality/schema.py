"""Contract schema object → pandera schema (polars backend), validated lazily on the full data.

Every constraint becomes one :class:`CheckResult` (stage ``schema``):
presence, type, ``required``, ``unique``, composite primary key,
``logicalTypeOptions`` (minLength, maxLength, pattern, minimum, maximum,
exclusiveMinimum/Maximum, format) and ``enum``. pandera validates a
``DataFrame`` (not a ``LazyFrame``), so data-level checks always run, and
``lazy=True`` collects every failure in one pass. Failing values are never
quoted in messages; samples carry whole rows with guarded columns masked.
What each property plans is built in :mod:`meshguard.quality.schema_specs`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from meshguard.contracts.model import Property
from meshguard.quality import keysahead
from meshguard.quality.pandera_layout import failure_cases
from meshguard.quality.pandera_polars import pandera_polars
from meshguard.quality.results import Table, check
from meshguard.quality.schema_plan import planned_for
from meshguard.quality.schema_specs import Spec
from meshguard.quality.streaming import Streamed
from meshguard.quality.types import Normalised
from meshguard.results.model import CheckResult, Stage, Status
from meshguard.sources.base import scrub


def schema_checks(table: Table, norm: Normalised, props: dict[str, Property]) -> list[CheckResult]:
    """Build the pandera schema for ``table``, validate, and report every planned check."""
    # the polars engine's own table: its keys' passes while pandera is imported
    columns_present = set(table.columns)
    ahead = keysahead.start(table, props, columns_present) if type(table) is Table else None
    try:
        pa = pandera_polars()
    finally:
        if ahead is not None:
            ahead.join()

    obj = table.schema
    results: list[CheckResult] = []
    planned_ = planned_for(obj.name, props, columns_present, norm.mismatched)
    planned, builtin, notes, pk_spec = planned_.planned, planned_.builtin, planned_.notes, planned_.pk_spec

    failures: dict[str, list[int] | Streamed] = defaultdict(list)
    errors: dict[str, str] = {}
    found_dtype: dict[str, str] = {}
    try:
        # pandera checks the columns and dtypes on no rows (once per layout: the outcome depends on
        # nothing else); its value checks' own expressions are then counted in one aggregate over
        # the table (no mask materialised per check)
        pk_unique = planned_.pk if pk_spec else None
        for row in failure_cases(
            obj.name, list(planned_.columns.items()), pk_unique, table.frame, table.columns
        ):
            spec = _spec_for(row, planned, builtin, pk_spec)
            if spec is None:
                continue
            idx = row.get("index")
            if spec.id.endswith(".type") and idx is None:
                found_dtype[spec.id] = str(row.get("failure_case"))
            elif idx is None and not spec.id.endswith(".present"):
                errors[spec.id] = scrub(str(row.get("failure_case") or "check failed"))
            elif idx is not None:
                cast_list = failures[spec.id]
                assert isinstance(cast_list, list)
                cast_list.append(int(idx))
            else:
                failures[spec.id]
    except pa.errors.SchemaError as exc:  # pandera raised before collecting (should not with lazy)
        return [
            check(
                table,
                id=f"{obj.name}.schema",
                name="pandera schema",
                stage=Stage.SCHEMA,
                pointer=obj.pointer,
                dimension="conformity",
                ok=False,
                status=Status.ERRORED,
                message=scrub(str(exc)),
            )
        ]
    pk_cols = (pk_spec, planned_.pk) if pk_spec else None
    streamed, failed = table.value_failures(
        norm, planned, builtin, pk_cols, set(errors) | set(failures) | set(found_dtype)
    )
    failures.update(streamed)
    errors.update(failed)

    every = [s for p in props for s in _ordered(builtin, planned.get(p, []), p)]
    if pk_spec:
        every.append(pk_spec)
    for spec in every:
        results.append(_result(table, spec, failures, errors, found_dtype, norm))
    for spec in notes:
        results.append(
            check(
                table,
                id=spec.id,
                name=spec.name,
                stage=Stage.SCHEMA,
                pointer=spec.pointer,
                dimension=spec.dimension,
                ok=False,
                status=spec.note_status,
                field=spec.prop.path if spec.prop else None,
                threshold=spec.threshold,
                message=spec.note or "",
            )
        )
    order = {s.id: i for i, s in enumerate([*every, *notes])}
    return sorted(results, key=lambda r: order.get(r.id, 0))


def _ordered(builtin: dict[tuple[str, str], Spec], runnable: list[Spec], path: str) -> list[Spec]:
    keys = ("column_in_dataframe", "dtype", "not_nullable")
    return [*(builtin[(path, k)] for k in keys if (path, k) in builtin), *runnable]


def _spec_for(
    row: dict[str, Any],
    planned: dict[str, list[Spec]],
    builtin: dict[tuple[str, str], Spec],
    pk_spec: Spec | None,
) -> Spec | None:
    name = str(row.get("check") or "")
    column = row.get("column")
    if name == "column_in_dataframe":
        return builtin.get((str(row.get("failure_case")), name))
    if name == "multiple_fields_uniqueness":
        return pk_spec
    if column is None:
        return None
    if name.startswith("dtype("):
        return builtin.get((column, "dtype"))
    if name in ("not_nullable", "field_uniqueness"):
        return builtin.get((column, name))
    number = row.get("check_number")
    specs = planned.get(column, [])
    return specs[number] if isinstance(number, int) and 0 <= number < len(specs) else None


def _result(
    table: Table,
    spec: Spec,
    failures: dict[str, list[int] | Streamed],
    errors: dict[str, str],
    found_dtype: dict[str, str],
    norm: Normalised,
) -> CheckResult:
    import polars as pl

    path = spec.prop.path if spec.prop else None
    common: dict[str, Any] = dict(
        id=spec.id,
        name=spec.name,
        stage=Stage.SCHEMA,
        pointer=spec.pointer,
        dimension=spec.dimension,
        field=path,
        threshold=spec.threshold,
    )
    if spec.id in errors:
        return check(
            table,
            ok=False,
            status=Status.ERRORED,
            message=f"check could not run: {errors[spec.id]}",
            **common,
        )
    kind = spec.id.rsplit(".", 1)[1]
    if kind == "present":
        ok = spec.id not in failures
        return check(
            table,
            ok=ok,
            measured=ok,
            message="" if ok else f"column {path} is missing from the data ({_found(table.columns)})",
            **common,
        )
    if kind == "type" and path is not None:
        if spec.id in found_dtype or path in norm.mismatched:
            got = norm.mismatched.get(path) or found_dtype.get(spec.id, "?")
            return check(
                table,
                ok=False,
                measured=got,
                failing_rows=table.rows,
                message=f"{path} holds {got} values, the contract says {spec.threshold}",
                **common,
            )
        bad = norm.parse_failures.get(path)
        n = 0 if bad is None else table.count(bad) if isinstance(bad, pl.Expr) else int(bad.sum())
        if bad is not None and n:
            return check(
                table,
                ok=False,
                failing=bad,
                failing_rows=n,
                measured=n,
                message=f"{n} value(s) of {path} are not a valid {spec.threshold}",
                **common,
            )
        return check(table, ok=True, failing_rows=0, measured=0, **common)
    found = failures.get(spec.id, [])
    if isinstance(found, Streamed):
        ok = not found.count
        return check(
            table,
            ok=ok,
            failing=found.mask,
            failing_rows=found.count,
            measured=found.count,
            message="" if ok else f"{found.count} row(s) fail: {spec.name}",
            **common,
        )
    idx = found
    if kind == "required" and path in norm.parse_failures:  # unparsable values are counted by .type
        bad = norm.parse_failures[path]
        assert isinstance(bad, pl.Series)
        idx = [i for i in idx if not bad[i]]
    ok = not idx
    msg = "" if ok else f"{len(idx)} row(s) fail: {spec.name}"
    return check(
        table,
        ok=ok,
        failing=idx if idx else pl.Series([], dtype=pl.Boolean),
        failing_rows=len(idx),
        measured=len(idx),
        message=msg,
        **common,
    )


def _found(columns: Sequence[str], shown: int = 12) -> str:
    """The columns the data has, for a missing-column message (a wrong delimiter shows at once)."""
    if not columns:
        return "the data has no columns"
    names = ", ".join(repr(c) for c in columns[:shown])
    more = f" and {len(columns) - shown} more" if len(columns) > shown else ""
    return f"columns found: {names}{more}"
