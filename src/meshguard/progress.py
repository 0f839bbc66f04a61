"""Where a run is, as it happens: which product is at which step, and how far.

Stages announce each step with :func:`step`; whoever listens is installed with
:func:`listening` (the command line's status line, or a pool worker forwarding
to its parent). With nobody listening a step costs one global lookup, so the
stages announce freely. A :class:`Step` carries a product id, a step name, a
schema object's name and counts: never a value of the data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One product reached one step (``what``): versioning, reading, checking, rules,
    relationships, sla, policy, done (the product is finished)."""

    product: str
    what: str
    #: the schema object (table) the step works on
    table: str | None = None
    #: rows of ``table``, once known
    rows: int | None = None
    #: bytes of ``table`` (a file being read), when the source knows them
    size: int | None = None
    #: item ``done`` of ``total`` of the step (the rule being checked)
    done: int | None = None
    total: int | None = None


Listener = Callable[[Step], None]

_listener: Listener | None = None


def step(
    product: str,
    what: str,
    table: str | None = None,
    *,
    rows: int | None = None,
    size: int | None = None,
    done: int | None = None,
    total: int | None = None,
) -> None:
    """Tell the listener (if any) that ``product`` reached step ``what``."""
    if _listener is not None:
        _listener(Step(product, what, table, rows, size, done, total))


def active() -> bool:
    """Whether anyone listens (a step's details that cost something to find are then worth it)."""
    return _listener is not None


def listen(listener: Listener | None) -> None:
    """Send every step of this process to ``listener`` from now on (a pool worker, for its life)."""
    global _listener
    _listener = listener


@contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    """Send the steps announced inside the block to ``listener`` (None: to nobody)."""
    global _listener
    before, _listener = _listener, listener
    try:
        yield
    finally:
        _listener = before
