"""Under ``--jobs N`` a batching engine decides in the run's own process: the workers stop
before the policy stage, the parent turns what they hand back into the same results.

In-process, on the example repo's contracts (no data), with the real embedded engine: the
worker's side (:meth:`ProductChecker.work`) and the parent's (:meth:`ProductChecker.finish`)
are called directly, as :mod:`meshguard.parallel` calls them in two processes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from conftest import PROJECT
from meshguard.config import load_config
from meshguard.contracts.repo import RepoLint, lint_repo
from meshguard.pipeline import ProductChecker, StageContexts
from meshguard.policy.engine import EngineCapabilities
from meshguard.policy.stage import PolicyStage
from meshguard.results.model import ProductResult
from meshguard.stages import RunOptions


def _stable(results: list[ProductResult]) -> str:
    docs = [r.to_dict() for r in results]
    for d in docs:
        d["timings"] = {}
    return json.dumps(docs, sort_keys=True, default=str)


@pytest.fixture(scope="module")
def run() -> Iterator[tuple[ProductChecker, RepoLint]]:
    config = load_config(PROJECT)
    stages = StageContexts.of(RunOptions(with_data=False))
    assert stages.policy is not None
    repo = lint_repo([config.contracts_path], config)
    with PolicyStage.open(config, stages.policy) as stage:
        yield ProductChecker(config, stages, {}, repo.older, stage, with_policy=True), repo


def test_workers_leave_a_batching_engine_to_the_parent(run: tuple[ProductChecker, RepoLint]) -> None:
    checker, repo = run
    products = repo.contracts
    assert len(products) >= 8
    serial = [checker.check(lc) for lc in products]
    assert any(c.stage == "policy" and c.status == "failed" for p in serial for c in p.checks)

    worker = checker.for_worker()
    assert worker.policy_in_parent and not worker.with_policy
    worker.prepare()
    assert worker.policy is None  # no engine opened in the worker
    handed: list[Any] = []
    for start in range(0, len(products), 3):  # tasks of 3 products, as the pool hands them out
        handed += worker.work(products[start : start + 3])
    assert all(not any(c.stage == "policy" for c in p.checks) for p, _, _ in handed)

    finished = list(checker.finish(products, handed, jobs=2))
    assert [p.contract_path for p in finished] == [p.contract_path for p in serial]
    assert _stable(finished) == _stable(serial)
    assert _stable(list(checker.check_all(products))) == _stable(serial)


def test_an_engine_without_batches_still_decides_in_the_workers(
    run: tuple[ProductChecker, RepoLint], monkeypatch: pytest.MonkeyPatch
) -> None:
    checker, repo = run
    assert checker.policy is not None
    monkeypatch.setattr(checker.policy.engine, "capabilities", EngineCapabilities(batches=False))
    worker = checker.for_worker()
    assert worker.with_policy and not worker.policy_in_parent
    worker = replace(worker, policy=checker.policy)  # the stage the worker would open itself
    products = repo.contracts[:4]
    handed = worker.work(products)
    assert all(any(c.stage == "policy" for c in p.checks) for p, _, _ in handed)
    assert _stable(list(checker.finish(products, handed, jobs=2))) == _stable(
        [checker.check(lc) for lc in products]
    )
