"""``--format html``: static, self-contained scorecards for the governance council.

``index.html`` (the council view) plus ``products/<slug>.html`` per product.
Jinja2 with autoescaping renders every string from a contract or data as
text; charts are inline SVG drawn here; a Content-Security-Policy meta tag
allows nothing external and only the one hashed inline script (table sorting)
and the one hashed inline stylesheet.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from markupsafe import Markup

from meshguard.report.formats import BaseReporter, RenderContext
from meshguard.report.formats.svg import gauge, hbars, line_chart, sparkline
from meshguard.results.model import MeshResult, ProductResult, Status
from meshguard.results.scoring import DIMENSIONS

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PRODUCTS_DIR = "products"

#: order of checks on a product page: what needs attention first (stable within a status)
ATTENTION = {
    s: i for i, s in enumerate(("failed", "errored", "warned", "unsupported", "waived", "info", "passed"))
}
VERDICT_RANK = {"error": 0, "fail": 1, "warn": 2, "pass": 3}
SAFE_SCHEMES = ("http", "https", "mailto")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


@cache
def _assets() -> tuple[Any, str, str, str]:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )
    # our own files, inlined verbatim (a CSP hash covers the exact text)
    css = Markup((TEMPLATES / "scorecard.css").read_text(encoding="utf-8"))
    script = Markup((TEMPLATES / "sort.js").read_text(encoding="utf-8"))
    csp = (
        "default-src 'none'; img-src data:; "
        f"style-src '{_sha256(css)}'; script-src '{_sha256(script)}'; "
        "base-uri 'none'; form-action 'none'"
    )
    return env, css, script, csp


def slugs(products: list[ProductResult]) -> list[str]:
    """A file name per product: id and version, made safe, unique within the run."""
    used: set[str] = set()
    out: list[str] = []
    for p in products:
        base = re.sub(r"[^a-z0-9._-]+", "-", f"{p.id}-{p.version}".lower()).strip("-.") or "product"
        slug, n = base[:100], 2
        while slug in used:
            slug, n = f"{base[:96]}-{n}", n + 1
        used.add(slug)
        out.append(slug)
    return out


def _support(p: ProductResult) -> list[dict[str, str | None]]:
    out: list[dict[str, str | None]] = []
    for s in p.support:
        url = str(s.get("url") or "")
        channel = str(s.get("channel") or s.get("tool") or "support")
        href = url if urlparse(url).scheme.lower() in SAFE_SCHEMES else None
        label = f"{channel}: {url}" if url else channel
        out.append({"label": label, "href": href})
    return out


class HtmlReporter(BaseReporter):
    name = "html"
    default_filename = "index.html"

    def render(self, mesh: MeshResult, ctx: RenderContext) -> str:
        env, css, script, csp = _assets()
        links: dict[str, str] = {}
        rows: list[dict[str, Any]] = []
        for p, slug in zip(mesh.products, slugs(mesh.products), strict=True):
            href = f"{PRODUCTS_DIR}/{slug}.html"
            links.setdefault(p.id, href)
            rows.append(
                {
                    "p": p,
                    "href": href,
                    "dims": {d.name: d.score for d in p.dimensions},
                    "open": sum(1 for f in p.findings if f.status not in (Status.WAIVED, Status.PASSED)),
                }
            )
        rows.sort(key=lambda r: (r["p"].score, VERDICT_RANK.get(r["p"].verdict, 9), r["p"].id))
        trend = [(t.timestamp[:16].replace("T", " "), t.score) for t in ctx.trend]
        if not trend:
            trend = [(mesh.timestamp[:16].replace("T", " "), mesh.summary.get("score"))]
        domain_chart = hbars(
            [(name, d.get("score")) for name, d in mesh.domains.items()], "Mean product score per domain"
        )
        regulation_chart = hbars(
            [(reg, r["share"] * 100) for reg, r in mesh.regulations.items()],
            "Share of compliant products per regulation (percent)",
        )
        return str(
            env.get_template("index.html.j2").render(
                mesh=mesh,
                rows=rows,
                links=links,
                dimensions=DIMENSIONS,
                verdict_rank=VERDICT_RANK,
                gauge=gauge(mesh.summary.get("score"), str(mesh.summary.get("verdict", "pass")), 140),
                trend=line_chart(trend, "Mesh score over the last runs"),
                trend_points=len(trend),
                domain_chart=domain_chart,
                regulation_chart=regulation_chart,
                css=css,
                script=script,
                csp=csp,
                home="index.html",
            )
        )

    def pages(self, mesh: MeshResult, ctx: RenderContext) -> Iterator[tuple[str, str]]:
        env, css, _script, csp = _assets()
        template = env.get_template("product.html.j2")
        for p, slug in zip(mesh.products, slugs(mesh.products), strict=True):
            dims = {d.name: d for d in p.dimensions}
            history = ctx.sparklines.get(p.id, ())
            yield (
                f"{PRODUCTS_DIR}/{slug}.html",
                template.render(
                    mesh=mesh,
                    p=p,
                    dims=dims,
                    dimensions=DIMENSIONS,
                    dims_chart=hbars(
                        [(name, dims[name].score if name in dims else None) for name in DIMENSIONS],
                        f"Dimension scores of {p.id}",
                    ),
                    gauge=gauge(p.score, p.verdict),
                    sparkline=sparkline(list(history), f"Score of {p.id} over the last {len(history)} runs")
                    if len(history) > 1
                    else "",
                    support=_support(p),
                    checks=sorted(p.checks, key=lambda c: ATTENTION.get(c.status, len(ATTENTION))),
                    css=css,
                    script="",
                    csp=csp,
                    home="../index.html",
                ),
            )
