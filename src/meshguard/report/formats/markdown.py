"""``--format markdown``: a compact summary for a pull-request comment or $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

from html import escape

from meshguard import printsafe
from meshguard.report.formats import BaseReporter, RenderContext
from meshguard.report.formats.common import items, md, pct, where
from meshguard.results.model import MeshResult

ICON = {"pass": "✅ pass", "warn": "⚠️ warn", "fail": "❌ fail", "error": "⛔ error"}
#: products listed in detail; the rest are counted
MAX_PRODUCTS = 50
MAX_ITEMS = 5


def cell(text: object) -> str:
    """Markdown text or table cell: one line, every Markdown construct made literal (:func:`md`)."""
    return md(text)


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
            f"A product fails on any open blocking finding (an error-severity policy finding or a failed "
            f"error-severity check), whatever its score; a failing product's score stays under the pass "
            f"line ({s.get('pass_threshold', 80):g}).",
            "",
        ]
        if mesh.findings:
            out += ["### Repository problems", ""]
            out += [
                f"- **{cell(f.rule_id)}** {cell(where(f.location))}: {cell(f.message)}" for f in mesh.findings
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
            out += ["| Regulation | Compliant | Applies to | n/a |", "|---|---:|---:|---:|"]
            for reg, r in mesh.regulations.items():
                share = "n/a" if r.get("share") is None else f"{r['share'] * 100:.0f}%"
                out.append(
                    f"| {cell(reg)} | {share} | {r['compliant']}/{r['products']} | {r.get('not_applicable', 0)} |"
                )
            out.append("")
        flagged = [p for p in sorted(mesh.products, key=lambda p: (p.score, p.id)) if p.verdict != "pass"]
        if flagged:
            out += ["### Products needing attention", ""]
            for p in flagged[:MAX_PRODUCTS]:
                out.append(
                    # inside an HTML block Markdown is not parsed: HTML escaping makes it text
                    f"<details><summary>{ICON.get(p.verdict, p.verdict)} <b>{escape(p.id)}</b> "
                    f"{escape(p.version)} · score {p.score:.1f}{' · data sampled' if p.sampled else ''}</summary>\n"
                )
                if p.reasons:
                    why = "; ".join(
                        f"{cell(r['regulation'])} {r['blocking']} blocking, {r['warnings']} warning(s)"
                        for r in p.reasons
                    )
                    out.append(f"Why: {why}\n")
                shown = [it for it in items(p, include_waived=False) if it.level in ("error", "warning")]
                for it in shown[:MAX_ITEMS]:
                    out.append(
                        f"- {it.level} **{cell(it.rule_id)}** {cell(it.title)}: {cell(it.message)} "
                        f"({cell(where(it.location))})"
                    )
                if len(shown) > MAX_ITEMS:
                    out.append(f"- … and {len(shown) - MAX_ITEMS} more")
                out.append("\n</details>")
            if len(flagged) > MAX_PRODUCTS:
                out.append(f"\n… and {len(flagged) - MAX_PRODUCTS} more products (see the HTML scorecards).")
            out.append("")
        # a contract's control characters escaped, as in the text report (this is printed too)
        return printsafe.printed("\n".join(out) + "\n", printsafe.XML)
