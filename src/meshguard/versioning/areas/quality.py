"""Changes to quality rules and relationships (of schema objects and of properties)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from meshguard.contracts.identity import match, raw_id
from meshguard.contracts.model import QualityRule, Relationship
from meshguard.versioning.areas.base import DifferBase
from meshguard.yamlio import Pointer


def valid_values(q: QualityRule) -> list[Any] | None:
    if q.metric != "invalidValues":
        return None
    args = q.raw.get("arguments")
    values = args.get("validValues") if isinstance(args, Mapping) else q.raw.get("validValues")
    return values if isinstance(values, list) else None


class QualityDiff(DifferBase):
    def quality(
        self,
        qa: Sequence[QualityRule],
        qb: Sequence[QualityRule],
        pointer: Pointer,
        where: str,
        field: str | None,
    ) -> None:
        # by the id written in the file: a rule without one has an id made from its position
        pairs, removed, added = match(qa, qb, _quality_key, ident=raw_id)
        for r in removed:
            self.add(
                "MGV161", r.pointer, f"{where}: quality rule {r.name!r} removed", line_at=pointer, field=field
            )
        for r in added:
            self.add("MGV160", r.pointer, f"{where}: quality rule {r.name!r} added", field=field)
        for x, y in pairs:
            ra = {k: v for k, v in x.raw.items() if k not in ("description", "name")}
            rb = {k: v for k, v in y.raw.items() if k not in ("description", "name")}
            if ra != rb:
                self.add("MGV162", y.pointer, f"{where}: quality rule {y.name!r} changed", field=field)
            elif x.raw != y.raw:
                self.add(
                    "MGV181", y.pointer, f"{where}: quality rule {y.name!r} description changed", field=field
                )

    # --- relationships ----------------------------------------------------------------
    def relationships(
        self,
        ra: Sequence[Relationship],
        rb: Sequence[Relationship],
        pointer: Pointer,
        renames: Mapping[str, str],
        names: tuple[str, str],
    ) -> None:
        def from_key(r: Relationship, rename: bool) -> tuple[str, ...]:
            out = []
            for col in r.from_:
                if rename and col.startswith(names[0] + "."):
                    rest = col[len(names[0]) + 1 :]
                    col = f"{names[1]}.{renames.get(rest, rest)}"
                elif rename:
                    col = renames.get(col, col)
                out.append(col)
            return tuple(out)

        old = {from_key(r, True): r for r in ra}
        new = {from_key(r, False): r for r in rb}
        for key, r in old.items():
            if key not in new:
                self.add(
                    "MGV150",
                    r.pointer,
                    f"relationship {', '.join(key)} → {', '.join(r.to)} removed",
                    line_at=pointer,
                    old=list(r.to),
                )
            elif (tuple(new[key].to), new[key].type) != (tuple(r.to), r.type):
                s = new[key]
                self.add(
                    "MGV152",
                    s.pointer,
                    f"relationship {', '.join(key)} now points to {', '.join(s.to)} (was {', '.join(r.to)})",
                    old=list(r.to),
                    new=list(s.to),
                )
        for key, s in new.items():
            if key not in old:
                self.add(
                    "MGV151",
                    s.pointer,
                    f"relationship {', '.join(key)} → {', '.join(s.to)} added",
                    new=list(s.to),
                )

    # --- service levels ---------------------------------------------------------------


def _quality_key(q: QualityRule) -> str:
    explicit = q.raw.get("id")
    if isinstance(explicit, str) and explicit:
        return "id:" + explicit
    name = q.raw.get("name")
    if isinstance(name, str) and name:
        return "name:" + name
    return f"kind:{q.metric or q.type}:{q.raw.get('query') or q.raw.get('description') or ''}"
