"""A streamed table's quality rules counted in the pass that counts its schema's value checks.

Each library metric and each SQL count polars runs (:mod:`meshguard.quality.sqlcount`) is a
mask its check counts with :meth:`~meshguard.quality.results.Table.count`: a whole pass over
the file each. Planned before the schema checks, those masks join the checks' one aggregate
(:func:`meshguard.quality.streaming.streamed_failures`) and each check then finds its count
there; a rule whose mask breaks that pass is counted alone, as unplanned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from meshguard.contracts.model import QualityRule
from meshguard.quality.library import rule_mask as library_mask
from meshguard.quality.results import Table
from meshguard.quality.sqlrules import rule_mask as sql_mask

#: a quality rule's type → the mask its check will count (None: not known up front)
MASKS: dict[str, Callable[[Table, QualityRule], Any]] = {"library": library_mask, "sql": sql_mask}


def plan_rule_counts(table: Table, rules: Iterable[QualityRule]) -> None:
    """Plan the counts of ``rules``' masks on ``table`` (the polars engine's streamed table only)."""
    if type(table) is not Table or not table.streaming:
        return
    masks = []
    for rule in rules:
        mask = MASKS[rule.type](table, rule) if rule.type in MASKS else None
        if mask is not None:
            masks.append(mask)
    table.plan_counts(masks)
