"""discover → lint → diff → data → quality → policy → results.

One function, :func:`run`, turns a governance repo into a :class:`MeshResult`.
Each stage is a module of its own; this file only wires them in order.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from meshguard import __version__
from meshguard.config import Config
from meshguard.contracts.repo import LintedContract, lint_repo
from meshguard.errors import ContractError
from meshguard.policy.stage import PolicyStage
from meshguard.report.model import Finding, Location, MeshResult, ProductResult, Severity
from meshguard.report.scoring import ScoringRules, score_mesh
from meshguard.stages import RunOptions


def _product(lc: LintedContract) -> ProductResult:
    c = lc.contract
    return ProductResult(
        id=c.id,
        name=c.name,
        domain=c.domain,
        owner=c.owner,
        version=c.version,
        status=c.status,
        contract_path=c.path,
        findings=list(lc.findings),
        support=[dict(s) for s in c.support],
    )


def _unreadable(err: ContractError) -> Finding:
    return Finding(
        rule_id="MG000",
        stage="lint",
        severity=Severity.ERROR,
        message=err.message,
        location=Location(err.path or "?", err.line, err.column),
        title="Readable ODCS contract",
    )


def run(config: Config, paths: Sequence[Path], options: RunOptions) -> MeshResult:
    started = time.perf_counter()
    mesh = MeshResult(
        run_id=uuid.uuid4().hex,
        timestamp=options.now.isoformat(timespec="seconds"),
        meshguard_version=__version__,
        engine=options.engine or config.engine.kind,
        mode=options.mode,
    )
    repo = lint_repo(paths, config)
    mesh.findings.extend(_unreadable(e) for e in repo.unreadable)
    policy = PolicyStage.open(config, options) if options.with_policy else None
    for lc in repo.contracts:
        t0 = time.perf_counter()
        product = _product(lc)
        product.timings["lint"] = time.perf_counter() - t0
        # versioning stage (issue 6), data + quality stage (issue 3), policy stage (issue 4)
        # and scoring (issue 5) plug in here, in that order.
        if policy is not None:
            t0 = time.perf_counter()
            decided = policy.evaluate(lc.contract, None, None)  # quality, versions: from their stages
            product.checks.extend(decided.checks)
            product.findings.extend(decided.findings)
            product.waivers.extend(dict.fromkeys(f.waiver for f in decided.findings if f.waiver))
            product.timings["policy"] = time.perf_counter() - t0
        mesh.products.append(product)
        if options.progress is not None:
            options.progress(len(mesh.products), len(repo.contracts))
    if policy is not None:
        policy.close()
        mesh.findings.extend(policy.mesh_findings())
        mesh.policy_bundle_hash, mesh.engine = policy.bundle_hash, policy.engine_name
    mesh.summary["elapsed_s"] = round(time.perf_counter() - started, 3)
    score_mesh(mesh, ScoringRules.from_config(config))  # results: scores, verdicts, summaries
    return mesh
