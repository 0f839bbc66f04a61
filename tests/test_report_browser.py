"""The HTML scorecards in a real headless Chromium (Debian's package, driven over CDP).

No console errors, no failed requests, every product listed, a product page
shows its findings, hostile strings from a contract render as text and run
nothing, the one hashed inline script (sorting) works under the CSP.
Screenshots land in tests/artifacts/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from browser import Browser, chromium_binary, serve
from conftest import PROJECT, SERIAL, invoke
from meshkit import copy_example_repo

ARTIFACTS = PROJECT / "tests" / "artifacts"
HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_TEAM = '"><img src=x onerror=alert(2)>'

pytestmark = pytest.mark.skipif(
    chromium_binary() is None, reason="chromium is not installed (scripts/test.sh installs it)"
)


def hostile_contract(template: str) -> str:
    text = template
    for old, new in (
        ("id: example-product", "id: hostile-product"),
        ("name: Example product", f"name: {json.dumps(HOSTILE_NAME)}"),
        ("name: example-team", f"name: {json.dumps(HOSTILE_TEAM)}"),
        ("domain: example\n", ""),
    ):
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The example mesh (the project's example repo when present) plus one hostile contract, checked."""
    root = tmp_path_factory.mktemp("mesh")
    example = PROJECT / "contracts"
    if example.is_dir() and any(example.rglob("*.odcs.yaml")):
        copy_example_repo(PROJECT, root)
    else:
        assert invoke("init", cwd=root).returncode == 0
    scaffold = (PROJECT / "src" / "meshguard" / "scaffold" / "contract.odcs.yaml").read_text()
    (root / "contracts" / "hostile.odcs.yaml").write_text(hostile_contract(scaffold))
    r = invoke("check", "--format", "json", "--no-history", *SERIAL, cwd=root)
    assert r.returncode in (0, 1), r.stderr
    return root / "reports", json.loads(r.stdout)


def shot(page, name: str) -> Path:
    height = int(page.evaluate("Math.min(document.documentElement.scrollHeight, 4000)"))
    path = ARTIFACTS / name
    page.screenshot(path, full_height=max(height, 600))
    return path


def test_index_lists_every_product_without_errors(site, browser: Browser) -> None:
    reports, results = site
    with serve(reports) as base:
        page = browser.open(f"{base}/index.html")
        log = page.log()
        assert log.problems() == []
        assert all(u.startswith(base) or u.startswith("data:") for u in log.requests)
        listed = page.evaluate(
            "Array.from(document.querySelectorAll('#products tbody th a')).map(a => a.textContent)"
        )
        assert sorted(listed) == sorted(p["name"] or p["id"] for p in results["products"])
        assert page.evaluate("document.title").endswith("meshguard")
        assert page.evaluate("document.querySelectorAll('svg[role=img] title').length") >= 3
        # the hashed inline script runs: sort by score, descending
        page.evaluate("document.querySelector('#products thead th:nth-child(4) button').click()")
        assert page.evaluate(
            "document.querySelector('#products thead th:nth-child(4)').getAttribute('aria-sort')"
        ) == ("ascending")
        scores = page.evaluate(
            "Array.from(document.querySelectorAll('#products tbody tr td:nth-of-type(3)')).map(td => +td.dataset.v)"
        )
        assert scores == sorted(scores) and len(set(scores)) > 1
        assert page.log().problems() == []
        page.evaluate("document.querySelector('#products thead th:nth-child(4) button').click()")
        shot(page, "index.png")


def test_hostile_strings_render_as_text_and_run_nothing(site, browser: Browser) -> None:
    reports, results = site
    hostile = next(p for p in results["products"] if p["id"] == "hostile-product")
    with serve(reports) as base:
        for url in (f"{base}/index.html", f"{base}/products/hostile-product-1.0.0.html"):
            page = browser.open(url)
            text = page.evaluate("document.body.innerText")
            assert HOSTILE_NAME in text
            assert page.evaluate("document.querySelectorAll('img').length") == 0
            assert page.evaluate("document.querySelectorAll('script').length") <= 1
            log = page.log()
            assert log.dialogs == [] and log.problems() == []
        assert HOSTILE_TEAM in text  # the owner, on the product page
        assert hostile["owner"] == HOSTILE_TEAM


def test_product_page_shows_its_findings(site, browser: Browser) -> None:
    reports, results = site
    product = max(results["products"], key=lambda p: (len(p["findings"]), p["id"] != "hostile-product"))
    assert product["findings"], "the example mesh has a product with findings"
    slug_page = next(
        f
        for f in (reports / "products").glob("*.html")
        if f.name.startswith(f"{product['id']}-{product['version']}")
    )
    with serve(reports) as base:
        page = browser.open(f"{base}/products/{slug_page.name}")
        assert page.log().problems() == []
        rows = page.evaluate(
            "Array.from(document.querySelectorAll('#h-findings + table tbody tr')).map(r => r.innerText)"
        )
        assert len(rows) == len(product["findings"])
        for f in product["findings"]:
            assert any(f["rule_id"] in r for r in rows)
        assert page.evaluate("document.querySelector('h1').innerText").startswith(
            product["name"] or product["id"]
        )
        back = page.evaluate("document.querySelector('main a').getAttribute('href')")
        assert back == "../index.html"
        shot(page, "product.png")
