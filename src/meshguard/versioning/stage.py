"""The versioning stage: previous version → classified changes → semver findings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from meshguard.config import Config
from meshguard.contracts.load import load_contract
from meshguard.contracts.model import Contract
from meshguard.contracts.versions import CONTRACT_SUFFIXES, semver_key, version_of_file
from meshguard.results.model import Finding, Location, Severity
from meshguard.stages import VersionInfo, VersioningContext
from meshguard.versioning.diff import diff_contracts
from meshguard.versioning.previous import PreviousVersion, find_previous
from meshguard.versioning.rules import SEMVER_RULES
from meshguard.versioning.semver import enforce


def compare(previous: PreviousVersion, contract: Contract, perspective: str) -> VersionInfo:
    """Changes and semver findings of ``contract`` against a previous version."""
    if previous.contract is None:
        spec = SEMVER_RULES["MGV006"]
        finding = Finding(
            rule_id="MGV006",
            stage="versioning",
            severity=Severity.WARNING,
            message=f"previous version {previous.display} is unreadable: {previous.error}",
            location=Location(contract.path, contract.line(("version",))),
            title=spec.title,
            details={"rule": spec.name, "previous_path": previous.display},
        )
        return VersionInfo(findings=[finding], previous_path=previous.display)
    # unchanged since the git base: the previous version is the contract itself
    same = previous.contract is contract
    changes = [] if same else diff_contracts(previous.contract, contract, perspective)
    return VersionInfo(
        changes=changes,
        findings=enforce(previous.version, contract, changes),
        previous=previous.doc,
        previous_version=previous.version or None,
        previous_path=previous.display,
    )


def run_versioning(
    contract: Contract, config: Config, ctx: VersioningContext, older: Sequence[Path]
) -> VersionInfo:
    """The pipeline's versioning stage for one contract (no previous version: no changes)."""
    if not ctx.enabled:
        return VersionInfo()
    previous = find_previous(
        contract,
        config,
        base_ref=ctx.base_ref,
        mode=ctx.mode,
        older=older,
        run=ctx,
    )
    if previous is None:
        return VersionInfo()
    return compare(previous, contract, ctx.perspective)


def side_by_side_previous(file: Path) -> list[Path]:
    """Older versions of ``file`` in its versioned folder, newest first (empty if not versioned)."""
    own = version_of_file(file)
    own_key = semver_key(own) if own else None
    if own_key is None or not file.parent.is_dir():
        return []
    siblings = []
    for f in file.parent.iterdir():
        v = version_of_file(f) if f.name.endswith(CONTRACT_SUFFIXES) and f.is_file() else None
        key = semver_key(v) if v else None
        if key is not None and key < own_key:
            siblings.append((key, f))
    return [f for _, f in sorted(siblings, reverse=True)]


def compare_files(old: Path, new: Path, config: Config, perspective: str) -> tuple[Contract, VersionInfo]:
    """``meshguard diff OLD NEW``: both files must load (else exit 2)."""
    before = load_contract(old, config.root, config.sensitivity, config.limits).contract
    after = load_contract(new, config.root, config.sensitivity, config.limits).contract
    previous = PreviousVersion(before.path, before)
    return after, compare(previous, after, perspective)


def compare_with_base(
    path: Path, config: Config, base: str | None, perspective: str, mode: str
) -> tuple[Contract, VersionInfo]:
    """``meshguard diff CONTRACT [--base REF]``: against git (or the side-by-side previous file)."""
    contract = load_contract(path, config.root, config.sensitivity, config.limits).contract
    previous = find_previous(
        contract, config, base_ref=base, mode=mode, older=side_by_side_previous(path), run=object()
    )
    if previous is None:
        return contract, VersionInfo()
    return contract, compare(previous, contract, perspective)
