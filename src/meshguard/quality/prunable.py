"""Masks the Parquet reader can skip row groups for, to fetch a streamed table's samples.

A check's mask as counted, e.g. pandera's ``(~(amount >= 0)).fill_null(False)``, is opaque
to the reader's row-group statistics: fetching its first failing rows reads the whole column
(0.09 CPU s at 5M rows). The same rows written ``amount < 0`` let the reader skip every row
group whose minimum is not below 0 (0.005 s). Where a mask is built, its twin in such terms is
kept on its table (:func:`keep`); :mod:`meshguard.quality.samples` fetches such a check's rows with
its twin, in a pass of its own. A twin holds the same rows but for a null in place of
``False`` (a filter drops both).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from meshguard.quality.tableview import Fetching, PolarsTable

#: at most this many twins kept per table
LIMIT = 4096

#: pandera's bound checks: (name, argument) → the polars comparison failing it
FAILS = {
    ("greater_than_or_equal_to", "min_value"): "lt",
    ("greater_than", "min_value"): "le",
    ("less_than_or_equal_to", "max_value"): "gt",
    ("less_than", "max_value"): "ge",
}


def keep(mask: pl.Expr, twin: pl.Expr, table: PolarsTable) -> None:
    """Remember ``twin`` (the rows of ``mask``, in terms the reader can skip row groups by) on
    ``table``: by the mask's identity, the object its check hands on to the samples (the table
    holds the mask, so its id is not reused while the twin is kept)."""
    if len(table.twins) < LIMIT:
        table.twins[id(mask)] = (mask, twin)


def twin(mask: pl.Expr, table: PolarsTable | Fetching) -> pl.Expr | None:
    """The twin kept for ``mask`` on ``table``, or None."""
    kept = table.twins.get(id(mask))
    return kept[1] if kept is not None and kept[0] is mask else None


def bound_twin(check: Any, column: str) -> pl.Expr | None:
    """The rows failing pandera's bound ``check`` (``ge``, ``gt``, ``le``, ``lt``) on ``column``
    ignoring nulls, as one comparison: ``not (x >= v)`` is ``x < v`` in polars' total order
    (NaN above every number)."""
    import polars as pl

    stats = getattr(check, "_check_kwargs", None) or {}
    if not check.ignore_na or len(stats) != 1:
        return None
    ((arg, value),) = stats.items()
    op = FAILS.get((check.name, arg))
    return None if op is None else getattr(pl.col(column), op)(value)
