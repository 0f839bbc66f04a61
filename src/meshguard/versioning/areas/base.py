"""What every area of the diff shares: recording a change, and comparing values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshguard.contracts.model import Contract
from meshguard.results.model import Change
from meshguard.versioning.rules import CHANGE_RULES
from meshguard.yamlio import Pointer


def _ptr(pointer: Pointer) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in pointer)


def short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def compare(a: Any, b: Any) -> int | None:
    """-1/0/1 comparing two bounds (numbers, or ISO dates as strings); None if not comparable."""
    x, y = as_number(a), as_number(b)
    if x is not None and y is not None:
        return (x > y) - (x < y)
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)
    return None


class DifferBase:
    def __init__(self, old: Contract, new: Contract, perspective: str) -> None:
        self.old, self.new, self.perspective = old, new, perspective
        self.changes: list[Change] = []

    # --- recording -------------------------------------------------------------
    def add(
        self,
        rule_id: str,
        pointer: Pointer,
        message: str,
        *,
        line_at: Pointer | None = None,
        old: Any = None,
        new: Any = None,
        field: str | None = None,
    ) -> None:
        rule = CHANGE_RULES[rule_id]
        if line_at is not None:  # a removed element: the key of its surviving parent
            pos = self.new.lines.locate(line_at, key=True)
            line = pos[0] if pos else None
        else:
            line = self.new.line(pointer)
        self.changes.append(
            Change(rule.id, rule.kind(self.perspective), _ptr(pointer), message, line, old, new, field)
        )

    def metadata(
        self,
        ra: Mapping[str, Any],
        rb: Mapping[str, Any],
        pointer: Pointer,
        where: str,
        walked: frozenset[str],
        field: str | None,
    ) -> None:
        for key in ("description", "businessName", "dataGranularityDescription"):
            if ra.get(key) != rb.get(key):
                self.add("MGV181", (*pointer, key), f"{where}: {key} changed", field=field)
        if ra.get("tags") != rb.get("tags"):
            self.add(
                "MGV180",
                (*pointer, "tags"),
                f"{where}: tags changed from {ra.get('tags')} to {rb.get('tags')}",
                old=ra.get("tags"),
                new=rb.get("tags"),
                field=field,
            )
        for key in sorted(set(ra) | set(rb)):
            if key in walked or key in ("description", "businessName", "dataGranularityDescription", "tags"):
                continue
            if ra.get(key) != rb.get(key):
                self.add("MGV189", (*pointer, key), f"{where}: {key} changed", field=field)
