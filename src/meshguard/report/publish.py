"""Render a scored MeshResult: to stdout, to ``--output FORMAT=PATH`` files and the HTML scorecards.

Shared by ``meshguard check`` and ``meshguard report --from-history``. Files are
written atomically (temporary file + rename), so a reader never sees half a report.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from meshguard.errors import UsageError
from meshguard.report import formats
from meshguard.report.formats import RenderContext, TrendPoint
from meshguard.results.model import MeshResult

if TYPE_CHECKING:
    from meshguard.history import HistoryStore

TREND_RUNS = 30
SPARKLINE_RUNS = 20


@dataclass(frozen=True)
class OutputSpec:
    format: str
    path: Path


def parse_output(spec: str, base: Path) -> OutputSpec:
    """``FORMAT=PATH`` (PATH relative to ``base``, the current folder)."""
    fmt, sep, path = spec.partition("=")
    if not sep or not fmt or not path:
        raise UsageError(f"--output expects FORMAT=PATH, got {spec!r}")
    if fmt not in formats.REPORTERS:
        raise UsageError(f"--output: unknown format {fmt!r} (known: {', '.join(formats.REPORTERS)})")
    p = Path(path)
    return OutputSpec(fmt, p if p.is_absolute() else base / p)


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR", "") != "":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def context(
    store: HistoryStore | None,
    *,
    color: bool = False,
    until: str | None = None,
    trend_runs: int = TREND_RUNS,
    spark_runs: int = SPARKLINE_RUNS,
) -> RenderContext:
    """What the history store knows about the runs up to ``until`` (default: the last), for the
    trend chart and the sparklines."""
    if store is None:
        return RenderContext(color=color)
    trend = tuple(TrendPoint(r, t, s) for r, t, s in store.trend(trend_runs, until))
    return RenderContext(color=color, trend=trend, sparklines=store.sparklines(spark_runs, until))


def publish(
    mesh: MeshResult,
    ctx: RenderContext,
    *,
    stdout_format: str | None,
    outputs: Sequence[OutputSpec] = (),
    reports_dir: Path | None = None,
    stream: TextIO | None = None,
) -> list[Path]:
    """Write every requested rendering; returns the files written."""
    stream = stream or sys.stdout
    written: list[Path] = []
    if reports_dir is not None:
        html = formats.get("html")
        written += formats.write_report(html, mesh, ctx, reports_dir / html.default_filename)
    plain = RenderContext(color=False, trend=ctx.trend, sparklines=ctx.sparklines)
    for out in outputs:
        written += formats.write_report(formats.get(out.format), mesh, plain, out.path)
    if stdout_format:
        stream.write(formats.get(stdout_format).render(mesh, ctx))
        stream.flush()
    return written
