"""Regenerate docs/scorecard-index.png and docs/scorecard-product.png from the example repo.

Copies the example governance repo to a temporary folder, runs `meshguard check`
there (twice, so the trend chart has a line), serves reports/ on 127.0.0.1 and
screenshots the council view and the product with the most findings in the
system's headless Chromium (tests/browser.py).

    python scripts/scorecard_screenshots.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import Browser, chromium_binary, serve  # noqa: E402
from meshkit import copy_example_repo  # noqa: E402


def main() -> None:
    binary = chromium_binary()
    if binary is None:
        raise SystemExit("chromium is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        repo = copy_example_repo(ROOT, Path(tmp) / "mesh")
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        cmd = [sys.executable, "-m", "meshguard", "check", "--format", "json"]
        results = {}
        for _ in range(2):
            out = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True)
            if out.returncode not in (0, 1):
                raise SystemExit(out.stderr)
            results = json.loads(out.stdout)
        product = max(results["products"], key=lambda p: (len(p["findings"]) + len(p["checks"]), p["id"]))
        page_file = next((repo / "reports" / "products").glob(f"{product['id']}-{product['version']}*.html"))
        browser = Browser(binary)
        try:
            with serve(repo / "reports") as base:
                for url, name in (
                    (f"{base}/index.html", "scorecard-index.png"),
                    (f"{base}/products/{page_file.name}", "scorecard-product.png"),
                ):
                    page = browser.open(url)
                    problems = page.log().problems()
                    if problems:
                        raise SystemExit(f"{url}: {problems}")
                    height = int(page.evaluate("Math.min(document.documentElement.scrollHeight, 3000)"))
                    page.screenshot(ROOT / "docs" / name, full_height=height)
                    print(f"docs/{name} ({height}px high)")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
