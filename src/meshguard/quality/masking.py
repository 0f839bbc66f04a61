"""Masking of guarded values (pii, special, phi, pci) in failing samples: never the real value."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

from meshguard.contracts.model import Property
from meshguard.detectors import suspect

MASK = "***"


def mask_value(value: Any) -> Any:
    """``jane.doe@example.com`` → ``j***@***.com``; anything else → ``***`` (None stays None)."""
    if value is None:
        return None
    if isinstance(value, str) and "@" in value:
        local, _, domain = value.partition("@")
        tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
        head = local[:1] if len(local) > 3 else ""
        return f"{head}***@***" + (f".{tld}" if tld and len(tld) <= 6 and tld.isalpha() else "")
    return MASK


def jsonable(value: Any) -> Any:
    """``value`` as strict JSON: dates as ISO text, NaN/±inf as the strings "NaN"/"Infinity"/"-Infinity"."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def mask_rows(rows: Sequence[Mapping[str, Any]], masked: Collection[str]) -> tuple[dict[str, Any], ...]:
    """Failing sample rows, JSON-ready, with every guarded column masked."""
    out = []
    for row in rows:
        out.append({k: mask_value(v) if k in masked else jsonable(v) for k, v in row.items()})
    return tuple(out)


def guarded(prop: Property) -> bool:
    """Values of ``prop`` are masked in every output: declared personal/sensitive data, or a
    field whose name, description or type says it holds personal data."""
    return prop.masked or bool(suspect(prop.name, prop.description, prop.logical_type, prop.physical_type))
