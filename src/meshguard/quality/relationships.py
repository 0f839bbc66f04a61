"""Relationships (ODCS 3.1 foreign keys), inside one product and across products of the mesh.

Each ``from`` column's non-null values must exist in the ``to`` column; the
orphans are counted and sampled (masked). The target product is read through
its own source (only the target columns).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from meshguard.contracts.model import Contract, Relationship, split_target
from meshguard.errors import DataError
from meshguard.quality.results import Table, check
from meshguard.results.model import CheckResult, Stage, Status

if TYPE_CHECKING:
    import polars as pl

#: (contract, schema name, columns) → the target frame (may raise DataError)
Loader = Callable[[Contract, str, list[str]], "pl.DataFrame"]


def resolve_target(
    contract: Contract, mesh: Mapping[str, Contract], target: str
) -> tuple[Contract, str, str] | None:
    parsed = split_target(target)
    if parsed is None:
        return None
    file_ref, schema, prop = parsed
    if file_ref is None and any(schema in (s.name, s.id) for s in contract.schemas):
        return contract, _name(contract, schema), prop
    candidates = list(mesh.values())
    if file_ref is not None:
        stem = file_ref.rsplit("/", 1)[-1].split(".")[0]
        candidates = [c for c in candidates if c.id == stem or c.path.endswith(file_ref)]
    for c in candidates:
        if c.path != contract.path and any(schema in (s.name, s.id) for s in c.schemas):
            return c, _name(c, schema), prop
    for c in candidates:  # a product id used as the schema part ("customers.customer_id")
        if c.id == schema and c.path != contract.path and c.schemas:
            return c, c.schemas[0].name, prop
    return None


def _name(c: Contract, schema: str) -> str:
    return next(s.name for s in c.schemas if schema in (s.name, s.id))


def relationship_checks(
    contract: Contract,
    tables: Mapping[str, Table],
    mesh: Mapping[str, Contract],
    load: Loader,
) -> list[CheckResult]:
    import polars as pl

    out: list[CheckResult] = []
    for rel in contract.relationships:
        table = tables.get(rel.schema)
        if table is None:
            continue
        cols = [f.split(".", 1)[1] if f.startswith(f"{rel.schema}.") else f for f in rel.from_]
        rid = f"{rel.schema}.{'+'.join(cols)}.references.{'+'.join(rel.to)}"
        base: dict[str, Any] = dict(
            id=rid,
            name=f"{', '.join(cols)} → {', '.join(rel.to)}",
            stage=Stage.RELATIONSHIP,
            pointer=rel.pointer,
            dimension="consistency",
            field=cols[0] if len(cols) == 1 else None,
            threshold="0 orphans",
        )
        err = _plan_error(rel, cols, table)
        targets = [resolve_target(contract, mesh, t) for t in rel.to]
        if err is None and any(t is None for t in targets):
            err = f"target {rel.to[targets.index(None)]!r} is not a product of this mesh"
        if err is None and len({(t[0].path, t[1]) for t in targets if t}) != 1:
            err = "all `to` columns must be in one schema object"
        if err is not None:
            out.append(check(table, ok=False, status=Status.ERRORED, message=err, **base))
            continue
        tgt_contract, tgt_schema, _ = targets[0]  # type: ignore[misc]
        tgt_cols = [t[2] for t in targets if t]
        try:
            if tgt_contract.path == contract.path and tgt_schema in tables:
                ref = tables[tgt_schema].select(tgt_cols)
            else:
                ref = load(tgt_contract, tgt_schema, tgt_cols)
        except DataError as exc:
            out.append(
                check(
                    table,
                    ok=False,
                    status=Status.ERRORED,
                    message=f"cannot read the target {tgt_contract.id}: {exc.message}",
                    **base,
                )
            )
            continue
        missing = [c for c in tgt_cols if c not in ref.columns]
        if missing:
            out.append(
                check(
                    table,
                    ok=False,
                    status=Status.ERRORED,
                    message=f"target column {missing[0]} missing in {tgt_contract.id}",
                    **base,
                )
            )
            continue
        keys = ref.select([pl.col(t).alias(f) for t, f in zip(tgt_cols, cols, strict=True)]).unique()
        try:
            keys = keys.with_columns([pl.col(c).cast(table.dtype(c)) for c in cols])
            n, orphan = table.orphans(cols, keys)
        except pl.exceptions.PolarsError:
            out.append(
                check(
                    table,
                    ok=False,
                    status=Status.ERRORED,
                    message="from and to columns have incompatible types",
                    **base,
                )
            )
            continue
        ok = n == 0
        where = "" if tgt_contract.path == contract.path else f" of product {tgt_contract.id}"
        out.append(
            check(
                table,
                ok=ok,
                measured=n,
                failing=orphan,
                failing_rows=n,
                message="" if ok else f"{n} row(s) reference no {', '.join(rel.to)}{where}",
                details={"target_product": tgt_contract.id},
                **base,
            )
        )
    return out


def _plan_error(rel: Relationship, cols: list[str], table: Table) -> str | None:
    if not rel.to:
        return "relationship has no `to` target"
    if len(cols) != len(rel.to):
        return f"relationship maps {len(cols)} column(s) to {len(rel.to)}"
    missing = [c for c in cols if c not in table.columns]
    return f"column {missing[0]} is missing from the data" if missing else None
