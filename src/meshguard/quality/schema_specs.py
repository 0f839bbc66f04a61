"""The checks a contract property plans: one :class:`Spec` per constraint it writes.

``logicalTypeOptions`` (minLength, maxLength, pattern, format, minimum, maximum,
exclusiveMinimum/Maximum) and ``enum`` each become a spec carrying the pandera
``Check`` that runs it, or a note saying why it is not run (an unknown format,
a bound that is not a valid value of the column's type, an option meshguard
does not check).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from meshguard.contracts.model import Property
from meshguard.quality.pandera_polars import pandera_polars
from meshguard.quality.types import physical_max_length
from meshguard.results.model import Status
from meshguard.yamlio import Pointer

#: string formats checked by pattern
FORMATS = {
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "uri": r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$",
    "url": r"^https?://\S+$",
    "ipv4": r"^(\d{1,3}\.){3}\d{1,3}$",
}
#: logicalTypeOptions that only describe a representation (no check to run)
DESCRIPTIVE = {"timezone", "defaultTimezone", "precision", "scale"}


@dataclass
class Spec:
    """One planned check: what it is, where it is written, and how pandera runs it."""

    id: str
    name: str
    dimension: str
    pointer: Pointer
    prop: Property | None
    threshold: str | None = None
    pandera: Any = None  # a pandera Check, or None for built-ins (dtype, nullable, unique)
    note: str | None = None  # set: not evaluated, reported as errored/unsupported with this message
    note_status: str = Status.ERRORED


def _bound(value: Any, kind: str | None) -> Any:
    if kind == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if kind == "timestamp" and isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return value


def option_specs(prop: Property, base: str, kind: str | None) -> list[Spec]:
    pa = pandera_polars()

    opts = dict(prop.options)
    out: list[Spec] = []
    ptr = (*prop.pointer, "logicalTypeOptions")
    max_len = opts.get("maxLength", physical_max_length(prop))
    min_len = opts.get("minLength")
    if min_len is not None or max_len is not None:
        key = "maxLength" if "maxLength" in opts or "minLength" not in opts else "minLength"
        where = (*ptr, key) if key in opts else (*prop.pointer, "physicalType")
        out.append(
            Spec(
                f"{base}.length",
                f"{prop.path} length within [{min_len or 0}, {max_len if max_len is not None else '∞'}]",
                "conformity",
                where,
                prop,
                f"{min_len or 0}..{max_len if max_len is not None else ''}",
                pa.Check.str_length(min_value=min_len, max_value=max_len),
            )
        )
    pattern = opts.get("pattern")
    fmt = opts.get("format")
    if isinstance(fmt, str) and kind in ("string", None):
        if fmt.lower() in FORMATS:
            out.append(
                Spec(
                    f"{base}.format",
                    f"{prop.path} is a valid {fmt}",
                    "conformity",
                    (*ptr, "format"),
                    prop,
                    fmt,
                    pa.Check.str_contains(FORMATS[fmt.lower()]),
                )
            )
        else:
            out.append(
                Spec(
                    f"{base}.format",
                    f"{prop.path} format {fmt}",
                    "conformity",
                    (*ptr, "format"),
                    prop,
                    fmt,
                    note=f"string format {fmt!r} is not known to meshguard",
                    note_status=Status.UNSUPPORTED,
                )
            )
    if isinstance(pattern, str):
        spec = Spec(
            f"{base}.pattern",
            f"{prop.path} matches {pattern}",
            "conformity",
            (*ptr, "pattern"),
            prop,
            pattern,
        )
        try:
            spec.pandera = pa.Check.str_contains(pattern)
        except re.error as exc:  # reported as an errored check, not run
            spec.note = f"pattern is not a valid regular expression: {exc}"
        out.append(spec)
    bounds = (
        ("minimum", "ge", ">="),
        ("maximum", "le", "<="),
        ("exclusiveMinimum", "gt", ">"),
        ("exclusiveMaximum", "lt", "<"),
    )
    for key, method, sign in bounds:
        value = opts.get(key)
        if value is None or isinstance(value, bool):
            continue
        if key in ("minimum", "maximum") and opts.get(f"exclusive{key[0].upper()}{key[1:]}") is True:
            method, sign = ("gt", ">") if key == "minimum" else ("lt", "<")
        check: Any = None
        note: str | None = None
        try:
            bound = _bound(value, kind)
        except ValueError:  # reported as an errored check, not run
            check, note = None, f"{key} {value!r} is not a valid {kind}"
        else:
            check, note = getattr(pa.Check, method)(bound), None
        out.append(
            Spec(
                f"{base}.{key}",
                f"{prop.path} {sign} {value}",
                "conformity",
                (*ptr, key),
                prop,
                f"{sign} {value}",
                check,
                note=note,
            )
        )
    enum = prop.raw.get("enum", opts.get("enum"))
    if isinstance(enum, list):
        out.append(
            Spec(
                f"{base}.enum",
                f"{prop.path} is one of {len(enum)} allowed values",
                "conformity",
                (*prop.pointer, "enum") if "enum" in prop.raw else (*ptr, "enum"),
                prop,
                f"in {enum}",
                pa.Check.isin(enum),
            )
        )
    known = {
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "enum",
    } | DESCRIPTIVE
    for key in sorted(set(opts) - known):
        out.append(
            Spec(
                f"{base}.{key}",
                f"{prop.path} {key}",
                "conformity",
                (*ptr, key),
                prop,
                str(opts[key]),
                note=f"logicalTypeOptions.{key} is not checked by meshguard",
                note_status=Status.UNSUPPORTED,
            )
        )
    return out
