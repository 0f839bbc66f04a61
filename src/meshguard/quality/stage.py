"""The data + quality stage: read each schema object, check it, profile it (one product)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from meshguard import progress
from meshguard.config import Config
from meshguard.contracts.model import Contract, Property, SchemaObject
from meshguard.errors import DataError, MeshguardError
from meshguard.quality.backends import backend
from meshguard.quality.library import library_check
from meshguard.quality.load import flatten, panic, read_error, read_table, unreadable
from meshguard.quality.relationships import relationship_checks
from meshguard.quality.results import Table, location, with_samples
from meshguard.quality.rulecounts import plan_rule_counts
from meshguard.quality.schema import schema_checks
from meshguard.quality.sla import parse_instant, sla_checks
from meshguard.quality.sqlrules import other_rule_check, sql_check
from meshguard.quality.types import normalise
from meshguard.results.model import CheckResult, Severity, Stage, Status
from meshguard.sources.base import ReadOptions, SizedSource, Source
from meshguard.sources.registry import NoSource, open_source
from meshguard.stages import QualityContext, QualityOutcome

if TYPE_CHECKING:
    import polars as pl

    from meshguard.quality.batch import Prepared


def _read_options(config: Config, run: QualityContext) -> ReadOptions:
    return ReadOptions(
        limit=run.sample_rows or config.data.sample_rows,
        fraction=run.sample_fraction,
        large_file_bytes=config.data.large_file_bytes,
    )


def _product_check(contract: Contract, suffix: str, status: str, message: str, severity: str) -> CheckResult:
    return CheckResult(
        id=f"{contract.id}.{suffix}",
        name="data source readable" if suffix == "data" else suffix,
        stage=Stage.QUALITY,
        status=status,
        severity=severity,
        dimension="coverage",
        message=message,
        location=location(contract, ("servers",)),
    )


def _defined_twice(contract: Contract) -> dict[str, SchemaObject]:
    """Schema object name → its second definition, for each name more than one object has
    (lint error MG014)."""
    seen: set[str] = set()
    twice: dict[str, SchemaObject] = {}
    for obj in contract.schemas:
        if obj.name in seen:
            twice.setdefault(obj.name, obj)
        seen.add(obj.name)
    return twice


def _twice(contract: Contract, obj: SchemaObject) -> CheckResult:
    """The one check of the objects that share ``obj``'s name: none of their data is checked,
    since their checks would have the same ids and draw properties from each other."""
    lines = [location(contract, (*o.pointer, "name")).line for o in contract.schemas if o.name == obj.name]
    message = (
        f"schema object {obj.name!r} is defined more than once (lines {', '.join(map(str, lines))}): "
        "its data checks are not run, since the objects' results could not be told apart; "
        "give each object its own name (MG014)"
    )
    check = _product_check(contract, f"{obj.name}.data", Status.ERRORED, message, Severity.ERROR)
    return replace(check, location=location(contract, (*obj.pointer, "name")))


def _props(contract: Contract, schema: str) -> dict[str, Property]:
    return {p.path: p for p in contract.properties if p.schema == schema and "[]" not in p.path}


def run_quality(
    contract: Contract,
    config: Config,
    run: QualityContext,
    mesh: Mapping[str, Contract],
    prepared: Mapping[str, Prepared] | None = None,
) -> QualityOutcome:
    """Validate ``contract``'s data; :class:`UnavailableError` (exit 3) propagates. ``prepared``:
    schema object → its table, already read and profiled with a batch (:func:`run_qualities`)."""
    out = QualityOutcome()
    try:  # a batch opened the source to read its table
        source = (
            next(iter(prepared.values()))[0].source if prepared else open_source(contract, config, run.server)
        )
    except NoSource as exc:
        out.checks.append(
            _product_check(contract, "data", Status.WARNED, f"{exc}: data checks not run", Severity.WARNING)
        )
        return out
    except DataError as exc:
        out.checks.append(_product_check(contract, "data", Status.ERRORED, str(exc), Severity.ERROR))
        return out
    read_opts = _read_options(config, run)
    tables: dict[str, Table] = {}
    columns: dict[str, dict[str, Any]] = {}
    multi = len(contract.schemas) > 1
    prepare = backend(source.capabilities.backend)
    twice = _defined_twice(contract)
    for obj in contract.schemas:
        if obj.name in twice:  # its checks would mix two objects' rows, ids and samples
            if twice[obj.name] is obj:
                out.checks.append(_twice(contract, obj))
            continue
        # the table's size is found (a file's stat, a path's resolution) only for a listener
        size = _size(source, obj) if progress.active() else None
        progress.step(contract.id, "reading", obj.name, size=size)
        try:
            if prepared is not None and obj.name in prepared:
                table, norm, prof = prepared[obj.name]
            else:
                table, norm, prof = prepare(
                    contract, obj, source, _props(contract, obj.name), read_opts, config.data.failing_samples
                )
            sampled = table.sampled
        except DataError as exc:
            out.checks.append(
                _product_check(contract, f"{obj.name}.data", Status.ERRORED, str(exc), Severity.ERROR)
            )
            continue
        props = _props(contract, obj.name)
        tables[obj.name] = table
        progress.step(contract.id, "checking", obj.name, rows=_known_rows(table))
        import polars as pl  # here: a Spark table imports it beside its read (prepare_spark)

        rules = [*obj.quality, *(r for p in props.values() for r in p.quality)]
        try:
            plan_rule_counts(table, rules)
            out.checks.extend(schema_checks(table, norm, props))
            out.checks.extend(_unsupported_items(table, contract, obj.name))
            for i, rule in enumerate(rules):
                progress.step(
                    contract.id, "rules", obj.name, rows=_known_rows(table), done=i + 1, total=len(rules)
                )
                out.checks.append(_rule(table, rule))
        except (pl.exceptions.PolarsError, panic(), ValueError) as exc:
            # data found broken half way (a panic: the native reader gave up on a corrupt file)
            err = read_error(contract, source, exc)
            out.checks.append(
                _product_check(contract, f"{obj.name}.data", Status.ERRORED, str(err), Severity.ERROR)
            )
        out.sampled = out.sampled or sampled
        out.rows = (out.rows or 0) + table.rows
        if run.profile:  # the profile is what policies read (input.data): computed for them only
            for path, entry in prof.items():
                columns[f"{obj.name}.{path}" if multi else path] = entry
    progress.step(contract.id, "relationships")
    out.checks.extend(relationship_checks(contract, tables, mesh, _loader(config, run)))
    progress.step(contract.id, "sla")
    sla = sla_checks(contract, tables, sla_now(config, run))
    out.checks.extend(sla)
    try:  # an engine that fetches every check's failing rows at the end, in one go
        out.checks = with_samples(out.checks, tables.values())
    except ValueError as exc:
        out.checks.append(_product_check(contract, "samples", Status.ERRORED, str(exc), Severity.ERROR))
    out.source = source.describe()
    if tables:
        out.data = {"source": out.source, "rows": out.rows, "columns": columns, "freshness": _freshness(sla)}
    return out


def run_qualities(
    contracts: Sequence[Contract], config: Config, run: QualityContext, mesh: Mapping[str, Contract]
) -> Iterator[QualityOutcome]:
    """:func:`run_quality` of each contract, in order; with ``data.batch`` the tables of products
    of one layout are read and profiled together (meshguard.quality.batch), the rest alone."""
    if not config.data.batch or len(contracts) < 2:
        for contract in contracts:
            yield run_quality(contract, config, run, mesh)
        return
    from meshguard.quality.batch import prepare_batch

    ready = prepare_batch(contracts, config, run, _read_options(config, run))
    for at, contract in enumerate(contracts):
        yield run_quality(contract, config, run, mesh, ready.pop(at, None))


def _size(source: Source, obj: SchemaObject) -> int | None:
    """The bytes of the table being read, when the source knows them (progress shows them)."""
    if not source.capabilities.sizes:
        return None
    try:
        return cast(SizedSource, source).size(obj.physical_name or obj.name)
    except (MeshguardError, OSError):  # reading it reports the problem
        return None


def _known_rows(table: Table) -> int | None:
    """The rows of ``table`` when known without another pass over it (progress shows them)."""
    return table.row_count if table.streaming else table.rows


def sla_now(config: Config, run: QualityContext) -> datetime:
    """``--as-of``, else ``data.as_of`` in meshguard.yaml, else the run's clock."""
    if run.as_of is not None:
        return run.as_of
    if config.data.as_of:
        return parse_instant(config.data.as_of, "data.as_of")
    return run.now


def _rule(table: Table, rule: Any) -> CheckResult:
    kind = rule.type
    if kind == "library":
        return library_check(table, rule)
    if kind == "sql":
        return sql_check(table, rule)
    return other_rule_check(table, rule)


def _unsupported_items(table: Table, contract: Contract, schema: str) -> list[CheckResult]:
    from meshguard.quality.results import check

    return [
        check(
            table,
            id=f"{schema}.{p.path}",
            name=f"{p.path} (array items)",
            stage=Stage.SCHEMA,
            pointer=p.pointer,
            dimension="conformity",
            ok=False,
            status=Status.UNSUPPORTED,
            field=p.path,
            message="properties of array items are not validated by meshguard",
        )
        for p in contract.properties
        if p.schema == schema and "[]" in p.path
    ]


def _freshness(sla: list[CheckResult]) -> dict[str, Any] | None:
    for c in sla:
        if c.id.startswith("sla.freshness") and c.measured is not None:
            return {"element": c.field, "age_hours": c.measured, "status": c.status, **c.details}
    return None


def _loader(config: Config, run: QualityContext) -> Any:
    cache: dict[tuple[str, str, tuple[str, ...]], pl.DataFrame] = {}

    def load(target: Contract, schema: str, cols: list[str]) -> pl.DataFrame:

        key = (target.path, schema, tuple(cols))
        if key not in cache:
            try:
                source: Source = open_source(target, config)  # the target's own server, not --server
            except NoSource as exc:
                raise DataError(str(exc)) from None
            obj = next(s for s in target.schemas if s.name == schema)
            # the whole target, only the columns named, streamed from the source
            lazy, _ = read_table(source, target, obj, _read_options(config, run), stream=True)
            props = {c: p for c, p in _props(target, schema).items() if c in cols}
            lazy = flatten(lazy.lazy(), props)
            present = [c for c in cols if c in lazy.collect_schema().names()]
            typed = normalise(lazy.select(present), props, source.typing).frame
            try:
                cache[key] = typed.lazy().select(present).collect(engine="streaming")
            except unreadable() as exc:
                raise read_error(target, source, exc) from None
        return cache[key]

    return load
