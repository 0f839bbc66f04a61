"""Reporters: one module per output format behind one protocol, chosen by name.

A reporter renders a scored :class:`MeshResult`; it never computes a score,
reads data or calls an engine. Adding a format is one module plus one line in
:data:`REPORTERS`, or a plugin's ``meshguard.reporters`` entry point
(:mod:`meshguard.plugins`).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from meshguard import plugins
from meshguard.errors import OutputUnavailable, UsageError
from meshguard.results.model import MeshResult

#: format name → "module:class" (imported only when used)
REPORTERS: dict[str, str] = {
    "text": "meshguard.report.formats.text:TextReporter",
    "json": "meshguard.report.formats.jsonout:JsonReporter",
    "junit": "meshguard.report.formats.junit:JunitReporter",
    "sarif": "meshguard.report.formats.sarif:SarifReporter",
    "markdown": "meshguard.report.formats.markdown:MarkdownReporter",
    "github": "meshguard.report.formats.github:GithubReporter",
    "html": "meshguard.report.formats.html:HtmlReporter",
}


@dataclass(frozen=True)
class TrendPoint:
    """One earlier run of the history, as the trend charts show it."""

    run_id: str
    timestamp: str
    score: float | None
    verdict: str = ""
    #: products per verdict in that run
    counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderContext:
    """What a reporter may know besides the result: presentation and history, nothing to compute."""

    color: bool = False
    #: mesh score of the last runs, oldest first (this run last)
    trend: tuple[TrendPoint, ...] = ()
    #: product id → its scores over the last runs, oldest first
    sparklines: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    #: domain → the share of its products passing (percent) and its worst verdict over the last
    #: runs, oldest first
    domain_trends: Mapping[str, tuple[TrendPoint, ...]] = field(default_factory=dict)
    #: how a product page links to its contract: a template with {path}, {line}, {commit}
    #: (``report.repository_url`` in meshguard.yaml), or a path relative to the reports folder
    source_link: str | None = None
    #: a text view lists every item, not only the failing ones (``policy test -v``)
    verbose: bool = False


class Reporter(Protocol):
    name: str
    #: file name used when the output is a folder (``--reports DIR``)
    default_filename: str

    def render(self, mesh: MeshResult, ctx: RenderContext) -> str:
        """The main document (what ``--format`` prints and ``--output`` writes)."""
        ...

    def pages(self, mesh: MeshResult, ctx: RenderContext) -> Iterator[tuple[str, str]]:
        """Extra files, as (path relative to the main document's folder, text)."""
        ...

    def chunks(self, mesh: MeshResult, ctx: RenderContext) -> Iterable[str]:
        """The main document in pieces, in order: what a file or stdout receives, so a large
        document is never whole in memory (:class:`BaseReporter`: ``render()`` in one piece)."""
        ...


def names() -> list[str]:
    """Every format: the built-in ones, then the plugins'."""
    return list(plugins.registry(plugins.REPORTERS, REPORTERS))


def known(name: str) -> bool:
    return plugins.target(plugins.REPORTERS, name, REPORTERS) is not None


def get(name: str) -> Reporter:
    target = plugins.target(plugins.REPORTERS, name, REPORTERS)
    if target is None:
        raise UsageError(f"unknown report format {name!r} (known: {', '.join(names())})")
    reporter: Reporter = plugins.load(target, group=plugins.REPORTERS, name=name)()
    return reporter


def current_umask() -> int:
    """The process umask (``os`` has no getter: set a value and restore the old one at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def streamed(path: Path) -> bool:
    """Whether ``path`` (its links followed) is neither a file nor a folder: a device or a pipe
    (``/dev/stdout``, the ``/dev/fd/63`` of a shell's ``>(jq .)``), written into as it is."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def write_atomic(path: Path, text: str | Iterable[str]) -> None:
    """Write ``text`` (or its pieces) through a temporary file in the same folder and rename it
    over ``path``; a device or a pipe (:func:`streamed`) is written into, never replaced, and a
    symbolic link's file is written, not the link replaced (``/dev/stdout`` to a file)."""
    import tempfile  # only when a file is written: lint to stdout does without

    if streamed(path):
        try:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.writelines([text] if isinstance(text, str) else text)
        except OSError as exc:
            raise OutputUnavailable(
                f"cannot write the report: {exc.strerror or exc}", path=str(path)
            ) from None
        return
    if path.is_symlink():  # the file it names is written (in its own folder), the link stays
        path = Path(os.path.realpath(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputUnavailable(f"cannot write the report: {exc.strerror or exc}", path=str(path)) from None
    try:
        os.fchmod(fd, 0o666 & ~current_umask())  # mkstemp makes 0600; a report is as readable as any file
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            if isinstance(text, str):
                fh.write(text)
            else:
                for piece in text:
                    fh.write(piece)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputUnavailable(
                f"cannot write the report: {exc.strerror or exc} (the previous file is left as it was)",
                path=str(path),
            ) from None
        raise


def write_pages(pages: Iterable[tuple[str, str]], folder: Path) -> list[Path]:
    """Write each (path relative to ``folder``, text); returns the files written."""
    written: list[Path] = []
    for rel, text in pages:
        target = folder / rel
        write_atomic(target, text)
        written.append(target)
    return written


def write_report(reporter: Reporter, mesh: MeshResult, ctx: RenderContext, path: Path) -> list[Path]:
    """Render to ``path`` (and the reporter's extra pages beside it); returns the files written."""
    pages = iter(reporter.pages(mesh, ctx))
    first = next(pages, None)
    if first is not None and streamed(path):  # its pages would go into the device's folder
        raise UsageError(
            f"--output {reporter.name}={path}: this format writes pages beside its main file, "
            "so it needs a file path, not a device or a pipe"
        )
    written = write_pages(itertools.chain([] if first is None else [first], pages), path.parent)
    write_atomic(path, reporter.chunks(mesh, ctx))
    written.append(path)
    return written


class BaseReporter:
    """Convenience base: a single-document reporter has no extra pages. A subclass overrides
    ``render()`` (its document in one piece) or ``chunks()`` (in pieces), each made of the other."""

    name = ""
    default_filename = ""

    def render(self, mesh: MeshResult, ctx: RenderContext) -> str:
        return "".join(self.chunks(mesh, ctx))

    def pages(self, mesh: MeshResult, ctx: RenderContext) -> Iterator[tuple[str, str]]:
        return iter(())

    def chunks(self, mesh: MeshResult, ctx: RenderContext) -> Iterable[str]:
        yield self.render(mesh, ctx)
