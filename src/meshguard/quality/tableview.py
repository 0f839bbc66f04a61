"""The narrow view of a polars table that the bounded-memory helpers need.

:mod:`meshguard.quality.duplicates`, :mod:`meshguard.quality.streaming` and
:mod:`meshguard.quality.samples` are handed a :class:`meshguard.quality.results.Table`
but depend only on these protocols, so the table can dispatch to them without an
import cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import polars as pl


class PolarsTable(Protocol):
    #: a mask's id → (the mask, its twin the Parquet reader can skip row groups by)
    twins: dict[int, tuple[pl.Expr, pl.Expr]]
    #: uniqueness keys → their duplicates (or the failure), found ahead
    keys_found: dict[tuple[str, ...], Any]

    @property
    def frame(self) -> pl.DataFrame | pl.LazyFrame: ...

    @property
    def streaming(self) -> bool: ...

    @property
    def eager(self) -> pl.DataFrame: ...

    @property
    def rows(self) -> int: ...

    def dtype(self, column: str) -> pl.DataType: ...

    def scalars(self, *exprs: pl.Expr) -> tuple[Any, ...]: ...

    def count(self, mask: pl.Expr) -> int: ...

    def planned_counts(self) -> list[pl.Expr]: ...

    def counted(self, masks: Sequence[pl.Expr], counts: Sequence[Any]) -> None: ...


class Fetching(Protocol):
    """What :mod:`meshguard.quality.samples` needs of a table to fetch failing rows."""

    #: a mask's id → (the mask, its twin the Parquet reader can skip row groups by)
    twins: dict[int, tuple[pl.Expr, pl.Expr]]

    @property
    def frame(self) -> pl.DataFrame | pl.LazyFrame: ...

    @property
    def columns(self) -> list[str]: ...

    def rows_where(self, mask: pl.Expr, n: int) -> pl.DataFrame: ...
