"""The HTML site is written by a forked child while the other reports are written here.

What the child writes, returns and raises must be what the same writing in this process
gives: the same files and bytes, the files listed in the same order, its error raised here
(before anything reaches stdout), one clear error when it dies without answering.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest

from meshguard import forked
from meshguard.errors import OutputUnavailable
from meshguard.report.formats import RenderContext
from meshguard.report.publish import OutputSpec, _writer_died, publish
from meshkit import build_mesh

CTX = RenderContext(source_link="..")


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_the_site_written_beside_other_outputs_is_the_site_written_alone(tmp_path: Path) -> None:
    mesh = build_mesh()
    alone = publish(mesh, CTX, stdout_format=None, reports_dir=tmp_path / "a")
    out = io.StringIO()
    both = publish(
        mesh,
        CTX,
        stdout_format="json",
        outputs=[OutputSpec("junit", tmp_path / "b" / "r.xml"), OutputSpec("json", tmp_path / "r.json")],
        reports_dir=tmp_path / "b" / "site",
        stream=out,
    )
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b" / "site")
    # the site's files first, in the order they were written, then the other outputs
    assert [p.relative_to(tmp_path / "b" / "site") for p in both[: len(alone)]] == [
        p.relative_to(tmp_path / "a") for p in alone
    ]
    assert both[len(alone) :] == [tmp_path / "b" / "r.xml", tmp_path / "r.json"]
    assert (tmp_path / "r.json").read_text(encoding="utf-8") == out.getvalue()


def test_the_sites_error_is_raised_here_before_stdout(tmp_path: Path) -> None:
    mesh = build_mesh()
    blocked = tmp_path / "site"
    blocked.write_text("a file where the reports folder should be")
    out = io.StringIO()
    with pytest.raises(OutputUnavailable, match="cannot write the report"):
        publish(
            mesh,
            CTX,
            stdout_format="text",
            outputs=[OutputSpec("json", tmp_path / "r.json")],
            reports_dir=blocked,
            stream=out,
        )
    assert out.getvalue() == ""  # nothing printed for a run that did not complete


def test_the_parents_error_wins_and_the_site_is_still_whole(tmp_path: Path) -> None:
    mesh = build_mesh()
    (tmp_path / "blocked").write_text("a file, not a folder")
    with pytest.raises(OutputUnavailable):
        publish(
            mesh,
            CTX,
            stdout_format=None,
            outputs=[OutputSpec("json", tmp_path / "blocked" / "r.json")],
            reports_dir=tmp_path / "site",
        )
    alone = publish(mesh, CTX, stdout_format=None, reports_dir=tmp_path / "again")
    assert _tree(tmp_path / "site") == _tree(tmp_path / "again") and alone


def _boom() -> None:
    raise OutputUnavailable("cannot write the report: disk full", path="x/index.html")


class _Unpicklable(Exception):
    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("not picklable")


def _unpicklable() -> None:
    raise _Unpicklable("a lock inside")


def test_a_part_returns_its_value_and_raises_its_error() -> None:
    assert forked.start(lambda: [os.getpid(), "x"], _writer_died).result()[1] == "x"
    assert forked.start(os.getpid, _writer_died).result() != os.getpid()  # it did run in another process
    with pytest.raises(OutputUnavailable, match="disk full") as err:
        forked.start(_boom, _writer_died).result()
    assert err.value.path == "x/index.html"
    with pytest.raises(RuntimeError, match="_Unpicklable: a lock inside"):
        forked.start(_unpicklable, _writer_died).result()


def test_a_child_that_dies_without_answering_is_one_clear_error() -> None:
    with pytest.raises(OutputUnavailable, match=r"stopped before it finished \(exit status 7\)"):
        forked.start(lambda: os._exit(7), _writer_died).result()


def test_shared_items_go_once_each_to_whichever_process_asks() -> None:
    for count in (0, 1, 5, forked.MAX_CHUNKS * 3 + 7):
        shared = forked.Shared(count)
        child = forked.start(lambda s=shared: list(s.take()), _writer_died)  # type: ignore[misc]
        here = list(shared.take())
        there = child.result()
        shared.close()
        assert sorted(here + there) == list(range(count))  # each item once, none lost
        assert here == sorted(here) and there == sorted(there)


def _hold_the_child_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """The forked site writer starts on its pages a second late, so this process takes some."""
    from meshguard.report.formats.html import HtmlReporter

    parent, site_pages = os.getpid(), HtmlReporter.site_pages

    def slow_site_pages(self, mesh, ctx):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            import time

            time.sleep(1.0)
        yield from site_pages(self, mesh, ctx)

    monkeypatch.setattr(HtmlReporter, "site_pages", slow_site_pages)


@pytest.mark.parametrize("with_outputs", [True, False])
def test_product_pages_the_child_has_not_taken_are_written_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_outputs: bool
) -> None:
    """While the child is busy (held back here), this process writes the product pages it has
    not taken: the same files and bytes, listed in the same order, as one process writing the site."""
    from meshguard.report import publish as pub
    from meshguard.report.formats.html import HtmlReporter

    mesh = build_mesh()
    alone = publish(mesh, CTX, stdout_format=None, reports_dir=tmp_path / "a")
    parent, log = os.getpid(), tmp_path / "who.log"
    product_pages = HtmlReporter.product_pages

    def logged_product_pages(self, mesh, ctx, indices):  # type: ignore[no-untyped-def]
        for rel, text in product_pages(self, mesh, ctx, indices):
            with log.open("a") as fh:
                fh.write(f"{'here' if os.getpid() == parent else 'child'} {rel}\n")
            yield rel, text

    _hold_the_child_back(monkeypatch)
    monkeypatch.setattr(HtmlReporter, "product_pages", logged_product_pages)
    monkeypatch.setattr(pub, "SHARE_FROM", 1)
    outputs = [OutputSpec("json", tmp_path / "r.json")] if with_outputs else []
    both = publish(mesh, CTX, stdout_format=None, outputs=outputs, reports_dir=tmp_path / "b")
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert [p.relative_to(tmp_path / "b") for p in both[: len(alone)]] == [
        p.relative_to(tmp_path / "a") for p in alone
    ]
    writers = [line.split()[0] for line in log.read_text().splitlines()]
    assert len(writers) == len(mesh.products) and "here" in writers  # each page once, some here


@pytest.mark.parametrize("earlier_run", [False, True])
def test_a_site_this_process_could_not_finish_does_not_look_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, earlier_run: bool
) -> None:
    """This process fails on a product page it took (the child, held back, writes the rest and
    the index): the run fails with one error that says the site is incomplete, and no index,
    neither this run's nor an earlier run's, makes the site look complete."""
    from meshguard.report import publish as pub
    from meshguard.report.formats.html import HtmlReporter

    mesh, parent, site = build_mesh(), os.getpid(), tmp_path / "site"
    if earlier_run:
        publish(mesh, CTX, stdout_format=None, reports_dir=site)
        assert (site / "index.html").is_file()
    product_pages = HtmlReporter.product_pages

    def failing_here(self, mesh, ctx, indices):  # type: ignore[no-untyped-def]
        for rel, text in product_pages(self, mesh, ctx, indices):
            if os.getpid() == parent:
                raise OutputUnavailable("cannot write the report: No space left on device", path=rel)
            yield rel, text

    _hold_the_child_back(monkeypatch)
    monkeypatch.setattr(HtmlReporter, "product_pages", failing_here)
    monkeypatch.setattr(pub, "SHARE_FROM", 1)
    with pytest.raises(OutputUnavailable) as err:
        publish(mesh, CTX, stdout_format=None, reports_dir=site)
    message = str(err.value)
    assert "No space left on device" in message and "\n" not in message
    assert f"the HTML site in {site} is incomplete: its index.html was removed" in message
    assert not (site / "index.html").exists()
    assert (site / "products").is_dir()  # the child did write its pages


def test_the_templates_are_compiled_once_for_both_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compiled here before the fork, the templates are inherited by the child: each is compiled
    once in the run, not once per process."""
    import jinja2

    from meshguard.report import publish as pub
    from meshguard.report.formats import html

    log, compile_ = tmp_path / "compiled.log", jinja2.Environment.compile

    def logged(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
        with log.open("a") as fh:
            fh.write(f"{os.getpid()} {name}\n")
        return compile_(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", logged)
    monkeypatch.setattr(html, "COMPILED", tmp_path / "empty")  # no template compiled by an earlier run
    monkeypatch.setattr("sys.dont_write_bytecode", True)
    monkeypatch.setattr(pub, "SHARE_FROM", 1)
    html._assets.cache_clear()
    try:
        publish(build_mesh(), CTX, stdout_format=None, reports_dir=tmp_path / "site")
    finally:
        html._assets.cache_clear()
    names = [line.split()[1] for line in log.read_text().splitlines()]
    assert "product.html.j2" in names and "index.html.j2" in names
    assert len(names) == len(set(names)), names


@pytest.mark.parametrize("kernel", [True, False])
def test_stdout_rendered_beside_the_site_is_what_is_printed_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel: bool
) -> None:
    """A real descriptor: the document is rendered into a temporary file while the child writes
    pages and copied after the site (by the kernel; by Python where ``sendfile`` refuses); what
    the stream held before is kept, the document after it."""
    copied: list[int] = []
    sendfile = os.sendfile

    def counted(out: int, in_: int, offset: int, count: int) -> int:
        if not kernel:
            raise OSError(22, "Invalid argument")
        copied.append(count)
        return sendfile(out, in_, offset, count)

    monkeypatch.setattr(os, "sendfile", counted)
    expected = _held_as_printed(tmp_path, before="before\n")
    assert sum(copied) == (len(expected) if kernel else 0)


def test_the_sites_error_leaves_a_real_stdout_empty(tmp_path: Path) -> None:
    blocked = tmp_path / "site"
    blocked.write_text("a file where the reports folder should be")
    with (tmp_path / "out.txt").open("w", encoding="utf-8") as fh, pytest.raises(OutputUnavailable):
        publish(
            build_mesh(),
            CTX,
            stdout_format="json",
            outputs=[OutputSpec("junit", tmp_path / "r.xml")],
            reports_dir=blocked,
            stream=fh,
        )
    assert (tmp_path / "out.txt").read_text() == ""


def test_the_childs_index_is_rendered_before_it_takes_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The site's child renders the index before the shared product pages (then the other
    process takes more pages meanwhile, instead of waiting for the index at the end), and
    writes it last."""
    from meshguard.report.formats.html import HtmlReporter

    noted = tmp_path / "noted"
    chunks, pages = HtmlReporter.chunks, HtmlReporter.product_pages

    def note(what: str) -> None:
        with noted.open("a") as fh:
            fh.write(f"{os.getpid()} {what}\n")

    def index(self: HtmlReporter, *args: object) -> object:
        note("index")
        return chunks(self, *args)  # type: ignore[arg-type]

    def product_pages(self: HtmlReporter, *args: object) -> object:
        note("pages")
        return pages(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(HtmlReporter, "chunks", index)
    monkeypatch.setattr(HtmlReporter, "product_pages", product_pages)
    mesh = build_mesh()
    written = publish(
        mesh,
        CTX,
        stdout_format=None,
        outputs=[OutputSpec("junit", tmp_path / "r.xml")],
        reports_dir=tmp_path / "s",
    )
    child = [
        what
        for pid, what in (line.split() for line in noted.read_text().splitlines())
        if pid != str(os.getpid())
    ]
    assert child == ["index", "pages"]
    assert written[-2] == tmp_path / "s" / "index.html"  # the site's last file, then the other output
    publish(mesh, CTX, stdout_format=None, reports_dir=tmp_path / "a")
    assert _tree(tmp_path / "a") == _tree(tmp_path / "s")


def _held_as_printed(tmp_path: Path, before: str = "") -> bytes:
    """The json document printed to a real file beside the site's child (in ``b``), after
    ``before``, is what a run without the child (``a``) prints; its bytes."""
    mesh = build_mesh()
    expected = io.StringIO()
    publish(mesh, CTX, stdout_format="json", reports_dir=tmp_path / "a", stream=expected)
    with (tmp_path / "out.json").open("w", encoding="utf-8") as fh:
        fh.write(before)
        publish(
            mesh,
            CTX,
            stdout_format="json",
            outputs=[OutputSpec("junit", tmp_path / "r.xml")],
            reports_dir=tmp_path / "b",
            stream=fh,
        )
    document = expected.getvalue().encode()
    assert (tmp_path / "out.json").read_bytes() == before.encode() + document
    return document


def test_stdout_is_printed_when_no_temporary_file_can_be_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No writable temporary folder (a read-only container whose reports go to a mounted
    volume): the stdout document cannot be held while the site is written, so it is printed
    after the site, as without the child, not an error."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    _held_as_printed(tmp_path)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")


def test_stdout_is_printed_when_the_temporary_folder_is_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tmpfs: Path
) -> None:
    """A full temporary folder (a real 1 MiB tmpfs, filled): the temporary file is made but the
    document does not fit; it is printed after the site, as without the child, not an error."""
    import tempfile

    with (tmpfs / "filler").open("wb") as fh, contextlib.suppress(OSError):
        while True:
            fh.write(b"x" * 65536)
            fh.flush()
    monkeypatch.setattr(tempfile, "tempdir", str(tmpfs))
    _held_as_printed(tmp_path)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert sorted(p.name for p in tmpfs.iterdir()) == ["filler"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "latin-1"])
@pytest.mark.parametrize("before", ["", "before\n"])
def test_a_held_document_is_encoded_as_the_stream_goes_on(tmp_path: Path, encoding: str, before: str) -> None:
    """The document rendered beside the site carries a byte-order mark only where the stream's
    own encoder would write one (at the start of a file), not after what the stream wrote."""
    mesh = build_mesh()

    def printed(name: str, outputs: list[OutputSpec]) -> bytes:
        with (tmp_path / f"{name}.txt").open("w", encoding=encoding) as fh:
            fh.write(before)
            publish(mesh, CTX, stdout_format="text", outputs=outputs, reports_dir=tmp_path / name, stream=fh)
        return (tmp_path / f"{name}.txt").read_bytes()

    assert printed("held", [OutputSpec("junit", tmp_path / "r.xml")]) == printed("alone", [])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-8"])
def test_a_held_document_on_a_pipe_is_what_the_pipe_gets_unheld(tmp_path: Path, encoding: str) -> None:
    """On a pipe (the text document is far smaller than its buffer) the stream's own encoder
    writes a byte-order mark for UTF-8 with signature and none for UTF-16: the same bytes
    either way."""
    mesh = build_mesh()

    def printed(name: str, outputs: list[OutputSpec]) -> bytes:
        read, write = os.pipe()
        with open(write, "w", encoding=encoding) as fh:
            publish(mesh, CTX, stdout_format="text", outputs=outputs, reports_dir=tmp_path / name, stream=fh)
        with open(read, "rb") as got:
            return got.read()

    assert printed("held", [OutputSpec("junit", tmp_path / "r.xml")]) == printed("alone", [])


def test_a_sendfile_that_wants_a_socket_falls_back_to_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On macOS and FreeBSD ``sendfile`` copies only to a socket and refuses a file, a pipe or a
    terminal with ENOTSOCK (Linux never does: here its refusal is played by a ``sendfile`` that
    raises it): the held document is then copied by Python, not an internal error."""
    import errno

    def socket_only(out: int, in_: int, offset: int, count: int) -> int:
        raise OSError(errno.ENOTSOCK, "Socket operation on non-socket")

    monkeypatch.setattr(os, "sendfile", socket_only)
    _held_as_printed(tmp_path)
