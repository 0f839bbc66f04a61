"""What checking a first product with data imports, run ahead (a pool worker, while the parent lints).

A module of its own: the parent names :func:`warm` to the pool without importing the quality stage.
"""

from __future__ import annotations


def warm() -> None:
    """Import polars, pandera's polars backend (registered) and the data path's modules."""
    import polars  # noqa: F401

    from meshguard.detectors import registry
    from meshguard.quality import frames, stage  # noqa: F401
    from meshguard.quality.pandera_polars import pandera_polars

    pandera_polars()
    registry()  # the detectors, plugins' included
