"""The policy bundle: every ``.rego`` file and the data file of the policies directory.

The standard pack (``meshguard/policy/pack``) ships with meshguard and is the base
of every bundle unless ``policies: {builtin: false}``; a repo's own folder is
composed on top of it (:func:`compose`): new packages extend it, a package the
pack also defines replaces the pack's, and the repo's data wins key by key.
Loaded once per run. ``*_test.rego`` files hold policy unit tests: they are
kept apart (``tests``) and never evaluated for a data product. The bundle hash
(sha256 over relative paths and contents) goes into every run's results so a
decision can be traced to the exact policies that made it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from meshguard.digest import sha256
from meshguard.errors import PolicyError
from meshguard.policy.metadata import RuleInfo, collect_rules, scan_file

DATA_FILES = ("data.json", "data.yaml", "data.yml")

#: display prefix of the built-in pack's files (``builtin:gdpr.rego``)
BUILTIN = "builtin:"


def builtin_pack_path() -> Path:
    """The folder of the standard policy pack shipped inside the package."""
    return Path(__file__).resolve().parent / "pack"


def pack_of(path: str) -> str:
    """Which pack a module (or a rule defined in it) comes from: ``builtin`` or ``repo``."""
    return "builtin" if path.startswith(BUILTIN) else "repo"


@dataclass(frozen=True)
class Module:
    """One Rego file: its display path and its text."""

    path: str  # display path (relative to the repo root when possible)
    text: str


@dataclass(frozen=True)
class PolicyBundle:
    """The policies of a run: Rego modules, tests, data, rule metadata and their hash."""

    root: Path
    modules: tuple[Module, ...]
    tests: tuple[Module, ...]
    data: dict[str, Any] = field(default_factory=dict)
    rules: tuple[RuleInfo, ...] = ()
    hash: str = ""
    #: decision rules turned off in meshguard.yaml (``package.rule``): never reported
    disabled: frozenset[str] = frozenset()

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
        from meshguard.yamlio import YamlError, load_yaml_file  # PyYAML: not in the policy worker

        try:
            value = load_yaml_file(path, shown).data
        except YamlError as exc:
            raise PolicyError(exc.message, path=exc.path, line=exc.line, column=exc.column) from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PolicyError("a policy data file must hold a mapping at the top level", path=shown, line=1)
    return value


def load_builtin() -> PolicyBundle:
    """The standard pack, its files shown as ``builtin:NAME``: as stored by an earlier run
    when its files are byte for byte the same (:mod:`meshguard.policy.packcache`)."""
    from meshguard.policy import packcache

    path = builtin_pack_path()
    contents = _contents(path)
    stored = packcache.fetch("pack", contents) if contents is not None else None
    if stored is not None:
        try:
            return _restored(path, stored)
        except (TypeError, ValueError):  # a stored tuple of another shape: load as before
            pass
    bundle = load_bundle(path, label=BUILTIN)
    if contents is not None and _contents(path) == contents:  # not edited while it was loaded
        packcache.store("pack", contents, _stored(bundle))
    return bundle


def _contents(path: Path) -> list[tuple[str, bytes]] | None:
    """The relative path and bytes of every file a bundle of ``path`` is made of."""
    try:
        return [(rel, f.read_bytes()) for f, rel in bundle_files(path)]
    except OSError:
        return None


def _stored(bundle: PolicyBundle) -> tuple[Any, ...]:
    rules = [
        (r.package, r.name, r.path, r.line, r.title, r.description, dict(r.custom)) for r in bundle.rules
    ]
    modules = [(m.path, m.text) for m in bundle.modules]
    return (modules, [(m.path, m.text) for m in bundle.tests], bundle.data, rules, bundle.hash)


def _restored(root: Path, stored: tuple[Any, ...]) -> PolicyBundle:
    modules, tests, data, rules, digest = stored
    return PolicyBundle(
        root=root,
        modules=tuple(Module(p, t) for p, t in modules),
        tests=tuple(Module(p, t) for p, t in tests),
        data=data,
        rules=tuple(RuleInfo(*r) for r in rules),
        hash=digest,
    )


def bundle_files(path: Path) -> list[tuple[Path, str]]:
    """The files a bundle of ``path`` (a policies folder, or one file) is made of, with their
    relative paths: ``.rego`` and data files, sorted, none under a folder or name starting with a dot."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    out: list[tuple[Path, str]] = []
    for f in files:
        rel = f.relative_to(path).as_posix() if path.is_dir() else f.name
        if any(part.startswith(".") for part in Path(rel).parts):
            continue
        if f.suffix == ".rego" or f.name in DATA_FILES:
            out.append((f, rel))
    return out


def load_bundle(path: Path, display_base: Path | None = None, *, label: str | None = None) -> PolicyBundle:
    """Read the policies directory (or one .rego file). Errors are :class:`PolicyError` (exit 2).

    ``label``: show files as ``label + relative path`` instead of relative to ``display_base``.
    """
    if not path.exists():
        raise PolicyError("policies directory not found", path=_display(path, display_base))
    hashed: list[bytes] = []
    modules: list[Module] = []
    tests: list[Module] = []
    data: dict[str, Any] = {}
    for f, rel in bundle_files(path):
        shown = label + rel if label is not None else _display(f, display_base)
        if f.suffix == ".rego":
            try:
                text = f.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise PolicyError(f"cannot read policy: {exc}", path=shown) from None
            (tests if f.name.endswith("_test.rego") else modules).append(Module(shown, text))
        else:
            _merge(data, _read_data(f, shown), shown)
        hashed.append(rel.encode() + b"\0" + f.read_bytes() + b"\0")
    if not modules and not tests:
        raise PolicyError("no .rego policy files found", path=_display(path, display_base))
    rules = collect_rules((m.path, m.text) for m in modules)
    return PolicyBundle(
        root=path,
        modules=tuple(modules),
        tests=tuple(tests),
        data=data,
        rules=tuple(rules),
        hash="sha256:" + sha256(b"".join(hashed)).hexdigest(),
    )


def _package(module: Module) -> str | None:
    return scan_file(module.text, module.path).package


def _override(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``top`` laid over it, mappings merged key by key (``top`` wins)."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _override(out[key], value)
        else:
            out[key] = value
    return out


def compose(builtin: PolicyBundle, repo: PolicyBundle) -> PolicyBundle:
    """The repo's folder on top of the built-in pack.

    A package the repo defines (policy or test module) replaces the pack's modules of that
    package, and the pack's ``NAME_test.rego`` goes with a replaced ``NAME.rego``. Other
    packages of the repo extend the pack. Data files merge, the repo's values win.
    """
    mine = {_package(m) for m in (*repo.modules, *repo.tests)} - {None}
    replaced = {Path(m.path).stem for m in builtin.modules if _package(m) in mine}
    modules = [m for m in builtin.modules if _package(m) not in mine]
    tests = [
        t
        for t in builtin.tests
        if _package(t) not in mine and Path(t.path).stem.removesuffix("_test") not in replaced
    ]
    modules.extend(repo.modules)
    tests.extend(repo.tests)
    hashed = [m.path.encode() + b"\0" + m.text.encode() + b"\0" for m in (*modules, *tests)]
    data = _override(builtin.data, repo.data)
    hashed.append(json.dumps(data, sort_keys=True, default=str).encode())
    return PolicyBundle(
        root=repo.root,
        modules=tuple(modules),
        tests=tuple(tests),
        data=data,
        rules=tuple(collect_rules((m.path, m.text) for m in modules)),
        hash="sha256:" + sha256(b"".join(hashed)).hexdigest(),
    )


def with_rule_settings(bundle: PolicyBundle, settings: dict[str, str], where: str | None) -> PolicyBundle:
    """``policies.rules`` of meshguard.yaml: per rule (id or ``package.rule``) error, warning or off."""
    if not settings:
        return bundle
    by_key = {r.id: r for r in bundle.rules} | {f"{r.package}.{r.name}": r for r in bundle.rules}
    unknown = sorted(set(settings) - set(by_key))
    if unknown:
        known = ", ".join(sorted({r.id for r in bundle.rules}))
        raise PolicyError(
            f"policies.rules names no rule of the loaded policies: {unknown[0]} (rules: {known})", path=where
        )
    rules: list[RuleInfo] = []
    disabled: set[str] = set()
    chosen = {id(by_key[k]): v for k, v in settings.items()}
    for r in bundle.rules:
        setting = chosen.get(id(r))
        if setting == "off":
            disabled.add(f"{r.package}.{r.name}")
        elif setting is not None:
            rules.append(replace(r, custom={**r.custom, "severity": setting}))
        else:
            rules.append(r)
    digest = sha256((bundle.hash + json.dumps(settings, sort_keys=True)).encode())
    return replace(
        bundle, rules=tuple(rules), disabled=frozenset(disabled), hash="sha256:" + digest.hexdigest()
    )
