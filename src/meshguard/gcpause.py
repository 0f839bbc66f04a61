"""Python's cycle collector, paused while a run builds and renders its results.

A run keeps almost everything it makes until it ends (the contracts, each product's result,
the reports' rows) and frees the rest by reference counting: a 10,000-contract ``check
--no-data`` leaves ~500 objects of cyclic garbage in all. Yet the collector, triggered by
allocation counts, walks the whole growing heap again and again: ~9 s of the run's CPU at
10,000 contracts (23 full collections), and more in each forked child, where a collection
also writes to every page of the heap it inherited, so the kernel copies them. Paused, that
cost is gone, and the peak memory stays the same.

Code that is not meshguard's own (the data stage: polars, pandera, whose errors carry
frames and tracebacks in cycles) runs with the collector on (:func:`resumed`). Both restore
what they found, so a program calling :func:`meshguard.check` keeps its own setting.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No automatic cycle collection inside (reference counting still frees everything else)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def resumed() -> Iterator[None]:
    """The collector on inside, whatever the caller set (third-party code that may leave cycles)."""
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was:
            gc.disable()
