"""Every command's outcome as the one results model: a scored :class:`MeshResult`.

``check`` gets its MeshResult from the pipeline; ``lint``, ``test``, ``diff``,
``policy eval``, ``policy test`` and ``policy lint`` build theirs here from what they computed,
so that the same reporters render them (``--format``/``--output``) and the same
gate (:mod:`meshguard.results.gate`) decides their exit code. ``MeshResult.command``
tells the text reporter which view to print; the counts each view shows are put
in ``summary`` here (reporters never compute).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from meshguard.contracts.products import product_result, unreadable_finding
from meshguard.contracts.repo import LintedContract, RepoLint
from meshguard.results.model import (
    CheckResult,
    Finding,
    Location,
    MeshResult,
    ProductResult,
    Severity,
    Stage,
    Status,
)
from meshguard.results.scoring import ScoringRules, score_mesh
from meshguard.version import __version__

if TYPE_CHECKING:
    from meshguard.config import Config
    from meshguard.contracts.model import Contract
    from meshguard.policy.bundle import Module
    from meshguard.policy.portability import PortabilityWarning
    from meshguard.stages import PolicyOutcome, VersionInfo

#: the check statuses the ``test`` command counts in its summary line
TEST_STATUSES = ("passed", "failed", "errored", "unsupported", "warned", "info")
NO_POLICY_TESTS = "MG-POLICY-NO-TESTS"


def random_run_id() -> str:
    """``uuid.uuid4().hex``: 16 random bytes with the version (4) and variant bits set, as 32 hex
    digits; without importing ``uuid``, which imports ``platform`` (~5 M instructions of a
    ``meshguard lint``, whose only use of either is this id)."""
    n = int.from_bytes(os.urandom(16), "big")
    n = (n & ~(0xC000 << 48)) | (0x8000 << 48)  # the variant: RFC 4122
    n = (n & ~(0xF000 << 64)) | (4 << 76)  # the version: 4, random
    return f"{n:032x}"


def new_mesh(command: str, *, engine: str = "none", now: datetime | None = None) -> MeshResult:
    when = now or datetime.now(UTC)
    return MeshResult(
        run_id=random_run_id(),
        timestamp=when.isoformat(timespec="seconds"),
        meshguard_version=__version__,
        engine=engine,
        command=command,
    )


def scored(mesh: MeshResult, config: Config, extra: dict[str, Any] | None = None) -> MeshResult:
    """Score and summarize ``mesh`` as ``check`` does, then add the command's own counts."""
    score_mesh(mesh, ScoringRules.from_config(config))
    mesh.summary.update(extra or {})
    return mesh


def lint_outcome(result: RepoLint, config: Config) -> MeshResult:
    """``meshguard lint``: a product per contract with its lint findings; MG000 per unreadable file."""
    mesh = new_mesh("lint")
    mesh.findings = [unreadable_finding(e) for e in result.unreadable]
    mesh.products = [product_result(lc) for lc in result.contracts]
    return scored(
        mesh,
        config,
        {
            "contracts": len(result.contracts) + len(result.unreadable),
            "errors": result.error_count,
            "warnings": result.warning_count,
            "unreadable": len(result.unreadable),
        },
    )


def test_outcome(mesh: MeshResult) -> MeshResult:
    """``meshguard test``: the pipeline's result (lint + data), with its status counts."""
    mesh.command = "test"
    statuses = [str(c.status) for p in mesh.products for c in p.checks]
    mesh.summary.update({s: statuses.count(s) for s in TEST_STATUSES})
    mesh.summary["lint_errors"] = sum(
        1 for p in mesh.products for f in p.findings if f.severity == Severity.ERROR
    )
    return mesh


def diff_outcome(
    contract: Contract, info: VersionInfo, perspective: str, config: Config, *, mode: str = "ci"
) -> MeshResult:
    """``meshguard diff``: one product holding the classified changes and the semver findings."""
    mesh = new_mesh("diff")
    mesh.mode = mode
    product = product_result(LintedContract(contract, list(info.findings)))
    product.changes = list(info.changes)
    product.previous_version = info.previous_version
    mesh.products = [product]
    previous = (
        None if info.previous_path is None else {"path": info.previous_path, "version": info.previous_version}
    )
    return scored(mesh, config, {"perspective": perspective, "previous": previous})


def policy_eval_outcome(
    decided: Iterable[tuple[Contract, PolicyOutcome]],
    mesh_findings: Sequence[Finding],
    config: Config,
    *,
    engine: str,
    bundle_hash: str,
) -> MeshResult:
    """``meshguard policy eval PRODUCT…``: a product per contract with its policy checks and findings."""
    mesh = new_mesh("policy eval", engine=engine)
    mesh.policy_bundle_hash = bundle_hash
    for contract, outcome in decided:
        product = product_result(LintedContract(contract, list(outcome.findings)))
        product.checks = list(outcome.checks)
        product.waivers = list(dict.fromkeys(f.waiver for f in outcome.findings if f.waiver))
        product.input_hash = outcome.input_hash
        mesh.products.append(product)
    mesh.findings = list(mesh_findings)
    scored(mesh, config)
    # after scoring: rules outside a product's scope are not_applicable there, as in check
    mesh.summary["rules"] = {
        p.contract_path: {
            "total": len(p.checks),
            "passed": sum(1 for c in p.checks if c.status == Status.PASSED),
            "not_applicable": sum(1 for c in p.checks if c.status == Status.NOT_APPLICABLE),
        }
        for p in mesh.products
    }
    return mesh


@dataclass(frozen=True)
class Decision:
    """What one decision rule said about an input document (``policy eval --input``)."""

    key: str  # "meshguard.pkg.rule"
    id: str  # the rule's METADATA id, else the key
    title: str | None
    blocks: bool  # a violation of it fails the gate
    error: str | None = None
    values: tuple[Any, ...] = field(default_factory=tuple)


def _file_product(path: str, *, name: str | None = None) -> ProductResult:
    """A product that is a file, not a contract (a policy input document, a Rego module)."""
    return ProductResult(
        id=path,
        name=path if name is None else name,
        domain=None,
        owner=None,
        version="",
        status=None,
        contract_path=path,
    )


def _message(value: Any) -> str:
    return str(value.get("msg", value)) if isinstance(value, dict) else str(value)


def policy_input_outcome(
    source: str, decisions: Sequence[Decision], config: Config, *, engine: str, bundle_hash: str
) -> MeshResult:
    """``meshguard policy eval --input FILE``: one product (the document) with a check per rule."""
    mesh = new_mesh("policy eval", engine=engine)
    mesh.policy_bundle_hash = bundle_hash
    product = _file_product(source)
    for d in decisions:
        severity = Severity.ERROR if d.blocks else Severity.WARNING
        if d.error is not None:
            status = Status.ERRORED
        elif d.values:
            status = Status.FAILED if d.blocks else Status.WARNED
        else:
            status = Status.PASSED
        product.checks.append(
            CheckResult(
                id=d.id,
                name=d.key,
                stage=Stage.POLICY,
                status=status,
                severity=Severity.ERROR if d.error is not None else severity,
                message=d.error or "",
                title=d.title,
                details={"rule": d.key},
            )
        )
        for value in d.values:
            product.findings.append(
                Finding(
                    rule_id=d.id,
                    stage=Stage.POLICY,
                    severity=severity,
                    message=_message(value),
                    status=Status.FAILED,
                    title=d.title,
                    location=Location(source),
                    details={"rule": d.key, "value": value},
                )
            )
    mesh.products = [product]
    return scored(mesh, config, {"input": source})


def policy_test_outcome(tests: Sequence[Any], config: Config, *, builtin: int) -> MeshResult:
    """``meshguard policy test``: a product per test file, a check per ``test_*`` rule.

    ``tests`` are :class:`meshguard.policy.testing.TestResult`; no test at all is a blocking
    mesh-level finding (a policy folder whose tests were never found must not pass)."""
    mesh = new_mesh("policy test", engine="embedded")
    by_file: dict[str, ProductResult] = {}
    for t in tests:
        product = by_file.get(t.path)
        if product is None:
            product = by_file[t.path] = _file_product(t.path, name=t.package)
        product.checks.append(
            CheckResult(
                id=t.id,
                name=t.name,
                stage=Stage.POLICY,
                status=t.status,
                message=t.message,
                location=Location(t.path, t.line),
                details={"seconds": round(t.seconds, 6)},
            )
        )
    mesh.products = list(by_file.values())
    if not tests:
        mesh.findings.append(
            Finding(
                rule_id=NO_POLICY_TESTS,
                stage=Stage.POLICY,
                severity=Severity.ERROR,
                message="no test_* rules found",
            )
        )
    statuses = [t.status for t in tests]
    counts = {s: statuses.count(s) for s in ("passed", "failed", "errored")}
    return scored(mesh, config, {"tests": {"total": len(tests), **counts, "builtin": builtin}})


def policy_lint_outcome(
    modules: Sequence[Module], warnings: Sequence[PortabilityWarning], config: Config
) -> MeshResult:
    """``meshguard policy lint``: a product per Rego file, a warning finding per portability warning
    (``PORT001``…) at its file and line."""
    mesh = new_mesh("policy lint")
    by_file = {m.path: _file_product(m.path) for m in modules}
    for w in warnings:
        by_file[w.path].findings.append(
            Finding(
                rule_id=w.rule_id,
                stage=Stage.POLICY,
                severity=Severity.WARNING,
                message=w.message,
                status=Status.WARNED,
                location=Location(w.path, w.line),
            )
        )
    mesh.products = list(by_file.values())
    return scored(mesh, config, {"modules": len(modules), "warnings": len(warnings)})
