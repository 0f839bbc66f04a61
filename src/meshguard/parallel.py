"""Products checked concurrently in a pool of worker processes (``meshguard check --jobs N``).

The pool starts before the contracts are linted (:meth:`WorkerPool.start`): a worker's
start-up (a new interpreter, meshguard's imports and, with data, polars and pandera's,
about a second of CPU each) then overlaps the parent's lint instead of following it. Each
worker first runs the run's ``warm`` function (those imports), then waits for its
:class:`Checker` (the pipeline's product checker, known once the contracts are linted),
sent once per worker (so a policy engine it needs is compiled once per worker, not per
product; an engine that takes batches stays in the parent, see :meth:`Checker.finish`).
It then checks the products it is handed, a contiguous slice per task, sent with the task
(each product is pickled once per run, not once per worker). Results come back in the
order of the products, so a run with N jobs gives exactly what ``--jobs 1`` gives.
Workers are started with ``spawn``: forking a process whose polars thread pool is
already running can deadlock. The steps a worker announces (:mod:`meshguard.progress`)
travel back through a queue to the parent's listener.

Whether a pool pays for its start is the pipeline's call (``pipeline.pool_pays``).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import queue
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
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
#: seconds between two looks, while the parent waits for the workers, at whether one has died
WATCH = 0.5
#: a worker's young-generation threshold: container objects allocated (net) between two
#: collections (Python's default is 700; a product's data path allocates tens of thousands)
YOUNG = 20_000

_checker: Checker | None = None
_failed: Exception | None = None


def _start(setup: Any, steps: Any, warm: Callable[[], None] | None) -> None:
    """A worker's start: the run's imports, then (blocking until the parent sends it) its checker."""
    global _checker, _failed
    # one polars thread per worker: the workers are the parallelism (polars is not imported yet)
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
    if steps is not None:
        steps.cancel_join_thread()  # steps not yet sent when the worker ends are not worth a wait
        progress.listen(steps.put)  # to the parent's listener (see _forward)
    try:
        if warm is not None:
            warm()
        _checker = pickle.loads(setup.get())
        _checker.prepare()
        # what this worker keeps to its end (its imports, the checker) is never traced again,
        # and its collections come at a pace for a process that frees almost everything by
        # reference counting (polars' and pandera's rare cycles are still collected)
        gc.freeze()
        gc.set_threshold(YOUNG, *gc.get_threshold()[1:])
    except Exception as exc:
        # an initializer that raises makes the pool start a new worker, forever, while the
        # parent waits for a result: the worker's first task raises the error instead
        _failed = _portable(exc)


def _check(task: Sequence[LintedContract]) -> tuple[list[Any], Any]:
    """What the worker hands back for the products of one task, and the usage."""
    if _failed is not None:
        raise _failed
    assert _checker is not None, "worker not initialised"
    try:
        return _checker.work(task), _checker.usage()
    except Exception as exc:
        raise _portable(exc) from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        # a native library's panic (pyo3's PanicException is a BaseException): the pool's worker
        # would end with it and its task never be answered, so the parent would wait forever
        raise RuntimeError(f"{type(exc).__name__}: {exc}") from None


def _status(code: int) -> str:
    """``exit status N``, with the signal's name when a signal ended the process."""
    if code >= 0:
        return f"exit status {code}"
    import signal

    try:
        return f"exit status {code}, {signal.Signals(-code).name}"
    except ValueError:
        return f"exit status {code}"


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


class WorkerPool:
    """``jobs`` worker processes, started early; :meth:`check` hands them the products."""

    def __init__(
        self,
        jobs: int,
        listener: progress.Listener | None = None,
        warm: Callable[[], None] | None = None,
    ) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.jobs = jobs
        self._setup = ctx.Queue()  # a feeder thread: putting a large checker never blocks the parent
        self._steps = ctx.Queue() if listener is not None else None
        self._stop = threading.Event()
        self._relay: threading.Thread | None = None
        if self._steps is not None and listener is not None:
            self._relay = threading.Thread(
                target=_forward, args=(self._steps, listener, self._stop), name="meshguard-steps", daemon=True
            )
            self._relay.start()
        self._pool = ctx.Pool(jobs, initializer=_start, initargs=(self._setup, self._steps, warm))
        self._workers: list[Any] = list(self._pool._pool)  # type: ignore[attr-defined]

    @classmethod
    def start(
        cls, jobs: int, listener: progress.Listener | None = None, warm: Callable[[], None] | None = None
    ) -> WorkerPool:
        """The workers, starting now (``warm``: a picklable function each runs first, its imports)."""
        return cls(jobs, listener, warm)

    def check(self, checker: Checker, products: Sequence[LintedContract]) -> Iterator[ProductResult]:
        """Each product's result, in the order of ``products`` (the policy stage, when the
        workers leave it to this process, in :meth:`Checker.finish`, with ``jobs`` engine
        processes); the steps the workers reach go to the listener (called from a thread)."""
        handed = self._handed(checker, products)
        try:
            yield from checker.finish(products, handed, self.jobs)
        finally:
            handed.close()

    def _handed(self, checker: Checker, products: Sequence[LintedContract]) -> Generator[Any, None, None]:
        blob = pickle.dumps(checker.for_worker())  # pickled once, read once by each worker
        for _ in range(self.jobs):
            self._setup.put(blob)
        # products per task: a batch for the policy engine, yet enough tasks to balance the workers
        size = max(1, min(TASK, len(products) // (self.jobs * 4)))
        # each task carries its products: a product is pickled once per run, not once per worker
        tasks = [products[i : i + size] for i in range(0, len(products), size)]
        answers = self._pool.imap(_check, tasks)
        while True:
            try:
                handed, usage = answers.next(WATCH)
            except StopIteration:
                return
            except multiprocessing.TimeoutError:
                self._watch()
                continue
            checker.absorb(usage)  # waivers a worker saw used: the mesh-level findings need them
            yield from handed

    def _watch(self) -> None:
        """An error when a worker has ended (killed, out of memory, aborted by a native library
        on a corrupt file): the pool would start another in its place and wait for ever for the
        answer to the task the dead one held. A worker ends only so: the pool keeps its
        workers until :meth:`close`."""
        self._workers += [w for w in self._pool._pool if w not in self._workers]  # type: ignore[attr-defined]
        for worker in self._workers:
            if worker.exitcode is not None:
                raise RuntimeError(
                    "a worker process checking products stopped before it finished "
                    f"({_status(worker.exitcode)}); rerun with --jobs 1 to see which product"
                )

    def close(self) -> None:
        """Stop the workers (whether or not they were used) and the steps' relay."""
        self._pool.terminate()
        self._pool.join()
        self._setup.cancel_join_thread()  # copies of the checker no worker read are not waited for
        self._setup.close()
        self._stop.set()
        if self._relay is not None and self._steps is not None:
            self._relay.join(timeout=5)  # it looks at ``stop`` every 0.1 s
            if not self._relay.is_alive():
                self._steps.close()
