"""One piece of report writing done by a forked child while this process does the rest.

Rendering is pure Python: two reports written one after the other use one core. A forked
child has the scored result already (the fork shares it), so it costs no pickling and no
start-up: it runs its part, sends back what it returns (or the error it raised) through a
pipe and leaves with ``os._exit`` (none of the parent's buffers, finalisers or open
stores are touched twice). Where ``fork`` does not exist the part runs in this process.
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable
from typing import Generic, TypeVar

from meshguard.errors import OutputUnavailable

T = TypeVar("T")


class Pending(Generic[T]):
    """A part started by :func:`start`: :meth:`result` waits for it and returns (or raises) its outcome."""

    def __init__(
        self, pid: int | None, fd: int | None, value: T | None = None, error: BaseException | None = None
    ):
        self._pid, self._fd, self._value, self._error = pid, fd, value, error

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
                self._error = OutputUnavailable(
                    f"the report writer stopped before it finished (exit status {code})"
                )
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


def start(part: Callable[[], T]) -> Pending[T]:
    """Run ``part`` in a forked child (here, at once, when the platform cannot fork)."""
    if not hasattr(os, "fork"):
        try:
            return Pending(None, None, value=part())
        except Exception as exc:
            return Pending(None, None, error=exc)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        code = 0
        try:
            os.close(read)
            try:
                outcome: tuple[bool, object] = (True, part())
            except BaseException as exc:
                outcome = (False, _portable(exc))
            with os.fdopen(write, "wb") as fh:
                fh.write(pickle.dumps(outcome))
        except BaseException:
            code = 4
        finally:
            os._exit(code)
    os.close(write)
    return Pending(pid, read)
