"""A pool worker's cycle collector: what it keeps to its end is frozen, young collections are rare.

A worker imports polars and pandera, then checks hundreds of products, each allocating tens of
thousands of objects it frees by reference counting; at Python's default pace (a collection per
700 net allocations, every tenth walking the imports' objects again) the collector cost each
worker ~0.3 s of CPU on the 1,000-product data mesh. The probe below runs in real spawned
workers and reports what it finds there.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from meshguard import parallel
from meshguard.parallel import WorkerPool


class Probe:
    """A checker (see parallel.Checker) whose work reports the worker's collector settings."""

    def for_worker(self) -> Probe:
        return self

    def prepare(self) -> None:
        pass

    def work(self, products: Sequence[Any]) -> list[Any]:
        return [(gc.get_threshold()[0], gc.get_freeze_count(), gc.isenabled()) for _ in products]

    def finish(self, products: Sequence[Any], handed: Iterable[Any], jobs: int) -> Iterator[Any]:
        yield from handed

    def usage(self) -> None:
        return None

    def absorb(self, usage: Any) -> None:
        pass


def test_a_worker_freezes_what_it_keeps_and_collects_at_its_own_pace() -> None:
    pool = WorkerPool.start(2)
    try:
        seen = list(pool.check(Probe(), list(range(6))))  # type: ignore[arg-type]
    finally:
        pool.close()
    assert len(seen) == 6
    for young, frozen, enabled in seen:
        assert young == parallel.YOUNG > gc.get_threshold()[0]  # this process keeps its own pace
        assert frozen > 1_000  # the interpreter's and meshguard's modules at least
        assert enabled  # rare, not off: third-party cycles are still collected
