"""Quality backends, found by the name a source declares in ``capabilities.backend``.

A backend turns one schema object of a source into a checkable
:class:`meshguard.quality.results.Table` (typed as the contract says), the
normalisation record, and the column profile. ``polars`` checks frames in
memory or streamed; ``ibis`` runs the checks inside the database; ``spark``
runs them as Spark aggregations. A new backend is one module with a
``prepare`` function and one line in :data:`BACKENDS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from meshguard.errors import UsageError

if TYPE_CHECKING:
    from meshguard.contracts.model import Contract, Property, SchemaObject
    from meshguard.quality.results import Table
    from meshguard.quality.types import Normalised
    from meshguard.sources.base import ReadOptions, Source

#: backend name → "module:function" (imported on use)
BACKENDS: dict[str, str] = {
    "polars": "meshguard.quality.frames:prepare",
    "ibis": "meshguard.quality.indb:prepare",
    "spark": "meshguard.quality.spark_prepare:prepare_spark",
}


class Prepare(Protocol):
    def __call__(
        self,
        contract: Contract,
        obj: SchemaObject,
        source: Source,
        props: Mapping[str, Property],
        options: ReadOptions,
        samples: int,
    ) -> tuple[Table, Normalised, Mapping[str, dict[str, Any]]]: ...


def backend(name: str) -> Prepare:
    """The ``prepare`` function of backend ``name``."""
    if name not in BACKENDS:
        raise UsageError(f"unknown quality backend {name!r} (known: {', '.join(sorted(BACKENDS))})")
    module, _, attr = BACKENDS[name].partition(":")
    prepare: Prepare = getattr(importlib.import_module(module), attr)
    return prepare
