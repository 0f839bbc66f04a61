"""``--format text``: the terminal view (colour only when asked: a TTY without NO_COLOR)."""

from __future__ import annotations

import re

from meshguard.printsafe import inert, printable
from meshguard.report.formats import BaseReporter, RenderContext
from meshguard.report.formats.common import items, joined, pct, where
from meshguard.results.model import MeshResult, ProductResult

COLOURS = {
    "pass": "32",
    "warn": "33",
    "fail": "31",
    "error": "35",
    "error_level": "31",
    "warning": "33",
    "note": "36",
    "none": "2",
    "dim": "2",
    "bold": "1",
}


def _printable(text: str, color: bool) -> str:
    """``text`` with the control characters its strings brought escaped; the colours painted
    (:meth:`TextReporter.render`), when on, kept."""
    if not color:
        return printable(text)
    painted = "(\x1b\\[(?:" + "|".join(sorted({*COLOURS.values(), "0"})) + ")m)"
    parts = re.split(painted, text)
    return "".join(part if i % 2 else printable(part) for i, part in enumerate(parts))


class TextReporter(BaseReporter):
    name = "text"
    default_filename = "results.txt"

    def render(self, mesh: MeshResult, ctx: RenderContext) -> str:
        return inert(_printable(self._render(mesh, ctx), ctx.color))

    def _render(self, mesh: MeshResult, ctx: RenderContext) -> str:
        if mesh.command != "check":
            from meshguard.report.formats.views import VIEWS

            return VIEWS[mesh.command](mesh, ctx)

        def paint(text: str, key: str) -> str:
            return f"\x1b[{COLOURS[key]}m{text}\x1b[0m" if ctx.color else text

        lines: list[str] = []
        for f in mesh.findings:
            lines.append(
                f"{paint('MESH', 'bold')}  {where(f.location)}: {f.severity} {f.rule_id} {f.message}"
            )
        for p in sorted(mesh.products, key=lambda p: (p.score, p.id)):
            lines.extend(self._product(p, paint))
        s = mesh.summary
        if mesh.domains:
            lines.append("")
            lines.append(paint("Domains", "bold"))
            for name, d in mesh.domains.items():
                lines.append(
                    f"  {name:<20} score {pct(d.get('score')):>5}  {d.get('products', 0)} product(s)"
                )
        if mesh.regulations:
            lines.append(paint("Compliance by regulation", "bold"))
            for reg, r in mesh.regulations.items():
                share = "  n/a " if r.get("share") is None else f"{r['share'] * 100:5.1f}%"
                lines.append(
                    f"  {reg:<20} {share}  ({r['compliant']}/{r['products']} applicable products compliant, "
                    f"{r.get('not_applicable', 0)} n/a)"
                )
        v = s.get("verdicts", {})
        verdict = str(s.get("verdict", "pass"))
        lines.append("")
        lines.append(
            f"Mesh score {pct(s.get('score'))} · {s.get('products', 0)} product(s): "
            f"{v.get('pass', 0)} pass, {v.get('warn', 0)} warn, {v.get('fail', 0)} fail, "
            f"{v.get('error', 0)} error · verdict {paint(verdict.upper(), verdict)}"
        )
        return joined(lines)

    @staticmethod
    def _product(p: ProductResult, paint: object) -> list[str]:
        assert callable(paint)
        head = (
            f"{paint(f'{p.verdict.upper():<5}', p.verdict)} {p.score:5.1f}  "
            f"{p.id} {p.version}  {paint(p.contract_path, 'dim')}"
        )
        if p.sampled:
            head += f"  {paint(f'(data sampled: {p.rows} rows)', 'dim')}"
        out = [head]
        for it in items(p):
            if it.level == "none" and it.status != "waived":
                continue
            level = "error_level" if it.level == "error" else it.level
            label = it.status if it.status in ("waived", "unsupported", "errored") else it.severity
            reg = f" [{it.regulation}]" if it.regulation else ""
            out.append(
                f"      {paint(f'{label:<11}', level)} {it.rule_id}  {where(it.location)}  {it.message}{reg}"
            )
        for e in p.errors:
            out.append(f"      {paint('error', 'error_level')}       {e}")
        return out
