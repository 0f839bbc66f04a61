"""The policy bundle: every ``.rego`` file and the data file of the policies directory.

Loaded once per run. ``*_test.rego`` files hold policy unit tests: they are
kept apart (``tests``) and never evaluated for a data product. The bundle hash
(sha256 over relative paths and contents) goes into every run's results so a
decision can be traced to the exact policies that made it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshguard.errors import PolicyError
from meshguard.policy.metadata import RuleInfo, collect_rules
from meshguard.yamlio import YamlError, load_yaml_file

DATA_FILES = ("data.json", "data.yaml", "data.yml")


@dataclass(frozen=True)
class Module:
    path: str  # display path (relative to the repo root when possible)
    text: str


@dataclass(frozen=True)
class PolicyBundle:
    root: Path
    modules: tuple[Module, ...]
    tests: tuple[Module, ...]
    data: dict[str, Any] = field(default_factory=dict)
    rules: tuple[RuleInfo, ...] = ()
    hash: str = ""

    @property
    def packages(self) -> tuple[str, ...]:
        return tuple(sorted({r.package for r in self.rules}))

    def rule(self, package: str, name: str) -> RuleInfo | None:
        for r in self.rules:
            if r.package == package and r.name == name:
                return r
        return None


def _display(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _merge(into: dict[str, Any], extra: dict[str, Any], where: str) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, where)
        elif key in into:
            raise PolicyError(f"data key {key!r} is defined twice", path=where)
        else:
            into[key] = value


def _read_data(path: Path, shown: str) -> dict[str, Any]:
    if path.suffix == ".json":
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"cannot read data file: {exc}", path=shown) from None
        except json.JSONDecodeError as exc:
            raise PolicyError(
                f"invalid JSON: {exc.msg}", path=shown, line=exc.lineno, column=exc.colno
            ) from None
    else:
        try:
            value = load_yaml_file(path, shown).data
        except YamlError as exc:
            raise PolicyError(exc.message, path=exc.path, line=exc.line, column=exc.column) from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PolicyError("a policy data file must hold a mapping at the top level", path=shown, line=1)
    return value


def load_bundle(path: Path, display_base: Path | None = None) -> PolicyBundle:
    """Read the policies directory (or one .rego file). Errors are :class:`PolicyError` (exit 2)."""
    if not path.exists():
        raise PolicyError("policies directory not found", path=_display(path, display_base))
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    modules: list[Module] = []
    tests: list[Module] = []
    data: dict[str, Any] = {}
    for f in files:
        rel = f.relative_to(path).as_posix() if path.is_dir() else f.name
        if any(part.startswith(".") for part in Path(rel).parts):
            continue
        shown = _display(f, display_base)
        if f.suffix == ".rego":
            try:
                text = f.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise PolicyError(f"cannot read policy: {exc}", path=shown) from None
            (tests if f.name.endswith("_test.rego") else modules).append(Module(shown, text))
        elif f.name in DATA_FILES:
            _merge(data, _read_data(f, shown), shown)
        else:
            continue
        digest.update(rel.encode() + b"\0" + f.read_bytes() + b"\0")
    if not modules and not tests:
        raise PolicyError("no .rego policy files found", path=_display(path, display_base))
    rules = collect_rules((m.path, m.text) for m in modules)
    return PolicyBundle(
        root=path,
        modules=tuple(modules),
        tests=tuple(tests),
        data=data,
        rules=tuple(rules),
        hash="sha256:" + digest.hexdigest(),
    )
