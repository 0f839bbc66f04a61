"""discover → lint → diff → data → quality → policy → results.

One function, :func:`run`, turns a governance repo into a :class:`MeshResult`.
Each stage is a module of its own; this file only wires them in order.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from meshguard import gcpause, halves, progress
from meshguard.config import Config
from meshguard.contracts.model import Contract
from meshguard.contracts.products import product_result as _product
from meshguard.contracts.products import unreadable_finding as _unreadable
from meshguard.contracts.repo import LintedContract, lint_loaded, load_repo
from meshguard.contracts.repository import ContractRepository
from meshguard.detectors import configure as configure_detectors
from meshguard.policy.stage import PolicyStage, Product
from meshguard.policy.waivers import WaiverUsage
from meshguard.quality.mesh import related_mesh
from meshguard.results.model import Finding, MeshResult, ProductResult, Severity
from meshguard.results.scoring import ScoringRules, score_product, summarize
from meshguard.stages import (
    PolicyContext,
    PolicyOutcome,
    QualityContext,
    QualityOutcome,
    RunOptions,
    VersionInfo,
    VersioningContext,
)
from meshguard.version import __version__
from meshguard.versioning.stage import run_versioning

if TYPE_CHECKING:
    from meshguard.parallel import WorkerPool


def _policies_configured(config: Config, options: RunOptions) -> bool:
    """False only when nobody asked for policies and the default folder is absent:
    then the compliance dimension is not assessed (and the run says so), rather
    than every domain repo without central policies failing with exit 2."""
    named = options.policies is not None or config.policies.named
    return config.policies.builtin or named or config.policies_path.exists()


def _no_policies(config: Config) -> Finding:
    return Finding(
        rule_id="MG030",
        stage="policy",
        severity=Severity.INFO,
        status="info",
        message=f"no policies: the built-in pack is off and {config.policies.path}/ does not exist, "
        "compliance was not assessed",
        title="Policies present",
        remediation="turn the built-in pack back on (`policies: {builtin: true}`), add policies/, or point "
        "`policies:` in meshguard.yaml (or --policies) at the central ones",
    )


def _open_policy(
    config: Config, options: RunOptions, stages: StageContexts, mesh: MeshResult
) -> PolicyStage | None:
    """The run's policy stage (opened first, so the embedded engine's worker starts while the
    contracts are linted), or None: off, or no policies anywhere (then the run says so)."""
    if stages.policy is None:
        return None
    if not _policies_configured(config, options):
        mesh.findings.append(_no_policies(config))
        return None
    progress.step("", "loading policies")
    return PolicyStage.open(config, stages.policy)


def effective_jobs(jobs: int, products: int) -> int:
    """Worker processes to use: ``jobs`` (0 or less: one per core), never more than products."""
    if jobs <= 0:
        jobs = os.cpu_count() or 1
    return max(1, min(jobs, products))


def pool_pays(stages: StageContexts, policy: PolicyStage | None) -> bool:
    """Whether worker processes are worth their start: each costs about half a second of CPU
    (an interpreter, meshguard's imports; a second with polars and pandera). They pay when a
    product is real work: its data read and checked (milliseconds per product), or a policy
    engine called once per product (a remote server's round trips). Without data, with the
    embedded engine (it takes batches, in its own processes) or no policy, what is left per
    product (its lint findings, versioning) is a fraction of a millisecond: it runs here,
    whatever ``--jobs`` says (the results are the same either way)."""
    return stages.quality is not None or (policy is not None and not policy.batches)


@dataclass(frozen=True)
class StageContexts:
    """The run's options split once, one narrow context per stage (None: the stage is off)."""

    versioning: VersioningContext
    quality: QualityContext | None
    policy: PolicyContext | None

    @classmethod
    def of(cls, options: RunOptions) -> StageContexts:
        return cls(
            VersioningContext.of(options),
            QualityContext.of(options) if options.with_data else None,
            PolicyContext.of(options) if options.with_policy else None,
        )


#: a product checked up to the policy stage: its result so far, and the policy input's other parts
Handed = tuple[ProductResult, QualityOutcome | None, VersionInfo | None]
#: products whose data are checked together (``data.batch``): a worker's task at most
BATCH = 32


@dataclass
class ProductChecker:
    """Checks one product: lint findings → versioning → data + quality → policy.

    One per process: the serial loop's, or each worker's (see :mod:`meshguard.parallel`),
    where :meth:`prepare` opens the policy stage once, so the engine is compiled once
    per worker and never per product.
    """

    config: Config
    stages: StageContexts
    contracts: dict[str, Contract]
    older: dict[str, list[Path]]
    policy: PolicyStage | None = None
    with_policy: bool = False
    #: a worker's copy when the run's own policy stage takes batches: the worker stops before
    #: the policy stage and hands back what the policy input needs; the parent decides (its
    #: engine runs one process per job), so no worker opens an engine, and the results that
    #: cross back carry no policy checks
    policy_in_parent: bool = False

    @property
    def with_data(self) -> bool:
        return self.stages.quality is not None

    def prepare(self) -> None:
        if self.with_policy and self.policy is None and self.stages.policy is not None:
            self.policy = PolicyStage.open(self.config, self.stages.policy)

    def for_worker(self) -> ProductChecker:
        """A copy to ship to a worker process: no compiled engine (the worker opens its own).

        When this process's stage is open, the run's one-time engine set-up is done (the
        ``opa`` engine's policy push): the workers only connect, so the policies go up once
        per run, not once per worker."""
        stages = self.stages
        if self.policy is not None and stages.policy is not None:
            stages = replace(stages, policy=replace(stages.policy, push_policies=False))
        parent = self.policy is not None and self.policy.batches
        return replace(
            self,
            policy=None,
            stages=stages,
            with_policy=self.with_policy and not parent,
            policy_in_parent=parent,
        )

    def work(self, products: Sequence[LintedContract]) -> list[Handed]:
        """A worker's task: each product checked (see :attr:`policy_in_parent`), for :meth:`finish`."""
        if self.policy_in_parent:
            return [handed for _, handed in self._staged(products)]
        return [(product, None, None) for product in self.check_all(products)]

    def finish(
        self, products: Sequence[LintedContract], handed: Iterable[Handed], jobs: int
    ) -> Iterator[ProductResult]:
        """The parent's side of :meth:`work` (``handed``: the workers' items, in the order of
        ``products``): the policy stage, when the workers left it to this process, with ``jobs``
        engine processes."""
        policy = self.policy
        if policy is None or not policy.batches:  # the workers checked everything
            yield from (product for product, _, _ in handed)
            return

        def staged() -> Iterator[tuple[ProductResult, Product]]:
            for lc, (product, quality, versions) in zip(products, handed, strict=True):
                progress.step(lc.contract.id, "policy")
                yield product, (lc.contract, quality, versions)

        yield from self._decided(policy.evaluate_tagged(staged(), workers=jobs))

    def usage(self) -> WaiverUsage:
        if self.policy is None:
            return frozenset(), frozenset()
        return self.policy.usage()

    def absorb(self, usage: WaiverUsage) -> None:
        """Merge what a worker's policy stage saw into this one (for the mesh-level waiver findings)."""
        if self.policy is not None:
            self.policy.absorb(usage)

    def check(self, lc: LintedContract, handed: Handed | None = None) -> ProductResult:
        """One product checked (``handed``: its stages before policy, already run)."""
        product, quality, versions = handed or self._before_policy(lc)
        if self.policy is not None:
            t0 = time.perf_counter()
            progress.step(lc.contract.id, "policy")
            with gcpause.resumed():  # an engine called product by product: third-party code (HTTP, OPA)
                decided = self.policy.evaluate(lc.contract, quality, versions)
            self._attach(product, decided, time.perf_counter() - t0)
        progress.step(lc.contract.id, "done")
        return product

    def check_all(self, products: Iterable[LintedContract]) -> Iterator[ProductResult]:
        """:meth:`check` of each product, in order; an engine that takes batches gets the
        products' policy inputs a batch per request, while this process carries on with the
        next products' earlier stages (same results as :meth:`check`, fewer round trips)."""
        policy = self.policy
        if policy is None or not policy.batches:
            yield from (self.check(lc, handed) for lc, handed in self._staged(products))
            return

        def staged() -> Iterator[tuple[ProductResult, Product]]:
            for lc, (product, quality, versions) in self._staged(products):
                progress.step(lc.contract.id, "policy")
                yield product, (lc.contract, quality, versions)

        yield from self._decided(policy.evaluate_tagged(staged()))

    def _decided(
        self, outcomes: Iterable[tuple[ProductResult, PolicyOutcome, float]]
    ) -> Iterator[ProductResult]:
        for product, decided, seconds in outcomes:
            self._attach(product, decided, seconds)
            progress.step(product.id, "done")
            yield product

    def _attach(self, product: ProductResult, decided: PolicyOutcome, seconds: float) -> None:
        product.checks.extend(decided.checks)
        product.findings.extend(decided.findings)
        product.waivers.extend(dict.fromkeys(f.waiver for f in decided.findings if f.waiver))
        product.input_hash = decided.input_hash
        product.timings["policy"] = seconds

    def _staged(self, products: Iterable[LintedContract]) -> Iterator[tuple[LintedContract, Handed]]:
        """Each product with :meth:`_before_policy`'s answer, in order. With ``data.batch`` the
        products' data are checked :data:`BATCH` at a time (meshguard.quality.batch): each
        product's lint findings and versioning first, then the batch's data and quality stage."""
        quality = self.stages.quality
        if quality is None or not self.config.data.batch:
            yield from ((lc, self._before_policy(lc)) for lc in products)
            return
        from meshguard.quality.stage import run_qualities  # polars, pandera: only with data

        it = iter(products)
        while chunk := list(islice(it, BATCH)):
            early = [self._before_data(lc) for lc in chunk]
            configure_detectors(self.config.data.pii_min_fraction)
            contracts = [lc.contract for lc in chunk]
            outcomes = run_qualities(contracts, self.config, quality, self.contracts)
            # one product at a time, as alone: each is handed on (policy, progress) before the
            # next one's data are checked, so a table checked alone (a database's) is read
            # after the products before it were reported; the batch's shared read and profile
            # are timed with the first product's
            for lc, (product, versions) in zip(chunk, early, strict=True):
                t0 = time.perf_counter()
                # UnavailableError (exit 3) propagates; third-party code: the collector on
                with gcpause.resumed():
                    outcome = next(outcomes)
                _with_quality(product, outcome, time.perf_counter() - t0)
                yield lc, (product, outcome, versions)

    def _before_policy(self, lc: LintedContract) -> Handed:
        """The product's lint findings, versioning, data and quality: everything before policy."""
        product, versions = self._before_data(lc)
        quality = None
        if self.stages.quality is not None:
            from meshguard.quality.stage import run_quality  # polars, pandera: only with data

            t0 = time.perf_counter()
            # UnavailableError (exit 3) propagates; third-party code: the cycle collector on
            with gcpause.resumed():
                quality = run_quality(lc.contract, self.config, self.stages.quality, self.contracts)
            _with_quality(product, quality, time.perf_counter() - t0)
        return product, quality, versions

    def _before_data(self, lc: LintedContract) -> tuple[ProductResult, VersionInfo]:
        """The product's lint findings and versioning."""
        config, stages = self.config, self.stages
        configure_detectors(config.data.pii_min_fraction)  # here: pool workers run this too
        t0 = time.perf_counter()
        product = _product(lc)
        product.timings["lint"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        progress.step(lc.contract.id, "versioning")
        older = self.older.get(lc.contract.path, [])
        versions = run_versioning(lc.contract, config, stages.versioning, older)
        product.changes = list(versions.changes)
        product.findings.extend(versions.findings)
        product.previous_version = versions.previous_version
        product.timings["versioning"] = time.perf_counter() - t0
        return product, versions


def _with_quality(product: ProductResult, quality: QualityOutcome, seconds: float) -> None:
    """``product`` with what its data and quality stage found (in ``seconds``)."""
    product.checks.extend(quality.checks)
    product.data_source, product.rows, product.sampled = quality.source, quality.rows, quality.sampled
    product.freshness = (quality.data or {}).get("freshness")
    product.errors.extend(quality.errors)
    product.timings["quality"] = seconds


def _check_here(
    checker: ProductChecker,
    paths: Sequence[Path],
    repository: ContractRepository,
    pool: WorkerPool | None,
    finish: Callable[[ProductResult], None],
) -> halves.Checked:
    """The contracts named by ``paths`` loaded, linted, checked (by ``pool``'s workers, if any)
    and finished (``finish``: scored), in order, by this process."""
    config = checker.config
    repo, loaded, lint_ctx = load_repo(paths, config, repository=repository)
    checker.older.update(repo.older)
    repo.contracts.extend(lint_loaded(lc, lint_ctx, config) for lc in loaded)
    if checker.with_data:  # the mesh a relationship may point into, shipped to every worker
        checker.contracts = related_mesh(config, [lc.contract for lc in repo.contracts], repository)
    products = pool.check(checker, repo.contracts) if pool is not None else checker.check_all(repo.contracts)
    return halves.Checked(halves.finished(products, finish), repo.unreadable, len(loaded))


def _start_pool(jobs: int, stages: StageContexts, options: RunOptions) -> WorkerPool | None:
    """``jobs`` workers (None for one: the products are checked here), importing what the run needs."""
    if jobs <= 1:
        return None
    from meshguard.parallel import WorkerPool
    from meshguard.quality.warm import warm

    return WorkerPool.start(jobs, options.steps, warm if stages.quality is not None else None)


@gcpause.paused()  # the run's objects live until it ends: see meshguard.gcpause
def run(
    config: Config,
    paths: Sequence[Path],
    options: RunOptions,
    repository: ContractRepository | None = None,
) -> MeshResult:
    """The whole pipeline over the contracts named by ``paths``, read through ``repository``
    (one per run: a command that already looked contracts up passes its own)."""
    started = time.perf_counter()
    mesh = MeshResult(
        run_id=uuid.uuid4().hex,
        timestamp=options.now.isoformat(timespec="seconds"),
        meshguard_version=__version__,
        engine=options.engine or config.engine.kind,
        mode=options.mode,
    )
    # split once; the run's id goes with them: the decision log links decisions to the run
    stages = StageContexts.of(replace(options, run_id=mesh.run_id))
    rules = ScoringRules.from_config(config)
    with progress.listening(options.steps):
        policy = _open_policy(config, options, stages, mesh)
        pool = None
        checked: halves.Checked | None = None
        try:
            repository = repository or ContractRepository(config)
            count = repository.count(paths)
            workers = effective_jobs(options.jobs, count)
            jobs = workers if options.with_data else options.jobs
            batches = policy is None or policy.batches
            split = halves.pays(count, jobs=jobs, with_data=options.with_data, batches=batches)
            if options.jobs != 1 and not split and pool_pays(stages, policy):
                # started before the lint: the workers' imports overlap it
                pool = _start_pool(workers, stages, options)
            progress.step("", "linting contracts")
            # a product is scored as it comes (its score is its own): while the policy engine's
            # process evaluates the next batch, not in a serial pass afterwards
            scored = partial(score_product, rules=rules)
            checker = ProductChecker(config, stages, {}, {}, policy, with_policy=policy is not None)
            if split:
                # the second half loaded, linted, checked (data included) and scored by a forked
                # child meanwhile: no worker pool, nothing pickled but the child's results
                checked = halves.check_repo(checker, config, paths, repository, scored)
            else:
                checked = _check_here(checker, paths, repository, pool, scored)
            mesh.findings.extend(_unreadable(e) for e in checked.unreadable)
            total = checked.count
            progress.step("", "products", total=total)
            for product in checked.products:  # in repo order, whatever the number of jobs
                mesh.products.append(product)
                if options.progress is not None:
                    options.progress(len(mesh.products), total)
            repository.remember()  # what the lint learnt about the repo's files, for the next run
        finally:
            if checked is not None:
                checked.stop()
            if pool is not None:
                pool.close()
            if policy is not None:
                policy.close()
    if policy is not None:
        mesh.findings.extend(policy.mesh_findings())
        mesh.policy_bundle_hash, mesh.engine = policy.bundle_hash, policy.engine_name
    mesh.summary["elapsed_s"] = round(time.perf_counter() - started, 3)
    summarize(mesh, rules)  # the mesh's summaries (score_mesh without the products, scored above)
    return mesh
