"""A progress bar on stderr for runs over many products (only on a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

#: runs with fewer products than this show no bar
MIN_PRODUCTS = 20


class Progress:
    def __init__(
        self, total: int, label: str = "products", stream: TextIO | None = None, force: bool = False
    ):
        self.total = total
        self.label = label
        self.stream = stream or sys.stderr
        self.force = force
        self._last = 0.0
        self.done = 0

    @property
    def enabled(self) -> bool:
        if self.total <= 0:
            return False
        return self.force or (self.total >= MIN_PRODUCTS and self.stream.isatty())

    def __call__(self, done: int, total: int | None = None) -> None:
        self.update(done, total)

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        if not self.enabled:
            return
        now = time.monotonic()
        if done < self.total and now - self._last < 0.1:
            return
        self._last = now
        width = 30
        filled = int(width * done / self.total) if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {done}/{self.total} {self.label}")
        if done >= self.total:
            self.stream.write("\n")
        self.stream.flush()
