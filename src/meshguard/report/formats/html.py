"""``--format html``: static, self-contained scorecards for the governance council.

``index.html`` (the council view), ``compliance.html`` (the compliance matrix,
with ``compliance.csv`` and ``compliance.json`` beside it) and
``products/<slug>.html`` per product. Jinja2 with autoescaping renders every
string from a contract or data as text; charts are inline SVG drawn here; a
Content-Security-Policy meta tag allows nothing external and only the one hashed
inline script (table sorting) and the one hashed inline stylesheet.
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

from markupsafe import Markup, escape

from meshguard.report.formats import BaseReporter, RenderContext
from meshguard.report.formats.html_filters import ANCHOR, autoescape, badge, by_state, codespans, linked, wrap
from meshguard.report.formats.html_rows import check_row
from meshguard.report.formats.matrix import matrix_csv, matrix_json
from meshguard.report.formats.svg import counts_chart, gauge, hbars, sparkline, trend_chart
from meshguard.results.model import CheckResult, MeshResult, ProductResult, Status
from meshguard.results.scoring import DIMENSIONS, FAIL_MARGIN

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
#: the compiled templates, kept between runs like ``.pyc`` files (Jinja's bytecode cache; each
#: entry is checked against its template's source, so an edited template is compiled again)
COMPILED = TEMPLATES / "__pycache__"
PRODUCTS_DIR = "products"
MATRIX_PAGE = "compliance.html"

#: order of checks on a product page: what needs attention first (stable within a status)
ATTENTION = {
    s: i
    for i, s in enumerate(
        ("failed", "errored", "warned", "unsupported", "waived", "info", "not_applicable", "passed")
    )
}
VERDICT_RANK = {"error": 0, "fail": 1, "warn": 2, "pass": 3}
VERDICT_COLOUR = {"pass": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e", "error": "#8250df"}
SAFE_SCHEMES = ("http", "https", "mailto")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


#: where the title and the body go in the page rendered once per run (no report text holds it)
_MARK = "\x00"


def _shell(frame: Any, around: dict[str, Any]) -> tuple[str, str, str] | None:
    """The head of a product page up to its title, from the title to the body, and the foot:
    the same for every product of a run (None if the run's own text holds the marker)."""
    parts = frame.render(**around, title=Markup(_MARK), main=Markup(_MARK)).split(_MARK)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None


def _bytecode_cache() -> Any:
    """Jinja's file-system bytecode cache in :data:`COMPILED`, written only where Python writes
    its own bytecode (not under ``PYTHONDONTWRITEBYTECODE`` or ``-B``), and never an error: a
    folder that cannot be written only means the templates are compiled again next time."""
    import jinja2

    class Compiled(jinja2.FileSystemBytecodeCache):
        def dump_bytecode(self, bucket: Any) -> None:
            if sys.dont_write_bytecode:
                return
            try:
                COMPILED.mkdir(exist_ok=True)
                super().dump_bytecode(bucket)
            except OSError:
                pass

    return Compiled(str(COMPILED))


@cache
def _assets() -> tuple[Any, str, str, str]:
    import jinja2

    class Template(jinja2.Template):
        """A template whose compiled code escapes its output with :func:`autoescape`."""

        @classmethod
        def from_code(cls, *args: Any, **kwargs: Any) -> Any:
            template = super().from_code(*args, **kwargs)
            # the module namespace the template's code runs in, shared by its blocks and macros
            template.root_render_func.__globals__["escape"] = autoescape
            return template

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        # the templates ship with the package: never stat them again (a page extends base and
        # imports the macros: two stats per page without this)
        auto_reload=False,
        bytecode_cache=_bytecode_cache(),
    )
    env.template_class = Template
    env.filters["wrap"] = wrap
    env.filters["codespans"] = codespans
    env.filters["by_state"] = by_state
    env.filters["linked"] = linked
    env.globals["badge"] = badge
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


def _safe(url: str) -> str | None:
    return url if urlparse(url).scheme.lower() in SAFE_SCHEMES else None


def _support(p: ProductResult) -> list[dict[str, str | None]]:
    out: list[dict[str, str | None]] = []
    for s in p.support:
        url = str(s.get("url") or "")
        channel = str(s.get("channel") or s.get("tool") or "support")
        label = f"{channel}: {url}" if url else channel
        out.append({"label": label, "href": _safe(url)})
    return out


@lru_cache(maxsize=64)
def _scheme(url: str) -> str:
    """The scheme of ``url`` (the one source link of a run is asked about once per field)."""
    return urlparse(url).scheme


def contract_href(
    ctx: RenderContext, mesh: MeshResult, path: str, line: int | None, depth: int
) -> str | None:
    """A link to a contract file (and line): the repository URL template, else the file itself
    relative to the page (the static site sits in the repo's reports folder)."""
    link = ctx.source_link
    if not link:
        return None
    if "{path}" in link:
        url = link.format(path=quote(path), line=line or 1, commit=quote(mesh.git_commit or "HEAD"))
        return _safe(url)
    scheme = _scheme(link)
    if scheme and scheme != "file":
        return None
    base = link.rstrip("/")
    if scheme == "file":
        return f"{base}/{quote(path)}"
    return "../" * depth + (f"{base}/" if base not in ("", ".") else "") + quote(path)


def _label(timestamp: str) -> str:
    return timestamp[:16].replace("T", " ")


class HtmlReporter(BaseReporter):
    name = "html"
    default_filename = "index.html"

    def _common(self, mesh: MeshResult, ctx: RenderContext) -> dict[str, Any]:
        _env, css, _script, csp = _assets()
        threshold = float(mesh.summary.get("pass_threshold", 80.0))
        return {
            "mesh": mesh,
            "css": css,
            "csp": csp,
            "threshold": threshold,
            "cap": max(0.0, threshold - FAIL_MARGIN),
            "register": [r for r in mesh.summary.get("waivers") or [] if isinstance(r, dict)],
            "matrix_page": MATRIX_PAGE,
        }

    def _links(self, mesh: MeshResult) -> dict[str, str]:
        links: dict[str, str] = {}
        for p, slug in zip(mesh.products, slugs(mesh.products), strict=True):
            links.setdefault(p.id, f"{PRODUCTS_DIR}/{slug}.html")
        return links

    def render(self, mesh: MeshResult, ctx: RenderContext) -> str:
        env, _css, script, _csp = _assets()
        common = self._common(mesh, ctx)
        links = self._links(mesh)
        # each row links its own product's page: products sharing an id (a lint error, MG020) have
        # a page each, where ``links`` (by id) names the first
        rows = sorted(
            zip(mesh.products, self.product_paths(mesh), strict=True),
            key=lambda row: (
                VERDICT_RANK.get(row[0].verdict, 9),
                row[0].score,
                row[0].domain or "",
                row[0].id,
            ),
        )
        trend = [(_label(t.timestamp), t.score, t.verdict) for t in ctx.trend]
        if not trend:
            trend = [
                (_label(mesh.timestamp), mesh.summary.get("score"), str(mesh.summary.get("verdict", "")))
            ]
        counts = [(_label(t.timestamp), dict(t.counts)) for t in ctx.trend if t.counts]
        if not counts:
            counts = [(_label(mesh.timestamp), dict(mesh.summary.get("verdicts") or {}))]
        domain_trends = {
            name: trend_chart(
                [(_label(t.timestamp), t.score, t.verdict) for t in points],
                f"Share of the products of domain {name} passing (percent) over the last runs",
                None,
                width=320,
                height=150,
            )
            for name, points in ctx.domain_trends.items()
            if len(points) > 1
        }
        domains = list(mesh.domains.items())
        domain_chart = hbars(
            [
                (name, 100.0 * d.get("passing", 0) / d["products"] if d.get("products") else None)
                for name, d in domains
            ],
            "Share of products passing per domain (percent)",
            colours=[VERDICT_COLOUR.get(str(d.get("verdict")), "#6e7781") for _, d in domains],
            suffix=" %",
        )
        regs = list(mesh.regulations.items())
        regulation_chart = hbars(
            [(reg, None if r.get("share") is None else r["share"] * 100) for reg, r in regs],
            "Share of compliant products per regulation, over the products it applies to (percent)",
            colours=[
                VERDICT_COLOUR["fail"] if r.get("failing_products") else VERDICT_COLOUR["pass"]
                for _, r in regs
            ],
            suffix=" %",
        )
        return str(
            env.get_template("index.html.j2").render(
                **common,
                rows=rows,
                links=links,
                verdict_rank=VERDICT_RANK,
                gauge=gauge(mesh.summary.get("score"), str(mesh.summary.get("verdict", "pass")), 140),
                trend=trend_chart(trend, "Mesh score over the last runs", common["threshold"]),
                counts=counts_chart(counts, "Products per verdict in each run"),
                trend_points=len(trend),
                domain_trends=domain_trends,
                domain_chart=domain_chart,
                regulation_chart=regulation_chart,
                script=script,
                home="index.html",
                up="",
            )
        )

    def prepare(self) -> None:
        """Compile every template now: before a fork, so the child inherits them compiled (each
        compilation is ~0.1 s of CPU)."""
        env = _assets()[0]
        for template in sorted(TEMPLATES.glob("*.j2")):
            env.get_template(template.name)

    def pages(self, mesh: MeshResult, ctx: RenderContext) -> Iterator[tuple[str, str]]:
        yield from self.site_pages(mesh, ctx)
        yield from self.product_pages(mesh, ctx, range(len(mesh.products)))

    def site_pages(self, mesh: MeshResult, ctx: RenderContext) -> Iterator[tuple[str, str]]:
        """The pages beside the index that are not a product's: the compliance matrix and its data."""
        env = _assets()[0]
        common = self._common(mesh, ctx)
        links = self._links(mesh)
        yield (
            MATRIX_PAGE,
            env.get_template("compliance.html.j2").render(
                **common,
                anchors={pid: ANCHOR.format(href, wrap(pid)) for pid, href in links.items()},
                script="",
                home="index.html",
                up="",
            ),
        )
        yield "compliance.csv", matrix_csv(mesh)
        yield "compliance.json", matrix_json(mesh)

    def product_paths(self, mesh: MeshResult) -> list[str]:
        """The page of each product, in the products' order."""
        return [f"{PRODUCTS_DIR}/{slug}.html" for slug in slugs(mesh.products)]

    def product_pages(
        self, mesh: MeshResult, ctx: RenderContext, indices: Iterable[int]
    ) -> Iterator[tuple[str, str]]:
        """The pages of the products at ``indices`` (taken one at a time: the pages of a large
        mesh are shared out between two processes)."""
        env = _assets()[0]
        common = self._common(mesh, ctx)
        template = env.get_template("product.html.j2")
        frame = env.get_template("page.html.j2")
        around = {**common, "script": "", "home": "../index.html", "up": "../"}
        shell = _shell(frame, around)
        paths = self.product_paths(mesh)
        # a check object shared by many products (a policy rule that passes: one object for the
        # whole run) gets its row once per call; the mesh holds every check meanwhile, so an id
        # names one object here
        rows: dict[int, Markup] = {}

        def row(c: CheckResult) -> Markup:
            got = rows.get(id(c))
            if got is None:
                got = rows[id(c)] = check_row(c)
            return got

        for i in indices:
            p = mesh.products[i]
            dims = {d.name: d for d in p.dimensions}
            history = ctx.sparklines.get(p.id, ())
            previous = p.previous_version if p.previous_version not in (None, p.version) else None
            body = template.render(
                **around,
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
                contacts=[
                    {**c, "href": f"mailto:{c['email']}" if c.get("email") else None}
                    for c in p.catalogue.get("contacts") or []
                ],
                contract=contract_href(ctx, mesh, p.contract_path, None, 1),
                field_href={
                    f["path"]: contract_href(ctx, mesh, p.contract_path, f.get("line"), 1)
                    for f in p.catalogue.get("fields") or []
                },
                previous_contract=previous,
                product_waivers=[r for r in common["register"] if r.get("product") == p.id],
                check_rows=Markup(
                    "".join(
                        f"{row(c)}\n"  # each row is markup already: joined as text
                        for c in sorted(p.checks, key=lambda c: ATTENTION.get(c.status, len(ATTENTION)))
                    )
                ),
                open_findings=[f for f in p.findings if f.status not in (Status.WAIVED, Status.PASSED)],
            )
            title = p.name or p.id
            if shell is None:
                yield paths[i], frame.render(**around, title=title, main=Markup(body))
            else:
                yield paths[i], f"{shell[0]}{escape(title)}{shell[1]}{body}{shell[2]}"
