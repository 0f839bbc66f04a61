"""HTML scorecards under an XSS payload corpus: every contract string that reaches a page (product id,
name, domain, team, description, property and rule names, support links, policy messages), data
values in failing samples, and the contract's file name. In real Chromium nothing runs: no dialog,
no extra script, no event handler, no javascript: link, and the CSP forbids inline script."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from browser import Browser, chromium_binary, serve
from conftest import run_cli
from policykit import POLICIES
from quality_repo import CUSTOMERS, customers_contract, write_contract, write_csv

PAYLOADS = [
    "<script>alert('s1')</script>",
    '"><img src=x onerror=alert("s2")>',
    "'><svg onload=alert(3)>",
    "javascript:alert(4)",
    "<iframe srcdoc='<script>parent.alert(5)</script>'>",
    "</title><script>alert(6)</script>",
    "<a href=javascript:alert(7)>x</a>",
    "{{7*7}}${alert(8)}",
    "<style>body{background:url(javascript:alert(9))}</style>",
    "\u202e<b onmouseover=alert(10)>rtl</b>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(11)>",
    "-->\"'</script><script>alert(12)</script><!--",
]
CHECKS = """(() => {
  const all = Array.from(document.querySelectorAll('*'));
  return {
    scripts: document.querySelectorAll('script').length,
    handlers: all.filter(e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length,
    jsLinks: Array.from(document.querySelectorAll('[href],[src],[action],[formaction]')).filter(
      e => /^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action') || '')).length,
    active: document.querySelectorAll('iframe,object,embed,img,form,base,meta[http-equiv=refresh]').length,
    csp: (document.querySelector('meta[http-equiv="Content-Security-Policy"]') || {}).content || '',
    text: document.body.innerText,
  };
})()"""

pytestmark = pytest.mark.skipif(
    chromium_binary() is None, reason="chromium is not installed (scripts/test.sh)"
)


def hostile_repo(root: Path) -> Path:
    rows = [dict(r) for r in CUSTOMERS]
    for i, row in enumerate(rows):  # tier is not guarded: its failing values are shown in samples
        row["tier"] = PAYLOADS[i % len(PAYLOADS)]
    write_csv(root / "data" / "customers.csv", rows)
    doc = customers_contract({"server": "s", "type": "local", "path": "data/customers.csv", "format": "csv"})
    doc["id"] = "x" + PAYLOADS[0]
    doc["name"] = PAYLOADS[1]
    doc["domain"] = PAYLOADS[2]
    doc["team"] = {"name": PAYLOADS[5], "members": [{"username": PAYLOADS[6], "role": "owner"}]}
    doc["description"] = {"purpose": PAYLOADS[7], "usage": PAYLOADS[8], "limitations": PAYLOADS[9]}
    doc["support"] = [{"channel": PAYLOADS[4], "url": PAYLOADS[3]}]
    doc["version"] = "1.0.0-" + "a" * 3
    props = doc["schema"][0]["properties"]
    props[3]["name"] = PAYLOADS[10]
    props[3]["description"] = PAYLOADS[11]
    for q in doc["schema"][0]["quality"]:
        q["name"] = PAYLOADS[0]
        q["description"] = PAYLOADS[1]
    write_contract(root / "contracts" / f"{PAYLOADS[2].replace('/', '_')}.odcs.yaml", doc)
    shutil.copytree(POLICIES, root / "policies")
    (root / "meshguard.yaml").write_text("data:\n  as_of: '2025-01-18T00:00:00Z'\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = hostile_repo(tmp_path_factory.mktemp("xss"))
    r = run_cli("check", "--format", "json", "--no-history", cwd=root)
    assert r.returncode in (0, 1), r.stderr
    return root / "reports", json.loads(r.stdout)


def test_payloads_render_as_text_and_run_nothing(site: tuple[Path, dict], browser: Browser) -> None:
    reports, result = site
    pages = sorted(p.relative_to(reports).as_posix() for p in reports.rglob("*.html"))
    assert "index.html" in pages and len(pages) >= 2
    product = result["products"][0]
    assert product["name"] == PAYLOADS[1]
    shown = 0
    with serve(reports) as base:
        for rel in pages:
            page = browser.open(f"{base}/{rel}")
            got = page.evaluate(CHECKS)
            log = page.log()
            assert log.dialogs == [], rel
            assert (
                got["scripts"] <= 1 and got["handlers"] == 0 and got["jsLinks"] == 0 and got["active"] == 0
            ), (rel, got)
            assert "default-src 'none'" in got["csp"] and "'unsafe-inline'" not in got["csp"], got["csp"]
            assert "script-src 'sha256-" in got["csp"]
            shown += sum(p in got["text"] for p in PAYLOADS)
    assert shown >= 8  # the payloads are visible, as text


def test_raw_html_escapes_every_payload(site: tuple[Path, dict]) -> None:
    reports, _ = site
    for f in reports.rglob("*.html"):
        html = f.read_text(encoding="utf-8")
        for p in PAYLOADS:
            if any(c in p for c in '<>"'):
                assert p not in html, (f.name, p)
        i = html.find("<script>alert")
        assert i < 0, (f.name, html[max(0, i - 300) : i + 80])
