"""The council's scorecards in a real headless Chromium (tests/browser.py), after three runs of
the example mesh with changes between them.

No failing product shows a score at or above the pass line; nothing scrolls sideways at
420 px, on screen or in print; the waiver register lists expired and stale waivers; HIPAA is
n/a on a product without PHI; the compliance matrix page lists every rule of the pack; the
trend shows each run's verdict; contract links resolve on the static site.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from browser import Browser, chromium_binary, serve
from conftest import PROJECT, SERIAL, invoke
from meshkit import copy_example_repo

pytestmark = pytest.mark.skipif(
    chromium_binary() is None, reason="chromium is not installed (scripts/test.sh installs it)"
)

PACK = PROJECT / "src" / "meshguard" / "policy" / "pack"


def pack_rule_ids() -> set[str]:
    from meshguard.policy.metadata import collect_rules

    files = [
        (p.name, p.read_text(encoding="utf-8"))
        for p in sorted(PACK.glob("*.rego"))
        if not p.stem.endswith("_test")
    ]
    return {r.id for r in collect_rules(files)}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Three runs: as shipped, with fraud-scores' owner team fixed, then with a PHI field of
    patients declassified (a new HIPAA failure)."""
    root = copy_example_repo(PROJECT, tmp_path_factory.mktemp("mesh"))

    def check() -> dict:
        r = invoke("check", "--format", "json", "--fail-on", "never", *SERIAL, cwd=root)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    check()
    fraud = root / "contracts" / "finance" / "fraud-scores.odcs.yaml"
    fraud.write_text(
        fraud.read_text().replace(
            "team:\n", "team:\n  members:\n    - username: ana@example.org\n      role: owner\n", 1
        )
    )
    check()
    patients = root / "contracts" / "healthcare" / "patients.odcs.yaml"
    text = patients.read_text()
    assert "classification: restricted" in text
    patients.write_text(text.replace("classification: restricted", "classification: internal", 1))
    return root / "reports", check()


def pages(reports: Path) -> list[str]:
    return [
        "index.html",
        "compliance.html",
        *(f"products/{p.name}" for p in sorted((reports / "products").glob("*.html"))),
    ]


def test_no_failing_product_shows_a_passing_score(site, browser: Browser) -> None:
    reports, doc = site
    threshold = doc["summary"]["pass_threshold"]
    failing = {p["id"] for p in doc["products"] if p["verdict"] in ("fail", "error")}
    assert failing
    with serve(reports) as base:
        page = browser.open(f"{base}/index.html", width=1400)
        assert page.log().problems() == []
        shown = page.evaluate(
            "Array.from(document.querySelectorAll('#products tbody tr')).map(r => ["
            "r.querySelector('td[data-label=Verdict]').innerText.trim(), "
            "parseFloat(r.querySelector('td[data-label=Score]').innerText)])"
        )
        assert len(shown) == len(doc["products"])
        fails = [score for verdict, score in shown if "fail" in verdict or "error" in verdict]
        assert len(fails) == len(failing) and all(s < threshold for s in fails)
        assert "fails" in page.evaluate("document.getElementById('fail-rule').innerText")
        # the mesh gauge and every failing domain stay under the line too
        assert float(page.evaluate("document.querySelector('svg.gauge text').textContent")) < threshold
        for pid in failing:
            product = next(p for p in doc["products"] if p["id"] == pid)
            page.goto(f"{base}/products/{pid}-{product['version']}.html")
            scores = page.evaluate(
                "Array.from(document.querySelectorAll('.score')).map(e => parseFloat(e.innerText))"
            )
            assert scores and all(s < threshold for s in scores), pid


def test_no_horizontal_scroll_at_420_px_on_screen_and_in_print(site, browser: Browser) -> None:
    reports, _ = site
    with serve(reports) as base:
        for rel in pages(reports):
            page = browser.open(f"{base}/{rel}", width=420)
            assert page.log().problems() == [], rel
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 420, f"{rel} is {width}px wide at 420px"
            wide = page.evaluate(
                "Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right > 421"
                " && !e.closest('.scroll')).length"
            )
            assert wide == 0, rel
        page = browser.open(f"{base}/index.html", width=420)
        page.browser.send("Emulation.setEmulatedMedia", {"media": "print"}, page.session)
        assert page.evaluate("getComputedStyle(document.querySelector('header.top nav')).display") == "none"
        assert page.evaluate("document.documentElement.scrollWidth") <= 420


def test_waiver_register_lists_expired_and_stale(site, browser: Browser) -> None:
    reports, doc = site
    expected = {(r["product"], r["policy"], r["state"]) for r in doc["summary"]["waivers"]}
    assert {"expired", "stale"} <= {s for _, _, s in expected}
    with serve(reports) as base:
        page = browser.open(f"{base}/index.html", width=1400)
        rows = page.evaluate(
            "Array.from(document.querySelectorAll('table.register tbody tr')).map(r => ["
            "r.querySelector('td[data-label=Product]').innerText, r.querySelector('td[data-label=Policy]').innerText,"
            " r.className.replace('w-', '')])"
        )
        assert {tuple(r) for r in rows} == expected
        states = page.evaluate(
            "Array.from(document.querySelectorAll('table.register td[data-label=State]')).map(t => t.innerText)"
        )
        assert any("expired" in s and "days ago" in s for s in states)
        assert any("stale" in s for s in states)
        # the product page shows its own waivers, expired ones included
        fraud = next(p for p in doc["products"] if p["id"] == "fraud-scores")
        page.goto(f"{base}/products/fraud-scores-{fraud['version']}.html")
        states = page.evaluate(
            "Array.from(document.querySelectorAll('table.register tbody tr')).map(r => r.className)"
        )
        assert "w-expired" in states and "w-expiring" in states


def test_hipaa_is_na_on_a_product_without_phi(site, browser: Browser) -> None:
    reports, doc = site
    inventory = next(p for p in doc["products"] if p["id"] == "inventory")
    assert "phi" not in inventory["catalogue"]["categories"]
    with serve(reports) as base:
        page = browser.open(f"{base}/index.html", width=1400)
        chips = page.evaluate(
            "Array.from(document.querySelectorAll('#products tbody tr')).map(r => [r.querySelector('th a').innerText,"
            " Array.from(r.querySelectorAll('.chip')).map(c => c.innerText)])"
        )
        by_name = {name: c for name, c in chips}
        assert "HIPAA: n/a" in by_name[inventory["name"]]
        # the regulation's share counts the products it applies to only
        hipaa_row = page.evaluate(
            "Array.from(document.querySelectorAll('#h-regs ~ table tbody tr')).map(r => r.innerText)"
            ".find(t => t.startsWith('HIPAA'))"
        )
        reg = doc["regulations"]["HIPAA"]
        assert f"({reg['compliant']}/{reg['products']})" in hipaa_row and reg["products"] < len(
            doc["products"]
        )
        page.goto(f"{base}/products/inventory-{inventory['version']}.html")
        assert "HIPAA: n/a" in page.evaluate("document.querySelector('.chips').innerText")


def test_matrix_page_lists_every_rule_of_the_pack(site, browser: Browser) -> None:
    reports, _doc = site
    rules = pack_rule_ids()
    assert len(rules) >= 15
    with serve(reports) as base:
        page = browser.open(f"{base}/compliance.html", width=1400)
        assert page.log().problems() == []
        listed = set(
            page.evaluate(
                "Array.from(document.querySelectorAll('#matrix tbody tr')).map(r => r.dataset.rule)"
            )
        )
        assert rules <= listed
        hipaa = page.evaluate(
            'document.querySelector(\'#matrix tr[data-rule="HIPAA-001"] td[data-label="n/a"]\').innerText'
        )
        assert "inventory" in hipaa
        for name in ("compliance.csv", "compliance.json"):
            href = page.evaluate(f"document.querySelector('a[href=\"{name}\"]').href")
            assert href.endswith(name) and (reports / name).exists()


def test_trend_shows_verdicts_and_change(site, browser: Browser) -> None:
    reports, doc = site
    assert doc["since_previous"]["new_count"] >= 1  # the declassified PHI field
    with serve(reports) as base:
        page = browser.open(f"{base}/index.html", width=1400)
        points = page.evaluate(
            "Array.from(document.querySelectorAll('#h-trend ~ .grid2 svg circle.pt')).map(c => c.dataset.verdict)"
        )
        assert len(points) == 3 and set(points) <= {"pass", "warn", "fail", "error"}
        labels = page.evaluate(
            "Array.from(document.querySelectorAll('#h-trend ~ .grid2 svg text')).map(t => t.textContent)"
        )
        assert any(label.replace(".", "", 1).isdigit() for label in labels)
        domains = page.evaluate("document.querySelectorAll('.grid3 figure').length")
        assert domains == len(doc["domains"])
        new = page.evaluate("document.getElementById('h-new').innerText")
        assert new.startswith("New failures (") and not new.startswith("New failures (0)")


def test_contract_links_resolve_on_the_static_site(site, browser: Browser) -> None:
    reports, doc = site
    p = next(p for p in doc["products"] if p["id"] == "patients")
    with serve(reports.parent) as base:
        page = browser.open(f"{base}/reports/products/patients-{p['version']}.html", width=1400)
        links = page.evaluate(
            "Array.from(document.querySelectorAll('a')).map(a => a.href).filter(h => h.includes('.odcs.yaml'))"
        )
        assert links and all(h.startswith(base) for h in links)
        for href in set(links):  # the static server answers each with the contract
            with urllib.request.urlopen(href.partition("#")[0], timeout=10) as reply:
                assert reply.status == 200 and b"apiVersion" in reply.read()
