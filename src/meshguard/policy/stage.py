"""The policy stage for the pipeline: input document → engine → checks and findings.

``PolicyStage.open(config, run)`` (a :class:`PolicyContext`) loads the bundle and waivers once and
opens the engine; ``evaluate`` runs once per product; ``mesh_findings`` gives
the run-level findings (expired and stale waivers).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, TypeVar, cast

from meshguard.config import Config
from meshguard.contracts.model import Contract
from meshguard.policy.bundle import (
    PolicyBundle,
    compose,
    load_builtin,
    load_bundle,
    with_rule_settings,
)
from meshguard.policy.decide import DecisionMap
from meshguard.policy.decisionlog import DecisionLog, KeptLog, hashed_payload, input_hash
from meshguard.policy.engine import BatchingEngine, Decisions, PolicyEngine, open_engine
from meshguard.policy.input import build_input
from meshguard.policy.waivers import WaiverSet, WaiverUsage, load_waivers
from meshguard.results.model import Finding
from meshguard.stages import PolicyContext, PolicyOutcome, QualityOutcome, VersionInfo

#: what :meth:`PolicyStage.evaluate_many` takes per product
Product = tuple[Contract, QualityOutcome | None, VersionInfo | None]
T = TypeVar("T")
#: products per request to a batching engine: large enough that the request's fixed cost
#: (a round trip through a pipe, a wake-up of the engine's process) is spread thin
BATCH = 32


@dataclass
class _Batch(Generic[T]):
    """The products of one request to a batching engine, and (once submitted) their decisions."""

    tags: list[T] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    docs: list[dict[str, Any]] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    collect: Callable[[], list[Decisions]] = field(default=list)

    def add(
        self, tag: T, contract: Contract, doc: dict[str, Any], payload: bytes, digest: str, seconds: float
    ) -> None:
        self.tags.append(tag)
        self.contracts.append(contract)
        self.docs.append(doc)
        self.payloads.append(payload)
        self.digests.append(digest)
        self.seconds.append(seconds)

    def submit(self, engine: BatchingEngine, workers: int) -> _Batch[T]:
        self.collect = engine.submit(self.payloads, workers)
        self.payloads = []
        return self


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def policies_path(config: Config, run: PolicyContext) -> Path:
    path = run.policies or config.policies_path
    return path if path.is_absolute() else config.root / path


def load_policies(config: Config, run: PolicyContext, folder: Path | None = None) -> PolicyBundle:
    """The bundle a run evaluates: the built-in pack, the repo's folder composed on top of it
    (``folder``, else ``--policies``, else ``policies`` of meshguard.yaml), and the per-rule
    settings. The repo folder may be absent unless it was named."""
    path = folder or policies_path(config, run)
    named = folder is not None or run.policies is not None or config.policies.named
    repo = load_bundle(path, config.root) if named or path.exists() or not config.policies.builtin else None
    bundle = repo
    if config.policies.builtin:
        builtin = load_builtin()
        bundle = compose(builtin, repo) if repo is not None else builtin
    assert bundle is not None
    return with_rule_settings(bundle, config.policies.rules, config.source)


class PolicyStage:
    def __init__(self, bundle: PolicyBundle, engine: PolicyEngine, waivers: WaiverSet, run: PolicyContext):
        self.bundle = bundle
        self.engine = engine
        self.waivers = waivers
        self.run = run
        self.log: DecisionLog | None = None
        self.mapping = DecisionMap(bundle, waivers)
        self._reopen: Callable[[], PolicyEngine] | None = None
        self._parents: list[object] = []

    def forked_here(self) -> None:
        """This stage, copied into a forked child that checks part of the mesh: the child gets
        its own engine process (the parent's stays the parent's: never used or closed here), and
        its decision-log lines are kept (:attr:`kept`) for the parent to append after its own."""
        assert self._reopen is not None, "a stage made by PolicyStage.open"
        self._parents.append((self.engine, self.log))  # referenced: nothing of the parent's is finalised here
        self.engine = self._reopen()
        if self.log is not None:
            self.log = KeptLog(self.log.path)

    def kept(self) -> list[bytes]:
        """The decision-log lines a forked child kept (see :meth:`forked_here`)."""
        return self.log.lines if isinstance(self.log, KeptLog) else []

    def append_kept(self, lines: list[bytes]) -> None:
        """A forked child's decision-log lines, after this process's own."""
        if self.log is not None:
            for line in lines:
                self.log.put(line)

    @classmethod
    def open(cls, config: Config, run: PolicyContext) -> PolicyStage:
        bundle = load_policies(config, run)
        waivers = load_waivers(
            config.waivers_path, _display(config.waivers_path, config.root), run.now.date(), config.limits
        )
        kind = run.engine or config.engine.kind
        engine = open_engine(kind, bundle, config, run)
        stage = cls(bundle, engine, waivers, run)
        stage._reopen = partial(open_engine, kind, bundle, config, run)
        log = run.decision_log or (Path(config.decision_log) if config.decision_log else None)
        if log is not None:
            stage.log = DecisionLog(log if log.is_absolute() else config.root / log)
        return stage

    @property
    def bundle_hash(self) -> str:
        return self.bundle.hash

    @property
    def engine_name(self) -> str:
        return self.engine.name

    def __enter__(self) -> PolicyStage:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.engine.close()
        if self.log is not None:
            self.log.close()
            self.log = None

    def input_for(
        self, contract: Contract, quality: QualityOutcome | None, versions: VersionInfo | None
    ) -> dict[str, Any]:
        return build_input(contract, quality, versions, self.run)

    def evaluate(
        self,
        contract: Contract,
        quality: QualityOutcome | None = None,
        versions: VersionInfo | None = None,
    ) -> PolicyOutcome:
        doc = self.input_for(contract, quality, versions)
        t0 = time.perf_counter_ns()
        decisions = self.engine.evaluate(doc)
        return self._outcome(contract, doc, decisions, time.perf_counter_ns() - t0)

    def _outcome(
        self,
        contract: Contract,
        doc: dict[str, Any],
        decisions: Decisions,
        eval_ns: int,
        digest: str | None = None,
    ) -> PolicyOutcome:
        """The decisions of one product as checks and findings; its input hash (``digest``, when
        the caller has it already); its decision-log line."""
        digest = digest or input_hash(doc)
        decisions = self.mapping.expanded(decisions)
        if self.log is not None:
            self.log.write(
                run_id=self.run.run_id,
                timestamp=self.run.now.isoformat(timespec="seconds"),
                engine=self.engine_name,
                bundle_hash=self.bundle_hash,
                doc=doc,
                digest=digest,
                result=decisions.values,
                errors=decisions.errors,
                eval_ns=eval_ns,
            )
        outcome = self.decide(contract, decisions)
        outcome.input_hash = digest
        return outcome

    @property
    def batches(self) -> bool:
        """Whether the engine takes many products per request (:meth:`evaluate_tagged` batches them)."""
        return self.engine.capabilities.batches

    def evaluate_many(
        self, products: Iterable[Product], *, workers: int = 1, chunk: int = BATCH
    ) -> Iterator[PolicyOutcome]:
        """Outcomes for many products, in order (see :meth:`evaluate_tagged`)."""
        tagged = ((None, product) for product in products)
        return (outcome for _, outcome, _ in self.evaluate_tagged(tagged, workers=workers, chunk=chunk))

    def evaluate_tagged(
        self, items: Iterable[tuple[T, Product]], *, workers: int = 1, chunk: int = BATCH
    ) -> Iterator[tuple[T, PolicyOutcome, float]]:
        """``(tag, outcome, seconds)`` for many products, in order, with ``workers`` engine processes;
        ``seconds`` is the product's share of the stage's time (its input, its decisions' mapping,
        and its share of the wait for its batch).

        Engines that can (the embedded one) get the input documents in batches of ``chunk``,
        one request per batch instead of one per product; while they evaluate one batch this
        process pulls the next items (``items`` may be a generator doing the product's earlier
        stages), builds their inputs and turns the previous decisions into outcomes. Outcomes,
        input hashes and decision-log lines are the same as :meth:`evaluate` gives product by product.
        """
        if not self.engine.capabilities.batches:
            for tag, (contract, quality, versions) in items:
                t0 = time.perf_counter()
                outcome = self.evaluate(contract, quality, versions)
                yield tag, outcome, time.perf_counter() - t0
            return
        batching = cast(BatchingEngine, self.engine)
        source = iter(items)
        pending: _Batch[T] | None = None
        while True:
            batch: _Batch[T] = _Batch()
            for tag, (contract, quality, versions) in itertools.islice(source, chunk):
                t0 = time.perf_counter()
                doc = self.input_for(contract, quality, versions)
                digest, payload = hashed_payload(doc)
                batch.add(tag, contract, doc, payload, digest, time.perf_counter() - t0)
            ready: list[tuple[T, Contract, dict[str, Any], str, float, Decisions]] = []
            wait = 0.0
            if pending is not None:
                t0 = time.perf_counter()
                decided = pending.collect()
                wait = time.perf_counter() - t0
                ready = list(
                    zip(
                        pending.tags,
                        pending.contracts,
                        pending.docs,
                        pending.digests,
                        pending.seconds,
                        decided,
                        strict=True,
                    )
                )
            pending = batch.submit(batching, workers) if batch.tags else None
            share = wait / len(ready) if ready else 0.0
            for (
                tag,
                contract,
                doc,
                digest,
                seconds,
                decisions,
            ) in ready:  # the workers evaluate the next batch meanwhile
                t0 = time.perf_counter()
                outcome = self._outcome(contract, doc, decisions, int(share * 1e9), digest)
                yield tag, outcome, seconds + share + time.perf_counter() - t0
            if pending is None:
                return

    def decide(self, contract: Contract, decisions: Decisions) -> PolicyOutcome:
        """Turn raw engine decisions into one check per rule and one finding per violation."""
        return self.mapping.decide(contract, decisions)

    def blocks(self, key: str) -> bool:
        """Whether a violation of the decision rule ``key`` blocks the gate (see :class:`DecisionMap`)."""
        return self.mapping.blocks(key)

    def usage(self) -> WaiverUsage:
        """Which waivers matched and which products were seen (a worker hands this back)."""
        return self.waivers.usage()

    def absorb(self, usage: WaiverUsage) -> None:
        """Merge a worker's waiver usage, so the mesh-level waiver findings see every product."""
        self.waivers.absorb(usage)

    def mesh_findings(self) -> list[Finding]:
        return self.waivers.mesh_findings()
