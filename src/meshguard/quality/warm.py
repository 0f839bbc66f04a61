"""What checking a first product with data imports, run ahead (a pool worker, while the parent lints).

A module of its own: the parent names :func:`warm` to the pool without importing the quality stage.
"""

from __future__ import annotations

import importlib

#: what polars and pandera's polars backend import that does not import polars, nor keep a
#: thread running across a fork: imported by the run's process before it forks the mesh's
#: second half (:func:`shared`), so the two halves share one import instead of each its own
SHARED = (
    "numpy",  # pandera's: its BLAS library stops its threads before a fork (its fork handler)
    "pydantic",
    "typing_inspect",
    "typing_extensions",
    "packaging.version",
    "importlib.metadata",
    "decimal",
    "zoneinfo",
    "email.message",
    "logging",
    "csv",
    "tempfile",
    "zipfile",
    "fractions",
    "random",
    "hashlib",
    "socket",
    "bz2",
    "lzma",
    "mmap",
    "ctypes",
    "queue",
    "concurrent.futures",
)


def shared() -> None:
    """Import :data:`SHARED` (those installed): before a fork, in the process that forks."""
    for name in SHARED:
        try:
            importlib.import_module(name)
        except ImportError:
            continue


def warm() -> None:
    """Import polars, pandera's polars backend (registered) and the data path's modules."""
    import polars  # noqa: F401

    from meshguard.detectors import registry
    from meshguard.quality import frames, stage  # noqa: F401
    from meshguard.quality.pandera_polars import pandera_polars

    pandera_polars()
    registry()  # the detectors, plugins' included
