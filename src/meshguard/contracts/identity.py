"""Pair the elements of two contract versions by stable identity.

Schema objects, properties, quality rules, service levels and servers are
paired by ``id`` when both versions carry one, then by a name; properties
under a renamed parent follow it (``shipping.city`` → ``delivery.city``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from meshguard.contracts.model import Property


def match(
    old: Iterable[Any],
    new: Iterable[Any],
    name: Callable[[Any], Any],
    ident: Callable[[Any], str | None] | None = None,
) -> tuple[list[tuple[Any, Any]], list[Any], list[Any]]:
    """Pair elements by ``id`` when both sides have it, then by ``name(element)``.

    ``ident`` gives an element's id (default: its ``id``, else the ``id`` of its raw mapping);
    an id made up from the element's position must not be one, or it pairs whatever sits at
    the same place."""
    ident = ident or _id
    old_l, new_l = list(old), list(new)
    pairs: list[tuple[Any, Any]] = []
    used_new: set[int] = set()
    used_old: set[int] = set()
    new_ids = {ident(e): i for i, e in enumerate(new_l)}
    new_ids.pop(None, None)
    for i, e in enumerate(old_l):
        eid = ident(e)
        j = new_ids.get(eid) if eid else None
        if j is not None and j not in used_new:
            pairs.append((e, new_l[j]))
            used_old.add(i)
            used_new.add(j)
    by_name: dict[Any, int] = {}
    for j, e in enumerate(new_l):
        if j not in used_new:
            by_name.setdefault(name(e), j)
    for i, e in enumerate(old_l):
        if i in used_old:
            continue
        j = by_name.get(name(e))
        if j is not None and j not in used_new:
            pairs.append((e, new_l[j]))
            used_old.add(i)
            used_new.add(j)
    removed = [e for i, e in enumerate(old_l) if i not in used_old]
    added = [e for j, e in enumerate(new_l) if j not in used_new]
    return pairs, removed, added


def _id(e: Any) -> str | None:
    return getattr(e, "id", None) or raw_id(e)


def raw_id(e: Any) -> str | None:
    raw = getattr(e, "raw", None)
    value = raw.get("id") if isinstance(raw, Mapping) else None
    return value if isinstance(value, str) and value else None


def match_properties(
    old: Sequence[Property], new: Sequence[Property]
) -> tuple[list[tuple[Property, Property]], list[Property], list[Property]]:
    """Pair properties by id, then by path — translating paths under a renamed parent."""
    pairs, removed, added = match(old, new, lambda p: p.path)
    renames = {p.path: q.path for p, q in pairs if p.path != q.path}
    if not renames or not removed:
        return pairs, removed, added
    by_path = {q.path: q for q in added}
    still: list[Property] = []
    for p in removed:
        translated = p.path
        for src in sorted(renames, key=len, reverse=True):
            for sep in (".", "[]."):
                if p.path.startswith(src + sep):
                    translated = renames[src] + p.path[len(src) :]
                    break
            if translated != p.path:
                break
        q = by_path.pop(translated, None)
        if q is None:
            still.append(p)
        else:
            pairs.append((p, q))
    return pairs, still, [q for q in added if q.path in by_path]
