"""Products sharing an id (a lint error, MG020, that still gets every product checked and
paged): the HTML index's row of each links that product's own page, not the first's."""

from __future__ import annotations

import re

from meshguard.report import formats
from meshguard.report.formats import RenderContext
from meshguard.results.model import MeshResult, ProductResult
from meshguard.results.scoring import score_mesh
from meshkit import RULES


def _product(name: str) -> ProductResult:
    return ProductResult("shared-id", name, "d", "t", "1.0.0", "active", f"contracts/{name}.odcs.yaml")


def test_each_index_row_links_its_own_products_page() -> None:
    mesh = MeshResult("r" * 32, "2026-03-01T10:00:00+00:00", "0.1.0", "embedded")
    mesh.products.extend(_product(name) for name in ("first", "second", "third"))
    mesh = score_mesh(mesh, RULES)
    html = formats.get("html")
    pages = dict(html.pages(mesh, RenderContext()))
    index = html.render(mesh, RenderContext())
    linked = dict(
        (name, href)
        for href, name in re.findall(
            r'<th scope="row" data-label="Product"><a href="([^"]+)">(\w+)</a>', index
        )
    )
    assert sorted(linked) == ["first", "second", "third"]
    assert len(set(linked.values())) == 3  # three pages, one per row
    for name, href in linked.items():
        others = {"first", "second", "third"} - {name}
        assert name in pages[href] and not any(other in pages[href] for other in others)
