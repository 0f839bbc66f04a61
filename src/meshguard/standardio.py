"""The standard streams as a command finds them: a pipe whose reader has gone, an encoding
that cannot write a character. Each is the environment's limit, told in one line, not a bug."""

from __future__ import annotations

import os
import sys
from typing import Any


def closed_output(exc: BrokenPipeError) -> Exception:
    """The error for a write into a pipe nobody reads: standard output's (the reader, ``head``
    say, has gone: the files the run wrote are whole, what it printed is cut short), then an
    :class:`~meshguard.errors.OutputUnavailable`, and standard output is pointed at the null
    device so that the exit's flush has nothing to complain of (standard error too when it is
    that closed pipe, ``2>&1 | head``: the line saying so has nowhere to go, the exit code
    stays 3); any other pipe's is a bug."""
    fd = gone(sys.stdout)
    if fd is None:
        return RuntimeError(f"a pipe closed under a write: {exc}")
    from meshguard.errors import OutputUnavailable

    for dead in (fd, gone(sys.stderr)):
        if dead is not None:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, dead)
            os.close(null)
    return OutputUnavailable(
        "standard output was closed before meshguard had written everything to it (broken pipe)"
    )


def gone(stream: Any) -> int | None:
    """``stream``'s descriptor when it is a pipe whose reader has gone, else None."""
    import select

    try:
        fd = int(stream.fileno())
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        closed = any(event & select.POLLERR for _, event in poller.poll(0))
    except (OSError, ValueError, AttributeError):  # no descriptor (a test's buffer), no poll
        return None
    return fd if closed else None


def encoding_refuses(exc: UnicodeEncodeError) -> bool:
    """Whether ``exc`` is standard output's encoding refusing a character (a terminal or a
    ``PYTHONIOENCODING`` that is not UTF-8): the environment's limit, not a bug."""
    import codecs

    encoding = getattr(sys.stdout, "encoding", None)
    if not isinstance(encoding, str):
        return False
    try:
        return codecs.lookup(exc.encoding).name == codecs.lookup(encoding).name
    except LookupError:
        return False
