"""The profile's detectors over the tables of a batch (quality/batch.py): each vectorised pass
run once over every table's sampled values, each table's answer the one it gets alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from meshguard.detectors import (
    INTEGER,
    STRING,
    WHITESPACE,
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
        samples: Sequence[Sequence[str]]
        if fam == STRING:
            every, lengths = _text_samples(parts)
            samples = [_Values(s) for s in _split(every, lengths)]
        else:
            samples = [sample_of(_as_text(_leading(part), dtype)) for part in parts]
            every, lengths = None, [len(s) for s in samples]
        narrowed = narrowing(fam)
        tested: list[dict[str, Sequence[str]]] | None = None
        if len(narrowed) > 1:  # as scan_column: one pass pays only for several detectors
            tested = narrow_many(samples, narrowed, every, lengths)
        it = iter(tested or ())
        for i, sample in enumerate(samples):
            mine: Mapping[str, Sequence[str]] = {}
            if sample and len(narrowed) > 1:
                mine = next(it) if tested is not None else narrow(list(sample), narrowed)
            out[i][c] = scan_sample(c, fam, sample, tested=mine)
    return out


def _text_samples(parts: Sequence[pl.Series]) -> tuple[pl.Series, list[int]]:
    """:func:`sample_of` each text column of ``parts``, in one polars pass over them all: the
    first values, stripped (of what ``str.strip`` strips), the empty ones dropped; returns
    them one after the other (a Series named ``v``) and how many each part has."""
    import polars as pl

    leading = [_leading(part) for part in parts]
    values = pl.concat(leading).rename("v") if leading else pl.Series("v", [], dtype=pl.String)
    stripped = values.str.strip_chars(WHITESPACE)
    keep = stripped.str.len_bytes() > 0
    lengths = []
    start = 0
    for lead in leading:
        n = lead.len()
        lengths.append(int(keep.slice(start, n).sum()))
        start += n
    return stripped.filter(keep), lengths


def _split(values: pl.Series, lengths: Sequence[int]) -> list[pl.Series]:
    """``values`` cut into consecutive slices of ``lengths``."""
    out = []
    start = 0
    for n in lengths:
        out.append(values.slice(start, n))
        start += n
    return out


def narrow_many(
    samples: Sequence[Sequence[str]],
    detectors: Sequence[Detector],
    every: pl.Series | None = None,
    lengths: Sequence[int] | None = None,
) -> list[dict[str, Sequence[str]]] | None:
    """:func:`narrow` of each non-empty sample of ``samples``, in one polars pass over them all
    (``every``: their values one after the other, when a Series of them is at hand; ``lengths``:
    how many each sample has); None: a pattern polars cannot run (:func:`narrow` then answers
    for each)."""
    import polars as pl

    if every is None:
        every = pl.Series("v", [v for s in samples for v in s], dtype=pl.String)
    values = every
    sizes = [len(s) for s in samples] if lengths is None else lengths
    exact = [d for d in detectors if d.exact]
    rest = [d for d in detectors if not d.exact]
    union = "|".join(f"(?:{d.candidates or ''})" for d in rest)
    try:
        found = values.to_frame().select(
            *(pl.col("v").str.contains(d.candidates or "").alias(f"{i}") for i, d in enumerate(exact)),
            *([pl.col("v").str.contains(union).alias("rest")] if rest else []),
        )
        out: list[dict[str, Sequence[str]]] = []
        start = 0
        for n in sizes:
            if not n:
                continue
            mine = values.slice(start, n)
            # an exact detector's hits are counted, never read one by one: kept in polars
            got: dict[str, Sequence[str]] = {
                d.name: _Values(mine.filter(found.get_column(f"{i}").slice(start, n)))
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
