"""Render a scored MeshResult: to stdout, to ``--output FORMAT=PATH`` files and the HTML scorecards.

Shared by ``meshguard check`` and ``meshguard report --from-history``. Files are
written atomically (temporary file + rename), so a reader never sees half a report.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from meshguard.errors import OutputUnavailable, UsageError
from meshguard.report import formats
from meshguard.report.formats import RenderContext, TrendPoint
from meshguard.results.model import MeshResult

if TYPE_CHECKING:
    from meshguard import forked
    from meshguard.config import Config
    from meshguard.history import HistoryStore

TREND_RUNS = 30
SPARKLINE_RUNS = 20


@dataclass(frozen=True)
class OutputSpec:
    """``--output FORMAT=PATH``: a report format and the file it goes to."""

    format: str
    path: Path


def parse_output(spec: str, base: Path) -> OutputSpec:
    """``FORMAT=PATH`` (PATH relative to ``base``, the current folder)."""
    fmt, sep, path = spec.partition("=")
    if not sep or not fmt or not path:
        raise UsageError(f"--output expects FORMAT=PATH, got {spec!r}")
    if not formats.known(fmt):
        raise UsageError(f"--output: unknown format {fmt!r} (known: {', '.join(formats.names())})")
    p = Path(path)
    return OutputSpec(fmt, p if p.is_absolute() else base / p)


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR", "") != "":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def source_link(config: Config, reports: Path) -> str:
    """How the scorecards link a contract: ``repository_url`` from meshguard.yaml, else the repo
    root relative to the reports folder (the static site links the file itself)."""
    if config.repository_url:
        return config.repository_url
    try:
        return Path(os.path.relpath(config.root.resolve(), reports.resolve())).as_posix()
    except ValueError:  # another drive
        return config.root.resolve().as_uri()


def context(
    store: HistoryStore | None,
    *,
    color: bool = False,
    until: str | None = None,
    trend_runs: int = TREND_RUNS,
    spark_runs: int = SPARKLINE_RUNS,
    source_link: str | None = None,
) -> RenderContext:
    """What the history store knows about the runs up to ``until`` (default: the last), for the
    trend chart and the sparklines."""
    if store is None:
        return RenderContext(color=color, source_link=source_link)
    stats = store.run_stats(trend_runs, until)
    trend = tuple(
        TrendPoint(r["run_id"], r["timestamp"], r["score"], r["verdict"], r["counts"]) for r in stats
    )
    domains: dict[str, list[TrendPoint]] = {}
    for r in stats:
        for name, d in r["domains"].items():
            domains.setdefault(name, []).append(
                TrendPoint(r["run_id"], r["timestamp"], d["passing"], d["verdict"])
            )
    return RenderContext(
        color=color,
        trend=trend,
        sparklines=store.sparklines(spark_runs, until),
        domain_trends={k: tuple(v) for k, v in sorted(domains.items())},
        source_link=source_link,
    )


def _writer_died(code: int) -> OutputUnavailable:
    return OutputUnavailable(f"the report writer stopped before it finished (exit status {code})")


def _write_site(mesh: MeshResult, ctx: RenderContext, folder: Path) -> list[Path]:
    html = formats.get("html")
    return formats.write_report(html, mesh, ctx, folder / html.default_filename)


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
    site: Callable[[], list[Path]] | None = None
    if reports_dir is not None:
        site = partial(_write_site, mesh, ctx, reports_dir)
    plain = replace(ctx, color=False)
    pending: forked.Pending[list[Path]] | None = None
    if site is not None and outputs:
        # the HTML site (the largest) in a forked child, the other files here, on the other core
        from meshguard import forked

        pending, site = forked.start(site, _writer_died), None
    written: list[Path] = site() if site is not None else []
    others: list[Path] = []
    try:
        for out in outputs:
            others += formats.write_report(formats.get(out.format), mesh, plain, out.path)
    except BaseException as exc:
        if pending is not None:
            if isinstance(exc, Exception):  # the site is written whole, as when it came first
                with contextlib.suppress(Exception):
                    pending.result()
            else:
                pending.cancel()
        raise
    if pending is not None:
        written += pending.result()  # its error, if any, before anything reaches stdout
    written += others
    if stdout_format:
        for piece in formats.get(stdout_format).chunks(mesh, ctx):
            stream.write(piece)
        stream.flush()
    return written
