"""What the reporters do to stay fast on a large mesh must not change what they write.

The HTML product pages render each distinct check row once and reuse it; the JSON
reports go through orjson. Each test seeds the mistake the speed-up could make.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import ClassVar

import pytest
from markupsafe import Markup

from meshguard.report import formats
from meshguard.report.formats import RenderContext, html, html_rows, jsontext
from meshguard.results.model import CheckResult, MeshResult, ProductResult
from meshkit import HOSTILE_SCRIPT, build_mesh, policy_check

CTX = RenderContext(source_link="..")


def _pages(mesh: MeshResult) -> dict[str, str]:
    return dict(formats.get("html").pages(mesh, CTX))


def _page(mesh: MeshResult, product_id: str) -> str:
    return next(text for name, text in _pages(mesh).items() if name.startswith(f"products/{product_id}-"))


def test_a_reused_check_row_is_the_row_of_that_check() -> None:
    """Two products share a check that differs only in its message or status: each page shows its own."""
    mesh = build_mesh()
    first, second = mesh.products[0], mesh.products[1]
    shared = policy_check("OWN-001", "Owner declared", "passed", "Mesh governance")
    first.checks.append(replace(shared, message="first product's message"))
    second.checks.append(replace(shared, message=f"second {HOSTILE_SCRIPT}"))
    html_rows._ROWS.clear()
    a, b = _page(mesh, first.id), _page(mesh, second.id)
    assert "first product&#39;s message" in a and "second" not in a
    assert "second &lt;script&gt;alert(1)&lt;/script&gt;" in b and HOSTILE_SCRIPT not in b
    assert "first product" not in b
    # rendered again, now from the reused rows: the same pages
    assert _page(mesh, first.id) == a and _page(mesh, second.id) == b


def test_rows_come_out_as_the_template_writes_them(monkeypatch) -> None:
    """The pages with reused rows equal the pages with every row rendered afresh."""
    mesh = build_mesh()
    html_rows._ROWS.clear()
    cached = _pages(mesh)
    assert html_rows._ROWS, "the rows were reused"
    assert _pages(mesh) == cached
    monkeypatch.setattr(html_rows, "_row_key", lambda c: None)  # no row is ever reused
    assert _pages(mesh) == cached
    assert any('<tr><td data-label="Status">' in t for t in cached.values())


def test_a_check_with_samples_is_never_shared() -> None:
    mesh = build_mesh()
    sampled = [c for p in mesh.products for c in p.checks if c.samples]
    assert sampled, "the test mesh has checks with failing samples"
    assert all(html_rows._row_key(c) is None for c in sampled)


def test_json_text_is_what_the_standard_library_writes() -> None:
    """Same text as ``json.dumps(indent=2)`` for a whole result (floats aside, none here but the
    ones both spell alike), and a value orjson refuses still comes out."""
    mesh = build_mesh()
    for p in mesh.products:
        p.timings = {k: round(v, 3) for k, v in p.timings.items()}
    doc = mesh.to_dict()
    assert jsontext.dumps(doc) == json.dumps(doc, indent=2, ensure_ascii=False, default=str)
    report = formats.get("json").render(mesh, CTX)
    assert json.loads(report) == json.loads(json.dumps(doc, default=str))
    big = {"n": 2**70, "s": "é"}
    assert jsontext.dumps(big) == json.dumps(big, indent=2, ensure_ascii=False)


def test_json_and_junit_files_are_written_in_pieces_with_the_rendered_text(tmp_path) -> None:
    """A file gets the reporter's pieces one by one (never the whole document at once), and they
    make exactly the document ``render`` returns; an empty mesh too."""
    mesh = build_mesh()
    empty = MeshResult(
        run_id="0" * 32, timestamp="2026-03-01T10:00:00+00:00", meshguard_version="0", engine="e"
    )
    for name in ("json", "junit"):
        reporter = formats.get(name)
        pieces = list(reporter.chunks(mesh, CTX))
        assert len(pieces) > len(mesh.products), "one piece per product at least"
        for m in (mesh, empty):
            path = tmp_path / f"{name}-{len(m.products)}"
            formats.write_report(reporter, m, CTX, path)
            assert path.read_text(encoding="utf-8") == reporter.render(m, CTX)
    assert json.loads(formats.get("json").render(empty, CTX))["products"] == []


def test_checks_written_as_objects_are_their_to_dict() -> None:
    """The JSON reporter lets orjson write the checks and findings themselves: the same text as
    their ``to_dict`` (samples with dates and decimals, locations, waivers, details included)."""
    import datetime
    import decimal

    mesh = build_mesh()
    p = mesh.products[0]
    odd = replace(
        p.checks[0],
        samples=({"day": datetime.date(2026, 1, 2), "amount": decimal.Decimal("-0.0004"), "n": None},),
        details={"when": datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.UTC), "ids": (1, 2), "s": {3}},
    )
    p.checks.append(odd)
    assert any(f.location for q in mesh.products for f in q.findings)
    assert any(f.waiver for q in mesh.products for f in q.findings)
    for q in mesh.products:
        assert jsontext.dumps_objects(q.to_dict(objects=True)) == jsontext.dumps(q.to_dict())
    assert jsontext.dumps_objects({"n": 2**70}) is None  # refused: the reporter writes the plain form
    huge = replace(p.checks[0], measured=2**70)
    p.checks.append(huge)
    assert json.loads(formats.get("json").render(mesh, CTX))["products"][0]["checks"][-1]["measured"] == 2**70


class _Recording(dict):  # type: ignore[type-arg]
    """A dict that notes each attribute asked of it that it does not have (what a template's
    ``f.path`` costs on a dict: a failed attribute look-up, then the item)."""

    asked: ClassVar[list[str]] = []

    def __getattr__(self, name: str) -> object:
        _Recording.asked.append(name)
        raise AttributeError(name)


def test_a_product_pages_dict_rows_are_read_by_key() -> None:
    """The fields, contacts and reasons of a product page are dicts: the
    template reads them by key (an attribute look-up fails first on each, a raised and caught
    error per value of every row), and the page is the same."""
    mesh = build_mesh()
    p = mesh.products[0]
    field = {
        "path": f"t.{HOSTILE_SCRIPT}",
        "description": HOSTILE_SCRIPT,
        "logical_type": "string",
        "classification": "restricted",
        "categories": ["pii"],
        "purpose": "billing",
        "retention": None,
        "line": 12,
    }
    contact = {"name": HOSTILE_SCRIPT, "role": "owner", "email": "a@example.org"}
    p.catalogue = {"fields": [field, {**field, "path": "t.b", "line": None}], "retention": "10 y"}
    p.catalogue["contacts"] = [contact, {**contact, "email": None, "role": None}]
    assert p.reasons and p.support
    before = _page(mesh, p.id)
    assert "t.<wbr>b" in before and "&lt;script&gt;" in before and HOSTILE_SCRIPT not in before
    p.catalogue["fields"] = [_Recording(f) for f in p.catalogue["fields"]]
    p.catalogue["contacts"] = [_Recording(c) for c in p.catalogue["contacts"]]
    p.reasons = [_Recording(r) for r in p.reasons]
    _Recording.asked.clear()
    assert _page(mesh, p.id) == before
    assert _Recording.asked == []


def test_compiled_templates_are_kept_between_runs(tmp_path, monkeypatch) -> None:
    """A second run reads the templates compiled by the first (Jinja's bytecode cache, checked
    against each template's source), and writes nothing where Python writes no bytecode."""
    import jinja2

    compiled: list[str] = []
    compile_ = jinja2.Environment.compile

    def counted(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
        compiled.append(str(name))
        return compile_(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    monkeypatch.setattr(html, "COMPILED", tmp_path / "compiled")

    def one_run(write: bool) -> str:
        monkeypatch.setattr("sys.dont_write_bytecode", not write)
        html._assets.cache_clear()
        compiled.clear()
        return _page(build_mesh(), "customers")

    try:
        first = one_run(write=False)
        assert "product.html.j2" in compiled and not (tmp_path / "compiled").exists()
        assert one_run(write=True) == first and "product.html.j2" in compiled
        assert list((tmp_path / "compiled").iterdir())
        assert one_run(write=True) == first and compiled == []  # read back, nothing compiled
    finally:
        html._assets.cache_clear()


def test_a_check_shared_by_many_products_gets_its_row_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A passing policy rule is one check object for the whole run: the pages of the products that
    share it ask for its row once (the same row, so the same pages)."""
    mesh = build_mesh()
    shared = policy_check("SHARED-001", "Shared rule", "passed", "GDPR")
    for p in mesh.products:
        p.checks.append(shared)
    want = {path: text for path, text in formats.get("html").pages(mesh, CTX) if path.startswith("products/")}
    asked: list[str] = []
    check_row = html.check_row

    def spy(c: CheckResult) -> Markup:
        asked.append(c.id)
        return check_row(c)

    monkeypatch.setattr(html, "check_row", spy)
    reporter = html.HtmlReporter()
    got = dict(reporter.product_pages(mesh, CTX, range(len(mesh.products))))
    assert len(mesh.products) > 1
    assert asked.count("SHARED-001") == 1
    assert got == want


def _whole_page(mesh: MeshResult, p: ProductResult) -> str:
    """A product page rendered as one template: the body inside page.html.j2, title and all."""
    env = html._assets()[0]
    reporter = html.HtmlReporter()
    common = reporter._common(mesh, CTX)
    return str(
        env.get_template("page.html.j2").render(
            **common,
            script="",
            home="../index.html",
            up="../",
            title=p.name or p.id,
            main=Markup(_body(mesh, p)),
        )
    )


def _body(mesh: MeshResult, p: ProductResult) -> str:
    page = _page(mesh, p.id)
    start = page.index('<main id="main">\n') + len('<main id="main">\n')
    return page[start : page.rindex("\n</main>")]  # base.html.j2 writes the line break after the body


def test_a_product_page_is_its_body_in_the_run_s_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    """The head and foot of product pages are rendered once per run; each page is the same text
    as the frame rendered around its body, with its own escaped title, and the same as the pages
    rendered whole (no frame reused: the run's text holds the marker)."""
    mesh = build_mesh()
    mesh.products[0].name = f"Customers {HOSTILE_SCRIPT} & more"
    pages = _pages(mesh)
    first = _page(mesh, mesh.products[0].id)
    assert "<title>Customers &lt;script&gt;alert(1)&lt;/script&gt; &amp; more · meshguard</title>" in first
    assert first.endswith("</footer>\n\n</body>\n</html>")
    assert "\n\n</main>" in first  # the body's own last line break kept
    for p in mesh.products:
        assert _page(mesh, p.id) == _whole_page(mesh, p)
    monkeypatch.setattr(html, "_MARK", "meshguard")  # in every page's head: no frame to reuse
    assert _pages(mesh) == pages
