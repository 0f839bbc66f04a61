"""The status line on stderr while a run goes on (on a terminal only, unless forced).

It shows the products done out of the total and, for each product being checked,
the step it is at (versioning, reading a table, checking it with its row count
once known, rule k of n, relationships, SLA, policy) and for how long, redrawn
in place as the steps arrive and every :data:`TICK` seconds: a large product shows
it is alive while it is read and checked, also from ``--jobs`` worker processes
(their steps are forwarded to the parent). It appears once the run has lasted
``MESHGUARD_PROGRESS_DELAY`` seconds (default :data:`DELAY`), so a quick run prints
nothing; it ends with one summary line. Only product ids, table names, step names
and counts are shown: never a value of the data.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO

from meshguard.progress import Step

#: seconds a run lasts before the status line appears (``MESHGUARD_PROGRESS_DELAY``)
DELAY = 0.5
#: seconds between redraws while nothing new arrives (the elapsed times move on)
TICK = 0.25
WIDTH = 24  # of the bar

_WHAT = {
    "sla": "SLA checks",
    "relationships": "relationships",
    "policy": "policies",
    "versioning": "versioning",
}


def delay_from_env() -> float:
    raw = os.environ.get("MESHGUARD_PROGRESS_DELAY", "")
    try:
        return max(0.0, float(raw)) if raw else DELAY
    except ValueError:
        return DELAY


def describe(step: Step) -> str:
    """One product's step in words (no data value can reach it: ids, names and counts only)."""
    what = _WHAT.get(step.what, step.what)
    if step.what in ("reading", "checking", "rules") and step.table:
        what = f"{'reading' if step.what == 'reading' else 'checking'} {step.table}"
    if step.what == "rules" and step.done is not None and step.total:
        what += f": rule {step.done}/{step.total}"
    if step.rows is not None:
        what += f" ({step.rows:,} rows)"
    elif step.size is not None:
        what += f" ({_bytes(step.size)})"
    return what


def _bytes(n: int) -> str:
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _seconds(s: float) -> str:
    return f"{int(s)}s" if s < 60 else f"{int(s) // 60}m{int(s) % 60:02d}s"


class Progress:
    """``progress(done, total)`` after each product, ``progress.step(step)`` for each step
    (from any thread), ``close()`` when the run is over (clears an unfinished line)."""

    def __init__(
        self,
        total: int = 0,
        label: str = "products",
        stream: TextIO | None = None,
        force: bool = False,
        delay: float | None = None,
    ):
        self.total = total
        self.label = label
        self.stream = stream or sys.stderr
        self.force = force
        self.delay = delay_from_env() if delay is None else delay
        self.done = 0
        self.tty = _isatty(self.stream)
        self._lock = threading.Lock()
        self._started = time.monotonic()
        #: product → (its latest step, when that step began); "" is the run itself
        self._active: dict[str, tuple[Step, float]] = {}
        self._shown = 0  # characters of the line on screen (0: none)
        self._last = 0.0
        self._closed = False
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def enabled(self) -> bool:
        return self.force or self.tty

    def __call__(self, done: int, total: int | None = None) -> None:
        self.update(done, total)

    def update(self, done: int, total: int | None = None) -> None:
        with self._lock:
            self.done = done
            if total is not None:
                self.total = total
            if self._closed or not self.enabled:
                return
            if self.total and done >= self.total:
                self._finish()
            else:
                self._draw(throttle=True)

    def step(self, step: Step) -> None:
        with self._lock:
            if self._closed or not self.enabled:
                return
            now = time.monotonic()
            if step.what == "done":
                self._active.pop(step.product, None)
                return
            if step.what == "products":  # the run knows how many products it checks
                self.total = step.total or self.total
                self._active.pop("", None)
                return
            before = self._active.get(step.product)
            same = before is not None and (before[0].what, before[0].table) == (step.what, step.table)
            if same and before is not None and step.rows is None and before[0].rows is not None:
                step = Step(
                    step.product, step.what, step.table, before[0].rows, step.size, step.done, step.total
                )
            self._active[step.product] = (step, before[1] if same and before is not None else now)
            if self.tty:  # a log (a forced line on a pipe) gets the steps, not the seconds ticking
                self._start_ticker()
            self._draw(throttle=same)  # a new step is drawn at once, a count moving on at most per tick

    def line(self, now: float | None = None) -> str:
        """The status line as it would be drawn now."""
        now = time.monotonic() if now is None else now
        filled = int(WIDTH * self.done / self.total) if self.total else 0
        head = f"[{'#' * filled}{'-' * (WIDTH - filled)}] {self.done}/{self.total or '?'} {self.label}"
        parts = [head]
        run = self._active.get("")
        products = [(p, s, t) for p, (s, t) in self._active.items() if p]
        for product, step, began in products[:2]:
            took = now - began
            parts.append(f"{product}: {describe(step)}" + (f" ({_seconds(took)})" if took >= 1 else ""))
        if len(products) > 2:
            parts.append(f"+{len(products) - 2} more")
        if run is not None and not products:
            parts.append(describe(run[0]))
        parts.append(_seconds(now - self._started))
        from meshguard.printsafe import printed  # a product id's control characters

        return printed(" | ".join(parts))

    def close(self) -> None:
        """Stop redrawing; an unfinished line is cleared (an error message may follow)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._stop.set()
            if self._shown:
                self._write("\r" + (" " * self._shown if not self.tty else "\x1b[K") + "\r")
                self._shown = 0

    # -- drawing (the lock is held) --------------------------------------------------

    def _start_ticker(self) -> None:
        if self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, name="meshguard-progress", daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(TICK):
            with self._lock:
                if self._closed:
                    return
                self._draw(throttle=False)

    def _draw(self, *, throttle: bool) -> None:
        now = time.monotonic()
        if not self.force and now - self._started < self.delay:
            return
        if throttle and self._shown and now - self._last < TICK:
            return
        self._last = now
        text = self._fit(self.line(now))
        pad = "\x1b[K" if self.tty else " " * max(0, self._shown - len(text))
        self._write("\r" + text + pad)
        self._shown = len(text)

    def _finish(self) -> None:
        self._closed = True
        self._stop.set()
        if not self.force and not self._shown:
            return  # a quick run: nothing was shown, nothing to end
        self._active.clear()
        text = self._fit(self.line())
        pad = "\x1b[K" if self.tty else " " * max(0, self._shown - len(text))
        self._write("\r" + text + pad + "\n")
        self._shown = 0

    def _fit(self, text: str) -> str:
        width = _columns(self.stream) - 1
        return text if len(text) <= width else text[: max(0, width - 3)] + "..."

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: progress is not worth an error
            self._closed = True
            self._stop.set()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _columns(stream: TextIO) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        columns = 0
    return columns if columns > 20 else 120  # a terminal that tells no size
