"""``--format text`` for the commands other than ``check``: each command's own terminal view of
the one results model (``MeshResult.command`` names it). Views only lay out what the model
holds: the counts they print are in ``summary``, put there by the command."""

from __future__ import annotations

from collections.abc import Callable

from meshguard.report.formats import RenderContext
from meshguard.report.formats.common import joined
from meshguard.results.model import Finding, MeshResult, Severity, Status

TEST_STATUSES = ("passed", "failed", "errored", "unsupported", "warned", "info")


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _unreadable(f: Finding) -> str:
    where = f"{f.location}: " if f.location and f.location.path != "?" else ""
    hint = f" ({f.remediation})" if f.remediation else ""
    return _one_line(f"{where}{f.message}{hint}") + f"  [{f.rule_id} {f.severity}]"


def lint_view(mesh: MeshResult, ctx: RenderContext) -> str:
    lines = [_unreadable(f) for f in mesh.findings]
    for p in mesh.products:
        for f in p.findings:
            where = str(f.location) if f.location else p.contract_path
            lines.append(f"{where}: {f.severity} {f.rule_id} {f.message}")
    s = mesh.summary
    n = s.get("contracts", 0)
    lines.append(
        f"{n} contract{'s' if n != 1 else ''}: {s.get('errors', 0)} error(s), "
        f"{s.get('warnings', 0)} warning(s), {s.get('unreadable', 0)} unreadable"
    )
    return joined(lines)


def test_view(mesh: MeshResult, ctx: RenderContext) -> str:
    lines = [f"{f.location or ''}: {f.severity} {f.rule_id} {f.message}" for f in mesh.findings]
    for p in mesh.products:
        rows = "no rows read" if p.rows is None else f"{p.rows} rows{' (sample)' if p.sampled else ''}"
        where = f"{p.data_source}, {rows}" if p.data_source else "no data"
        lines.append(f"{p.id} {p.version} ({p.contract_path}) — {where}")
        for f in p.findings:
            if f.severity == Severity.ERROR:
                lines.append(f"  LINT     {f.rule_id} {f.message}  {f.location or ''}")
        for c in p.checks:
            extra = ""
            if c.failing_rows:
                extra = f"  [{c.failing_rows} row(s), {100 * (c.failing_fraction or 0):.2f}%]"
            msg = f"  — {c.message}" if c.message and c.status != Status.PASSED else ""
            lines.append(
                f"  {str(c.status).upper():<11} {c.id}{extra}{msg}  ({c.location or p.contract_path})"
            )
            if c.samples and c.status != Status.PASSED:
                import json  # a failing row's sample: not on a contract's lint

                lines.append(f"              e.g. {json.dumps(c.samples[0], default=str)}")
    s = mesh.summary
    total = sum(int(v) for v in s.get("checks", {}).values())
    lines.append(
        f"{total} checks: "
        + ", ".join(f"{s.get(k, 0)} {k}" for k in TEST_STATUSES)
        + f"; {s.get('lint_errors', 0)} lint error(s)"
    )
    return joined(lines)


def diff_view(mesh: MeshResult, ctx: RenderContext) -> str:
    (p,) = mesh.products
    previous = mesh.summary.get("previous")
    if previous is None:
        return joined([f"{p.contract_path}: no previous version: no changes"])
    lines = [
        f"{p.contract_path}: {previous.get('version') or '?'} → {p.version or '?'} "
        f"(previous: {previous['path']}; {mesh.summary.get('perspective')} perspective)"
    ]
    width = len("informational")
    for c in p.changes:
        where = f"line {c.line}" if c.line is not None else c.path
        lines.append(f"  {c.kind:<{width}}  {c.rule_id}  {where:<9}  {c.message}")
    n = mesh.summary.get("changes", {})
    lines.append(
        f"{n.get('breaking', 0)} breaking, {n.get('non-breaking', 0)} non-breaking, "
        f"{n.get('informational', 0)} informational change(s)"
    )
    for f in p.findings:
        where = f"{f.location}: " if f.location else ""
        lines.append(f"{where}{f.severity} {f.rule_id} {f.message}")
    return joined(lines)


def policy_eval_view(mesh: MeshResult, ctx: RenderContext) -> str:
    lines: list[str] = []
    for p in mesh.products:
        if mesh.summary.get("input") == p.id:  # an input document: what each rule said
            lines.append(f"== {p.id}")
            for c in p.checks:
                if c.status == Status.ERRORED:
                    lines.append(f"  ERRORED {c.id}: {c.message}")
                lines += [
                    f"  {f.rule_id}: {f.message}" for f in p.findings if f.details.get("rule") == c.name
                ]
            continue
        n = mesh.summary.get("rules", {}).get(p.contract_path, {})
        scope = f", {n['not_applicable']} not applicable" if n.get("not_applicable") else ""
        lines.append(
            f"== {p.id} ({p.contract_path}): {n.get('passed', 0)}/{n.get('total', 0)} rules pass{scope}"
        )
        for c in p.checks:
            if c.status == Status.ERRORED:
                lines.append(f"  errored {c.id}: {c.message}")
        for f in p.findings:
            loc = f.location
            where = f"{loc.path or p.contract_path}:{loc.line}" if loc and loc.line else p.contract_path
            lines.append(f"  {f.status:<7} {f.severity:<7} {f.rule_id:<10} {where}: {f.message}")
    for f in mesh.findings:
        loc = f.location
        lines.append(
            f"{loc.path if loc else None}:{loc.line if loc else None}: {f.severity} {f.rule_id} {f.message}"
        )
    lines.append(f"engine {mesh.engine}, policies {(mesh.policy_bundle_hash or '')[:19]}")
    return joined(lines)


def policy_test_view(mesh: MeshResult, ctx: RenderContext) -> str:
    lines: list[str] = []
    for p in mesh.products:
        for c in p.checks:
            if ctx.verbose or c.status != Status.PASSED:
                extra = f": {c.message}" if c.message else ""
                ms = float(c.details.get("seconds", 0.0)) * 1000
                lines.append(f"{str(c.status).upper():<7} {c.id} ({c.location}, {ms:.1f} ms){extra}")
    t = mesh.summary.get("tests", {})
    of_pack = f" ({t['builtin']} of the built-in pack)" if t.get("builtin") else ""
    lines.append(
        f"{t.get('total', 0)} tests: {t.get('passed', 0)} passed, {t.get('failed', 0)} failed, "
        f"{t.get('errored', 0)} errored{of_pack}"
    )
    return "\n".join(lines) + "\n"  # a Rego diagnostic spans lines (its caret under the code)


def policy_lint_view(mesh: MeshResult, ctx: RenderContext) -> str:
    lines = [
        f"{f.location or p.contract_path}: {f.severity} {f.rule_id} {f.message}"
        for p in mesh.products
        for f in p.findings
    ]
    s = mesh.summary
    lines.append(f"{s.get('modules', 0)} modules: {s.get('warnings', 0)} portability warning(s)")
    return "\n".join(lines) + "\n"  # a Rego diagnostic spans lines (its caret under the code)


#: command → its text view (``check`` uses the scorecard view of :mod:`.text`)
VIEWS: dict[str, Callable[[MeshResult, RenderContext], str]] = {
    "lint": lint_view,
    "test": test_view,
    "diff": diff_view,
    "policy eval": policy_eval_view,
    "policy test": policy_test_view,
    "policy lint": policy_lint_view,
}
