"""Render the changes between two contract versions: text, JSON and a markdown changelog.

Renderers only format what the versioning stage computed (docs/versioning.md).
"""

from __future__ import annotations

import json
from typing import Any

from meshguard import printsafe
from meshguard.contracts.model import Contract
from meshguard.results.model import Change, ChangeKind
from meshguard.stages import VersionInfo

_HEADINGS = (
    (ChangeKind.BREAKING, "Breaking changes"),
    (ChangeKind.NON_BREAKING, "Non-breaking changes"),
    (ChangeKind.INFORMATIONAL, "Informational"),
)


def counts(changes: list[Change]) -> dict[str, int]:
    out = {str(k): 0 for k, _ in _HEADINGS}
    for c in changes:
        out[c.kind] = out.get(c.kind, 0) + 1
    return out


def _where(c: Change) -> str:
    return f"line {c.line}" if c.line is not None else c.path


def render_text(contract: Contract, info: VersionInfo, perspective: str) -> str:
    if info.previous_path is None:
        return f"{contract.path}: no previous version: no changes"
    head = (
        f"{contract.path}: {info.previous_version or '?'} → {contract.version or '?'} "
        f"(previous: {info.previous_path}; {perspective} perspective)"
    )
    lines = [head]
    width = len("informational")
    for c in info.changes:
        lines.append(f"  {c.kind:<{width}}  {c.rule_id}  {_where(c):<9}  {c.message}")
    n = counts(info.changes)
    lines.append(
        f"{n['breaking']} breaking, {n['non-breaking']} non-breaking, {n['informational']} informational change(s)"
    )
    for f in info.findings:
        where = f"{f.location}: " if f.location else ""
        lines.append(f"{where}{f.severity} {f.rule_id} {f.message}")
    return "\n".join(lines)


def to_json(contract: Contract, info: VersionInfo, perspective: str, exit_code: int) -> str:
    doc: dict[str, Any] = {
        "contract": {"id": contract.id, "path": contract.path, "version": contract.version},
        "previous": None
        if info.previous_path is None
        else {"path": info.previous_path, "version": info.previous_version},
        "perspective": perspective,
        "summary": counts(info.changes),
        "changes": [c.to_dict() for c in info.changes],
        "findings": [f.to_dict() for f in info.findings],
        "exit_code": exit_code,
    }
    return json.dumps(doc, indent=2, default=str)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;")


def render_markdown(contract: Contract, info: VersionInfo, perspective: str) -> str:
    title = contract.name or contract.id
    out = [f"# Changelog: {_md(title)} {info.previous_version or '?'} → {contract.version or '?'}", ""]
    if info.previous_path is None:
        out += ["No previous version: nothing to compare.", ""]
        return printsafe.printed("\n".join(out), printsafe.XML)
    out += [f"Compared with `{info.previous_path}` ({perspective} perspective).", ""]
    for kind, heading in _HEADINGS:
        items = [c for c in info.changes if c.kind == kind]
        out += [f"## {heading} ({len(items)})", ""]
        if not items:
            out += ["None.", ""]
            continue
        for c in items:
            where = f", line {c.line}" if c.line is not None else ""
            out.append(f"- {_md(c.message)} (`{c.rule_id}`{where})")
        out.append("")
    if info.findings:
        out += ["## Version check", ""]
        for f in info.findings:
            out.append(f"- **{f.severity}** `{f.rule_id}`: {_md(f.message)}")
        out.append("")
    return printsafe.printed("\n".join(out), printsafe.XML)  # no line a CI log reads as a command
