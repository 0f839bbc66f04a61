"""The public Python API: what ``meshguard check``, ``lint`` and ``diff`` compute, as typed results.

For orchestrators (an Airflow, Dagster or Prefect task) and notebooks::

    import meshguard

    mesh = meshguard.check("path/to/governance-repo", options=meshguard.CheckOptions(with_data=False))
    if meshguard.gate(mesh) != 0:
        raise RuntimeError(mesh.summary)

Errors are :class:`meshguard.errors.MeshguardError` subclasses, each carrying the
exit code the command line would give (``exit_code``): bad input 2, an engine or
data source unavailable 3. The command line is a thin layer over these functions:
it parses options, calls them, renders through the reporter registry and applies
the same gate.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from meshguard.config import Config, load_config
from meshguard.contracts.model import Contract
from meshguard.contracts.repo import RepoLint, lint_repo
from meshguard.errors import UsageError
from meshguard.results.model import MeshResult, Severity
from meshguard.stages import RunOptions, VersionInfo

if TYPE_CHECKING:
    import subprocess

PathLike = str | os.PathLike[str]

#: what a run may be asked to do (mode, stages, engine, sampling, clock…): the typed options object
CheckOptions = RunOptions
#: the contracts read and linted: ``contracts`` (each with its findings) and ``unreadable``
LintResult = RepoLint


@dataclass(frozen=True)
class DiffResult:
    """The changes of a contract against its previous version, and the semver findings."""

    contract: Contract
    versions: VersionInfo
    perspective: str = "consumer"

    @property
    def breaking(self) -> bool:
        """True when a change needs a major version bump that the contract lacks."""
        return any(f.severity == Severity.ERROR for f in self.versions.findings)


def config_of(root: PathLike = ".", config_file: PathLike | None = None) -> Config:
    """The repo's configuration (``meshguard.yaml``, else ``[tool.meshguard]`` in pyproject.toml)."""
    return load_config(Path(root), Path(config_file) if config_file is not None else None)


def contract_paths(config: Config, paths: Sequence[PathLike]) -> list[Path]:
    """The paths named, or the repo's contracts folder."""
    return [Path(p) for p in paths] if paths else [config.contracts_path]


def git_commit(root: Path) -> str | None:
    """The commit checked out at ``root`` (recorded in the result), None outside git."""
    return _git_commit_of(_start_git_commit(root))


def _start_git_commit(root: Path) -> subprocess.Popen[str] | None:
    """``git rev-parse HEAD`` at ``root``, started (see :func:`_git_commit_of`)."""
    import subprocess

    try:
        return subprocess.Popen(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
    except OSError:
        return None


def _git_commit_of(proc: subprocess.Popen[str] | None) -> str | None:
    """What a started ``git rev-parse HEAD`` answered, None outside git (or after 10 s)."""
    import subprocess

    if proc is None:
        return None
    try:
        out, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None
    return out.strip() or None if proc.returncode == 0 else None


def check_config(config: Config, paths: Sequence[PathLike], options: RunOptions) -> MeshResult:
    """:func:`check` for a configuration already loaded, its central policies resolved."""
    from meshguard import pipeline

    # versioning asks git for the commit HEAD names (with the work tree) and its answer is
    # taken where it covers the repo's root (one git process fewer on every pre-commit hook).
    # Without versioning the commit is asked first and read last: git answers while the
    # pipeline runs.
    commit = None if options.with_versioning else _start_git_commit(config.root)
    try:
        mesh = pipeline.run(config, contract_paths(config, paths), options)
    except BaseException:
        if commit is not None:
            commit.kill()
            commit.communicate()
        raise
    if options.with_versioning:
        from meshguard.versioning.previous import known_head

        known, found = known_head(config.root, mesh.run_id)
        if not known:
            found = git_commit(config.root)
    else:
        found = _git_commit_of(commit)
    if mesh.git_commit is None:
        mesh.git_commit = found
    return mesh


def check(
    root: PathLike = ".",
    paths: Sequence[PathLike] = (),
    *,
    options: CheckOptions | None = None,
    config_file: PathLike | None = None,
) -> MeshResult:
    """Check every data product of the governance repo at ``root`` (or the contracts in ``paths``).

    discover → lint → versioning → data → quality → policy → scores and verdicts.
    The result is what ``meshguard check --format json`` prints (``to_dict()``);
    pass it to :func:`gate` for the exit code. Nothing is written: history and
    reports are the command line's business.
    """
    from meshguard.policy import remote

    options = options or CheckOptions()
    config = remote.resolve(config_of(root, config_file), options.policies)
    return check_config(config, paths, options)


def lint(
    root: PathLike = ".", paths: Sequence[PathLike] = (), *, config_file: PathLike | None = None
) -> LintResult:
    """Parse, schema-validate and lint the contracts of the repo at ``root`` (or those in ``paths``)."""
    return lint_config(config_of(root, config_file), paths)


def lint_config(config: Config, paths: Sequence[PathLike] = ()) -> LintResult:
    """:func:`lint` for a configuration already loaded."""
    return lint_repo(contract_paths(config, paths), config)


def diff(
    old: PathLike | None,
    new: PathLike,
    *,
    base: str | None = None,
    perspective: str = "consumer",
    root: PathLike = ".",
    config_file: PathLike | None = None,
    mode: str = "pre-commit",
) -> DiffResult:
    """Classify the changes from ``old`` to ``new`` (two contract files).

    With ``old=None``, ``new`` is compared with its previous version: the file
    beside it in a versioned folder, else git at ``base`` (default: HEAD in
    ``pre-commit`` mode, the merge-base with the default branch in ``ci`` mode).
    """
    from meshguard.versioning.stage import compare_files, compare_with_base

    if perspective not in ("consumer", "producer"):
        raise UsageError(f"unknown perspective {perspective!r} (known: consumer, producer)")
    from meshguard import realpaths

    realpaths.forget()  # the files' folders resolved as they are now
    config = config_of(root, config_file)
    files = [Path(new)] if old is None else [Path(old), Path(new)]
    for f in files:
        if not f.is_file():
            raise UsageError(f"no such file: {f.as_posix()}")
    if old is not None:
        if base:
            raise UsageError("give either OLD NEW or CONTRACT with a base ref, not both")
        contract, info = compare_files(files[0], files[1], config, perspective)
    else:
        contract, info = compare_with_base(files[0], config, base, perspective, mode)
    return DiffResult(contract, info, perspective)


def gate(mesh: MeshResult, fail_on: str | None = None, config: Config | None = None) -> int:
    """The exit code of a checked mesh: 0 passed, 1 failed (``fail_on``: error, warn or never)."""
    from meshguard.results.gate import exit_code

    return exit_code(mesh, fail_on or (config.fail_on if config is not None else "error"))
