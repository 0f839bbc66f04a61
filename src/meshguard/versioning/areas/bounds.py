"""Changes to a property's logical type options: bounds, lengths, formats."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshguard.contracts.model import Property
from meshguard.versioning.areas.base import DifferBase, compare, short

_MIN_KEYS = ("minLength", "minItems", "minProperties")
_MAX_KEYS = ("maxLength", "maxItems", "maxProperties")
_FORMAT_KEYS = ("format", "timezone", "defaultTimezone")


class OptionsDiff(DifferBase):
    def options(self, p: Property, q: Property, field: str) -> None:
        a, b = p.options, q.options
        base = (*q.pointer, "logicalTypeOptions")
        # lower and upper bounds, inclusive or exclusive
        for pair in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
            lower = pair[0] == "minimum"
            old_b = _bound(a, pair)
            new_b = _bound(b, pair)
            if old_b == new_b:
                continue
            key = new_b[0] if new_b else (old_b[0] if old_b else pair[0])
            if new_b is None:
                self.add(
                    "MGV147",
                    (*base, key),
                    f"{field}: {key} {old_b[1]!r} removed" if old_b else f"{field}: bound removed",
                    old=old_b[1] if old_b else None,
                    field=field,
                )
                continue
            if old_b is None:
                self.add(
                    "MGV146", (*base, key), f"{field}: {key} {new_b[1]!r} added", new=new_b[1], field=field
                )
                continue
            c = compare(new_b[1], old_b[1])
            if c is None:
                self.add(
                    "MGV146",
                    (*base, key),
                    f"{field}: {key} changed from {old_b[1]!r} to {new_b[1]!r}",
                    old=old_b[1],
                    new=new_b[1],
                    field=field,
                )
                continue
            # same value: inclusive ↔ exclusive
            stricter = new_b[0].startswith("exclusive") if c == 0 else (c > 0) == lower
            rid = "MGV146" if stricter else "MGV147"
            verb = "narrowed" if stricter else "widened"
            self.add(
                rid,
                (*base, key),
                f"{field}: {verb}: {old_b[0]} {old_b[1]!r} → {new_b[0]} {new_b[1]!r}",
                old=old_b[1],
                new=new_b[1],
                field=field,
            )
        for key in (*_MIN_KEYS, *_MAX_KEYS, "multipleOf"):
            x, y = a.get(key), b.get(key)
            if x == y:
                continue
            if y is None:
                self.add(
                    "MGV147",
                    (*base, key) if key in b else base,
                    f"{field}: {key} {x!r} removed",
                    old=x,
                    field=field,
                )
                continue
            if x is None or key == "multipleOf":
                self.add(
                    "MGV146",
                    (*base, key),
                    f"{field}: {key} {y!r} added"
                    if x is None
                    else f"{field}: {key} changed from {x!r} to {y!r}",
                    old=x,
                    new=y,
                    field=field,
                )
                continue
            c = compare(y, x)
            stricter = c is None or (c > 0 if key in _MIN_KEYS else c < 0)
            rid = "MGV146" if stricter else "MGV147"
            verb = "narrowed" if stricter else "widened"
            self.add(
                rid, (*base, key), f"{field}: {key} {verb} from {x!r} to {y!r}", old=x, new=y, field=field
            )
        x, y = a.get("pattern"), b.get("pattern")
        if x != y:
            if y is None:
                self.add("MGV145", base, f"{field}: pattern {short(x)!r} removed", old=x, field=field)
            else:
                self.add(
                    "MGV144",
                    (*base, "pattern"),
                    f"{field}: pattern {'added' if x is None else 'changed'}: {short(y)!r}",
                    old=x,
                    new=y,
                    field=field,
                )
        for key in _FORMAT_KEYS:
            x, y = a.get(key), b.get(key)
            if x != y:
                rid = "MGV147" if y is None else "MGV148"
                self.add(
                    rid,
                    (*base, key) if y is not None else base,
                    f"{field}: {key} {x!r} removed"
                    if y is None
                    else f"{field}: {key} {'added' if x is None else 'changed from ' + repr(x) + ' to'} {y!r}",
                    old=x,
                    new=y,
                    field=field,
                )
        handled = {
            "minimum",
            "exclusiveMinimum",
            "maximum",
            "exclusiveMaximum",
            "pattern",
            "enum",
            *_MIN_KEYS,
            *_MAX_KEYS,
            "multipleOf",
            *_FORMAT_KEYS,
        }
        for key in sorted((set(a) | set(b)) - handled):
            if a.get(key) != b.get(key):
                self.add(
                    "MGV149",
                    (*base, key),
                    f"{field}: logicalTypeOptions.{key} changed",
                    old=a.get(key),
                    new=b.get(key),
                    field=field,
                )


def _bound(options: Mapping[str, Any], pair: tuple[str, str]) -> tuple[str, Any] | None:
    """(key, value) of the tightest bound of one side among an inclusive/exclusive pair."""
    inc, exc = pair
    if options.get(exc) is not None:
        return exc, options[exc]
    if options.get(inc) is not None:
        return inc, options[inc]
    return None
