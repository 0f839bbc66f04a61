"""The polars work of many products' tables of one layout, done once per batch (``data.batch``).

A mesh repeats a few layouts (the same columns, types and rules) over many
products, each with a small sample. Checked one at a time, a product's table
costs a dozen polars queries whose fixed cost (~0.1-0.3 ms each, whatever the
rows) is most of its data path. Here the tables of one batch of products are
read one by one (each file's own parse, errors and sampling as before), then
grouped by layout: each group's frames are concatenated, brought to the
contract's types once (:func:`meshguard.quality.types.normalise`), and their
profile statistics (nulls, distinct values, min/max) computed in one
``group_by`` over a product column; the detectors' vectorised passes run once
over every product's sampled values. Each product then gets its own table: a
slice of the batch (no copy), the same frame, parse failures, masked columns
and profile it gets alone; its checks (pandera's verdict, the value checks,
rules, SLAs, failing samples) run on that slice as before.

Decided up front, per product, and otherwise checked on its own: a single
schema object read in memory by the polars backend (not a streamed file, not a
database or Spark), a readable non-empty table of at most
:data:`meshguard.quality.profile.EXACT_DISTINCT_ROWS` rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meshguard.config import Config
from meshguard.contracts.model import Contract, Property, SchemaObject
from meshguard.quality.batch_csv import read_together
from meshguard.quality.batch_detect import detected_many
from meshguard.quality.load import flatten, is_large, panic
from meshguard.quality.masking import guarded
from meshguard.quality.profile import EXACT_DISTINCT_ROWS, LazyProfile, profile
from meshguard.quality.results import Table
from meshguard.quality.types import Normalised, normalise
from meshguard.sources.base import ReadOptions, Source
from meshguard.sources.files import FileSource
from meshguard.sources.registry import open_source
from meshguard.stages import QualityContext

if TYPE_CHECKING:
    import polars as pl

#: what :func:`meshguard.quality.stage.run_quality` takes instead of preparing a table itself
Prepared = tuple[Table, Normalised, Mapping[str, dict[str, Any]]]
#: the product column of a batch's frame
PRODUCT = "__product__"


class BatchTable(Table):
    """A product's table cut from a batch: the extremes its SLAs ask for were computed with the
    batch, and its schema's value checks are counted with every other table's of the batch."""

    extremes: dict[tuple[str, str], Any]
    batch: _Batch
    index: int

    def extreme(self, column: str, which: str) -> Any:
        key = (column, which)
        if key in self.extremes:
            return self.extremes[key]
        return super().extreme(column, which)

    def value_failures(
        self, norm: Normalised, planned: Any, builtin: Any, pk: Any, skip: Any
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """:func:`meshguard.quality.streaming.streamed_failures`, each check counted with the
        batch: the batch's tables plan the same checks (one layout), so the first to ask plans
        them over the batch and counts them for all; a table plans its own masks only to show
        the rows that fail."""
        import polars as pl

        from meshguard.quality.streaming import Streamed, parse_failure, value_masks

        prefix = f"{self.schema.name}."
        cut = len(prefix)
        ids = [s.id for specs in planned.values() for s in specs] + [s.id for s in builtin.values()]
        if pk is not None or not all(i.startswith(prefix) for i in ids):  # a composite key: counted here
            return super().value_failures(norm, planned, builtin, pk, skip)  # type: ignore[no-any-return]
        key = (
            tuple(i[cut:] for i in ids),
            tuple(planned),
            tuple(builtin),
            tuple(sorted(s[cut:] if s.startswith(prefix) else s for s in skip)),
        )
        batch = self.batch
        got = batch.counted(
            key, lambda: value_masks(self, batch.parse_failure, planned, builtin, pk, skip), cut
        )
        if got is None:
            return super().value_failures(norm, planned, builtin, pk, skip)  # type: ignore[no-any-return]
        counts, errors = got
        mine = counts[self.index]
        own = (
            value_masks(self, parse_failure(norm), planned, builtin, pk, skip)[0]
            if any(mine.values())
            else {}
        )
        none = pl.lit(False)  # the mask of a check no row fails: never asked for its rows
        streamed = {prefix + sid: Streamed(n, own.get(prefix + sid, none)) for sid, n in mine.items()}
        return streamed, {prefix + sid: why for sid, why in errors.items()}


class _Batch:
    """What a batch's tables share: the typed frame they are slices of, its product column and
    parse failures, and the value checks' counts of every table (computed on the first ask)."""

    def __init__(self, typed: pl.DataFrame, failures: Mapping[str, Any], spans: Sequence[tuple[int, int]]):
        self.typed, self.failures, self.spans = typed, failures, spans
        self._done: dict[tuple[str, ...], list[dict[str, int]] | None] = {}
        self._plans: dict[Hashable, tuple[list[dict[str, int]], dict[str, str]] | None] = {}

    def counted(
        self,
        key: Hashable,
        plan: Callable[[], tuple[dict[str, Any], dict[str, Any], dict[str, str]]],
        cut: int,
    ) -> tuple[list[dict[str, int]], dict[str, str]] | None:
        """Per table, each planned check's failing rows, and the checks that cannot run (their
        ids without the table's ``cut`` characters of prefix): ``plan`` (the masks over the
        batch) runs for the first table that asks with ``key``; None: count them per table."""
        if key not in self._plans:
            self._plans[key] = None
            masks, keys, errors = plan()
            found = None if keys else self.counts({sid[cut:]: m for sid, m in masks.items()})
            if found is not None:
                self._plans[key] = (found, {sid[cut:]: why for sid, why in errors.items()})
        return self._plans[key]

    def counts(self, masks: Mapping[str, pl.Expr]) -> list[dict[str, int]] | None:
        """Per table, the rows each mask holds (masks over a table's own columns, its parse
        failures as the literal its :class:`Normalised` holds); None when they cannot be counted
        together. The tables of a layout ask for the same masks: counted once."""
        import polars as pl

        key = tuple(masks)
        if key not in self._done:
            self._done[key] = None
            try:
                grouped = self._frame().group_by(PRODUCT, maintain_order=True)
                rows = grouped.agg(m.fill_null(False).sum().alias(s) for s, m in masks.items())
                found = rows.drop(PRODUCT).rows(named=True)
                if len(found) == len(self.spans):
                    self._done[key] = [{s: int(v or 0) for s, v in row.items()} for row in found]
            except (pl.exceptions.PolarsError, TypeError, ValueError):
                pass
        return self._done[key]

    def parse_failure(self, path: str) -> pl.Expr | None:
        """The batch's rows of ``path`` whose value did not parse (a hidden column of its frame)."""
        import polars as pl

        return pl.col(f"__bad__{path}") if path in self.failures else None

    def _frame(self) -> pl.DataFrame:
        import polars as pl

        heights = pl.Series([h for _, h in self.spans], dtype=pl.UInt32)
        ids = pl.int_range(len(self.spans), dtype=pl.UInt32).repeat_by(heights).explode().alias(PRODUCT)
        hidden = [s.alias(f"__bad__{p}") for p, s in self.failures.items()]
        return self.typed.with_columns(ids, *hidden)


@dataclass
class _Read:
    """One product's table, read."""

    at: int  # the product's position in the batch
    contract: Contract
    obj: SchemaObject
    source: Source
    props: dict[str, Property]
    frame: pl.DataFrame
    sampled: bool


def prepare_batch(
    contracts: Sequence[Contract], config: Config, run: QualityContext, read_opts: ReadOptions
) -> dict[int, dict[str, Prepared]]:
    """Position in ``contracts`` → its schema object's prepared table, for each product the
    batch path covers (the others are left out: their stage prepares them alone)."""
    import polars as pl

    opened = [_open(at, contract, config, run, read_opts) for at, contract in enumerate(contracts)]
    groups: dict[Hashable, list[_Read]] = defaultdict(list)
    for got in _collected([o for o in opened if o is not None]):
        # a table with a column named as the batch's product column is checked alone
        if 0 < got.frame.height <= EXACT_DISTINCT_ROWS and PRODUCT not in got.frame.columns:
            groups[_layout(got)].append(got)
    out: dict[int, dict[str, Prepared]] = {}
    for group in groups.values():
        try:
            prepared = _prepare_group(group, config.data.failing_samples)
        except (pl.exceptions.PolarsError, OSError, OverflowError, ValueError):
            continue  # each product then finds (and reports) the problem on its own
        for item, ready in zip(group, prepared, strict=True):
            out[item.at] = {item.obj.name: ready}
    return out


@dataclass
class _Opened:
    """One product's table, asked of its source (a lazy scan, or the rows a source read)."""

    at: int
    contract: Contract
    obj: SchemaObject
    source: Source
    rows: pl.LazyFrame | pl.DataFrame


def _open(
    at: int, contract: Contract, config: Config, run: QualityContext, read_opts: ReadOptions
) -> _Opened | None:
    import polars as pl

    if len(contract.schemas) != 1 or read_opts.limit is not None or read_opts.fraction is not None:
        return None  # a seeded sample is drawn by each table's own read
    obj = contract.schemas[0]
    try:
        source = open_source(contract, config, run.server)
        if source.capabilities.backend != "polars" or is_large(source, obj, read_opts):
            return None
        rows = source.read(obj.physical_name or obj.name, read_opts)
    except Exception:  # a table that cannot be read is read (and reported) on its own
        return None
    if not isinstance(rows, (pl.DataFrame, pl.LazyFrame)):
        return None
    return _Opened(at, contract, obj, source, rows)


def _collected(opened: Sequence[_Opened]) -> list[_Read]:
    """The tables of ``opened`` in memory: the lazy scans run together (one call, each scan its
    own plan: a small table's read costs less than alone); a table that fails is left out."""
    import polars as pl

    frames: dict[int, pl.DataFrame] = {o.at: o.rows for o in opened if isinstance(o.rows, pl.DataFrame)}
    frames.update(read_together([csv for o in opened if (csv := _csv_file(o)) is not None]))
    lazy: list[tuple[int, pl.LazyFrame]] = [
        (o.at, o.rows) for o in opened if isinstance(o.rows, pl.LazyFrame) and o.at not in frames
    ]
    try:
        done = pl.collect_all([rows for _, rows in lazy], engine="streaming")
        frames.update((at, f) for (at, _), f in zip(lazy, done, strict=True))
    except (Exception, panic()):  # one table broke the call (a panic of the native reader included)
        for at, rows in lazy:
            try:
                frames[at] = rows.collect(engine="streaming")
            except (Exception, panic()):  # left out: read (and reported) on its own
                continue
    for o in opened:  # a CSV's blank lines are no rows (one look per column: blank_lines_left_out)
        if o.at in frames and isinstance(o.source, FileSource):
            try:
                again = o.source.blank_lines_left_out(o.obj.physical_name or o.obj.name, frames[o.at])
                if again is not None:
                    frames[o.at] = again.collect(engine="streaming")
            except (Exception, panic()):  # left out: read (and reported) on its own
                del frames[o.at]
    out = []
    for o in opened:
        if o.at in frames:
            props = {
                p.path: p for p in o.contract.properties if p.schema == o.obj.name and "[]" not in p.path
            }
            out.append(_Read(o.at, o.contract, o.obj, o.source, props, frames[o.at], False))
    return out


def _csv_file(o: _Opened) -> tuple[int, Path, str] | None:
    """``o``'s scanned CSV file and its delimiter, when its source is a file source's."""
    import polars as pl

    if not isinstance(o.source, FileSource) or not isinstance(o.rows, pl.LazyFrame):
        return None
    got = o.source.csv_file(o.obj.physical_name or o.obj.name)
    return None if got is None else (o.at, *got)


def _layout(item: _Read) -> Hashable:
    """What decides the batch's shared work: the columns read and their types, how the source
    types its values, and the properties as written (their types, formats and every rule the
    schema's checks are planned from: the tables of a batch ask for the same value checks)."""
    return (
        tuple(item.frame.schema.items()),
        item.source.typing,
        tuple((path, repr(p.raw)) for path, p in item.props.items()),
    )


def _prepare_group(group: Sequence[_Read], samples: int) -> list[Prepared]:
    import polars as pl

    first = group[0]
    heights = [item.frame.height for item in group]
    big = pl.concat([item.frame for item in group], how="vertical", rechunk=True)
    # each table's date formats inferred from its own values, as alone: normalised per product
    per = "_".join(["", *big.columns, "table"])  # a name no column has
    tables = pl.int_range(len(heights), dtype=pl.UInt32).repeat_by(pl.Series(heights, dtype=pl.UInt32))
    big = big.with_columns(pl.select(tables.explode().alias(per)).to_series())
    norm = normalise(flatten(big, dict(first.props)), first.props, first.source.typing, per)
    typed = norm.frame
    assert isinstance(typed, pl.DataFrame)
    typed = typed.drop(per)
    spans = []
    start = 0
    for h in heights:
        spans.append((start, h))
        start += h
    found = detected_many(typed, spans)
    stats = _statistics(typed, spans)
    shared = _Batch(typed, norm.parse_failures, spans)
    out: list[Prepared] = []
    for at, (item, (offset, height), hits, stat) in enumerate(zip(group, spans, found, stats, strict=True)):
        frame = typed.slice(offset, height)
        failures: dict[str, Any] = {p: s.slice(offset, height) for p, s in norm.parse_failures.items()}
        own = Normalised(frame, failures, dict(norm.mismatched))
        table = BatchTable(item.contract, item.obj, frame, frozenset(), samples, item.sampled, item.source)
        declared = {p for p, prop in item.props.items() if guarded(prop)}
        table.masked = frozenset(declared | {c for c, h in hits.items() if h.kinds})
        table.extremes, table.batch, table.index = {}, shared, at
        if stat is not None:
            for c in frame.columns:
                if f"lo|{c}" in stat:
                    table.extremes[(c, "min")] = stat[f"lo|{c}"]
                    table.extremes[(c, "max")] = stat[f"hi|{c}"]
        out.append((table, own, _profile(frame, table.masked, hits, stat)))
    return out


def _profile(
    frame: pl.DataFrame, masked: frozenset[str], hits: Mapping[str, Any], stat: dict[str, Any] | None
) -> LazyProfile:
    def build() -> dict[str, dict[str, Any]]:
        # no min/max of a column holding personal data, declared or detected
        own = None
        if stat is not None:
            own = {k: v for k, v in stat.items() if not (k.startswith(("lo|", "hi|")) and k[3:] in masked)}
        return profile(frame, masked, frame.height, hits, stats=own)

    return LazyProfile(build)


def _statistics(typed: pl.DataFrame, spans: Sequence[tuple[int, int]]) -> list[dict[str, Any] | None]:
    """Per product, the profile's statistics of every column (min/max of every ordered one),
    in one ``group_by``; None for every product when they cannot be computed together."""
    import polars as pl

    from meshguard.quality.profile import profile_exprs

    columns = [c for c in typed.columns if not c.startswith("__bad__")]
    exprs = profile_exprs(typed.schema, columns, masked=(), rows=1, grouped=True)
    if exprs is None:
        return [None] * len(spans)
    heights = pl.Series([h for _, h in spans], dtype=pl.UInt32)
    ids = pl.select(pl.int_range(len(spans), dtype=pl.UInt32).repeat_by(heights).explode().alias(PRODUCT))
    try:
        agg = (
            typed.select(columns)
            .with_columns(ids.to_series())
            .group_by(PRODUCT, maintain_order=True)
            .agg(exprs)
        )
        rows = agg.drop(PRODUCT).rows(named=True)
    except (pl.exceptions.PolarsError, OverflowError, ValueError):
        return [None] * len(spans)
    if len(rows) != len(spans):
        return [None] * len(spans)
    return list(rows)
