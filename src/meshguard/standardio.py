"""The standard streams as a command finds them: a pipe whose reader has gone, an encoding
that cannot write a character. Each is the environment's limit, told in one line, not a bug."""

from __future__ import annotations

import os
import sys
from typing import Any


def closed_output(exc: BrokenPipeError) -> Exception:
    """The error for a write into a pipe nobody reads: standard output's (the reader, ``head``
    say, has gone: the files the run wrote are whole, what it printed is cut short) or standard
    error's, then an :class:`~meshguard.errors.OutputUnavailable` (exit 3); the gone stream is
    pointed at the null device so that the exit's flush and the line saying so have nothing to
    complain of (both when they are that one closed pipe, ``2>&1 | head``); any other pipe's is
    a bug."""
    out, err = silence(sys.stdout), silence(sys.stderr)
    if not (out or err):
        return RuntimeError(f"a pipe closed under a write: {exc}")
    from meshguard.errors import OutputUnavailable

    which = "standard output" if out else "standard error"
    return OutputUnavailable(
        f"{which} was closed before meshguard had written everything to it (broken pipe)"
    )


def silence(stream: Any) -> bool:
    """Whether ``stream`` is a pipe whose reader has gone; its descriptor then writes to the
    null device (what is still written to it, an error's line, goes nowhere and the exit code
    stays the error's)."""
    fd = gone(stream)
    if fd is None:
        return False
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)
    return True


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
