"""Load every contract of a governance repo (or the files named) and lint them together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from meshguard.config import Config
from meshguard.contracts.lint import LintContext, lint_contract
from meshguard.contracts.load import LoadedContract, discover, display_path, load_contract
from meshguard.contracts.model import Contract
from meshguard.contracts.repo_index import LazyRepoContext
from meshguard.contracts.versions import split_versions
from meshguard.errors import ContractError
from meshguard.results.model import Finding, Severity


@dataclass
class LintedContract:
    contract: Contract
    findings: list[Finding]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == Severity.WARNING)


@dataclass
class RepoLint:
    contracts: list[LintedContract] = field(default_factory=list)
    unreadable: list[ContractError] = field(default_factory=list)
    #: contract path (as shown) → older side-by-side versions of it, newest first
    older: dict[str, list[Path]] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return sum(c.errors for c in self.contracts)

    @property
    def warning_count(self) -> int:
        return sum(c.warnings for c in self.contracts)


def load_all(
    paths: Sequence[Path], config: Config, older: dict[str, list[Path]] | None = None
) -> tuple[list[LoadedContract], list[ContractError]]:
    """Load the current contracts named by ``paths``; older side-by-side versions
    are left out and, when ``older`` is given, recorded there."""
    split = split_versions(discover(paths, config.contract_globs))
    loaded: list[LoadedContract] = []
    errors: list[ContractError] = []
    for f in split.current:
        try:
            lc = load_contract(f, config.root, config.sensitivity, config.limits)
        except ContractError as exc:
            errors.append(exc)
            continue
        loaded.append(lc)
        if older is not None and split.older.get(f):
            older[lc.contract.path] = split.older[f]
    return loaded, errors


def repo_context(config: Config, loaded: Sequence[LoadedContract], paths: Sequence[Path]) -> LintContext:
    """Context for cross-contract rules: the named contracts plus the rest of the repo,
    read lazily (only what the rules ask for) when a few files are named."""
    contracts = [lc.contract for lc in loaded]
    named = {Path(c.path).as_posix() for c in contracts}
    repo_dir = config.contracts_path
    others: list[Path] = []
    if repo_dir.is_dir() and not all(p.resolve() == repo_dir.resolve() for p in paths):
        split = split_versions(discover([repo_dir], config.contract_globs))
        named_files = {p.resolve() for p in paths}
        for f in split.current:
            # an older side-by-side version named on its own is not a duplicate of its newest file
            if split.older.get(f) and any(o.resolve() in named_files for o in split.older[f]):
                continue
            try:  # discover() keeps the root prefix: no need to resolve 200 paths
                shown = f.relative_to(config.root).as_posix()
            except ValueError:
                shown = display_path(f, config.root)
            if shown not in named:
                others.append(f)
    return LazyRepoContext(contracts, others, config) if others else LintContext(contracts)


def lint_repo(paths: Sequence[Path], config: Config, *, with_repo_context: bool = True) -> RepoLint:
    older: dict[str, list[Path]] = {}
    loaded, errors = load_all(paths, config, older)
    ctx = (
        repo_context(config, loaded, paths)
        if with_repo_context
        else LintContext([lc.contract for lc in loaded])
    )
    out = RepoLint(unreadable=errors, older=older)
    for lc in loaded:
        out.contracts.append(
            LintedContract(
                lc.contract,
                [*lc.findings, *lint_contract(lc.contract, ctx, severities=config.lint_rules)],
            )
        )
    return out
