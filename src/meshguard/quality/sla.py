"""SLAs from ``slaProperties``, measured on the data.

- ``freshness``: age of the newest value of the element's timestamp column;
- ``retention``: age of the oldest value (no record older than the period);
- ``latency`` (ODCS: time from the source to availability): with two elements
  ``"t.event_ts, t.loaded_at"`` the largest ``loaded_at - event_ts``; with one element
  it is not measurable from one timestamp and is reported as ``info``.

The property is matched without regard to case, as the version diff matches it
(``Freshness`` is measured as ``freshness``, under the check id ``sla.freshness``).
"now" is the run's clock (``--as-of`` / ``data.as_of`` for reproducible runs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from meshguard.contracts.model import Contract, SlaProperty
from meshguard.contracts.periods import caseless, unit_seconds
from meshguard.quality.results import Table, check
from meshguard.quality.types import family
from meshguard.results.model import CheckResult, Stage, Status

AGE = {"freshness": "newest", "retention": "oldest"}
MEASURED = frozenset({*AGE, "latency"})


def kind(prop: str) -> str:
    """The SLA property as meshguard names its check: a measured one in lower case, whatever
    its case in the contract; any other as written."""
    folded = caseless(prop)
    return folded if folded in MEASURED else prop


def parse_instant(text: str, where: str) -> dt.datetime:
    """An ISO date or timestamp (naive: UTC); a bad value is a one-line usage error naming ``where``."""
    from meshguard.errors import UsageError

    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{where}: {text!r} is not an ISO date or timestamp") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def period_seconds(value: Any, unit: str | None, prop: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"value {value!r} is not a number")
    seconds = unit_seconds(unit or "d", prop)
    if seconds is None:
        raise ValueError(f"unknown unit {unit!r}")
    return float(value) * seconds


def _element(sla: SlaProperty, tables: Mapping[str, Table]) -> tuple[Table, str] | None:
    if not sla.element:
        return None
    element = sla.element.split(",")[0].strip()
    schema, dot, col = element.rpartition(".")
    if dot and schema in tables and col in tables[schema].columns:
        return tables[schema], col
    for t in tables.values():
        if element in t.columns:
            return t, element
    return None


def _as_utc(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return None


def sla_checks(contract: Contract, tables: Mapping[str, Table], now: dt.datetime) -> list[CheckResult]:
    out: list[CheckResult] = []
    if not tables:
        return out
    any_table = next(iter(tables.values()))
    kinds = [kind(s.property) for s in contract.sla]
    repeated = {k for k in kinds if kinds.count(k) > 1}
    for sla, prop in zip(contract.sla, kinds, strict=True):
        cid = f"sla.{prop}.{sla.pointer[-1]}" if prop in repeated else f"sla.{prop}"
        name = f"SLA {prop} {sla.value} {sla.unit or ''}".strip()
        base: dict[str, Any] = dict(
            id=cid, name=name, stage=Stage.SLA, pointer=sla.pointer, dimension="timeliness", field=sla.element
        )
        if prop == "latency":
            out.append(_latency(sla, tables, any_table, base))
            continue
        if prop not in AGE:
            out.append(
                check(
                    any_table,
                    ok=True,
                    status=Status.INFO,
                    message=f"SLA {prop!r} is not measurable from the data (documented only)",
                    **base,
                )
            )
            continue
        if not sla.element:
            # valid ODCS (element is optional), but there is nothing in the data to measure
            msg = (
                f"SLA {prop} names no element: meshguard measures it on a date or timestamp column "
                "(element: table.column); not evaluated"
            )
            out.append(check(any_table, ok=True, status=Status.UNSUPPORTED, message=msg, **base))
            continue
        found = _element(sla, tables)
        if found is None:
            why = f"element {sla.element!r} is not a column of the data"
            out.append(check(any_table, ok=False, status=Status.ERRORED, message=f"SLA {prop} {why}", **base))
            continue
        table, col = found
        try:
            limit = period_seconds(sla.value, sla.unit, prop)
        except ValueError as exc:
            out.append(check(table, ok=False, status=Status.ERRORED, message=f"SLA {prop}: {exc}", **base))
            continue
        if family(table.dtype(col)) not in ("date", "timestamp", "null"):
            msg = f"{col} is not a date or timestamp column"
            out.append(check(table, ok=False, status=Status.ERRORED, message=f"SLA {prop}: {msg}", **base))
            continue
        try:
            edge = table.extreme(col, "max" if AGE[prop] == "newest" else "min")
        except (OverflowError, ValueError):  # beyond Python's datetime range (year > 9999)
            msg = f"{col} holds dates out of range"
            out.append(check(table, ok=False, status=Status.ERRORED, message=f"SLA {prop}: {msg}", **base))
            continue
        when = _as_utc(edge)
        if when is None:
            msg = "no timestamps in the data" if edge is None else f"{col} is not a date or timestamp column"
            out.append(check(table, ok=False, status=Status.ERRORED, message=f"SLA {prop}: {msg}", **base))
            continue
        age = (now - when).total_seconds()
        ok = age <= limit
        hours = round(age / 3600, 2)
        msg = (
            ""
            if ok
            else (
                f"{AGE[prop]} {col} is {hours} h old at {now.isoformat(timespec='seconds')}, "
                f"limit {sla.value} {sla.unit or 'd'}"
            )
        )
        details: dict[str, Any] = {"now": now.isoformat(timespec="seconds"), "age_hours": hours}
        if col not in table.masked:
            details["edge"] = when.isoformat()
        out.append(
            check(
                table,
                ok=ok,
                measured=hours,
                threshold=f"<= {round(limit / 3600, 2)} h",
                message=msg,
                details=details,
                **base,
            )
        )
    return out


def _column(element: str, tables: Mapping[str, Table]) -> tuple[Table, str] | None:
    schema, dot, col = element.strip().rpartition(".")
    if dot and schema in tables and col in tables[schema].columns:
        return tables[schema], col
    for t in tables.values():
        if element.strip() in t.columns:
            return t, element.strip()
    return None


def _latency(
    sla: SlaProperty, tables: Mapping[str, Table], any_table: Table, base: dict[str, Any]
) -> CheckResult:
    import polars as pl

    elements = [e for e in (sla.element or "").split(",") if e.strip()]
    if len(elements) != 2:
        return check(
            any_table,
            ok=True,
            status=Status.INFO,
            message=(
                "latency (source → availability) needs two elements, 'event_ts, available_ts'; "
                "documented only"
            ),
            **base,
        )
    a, b = _column(elements[0], tables), _column(elements[1], tables)
    if a is None or b is None or a[0] is not b[0]:
        return check(
            any_table,
            ok=False,
            status=Status.ERRORED,
            message="latency elements must be two timestamp columns of one table",
            **base,
        )
    table = a[0]
    try:
        limit = period_seconds(sla.value, sla.unit, "latency")
        worst, n_late, late = table.latency(a[1], b[1], limit)
    except (ValueError, pl.exceptions.PolarsError) as exc:
        return check(table, ok=False, status=Status.ERRORED, message=f"SLA latency: {str(exc)[:120]}", **base)
    hours = round(float(worst) / 3600, 2) if isinstance(worst, (int, float)) else None
    ok = not n_late
    return check(
        table,
        ok=ok,
        measured=hours,
        threshold=f"<= {round(limit / 3600, 2)} h",
        failing=late,
        failing_rows=int(n_late),
        message="" if ok else f"{int(n_late)} row(s) took longer than {sla.value} {sla.unit or 'd'}",
        **base,
    )
