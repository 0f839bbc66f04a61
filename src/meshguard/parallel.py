"""Products checked concurrently in a pool of worker processes (``meshguard check --jobs N``).

Each worker receives one :class:`Checker` (the pipeline's product checker) when it
starts (so a policy engine it needs is compiled once per worker, not per product; an engine
that takes batches stays in the parent, see :meth:`Checker.finish`) and
then checks the products it is handed, a contiguous slice per task, sent with the task
(each product is pickled once per run, not once per worker). Results come back in the
order of the products, so a run with N jobs gives exactly what ``--jobs 1``
gives. Workers are started with ``spawn``: forking a process whose polars
thread pool is already running can deadlock. The steps a worker announces
(:mod:`meshguard.progress`) travel back through a queue to the parent's listener.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import threading
from collections.abc import Generator, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, Self

from meshguard import progress

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

    def work(self, products: Sequence[LintedContract]) -> list[Any]:
        """A worker's task: what it hands back for each product, in order."""
        ...

    def finish(
        self, products: Sequence[LintedContract], handed: Iterable[Any], jobs: int
    ) -> Iterator[ProductResult]:
        """The parent's side: each product's result from what the workers handed back, in order."""
        ...

    def usage(self) -> Any:
        """What the worker's checks saw that the run's totals need (waiver usage)."""
        ...

    def absorb(self, usage: Any) -> None:
        """Merge a worker's :meth:`usage` into this (the parent's) checker."""
        ...


#: most products in one task of a worker
TASK = 32

_checker: Checker | None = None
_failed: Exception | None = None


def _start(checker: Checker, steps: Any = None) -> None:
    global _checker, _failed
    # one polars thread per worker: the workers are the parallelism (polars is not imported yet)
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
    _checker = checker
    if steps is not None:
        steps.cancel_join_thread()  # steps not yet sent when the worker ends are not worth a wait
        progress.listen(steps.put)  # to the parent's listener (see _forward)
    try:
        checker.prepare()
    except Exception as exc:
        # an initializer that raises makes the pool start a new worker, forever, while the
        # parent waits for a result: the worker's first task raises the error instead
        _failed = _portable(exc)


def _check(task: Sequence[LintedContract]) -> tuple[list[Any], Any]:
    """What the worker hands back for the products of one task, and the usage."""
    assert _checker is not None, "worker not initialised"
    if _failed is not None:
        raise _failed
    try:
        return _checker.work(task), _checker.usage()
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


def _forward(steps: Any, listener: progress.Listener, stop: threading.Event) -> None:
    """The parent's side of the workers' steps: each to ``listener``, until ``stop``. The parent
    only reads the queue, so a worker killed while writing to it cannot block the parent."""
    while not stop.is_set():
        try:
            item = steps.get(timeout=0.1)
        except queue.Empty:
            continue
        listener(item)


def check_in_pool(
    checker: Checker,
    products: Sequence[LintedContract],
    jobs: int,
    listener: progress.Listener | None = None,
) -> Iterator[ProductResult]:
    """Each product's result, in the order of ``products``, computed by ``jobs`` processes
    (and :meth:`Checker.finish` here); the steps the workers reach go to ``listener`` (called in
    this process, from a thread)."""
    handed = _handed(checker, products, jobs, listener)
    try:
        yield from checker.finish(products, handed, jobs)
    finally:
        handed.close()  # the pool stops now, even when the parent's side failed


def _handed(
    checker: Checker,
    products: Sequence[LintedContract],
    jobs: int,
    listener: progress.Listener | None,
) -> Generator[Any, None, None]:
    shipped = checker.for_worker()
    ctx = multiprocessing.get_context("spawn")
    # products per task: a batch for the policy engine, yet enough tasks to balance the workers
    size = max(1, min(TASK, len(products) // (jobs * 4)))
    # each task carries its products: a product is pickled once per run, not once per worker
    tasks = [products[i : i + size] for i in range(0, len(products), size)]
    steps = ctx.Queue() if listener is not None else None
    stop = threading.Event()
    relay = None
    if steps is not None and listener is not None:
        relay = threading.Thread(
            target=_forward, args=(steps, listener, stop), name="meshguard-steps", daemon=True
        )
        relay.start()
    try:
        with ctx.Pool(jobs, initializer=_start, initargs=(shipped, steps)) as pool:
            for handed, usage in pool.imap(_check, tasks):
                checker.absorb(usage)  # waivers a worker saw used: the mesh-level findings need them
                yield from handed
    finally:
        stop.set()
        if relay is not None and steps is not None:
            relay.join(timeout=5)  # it looks at ``stop`` every 0.1 s
            if not relay.is_alive():
                steps.close()
