"""The polars quality backend: a table read into a frame (in memory, or streamed when large)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from meshguard.contracts.model import Contract, Property, SchemaObject
from meshguard.quality.load import flatten, is_large, read_error, read_table, unreadable
from meshguard.quality.masking import guarded
from meshguard.quality.profile import LazyProfile, detected, profile
from meshguard.quality.results import Table
from meshguard.quality.types import Normalised, normalise
from meshguard.sources.base import ReadOptions, Source


def prepare(
    contract: Contract,
    obj: SchemaObject,
    source: Source,
    props: Mapping[str, Property],
    options: ReadOptions,
    samples: int,
) -> tuple[Table, Normalised, LazyProfile]:
    """The table to check (typed as the contract says), and its profile; DataError if unreadable."""

    stream = is_large(source, obj, options)
    frame, sampled = read_table(source, contract, obj, options, stream=stream)
    try:
        norm = normalise(flatten(cast(Any, frame), dict(props)), props, source.typing)
        table = Table(contract, obj, norm.frame, frozenset(), samples, sampled, source)
        declared = {p for p, prop in props.items() if guarded(prop)}
        found = detected(norm.frame)
    # a panic: the native reader gave up on a corrupt file that a lazy scan opened (its schema
    # read) and the detectors then read
    except unreadable() as exc:
        raise read_error(contract, source, exc) from None
    table.masked = frozenset(declared | {c for c, hits in found.items() if hits.kinds})

    def build() -> dict[str, dict[str, Any]]:
        try:
            # no min/max of a column holding personal data, declared or detected
            return profile(norm.frame, table.masked, table.rows, found)
        except unreadable() as exc:
            raise read_error(contract, source, exc) from None

    return table, norm, LazyProfile(build)
