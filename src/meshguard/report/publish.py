"""Render a scored MeshResult: to stdout, to ``--output FORMAT=PATH`` files and the HTML scorecards.

Shared by ``meshguard check`` and ``meshguard report --from-history``. Files are
written atomically (temporary file + rename), so a reader never sees half a report.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, TextIO

from meshguard import gcpause
from meshguard.errors import MeshguardError, OutputUnavailable, UsageError
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


#: a site of this many products is written by two processes even without other outputs
SHARE_FROM = 200


def _write_site(
    mesh: MeshResult, ctx: RenderContext, folder: Path, shared: forked.Shared | None = None
) -> list[Path]:
    """The site; with ``shared``, only the product pages this process takes from it."""
    html = formats.get("html")
    index = folder / html.default_filename
    if shared is None:
        return formats.write_report(html, mesh, ctx, index)
    from meshguard.report.formats.html import HtmlReporter

    assert isinstance(html, HtmlReporter)
    written = formats.write_pages(html.site_pages(mesh, ctx), folder)
    # the index rendered before the shared pages (while this process renders, the other takes
    # more pages), written last (a site with pages missing has no index): rendered after them,
    # it was the run's last work, alone on one core (~0.1-0.2 ms per product)
    text = "".join(html.chunks(mesh, ctx))
    written += formats.write_pages(html.product_pages(mesh, ctx, shared.take()), folder)
    formats.write_atomic(index, text)
    return [*written, index]


def _share(mesh: MeshResult) -> forked.Shared | None:
    """The product pages to share out, when the site is written by the built-in HTML reporter
    (its templates compiled here first: the child inherits them)."""
    from meshguard import forked
    from meshguard.report.formats.html import HtmlReporter

    html = formats.get("html")
    if not isinstance(html, HtmlReporter):
        return None
    html.prepare()
    return forked.Shared(len(mesh.products))


def _in_order(mesh: MeshResult, folder: Path, site: list[Path], mine: list[Path]) -> list[Path]:
    """The site's files as one process writes them: ``site`` (the child's: the other pages, its
    product pages, the index last) with the product pages written here put in the products' order."""
    if not mine:
        return site
    from meshguard.report.formats.html import HtmlReporter

    html = formats.get("html")
    assert isinstance(html, HtmlReporter)
    position = {folder / rel: i for i, rel in enumerate(html.product_paths(mesh))}
    others = [p for p in site if p not in position]
    pages = sorted([p for p in site if p in position] + mine, key=position.__getitem__)
    return [*others[:-1], *pages, *others[-1:]]


def _noted(items: Iterator[int], into: list[int]) -> Iterator[int]:
    """``items``, each put in ``into`` as it is handed out."""
    for i in items:
        into.append(i)
        yield i


def _unfinished(folder: Path, exc: BaseException) -> None:
    """A site with product pages missing must not look complete: its index (this run's, or an
    earlier run's) is removed, and the error says so."""
    index = folder / formats.get("html").default_filename
    with contextlib.suppress(OSError):
        index.unlink(missing_ok=True)
    if isinstance(exc, MeshguardError):
        note = f"the HTML site in {folder} is incomplete: its {index.name} was removed"
        exc.hint = f"{exc.hint}; {note}" if exc.hint else note


def _held(stream: TextIO) -> IO[bytes] | None:
    """A temporary file for the stdout document, rendered while the site's child writes pages
    (then the kernel copies it to ``stream``: :func:`_copy`), when ``stream`` is a file
    descriptor with an encoding and a temporary file can be made (no writable temporary
    folder: a read-only container); else None (it is rendered to ``stream`` after the site).
    Not for an encoding with a byte-order mark (UTF-16, UTF-8 with signature): whether the
    stream's own encoder writes one depends on what it wrote before, the codec and whether it
    is a file or a pipe, which a second encoder cannot know."""
    if not hasattr(os, "sendfile") or not getattr(stream, "encoding", None) or not hasattr(stream, "buffer"):
        return None
    import codecs

    try:
        if codecs.getincrementalencoder(stream.encoding)().encode(""):
            return None
    except LookupError:
        return None
    try:
        stream.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return None
    import tempfile

    try:
        return tempfile.TemporaryFile()
    except OSError:
        return None


def _render_held(held: IO[bytes], pieces: Iterable[str], stream: TextIO) -> IO[bytes] | None:
    """``held`` with ``pieces`` in it, encoded as ``stream`` encodes them (no newline
    translation: a POSIX stream has none); None, ``held`` closed, when the temporary folder is
    full (then the document is printed after the site, as without the child)."""
    import codecs

    encode = codecs.getincrementalencoder(stream.encoding)(stream.errors or "strict").encode
    try:
        for piece in pieces:
            held.write(encode(piece))
        held.write(encode("", True))
        held.flush()
    except OSError:
        with contextlib.suppress(OSError):
            held.close()
        return None
    return held


def _copy(held: IO[bytes], stream: TextIO) -> None:
    """``held``'s bytes after what ``stream`` has written: copied by the kernel (``sendfile``),
    by Python where the descriptor does not take it (an appending file on an old kernel; not a
    socket, on macOS and FreeBSD)."""
    stream.flush()
    size, offset = held.seek(0, os.SEEK_END), 0
    try:
        while offset < size and (sent := os.sendfile(stream.fileno(), held.fileno(), offset, size - offset)):
            offset += sent
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EAGAIN, errno.ENOTSOCK):
            raise
    if offset < size:
        held.seek(offset)
        buffer = stream.buffer
        while chunk := held.read(1 << 20):
            buffer.write(chunk)
        buffer.flush()


def _printed(fmt: str, mesh: MeshResult, ctx: RenderContext) -> Iterable[str]:
    """The document of ``fmt`` as stdout receives it. Each printed format breaks the CI
    commands a contract's strings bring (:mod:`meshguard.printsafe`); the HTML index, whose
    stylesheet's ``::before`` would make every site's index pay the search, breaks them only
    here, when it is printed (``&#91;``: the same page)."""
    pieces = formats.get(fmt).chunks(mesh, ctx)
    if fmt != "html":
        return pieces
    from meshguard import printsafe

    return (printsafe.inert(piece, printsafe.XML) for piece in pieces)


@gcpause.paused()  # rendering makes rows, not cycles: see meshguard.gcpause
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
    plain = replace(ctx, color=False)
    pending: forked.Pending[list[Path]] | None = None
    shared: forked.Shared | None = None
    written: list[Path] = []
    if reports_dir is not None and (outputs or len(mesh.products) >= SHARE_FROM):
        # the HTML site (the largest) in a forked child, the other files here, on the other core;
        # then the product pages the child has not taken yet, here
        from meshguard import forked

        shared = _share(mesh)
        pending = forked.start(partial(_write_site, mesh, ctx, reports_dir, shared), _writer_died)
    elif reports_dir is not None:
        written = _write_site(mesh, ctx, reports_dir)
    others: list[Path] = []
    mine: list[Path] = []
    taken: list[int] = []  # the product pages this process took to write
    # the stdout document rendered here while the child writes pages, printed after the site
    held = _held(stream) if pending is not None and stdout_format else None
    try:
        for out in outputs:
            others += formats.write_report(formats.get(out.format), mesh, plain, out.path)
        if held is not None and stdout_format:
            held = _render_held(held, _printed(stdout_format, mesh, ctx), stream)
        if shared is not None and reports_dir is not None:
            from meshguard.report.formats.html import HtmlReporter

            html = formats.get("html")
            assert isinstance(html, HtmlReporter)
            mine = formats.write_pages(
                html.product_pages(mesh, ctx, _noted(shared.take(), taken)), reports_dir
            )
    except BaseException as exc:
        if held is not None:
            held.close()
        if pending is not None:
            if isinstance(exc, Exception):  # the site is written whole, as when it came first
                with contextlib.suppress(Exception):
                    pending.result()
            else:
                pending.cancel()
            if taken and reports_dir is not None:  # pages taken here are missing from the site
                _unfinished(reports_dir, exc)
        raise
    finally:
        if shared is not None:
            shared.close()
    with held or contextlib.nullcontext():
        if pending is not None and reports_dir is not None:
            # its error, if any, before anything reaches stdout
            written += _in_order(mesh, reports_dir, pending.result(), mine)
        if held is not None:
            _copy(held, stream)
    written += others
    if stdout_format and held is None:
        for piece in _printed(stdout_format, mesh, ctx):
            stream.write(piece)
        stream.flush()
    return written
