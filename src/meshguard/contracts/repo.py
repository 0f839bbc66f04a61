"""Load every contract of a governance repo (or the files named), through its repository, and lint them together."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from meshguard.config import Config
from meshguard.contracts.lint import LintContext, lint_contract
from meshguard.contracts.load import LoadedContract, display_path
from meshguard.contracts.model import Contract
from meshguard.contracts.repo_index import LazyRepoContext
from meshguard.contracts.repository import ContractRepository
from meshguard.errors import ContractError
from meshguard.results.model import Finding, Severity


@dataclass
class LintedContract:
    """A contract and the lint findings on it."""

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
    """The contracts of a lint run, the files that could not be read, and older versions."""

    contracts: list[LintedContract] = field(default_factory=list)
    unreadable: list[ContractError] = field(default_factory=list)
    #: contract path (as shown) → older side-by-side versions of it, newest first
    older: dict[str, list[Path]] = field(default_factory=dict)
    #: where the contracts were read: the rest of the run asks it, not the disk
    repository: ContractRepository | None = field(default=None, repr=False, compare=False)

    @property
    def error_count(self) -> int:
        return sum(c.errors for c in self.contracts)

    @property
    def warning_count(self) -> int:
        return sum(c.warnings for c in self.contracts)


def load_all(
    paths: Sequence[Path],
    config: Config,
    older: dict[str, list[Path]] | None = None,
    repository: ContractRepository | None = None,
) -> tuple[list[LoadedContract], list[ContractError]]:
    """Load the current contracts named by ``paths``; older side-by-side versions
    are left out and, when ``older`` is given, recorded there."""
    repository = repository or ContractRepository(config)
    loaded, errors, found = repository.load_current(paths)
    if older is not None:
        older.update(found)
    return loaded, errors


def names_whole_repo(config: Config, paths: Sequence[Path]) -> bool:
    """Whether ``paths`` name the whole contracts folder (or there is none): then the named
    contracts are every contract the cross-contract rules may read."""
    repo_dir = config.contracts_path
    return not repo_dir.is_dir() or all(p.resolve() == repo_dir.resolve() for p in paths)


def repo_context(
    config: Config,
    loaded: Sequence[LoadedContract],
    paths: Sequence[Path],
    repository: ContractRepository | None = None,
) -> LintContext:
    """Context for cross-contract rules: the named contracts plus the rest of the repo,
    read lazily (only what the rules ask for) when a few files are named."""
    repository = repository or ContractRepository(config)
    contracts = [lc.contract for lc in loaded]
    named = {Path(c.path).as_posix() for c in contracts}
    others: list[str] = []
    if not names_whole_repo(config, paths):
        named |= _as_listed(config, contracts)
        _, current, older = repository.listing()  # by name: no Path for each of 200 files
        named_files: set[Path] | None = None
        for f in current:
            if older.get(f):
                # an older side-by-side version named on its own is not a duplicate of its newest file
                named_files = named_files or {p.resolve() for p in paths}
                if any(Path(o).resolve() in named_files for o in older[f]):
                    continue
            if _shown(f, config.root) not in named:
                others.append(f)
    return LazyRepoContext(contracts, others, repository) if others else LintContext(contracts)


def _as_listed(config: Config, contracts: Sequence[Contract]) -> set[str]:
    """The named contracts as the contracts folder's listing shows them, where that differs:
    a contract shows its real path, the listing the folder's (``contracts`` a symbolic link, or
    under one, inside the repo). Without this, a contract reached through the link counts as
    another contract of the repo (MG020, "id used by more than one contract")."""
    folder = config.contracts_path
    real = folder.resolve()
    root = config.root.resolve()
    if real == root / config.contracts_dir:
        return set()
    out: set[str] = set()
    for c in contracts:
        try:
            rel = (root / c.path).relative_to(real)
        except ValueError:
            continue
        out.add(_shown(str(folder / rel), config.root))
    return out


def _shown(f: str, root: Path) -> str:
    """File ``f`` (as discovered: under the root's prefix) as a contract's path shows it."""
    prefix = str(root)
    if root.is_absolute() and os.path.isabs(f):  # discover() keeps the root prefix: no need to resolve
        prefix = prefix if prefix.endswith(os.sep) else prefix + os.sep
        if f.startswith(prefix):
            return f[len(prefix) :].replace(os.sep, "/")
    path = Path(f)
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return display_path(path, root)


def load_repo(
    paths: Sequence[Path],
    config: Config,
    *,
    with_repo_context: bool = True,
    repository: ContractRepository | None = None,
) -> tuple[RepoLint, list[LoadedContract], LintContext]:
    """The contracts named by ``paths`` loaded, not linted yet: a :class:`RepoLint` without
    contracts (the unreadable files, the older versions), the loaded contracts and the context
    the cross-contract rules read (built from all of them, so each may be linted apart, by
    :func:`lint_loaded`, in any process that has the context)."""
    repository = repository or ContractRepository(config)
    older: dict[str, list[Path]] = {}
    loaded, errors = load_all(paths, config, older, repository)
    ctx = (
        repo_context(config, loaded, paths, repository)
        if with_repo_context
        else LintContext([lc.contract for lc in loaded])
    )
    return RepoLint(unreadable=errors, older=older, repository=repository), loaded, ctx


def lint_loaded(lc: LoadedContract, ctx: LintContext, config: Config) -> LintedContract:
    """One loaded contract with its findings: the loader's and the lint rules' against ``ctx``."""
    return LintedContract(
        lc.contract, [*lc.findings, *lint_contract(lc.contract, ctx, severities=config.lint_rules)]
    )


def lint_repo(
    paths: Sequence[Path],
    config: Config,
    *,
    with_repo_context: bool = True,
    repository: ContractRepository | None = None,
) -> RepoLint:
    """Load and lint the contracts named by ``paths``, through ``repository`` (a new one by default)."""
    out, loaded, ctx = load_repo(paths, config, with_repo_context=with_repo_context, repository=repository)
    out.contracts.extend(lint_loaded(lc, ctx, config) for lc in loaded)
    if out.repository is not None:
        out.repository.remember()
    return out
