"""The profile's detectors over the tables of a batch (quality/batch.py): each vectorised pass
run once over every table's sampled values, each table's answer the one it gets alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from meshguard.detectors import (
    INTEGER,
    Detection,
    Detector,
    family_of,
    narrowing,
    reads_values,
    sample_of,
    scan_column,
    scan_sample,
)
from meshguard.quality.profile import _as_text, _each, _leading, _Values, narrow

if TYPE_CHECKING:
    import polars as pl


def detected_many(frame: pl.DataFrame, spans: Sequence[tuple[int, int]]) -> list[dict[str, Detection]]:
    """:func:`detected` of each ``(offset, length)`` slice of ``frame`` (the tables of a batch,
    quality/batch.py): the same answers, each vectorised pass run once over every slice's values."""
    out: list[dict[str, Detection]] = [{} for _ in spans]
    schema = frame.schema
    for c in (c for c in schema.names() if not c.startswith("__bad__")):
        dtype = schema[c]
        fam = family_of(dtype)
        column = frame.get_column(c)
        parts = [column.slice(offset, n) for offset, n in spans]
        if fam == INTEGER and reads_values(fam):
            for i, hits in enumerate(_whole_numbers_many(c, parts)):
                out[i][c] = hits
            continue
        if not reads_values(fam):
            for i in range(len(spans)):
                out[i][c] = scan_column(c, fam, [], narrow=narrow)
            continue
        samples = [sample_of(_as_text(_leading(part), dtype)) for part in parts]
        narrowed = narrowing(fam)
        tested: list[dict[str, list[str]]] | None = None
        if len(narrowed) > 1:  # as scan_column: one pass pays only for several detectors
            tested = narrow_many([s for s in samples if s], narrowed)
        it = iter(tested or ())
        for i, sample in enumerate(samples):
            mine: Mapping[str, Sequence[str]] = {}
            if sample and len(narrowed) > 1:
                mine = next(it) if tested is not None else narrow(sample, narrowed)
            out[i][c] = scan_sample(c, fam, sample, tested=mine)
    return out


def narrow_many(
    samples: Sequence[Sequence[str]], detectors: Sequence[Detector]
) -> list[dict[str, list[str]]] | None:
    """:func:`narrow` of several samples, in one polars pass over them all (None: a pattern
    polars cannot run; :func:`narrow` then answers for each)."""
    import polars as pl

    values = pl.Series("v", [v for s in samples for v in s], dtype=pl.String)
    exact = [d for d in detectors if d.exact]
    rest = [d for d in detectors if not d.exact]
    union = "|".join(f"(?:{d.candidates or ''})" for d in rest)
    try:
        found = values.to_frame().select(
            *(pl.col("v").str.contains(d.candidates or "").alias(f"{i}") for i, d in enumerate(exact)),
            *([pl.col("v").str.contains(union).alias("rest")] if rest else []),
        )
        out: list[dict[str, list[str]]] = []
        start = 0
        for sample in samples:
            n = len(sample)
            mine = values.slice(start, n)
            got = {
                d.name: mine.filter(found.get_column(f"{i}").slice(start, n)).to_list()
                for i, d in enumerate(exact)
            }
            if rest:
                got.update(_each(mine.filter(found.get_column("rest").slice(start, n)), rest))
            out.append({d.name: got[d.name] for d in detectors})
            start += n
    except pl.exceptions.PolarsError:
        return None
    return out


def _whole_numbers_many(column: str, parts: Sequence[pl.Series]) -> list[Detection]:
    """:func:`_whole_numbers` of each part of a column, its narrowing pass run once over them all."""
    import polars as pl

    texts = [_leading(part).cast(pl.String) for part in parts]
    detectors = narrowing(INTEGER)
    found = None
    if detectors:
        every = pl.concat(texts) if texts else pl.Series("v", [], dtype=pl.String)
        if every.len():
            try:
                found = every.to_frame("v").select(
                    pl.col("v").str.contains(d.candidates or "").alias(f"{i}")
                    for i, d in enumerate(detectors)
                )
            except pl.exceptions.PolarsError:  # a plugin's pattern polars cannot run: test every value
                found = None
    out = []
    start = 0
    for text in texts:
        n = text.len()
        tested: dict[str, Sequence[str]] = {}
        if found is not None and n:
            tested = {
                d.name: _Values(text.filter(found.get_column(f"{i}").slice(start, n)))
                for i, d in enumerate(detectors)
            }
        out.append(scan_sample(column, INTEGER, _Values(text), tested=tested))
        start += n
    return out
