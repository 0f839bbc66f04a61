"""Changes to service levels (slaProperties) and servers."""

from __future__ import annotations

import re
from typing import Any

from meshguard.contracts.identity import match
from meshguard.contracts.periods import caseless, unit_seconds
from meshguard.versioning.areas.base import DifferBase, as_number, compare

#: service-level properties: +1 when a larger value is stronger, -1 when smaller is stronger
_SLA_DIRECTION: dict[str, int] = {
    "availability": 1,
    "uptime": 1,
    "retention": 1,
    "throughput": 1,
    "endofsupport": 1,
    "endoflife": 1,
    "latency": -1,
    "freshness": -1,
    "frequency": -1,
    "errorrate": -1,
    "timetodetect": -1,
    "timetonotify": -1,
    "timetorepair": -1,
}
_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z%]*)\s*$")


def _sla_value(value: Any, unit: str | None, prop: str) -> float | None:
    if isinstance(value, str):
        m = _NUMBER.match(value)
        if not m:
            return None
        number, unit_in_value = float(m.group(1)), m.group(2)
        unit = unit or unit_in_value or None
    else:
        x = as_number(value)
        if x is None:
            return None
        number = x
    if unit:
        factor = unit_seconds(unit, prop)
        if factor is not None:
            return number * factor
    return number


class ServiceDiff(DifferBase):
    def sla(self) -> None:
        def key(s: Any) -> str:
            return f"{caseless(s.property)}@{s.element or ''}"

        pairs, removed, added = match(self.old.sla, self.new.sla, key)
        for s in removed:
            self.add(
                "MGV202",
                s.pointer,
                f"service level {s.property!r} removed",
                line_at=("slaProperties",),
                old=s.value,
            )
        for s in added:
            self.add("MGV203", s.pointer, f"service level {s.property!r} added", new=s.value)
        for x, y in pairs:
            if (x.value, x.unit) == (y.value, y.unit):
                if x.raw != y.raw:
                    self.add("MGV189", y.pointer, f"service level {y.property!r}: details changed")
                continue
            shown = f"{x.property}: {x.value}{' ' + x.unit if x.unit else ''} → {y.value}{' ' + y.unit if y.unit else ''}"
            direction = _SLA_DIRECTION.get(caseless(y.property.replace("_", "").replace("-", "")))
            a, b = _sla_value(x.value, x.unit, x.property), _sla_value(y.value, y.unit, y.property)
            if direction is None or a is None or b is None:
                c = compare(y.value, x.value) if direction is not None and isinstance(x.value, str) else None
                if c is None or direction is None:
                    self.add(
                        "MGV204",
                        (*y.pointer, "value"),
                        f"service level changed: {shown}",
                        old=x.value,
                        new=y.value,
                    )
                    continue
            else:
                c = (b > a) - (b < a)
            if c == 0:
                self.add(
                    "MGV189",
                    (*y.pointer, "value"),
                    f"service level respelled: {shown}",
                    old=x.value,
                    new=y.value,
                )
                continue
            stronger = c * direction > 0
            self.add(
                "MGV201" if stronger else "MGV200",
                (*y.pointer, "value"),
                f"service level {'strengthened' if stronger else 'weakened'}: {shown}",
                old=x.value,
                new=y.value,
            )

    # --- servers ------------------------------------------------------------------------
    def servers(self) -> None:
        pairs, removed, added = match(self.old.servers, self.new.servers, lambda s: s.name)
        for s in removed:
            self.add("MGV210", s.pointer, f"server {s.name!r} removed", line_at=("servers",), old=s.name)
        for s in added:
            self.add("MGV211", s.pointer, f"server {s.name!r} added", new=s.name)
        for x, y in pairs:
            for k in sorted(set(x.raw) | set(y.raw)):
                if x.raw.get(k) == y.raw.get(k):
                    continue
                if k in ("description", "customProperties", "roles", "environment"):
                    self.add("MGV189", (*y.pointer, k), f"server {y.name!r}: {k} changed")
                else:
                    self.add(
                        "MGV212",
                        (*y.pointer, k),
                        f"server {y.name!r}: {k} changed from {x.raw.get(k)!r} to {y.raw.get(k)!r}",
                        old=x.raw.get(k),
                        new=y.raw.get(k),
                    )
