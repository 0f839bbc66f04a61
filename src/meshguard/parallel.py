"""Products checked concurrently in a pool of worker processes (``meshguard check --jobs N``).

Each worker receives one :class:`Checker` (the pipeline's product checker) when it
starts (so the policy engine is compiled once per worker, not per product) and
then checks the products it is handed, by index. Results come back in the
order of the products, so a run with N jobs gives exactly what ``--jobs 1``
gives. Workers are started with ``spawn``: forking a process whose polars
thread pool is already running can deadlock.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, Self

if TYPE_CHECKING:
    from meshguard.contracts.repo import LintedContract
    from meshguard.results.model import ProductResult


class Checker(Protocol):
    """What the pool needs of the pipeline's product checker (it knows nothing else of the pipeline)."""

    def for_worker(self) -> Self:
        """A picklable copy without what a worker must open itself (the compiled engine)."""
        ...

    def prepare(self) -> None:
        """Open what the checks need, once per worker process."""
        ...

    def check(self, lc: LintedContract) -> ProductResult: ...

    def usage(self) -> Any:
        """What the worker's checks saw that the run's totals need (waiver usage)."""
        ...

    def absorb(self, usage: Any) -> None:
        """Merge a worker's :meth:`usage` into this (the parent's) checker."""
        ...


_checker: Checker | None = None
_products: Sequence[LintedContract] = ()
_failed: Exception | None = None


def _start(checker: Checker, products: Sequence[LintedContract]) -> None:
    global _checker, _products, _failed
    # one polars thread per worker: the workers are the parallelism (polars is not imported yet)
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
    _checker, _products = checker, products
    try:
        checker.prepare()
    except Exception as exc:
        # an initializer that raises makes the pool start a new worker, forever, while the
        # parent waits for a result: the worker's first task raises the error instead
        _failed = _portable(exc)


def _check(index: int) -> tuple[ProductResult, Any]:
    assert _checker is not None, "worker not initialised"
    if _failed is not None:
        raise _failed
    try:
        return _checker.check(_products[index]), _checker.usage()
    except Exception as exc:
        raise _portable(exc) from None


def _portable(exc: Exception) -> Exception:
    """``exc``, or a RuntimeError naming it when it cannot cross back to the parent process
    (the pool would otherwise wait forever for a result it cannot unpickle)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def check_in_pool(checker: Checker, products: Sequence[LintedContract], jobs: int) -> Iterator[ProductResult]:
    """Each product's result, in the order of ``products``, computed by ``jobs`` processes."""
    shipped = checker.for_worker()
    ctx = multiprocessing.get_context("spawn")
    chunk = max(1, min(16, len(products) // (jobs * 8)))
    with ctx.Pool(jobs, initializer=_start, initargs=(shipped, list(products))) as pool:
        for product, usage in pool.imap(_check, range(len(products)), chunksize=chunk):
            checker.absorb(usage)  # waivers a worker saw used: the mesh-level findings need them
            yield product
