"""``--format markdown``: a compact summary for a pull-request comment or $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

from meshguard.report.formats import BaseReporter, RenderContext
from meshguard.report.formats.common import items, pct, where
from meshguard.results.model import MeshResult

ICON = {"pass": "✅ pass", "warn": "⚠️ warn", "fail": "❌ fail", "error": "⛔ error"}
#: products listed in detail; the rest are counted
MAX_PRODUCTS = 50
MAX_ITEMS = 5


def cell(text: object) -> str:
    """Markdown table cell: one line, pipes escaped, HTML neutralised."""
    out = " ".join(str(text).split())
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("`", "'")):
        out = out.replace(a, b)
    return out


class MarkdownReporter(BaseReporter):
    name = "markdown"
    default_filename = "summary.md"

    def render(self, mesh: MeshResult, ctx: RenderContext) -> str:
        s = mesh.summary
        v = s.get("verdicts", {})
        verdict = str(s.get("verdict", "pass"))
        out = [
            f"## meshguard: {ICON.get(verdict, verdict)} · mesh score {pct(s.get('score'))}",
            "",
            f"{s.get('products', 0)} products: {v.get('pass', 0)} pass, {v.get('warn', 0)} warn, "
            f"{v.get('fail', 0)} fail, {v.get('error', 0)} error · run `{mesh.run_id[:12]}`",
            "",
        ]
        if mesh.findings:
            out += ["### Repository problems", ""]
            out += [
                f"- **{cell(f.rule_id)}** `{cell(where(f.location))}`: {cell(f.message)}"
                for f in mesh.findings
            ]
            out.append("")
        if mesh.domains:
            out += [
                "| Domain | Score | Products | Pass | Warn | Fail | Error |",
                "|---|---:|---:|---:|---:|---:|---:|",
            ]
            for name, d in mesh.domains.items():
                dv = d.get("verdicts", {})
                out.append(
                    f"| {cell(name)} | {pct(d.get('score'))} | {d.get('products', 0)} | {dv.get('pass', 0)} "
                    f"| {dv.get('warn', 0)} | {dv.get('fail', 0)} | {dv.get('error', 0)} |"
                )
            out.append("")
        if mesh.regulations:
            out += ["| Regulation | Compliant | Products |", "|---|---:|---:|"]
            for reg, r in mesh.regulations.items():
                out.append(f"| {cell(reg)} | {r['share'] * 100:.0f}% | {r['compliant']}/{r['products']} |")
            out.append("")
        flagged = [p for p in sorted(mesh.products, key=lambda p: (p.score, p.id)) if p.verdict != "pass"]
        if flagged:
            out += ["### Products needing attention", ""]
            for p in flagged[:MAX_PRODUCTS]:
                out.append(
                    f"<details><summary>{ICON.get(p.verdict, p.verdict)} <b>{cell(p.id)}</b> "
                    f"{cell(p.version)} · score {p.score:.1f}{' · data sampled' if p.sampled else ''}</summary>\n"
                )
                shown = [it for it in items(p, include_waived=False) if it.level in ("error", "warning")]
                for it in shown[:MAX_ITEMS]:
                    out.append(
                        f"- {it.level} **{cell(it.rule_id)}** {cell(it.title)}: {cell(it.message)} "
                        f"(`{cell(where(it.location))}`)"
                    )
                if len(shown) > MAX_ITEMS:
                    out.append(f"- … and {len(shown) - MAX_ITEMS} more")
                out.append("\n</details>")
            if len(flagged) > MAX_PRODUCTS:
                out.append(f"\n… and {len(flagged) - MAX_PRODUCTS} more products (see the HTML scorecards).")
            out.append("")
        return "\n".join(out) + "\n"
