"""One part of the work done by a forked child while this process does the rest.

Loading contracts and rendering reports are pure Python: done one after the other they use
one core. A forked child has everything the parent had (the fork shares it), so it costs no
pickling of its input and no start-up: it runs its part, sends back what it returns (or the
error it raised) through a pipe and leaves with ``os._exit`` (none of the parent's buffers,
finalisers or open stores are touched twice). Where ``fork`` does not exist the part runs in
this process.

Used for the HTML site (written beside the other reports) and for half of a large repo's
contracts (loaded beside the other half). A child never imports polars or starts a thread.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from meshguard.schemacheck import fork_child

T = TypeVar("T")
#: the error raised when a child ends without an answer (killed, out of memory), from its exit status
Died = Callable[[int], Exception]


class Pending(Generic[T]):
    """A part started by :func:`start`: :meth:`result` waits for it and returns (or raises) its outcome."""

    def __init__(self, pid: int | None, fd: int | None, died: Died | None = None) -> None:
        self._pid, self._fd, self._died = pid, fd, died
        self._value: T | None = None
        self._error: BaseException | None = None

    def result(self) -> T:
        if self._pid is not None and self._fd is not None:
            with os.fdopen(self._fd, "rb") as fh:
                data = fh.read()
            _, status = os.waitpid(self._pid, 0)
            self._pid = self._fd = None
            try:
                ok, payload = pickle.loads(data)
            except Exception:
                code = os.waitstatus_to_exitcode(status)
                assert self._died is not None
                self._error = self._died(code)
            else:
                if ok:
                    self._value = payload
                else:
                    self._error = payload
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def cancel(self) -> None:
        """Stop the child if it still runs (the parent failed first)."""
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGTERM)
                os.waitpid(self._pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self._pid = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _portable(exc: BaseException) -> BaseException:
    """``exc``, or an error naming it when it cannot be pickled to the parent."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def start(part: Callable[[], T], died: Died) -> Pending[T]:
    """Run ``part`` in a forked child (here, at once, when the platform cannot fork); ``died``
    makes the error of a child that ends without answering."""
    if not hasattr(os, "fork"):
        done: Pending[T] = Pending(None, None)
        try:
            done._value = part()
        except Exception as exc:
            done._error = exc
        return done
    read, write = os.pipe()

    def run() -> None:
        # no cycle collection here: short-lived, and a collection would write to every page of
        # the heap it shares with the parent (so the kernel would copy them): meshguard.gcpause
        gc.disable()
        os.close(read)
        try:
            outcome: tuple[bool, object] = (True, part())
        except BaseException as exc:
            outcome = (False, _portable(exc))
        with os.fdopen(write, "wb") as fh:
            fh.write(pickle.dumps(outcome))

    pid = fork_child(run)
    os.close(write)
    return Pending(pid, read, died)


#: the most chunks a :class:`Shared` hands out: 4-byte numbers filling one 4 KiB pipe buffer, the
#: least any pipe holds, so writing them all never blocks
MAX_CHUNKS = 1024


class Shared:
    """``count`` items (0 … count-1) shared out between this process and a child forked after it
    was made: each takes the next chunk when it is ready for more, so the one that finishes its
    own work first does more of these. A pipe holds the chunk numbers (its writing end closed at
    once); a read of one 4-byte number is atomic, so no chunk is handed out twice."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._size = max(1, -(-count // MAX_CHUNKS))
        read, write = os.pipe()
        try:
            os.write(write, b"".join(k.to_bytes(4, "little") for k in range(-(-count // self._size))))
        finally:
            os.close(write)
        self._fd: int | None = read

    def take(self) -> Iterator[int]:
        """The items of each chunk this process gets, until none is left."""
        while self._fd is not None and len(got := os.read(self._fd, 4)) == 4:
            first = int.from_bytes(got, "little") * self._size
            yield from range(first, min(first + self._size, self.count))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
