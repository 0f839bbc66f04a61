"""A streamed table's unique keys, found while the process first imports pandera.

The schema checks start with pandera's polars backend, imported once per process: ~0.1 s of
the interpreter, which holds the GIL. A streamed table's unique keys
(:mod:`meshguard.quality.duplicates`) are polars passes that need nothing of pandera and let
the GIL go while they run. So on the first table a process checks, the keys its plan will
check (:mod:`meshguard.quality.schema_plan`: a unique column, the one-column primary key, a
composite key in key order) are found in a thread while the import runs, and
:func:`meshguard.quality.streaming.streamed_failures` takes each result where it would have
found the key itself: the same function on the same table, so the same counts, masks and
errors (a failure is raised there, as it would have been). A key the plan does not check (its
column's type failed) is found for nothing; one it checks but was not found ahead is found then.
Once pandera is imported there is nothing to overlap: the keys are found in their place.
Nor beyond ``AHEAD_ROWS`` rows (more than two of the keys' hash partitions): their passes then
outlast the import many times over, and the memory they leave in polars' allocator stayed
under the value checks' pass, which rose above it (the benchmark's 50M rows, polars in one
arena: a peak RSS of 330 MiB with the keys found ahead, 264 found in place; 5M rows: ~250).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from typing import Any

from meshguard.contracts.model import Property
from meshguard.quality.duplicates import PART_ROWS, Duplicates, duplicates
from meshguard.quality.tableview import PolarsTable

#: a streamed table of more rows has its keys found in their place, not ahead
AHEAD_ROWS = 2 * PART_ROWS


def keys_of(props: Mapping[str, Property], present: set[str]) -> list[tuple[str, ...]]:
    """The keys the plan of ``props`` checks for duplicates, in the plan's order."""
    pk = sorted((p for p in props.values() if p.primary_key), key=lambda p: p.primary_key_position or 0)
    keys: list[tuple[str, ...]] = [
        (path,)
        for path, p in props.items()
        if path in present and (p.unique or (p.primary_key and len(pk) == 1))
    ]
    if len(pk) > 1 and all(p.path in present for p in pk):
        keys.append(tuple(p.path for p in pk))
    return keys


class Ahead:
    """The keys of ``table``, found in a thread from now; :meth:`join` waits and keeps them."""

    def __init__(self, table: PolarsTable, keys: list[tuple[str, ...]]) -> None:
        self._table, self._keys = table, keys
        self._found: dict[tuple[str, ...], Duplicates | BaseException] = {}
        self._thread = threading.Thread(target=self._find, name="meshguard-keys", daemon=True)
        self._thread.start()

    def _find(self) -> None:
        for key in self._keys:
            try:
                if self._table.rows > AHEAD_ROWS:  # every key found in its place
                    return
                self._found[key] = duplicates(self._table, list(key), skip_nulls=False)
            except BaseException as exc:  # raised where the checks ask for this key
                self._found[key] = exc
                return

    def join(self) -> None:
        self._thread.join()
        self._table.keys_found = self._found


def _importing() -> bool:
    """Whether pandera is still to be imported (the schema checks import it first)."""
    return "pandera" not in sys.modules


def start(table: PolarsTable, props: Mapping[str, Property], present: set[str]) -> Ahead | None:
    """Find the keys of ``table`` (the polars engine's own, with the columns ``present``) in a
    thread, when pandera is still to be imported (else None)."""
    if not _importing() or not table.streaming:
        return None
    keys = keys_of(props, present)
    return Ahead(table, keys) if keys else None


def taken(table: Any, columns: list[str]) -> Duplicates | None:
    """The duplicates of ``columns`` found ahead (once), or None; a failure is raised here."""
    got: Duplicates | BaseException | None = table.keys_found.pop(tuple(columns), None)
    if isinstance(got, BaseException):
        raise got
    return got
