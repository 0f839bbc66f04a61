"""Regenerate the scorecard screenshots in docs/ from the example repo.

Copies the example governance repo to a temporary folder and runs `meshguard check`
there three times with changes between the runs, so the trends, the "since the last
run" lists and the verdict changes have something to show: first with a PHI field of
patients declassified and a customers rule made stricter, then with the PHI field only,
then as shipped. Serves reports/ on 127.0.0.1 and screenshots, in the system's headless
Chromium (tests/browser.py):

* docs/scorecard-index.png         the council view at 1400 px
* docs/scorecard-index-420.png     its top at 420 px (a phone)
* docs/scorecard-product.png       the product with the most findings, at 1400 px
* docs/scorecard-compliance.png    the compliance matrix, at 1400 px

    python scripts/scorecard_screenshots.py
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import Browser, Page, chromium_binary, serve  # noqa: E402
from meshkit import copy_example_repo  # noqa: E402

MAX_HEIGHT = 3600


def edit(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise SystemExit(f"{path.name}: {old!r} not found")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text


def shoot(browser: Browser, url: str, width: int, target: Path, max_height: int = MAX_HEIGHT) -> None:
    page: Page = browser.open(url, width=width)
    problems = page.log().problems()
    if problems:
        raise SystemExit(f"{url}: {problems}")
    scroll = int(page.evaluate("document.documentElement.scrollWidth"))
    if scroll > width:
        raise SystemExit(f"{url} scrolls sideways at {width}px ({scroll}px)")
    height = min(int(page.evaluate("document.documentElement.scrollHeight")), max_height)
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        page.session,
    )
    data = browser.send("Page.captureScreenshot", {"format": "png"}, page.session)["data"]
    target.write_bytes(base64.b64decode(data))
    print(f"docs/{target.name} ({width}x{height}px)")


def main() -> None:
    binary = chromium_binary()
    if binary is None:
        raise SystemExit("chromium is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        repo = copy_example_repo(ROOT, Path(tmp) / "mesh")
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        cmd = [sys.executable, "-m", "meshguard", "check", "--format", "json", "--fail-on", "never"]

        def check() -> dict:
            out = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True)
            if out.returncode != 0:
                raise SystemExit(out.stderr)
            result: dict = json.loads(out.stdout)
            return result

        patients = repo / "contracts" / "healthcare" / "patients.odcs.yaml"
        customers = repo / "contracts" / "ecommerce" / "customers.odcs.yaml"
        shipped_patients = edit(patients, "classification: restricted", "classification: internal")
        shipped_customers = edit(customers, "mustBeLessThan: 5", "mustBeLessThan: 0")
        check()
        customers.write_text(shipped_customers, encoding="utf-8")
        check()
        patients.write_text(shipped_patients, encoding="utf-8")
        results = check()
        product = max(results["products"], key=lambda p: (len(p["findings"]) + len(p["checks"]), p["id"]))
        page_file = next((repo / "reports" / "products").glob(f"{product['id']}-{product['version']}*.html"))
        browser = Browser(binary)
        try:
            with serve(repo / "reports") as base:
                shoot(browser, f"{base}/index.html", 1400, ROOT / "docs" / "scorecard-index.png")
                shoot(browser, f"{base}/index.html", 420, ROOT / "docs" / "scorecard-index-420.png", 2400)
                shoot(
                    browser,
                    f"{base}/products/{page_file.name}",
                    1400,
                    ROOT / "docs" / "scorecard-product.png",
                )
                shoot(browser, f"{base}/compliance.html", 1400, ROOT / "docs" / "scorecard-compliance.png")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
