"""Load every contract of a governance repo (or the files named) and lint them together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from meshguard.config import Config
from meshguard.contracts.lint import LintContext, lint_contract
from meshguard.contracts.load import LoadedContract, discover, load_contract
from meshguard.contracts.model import Contract
from meshguard.errors import ContractError
from meshguard.report.model import Finding, Severity


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

    @property
    def error_count(self) -> int:
        return sum(c.errors for c in self.contracts)

    @property
    def warning_count(self) -> int:
        return sum(c.warnings for c in self.contracts)


def load_all(paths: Sequence[Path], config: Config) -> tuple[list[LoadedContract], list[ContractError]]:
    files = discover(paths, config.contract_globs)
    loaded: list[LoadedContract] = []
    errors: list[ContractError] = []
    for f in files:
        try:
            loaded.append(load_contract(f, config.root, config.sensitivity, config.limits))
        except ContractError as exc:
            errors.append(exc)
    return loaded, errors


def repo_context(config: Config, loaded: Sequence[LoadedContract], paths: Sequence[Path]) -> LintContext:
    """Context for cross-contract rules: the named contracts plus the rest of the repo."""
    contracts = [lc.contract for lc in loaded]
    named = {Path(c.path).as_posix() for c in contracts}
    repo_dir = config.contracts_path
    if repo_dir.is_dir() and not all(p.resolve() == repo_dir.resolve() for p in paths):
        for f in discover([repo_dir], config.contract_globs):
            try:
                lc = load_contract(f, config.root, config.sensitivity, config.limits)
            except ContractError:
                continue
            if lc.contract.path not in named:
                contracts.append(lc.contract)
    return LintContext(contracts)


def lint_repo(paths: Sequence[Path], config: Config, *, with_repo_context: bool = True) -> RepoLint:
    loaded, errors = load_all(paths, config)
    ctx = (
        repo_context(config, loaded, paths)
        if with_repo_context
        else LintContext([lc.contract for lc in loaded])
    )
    # duplicate ids only count among the contracts being linted and the repo, once each
    out = RepoLint(unreadable=errors)
    for lc in loaded:
        out.contracts.append(
            LintedContract(
                lc.contract,
                [*lc.findings, *lint_contract(lc.contract, ctx, severities=config.lint_rules)],
            )
        )
    return out
