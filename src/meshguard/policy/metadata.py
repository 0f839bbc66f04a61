"""``# METADATA`` annotations of Rego files, parsed by meshguard itself.

The embedded interpreter does not implement ``rego.metadata.*``, so the YAML
comment blocks are read here, scoped as OPA defines: a block right before the
``package`` line annotates the package (``scope: package``, or
``subpackages``); a block right before a rule annotates that rule
(``scope: rule``) or every rule of that name in the package
(``scope: document``). Rule-level values override package-level ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from meshguard.errors import PolicyError
from meshguard.policy.tree import is_decision_rule

_PACKAGE = re.compile(r"^package\s+([A-Za-z_][\w.]*)\s*$")
_RULE = re.compile(r"^(?:default\s+)?([A-Za-z_]\w*)\b")
_KEYWORDS = frozenset({"package", "import", "default"})
_SCOPES = frozenset({"rule", "document", "package", "subpackages"})


def decision_kind(name: str) -> str:
    """``deny``/``violation`` rules block (error); ``warn`` rules do not (warning)."""
    return "warning" if name.startswith("warn") else "error"


@dataclass(frozen=True)
class Annotation:
    """One ``# METADATA`` block of a Rego file."""

    scope: str
    title: str | None = None
    description: str | None = None
    custom: Mapping[str, Any] = field(default_factory=dict)
    path: str = ""
    line: int = 0


@dataclass(frozen=True)
class RuleInfo:
    """One decision rule (``deny``/``warn``/…) of a package, with its merged annotations."""

    package: str  # e.g. "meshguard.gdpr"
    name: str  # e.g. "deny_retention"
    path: str  # file that defines it (first definition)
    line: int
    title: str | None
    description: str | None
    custom: Mapping[str, Any]

    @property
    def id(self) -> str:
        explicit = self.custom.get("id")
        return str(explicit) if explicit else f"{self.package}.{self.name}"

    @property
    def severity(self) -> str:
        sev = self.custom.get("severity")
        if isinstance(sev, str) and sev.lower() in ("error", "warning", "info"):
            return sev.lower()
        return decision_kind(self.name)

    @property
    def regulation(self) -> str | None:
        reg = self.custom.get("regulation")
        return str(reg) if reg else None

    @property
    def remediation(self) -> str | None:
        rem = self.custom.get("remediation")
        return str(rem) if rem else None


@dataclass
class _FileScan:
    """What one Rego file declares: its package and its rules, with their annotations."""

    package: str | None = None
    package_annotations: list[Annotation] = field(default_factory=list)
    rules: list[tuple[str, int, Annotation | None]] = field(default_factory=list)


def _parse_block(lines: list[str], path: str, line: int) -> dict[str, Any]:
    import yaml  # here: only a bundle's loading parses METADATA blocks

    text = "\n".join(lines)
    try:
        # libyaml's safe loader when available (the METADATA blocks of the built-in pack
        # load on every run, the pre-commit hook's included)
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = line + 1 + (mark.line if mark is not None else 0)
        raise PolicyError(
            f"invalid YAML in # METADATA block: {exc}".splitlines()[0], path=path, line=where
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PolicyError("a # METADATA block must be a YAML mapping", path=path, line=line)
    return data


def _annotation(data: dict[str, Any], scope: str, path: str, line: int) -> Annotation:
    custom = data.get("custom") or {}
    if not isinstance(custom, dict):
        raise PolicyError("METADATA 'custom' must be a mapping", path=path, line=line)
    title = data.get("title")
    desc = data.get("description")
    return Annotation(
        scope=scope,
        title=str(title).strip() if title else None,
        description=str(desc).strip() if desc else None,
        custom=custom,
        path=path,
        line=line,
    )


def scan_file(text: str, path: str) -> _FileScan:
    """Find the package, its annotations and every rule head (name, line, annotation)."""
    out = _FileScan()
    lines = text.splitlines()
    i = 0
    pending: tuple[dict[str, Any], int] | None = None
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        if stripped == "# METADATA":
            start = i + 1
            block: list[str] = []
            i += 1
            while i < len(lines) and lines[i].lstrip().startswith("#"):
                body = lines[i].lstrip()[1:]
                block.append(body[1:] if body.startswith(" ") else body)
                i += 1
            pending = (_parse_block(block, path, start), start)
            continue
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        if raw[0].isspace() or raw.startswith("}"):
            i += 1
            continue
        m = _PACKAGE.match(stripped)
        if m:
            out.package = m.group(1)
            if pending:
                data, line = pending
                scope = str(data.get("scope", "package"))
                if scope not in ("package", "subpackages"):
                    raise PolicyError(
                        f"METADATA before a package must have scope package or subpackages, not {scope!r}",
                        path=path,
                        line=line,
                    )
                out.package_annotations.append(_annotation(data, scope, path, line))
            pending = None
            i += 1
            continue
        rm = _RULE.match(stripped)
        if rm and rm.group(1) not in _KEYWORDS:
            ann = None
            if pending:
                data, line = pending
                scope = str(data.get("scope", "rule"))
                if scope not in _SCOPES:
                    raise PolicyError(f"unknown METADATA scope {scope!r}", path=path, line=line)
                ann = _annotation(data, scope, path, line)
                if scope in ("package", "subpackages"):
                    out.package_annotations.append(ann)
                    ann = None
            out.rules.append((rm.group(1), i + 1, ann))
        pending = None
        i += 1
    return out


def collect_rules(files: Iterable[tuple[str, str]]) -> list[RuleInfo]:
    """Every decision rule of every non-test policy file, with merged annotations.

    ``files`` yields ``(display path, text)``. Precedence (highest first):
    rule, document, package, then subpackages annotations of enclosing packages.
    """
    scans = [(path, scan_file(text, path)) for path, text in files]
    pkg_ann: dict[str, list[Annotation]] = {}
    for _, s in scans:
        if s.package:
            pkg_ann.setdefault(s.package, []).extend(s.package_annotations)
    # rule name → document-scope annotation, per package
    doc_ann: dict[tuple[str, str], Annotation] = {}
    first: dict[tuple[str, str], tuple[str, int, Annotation | None]] = {}
    for path, s in scans:
        if not s.package:
            continue
        for name, line, ann in s.rules:
            if not is_decision_rule(name):
                continue
            key = (s.package, name)
            if ann is not None and ann.scope == "document":
                doc_ann[key] = ann
            if key not in first or (first[key][2] is None and ann is not None):
                first[key] = (path, line, ann)
    out: list[RuleInfo] = []
    for (package, name), (path, line, ann) in sorted(first.items()):
        layers: list[Annotation] = []
        parts = package.split(".")
        for n in range(1, len(parts)):
            layers += [a for a in pkg_ann.get(".".join(parts[:n]), []) if a.scope == "subpackages"]
        layers += pkg_ann.get(package, [])
        if (package, name) in doc_ann:
            layers.append(doc_ann[(package, name)])
        if ann is not None:
            layers.append(ann)
        title = description = None
        custom: dict[str, Any] = {}
        for a in layers:
            title = a.title or title
            description = a.description or description
            ids = {"id": a.custom["id"]} if "id" in a.custom and a.scope in ("rule", "document") else {}
            custom.update({k: v for k, v in a.custom.items() if k != "id"}, **ids)
        out.append(RuleInfo(package, name, path, line, title, description, custom))
    return out
