"""The policy stage for the pipeline: input document → engine → checks and findings.

``PolicyStage.open(config, run)`` (a :class:`PolicyContext`) loads the bundle and waivers once and
opens the engine; ``evaluate`` runs once per product; ``mesh_findings`` gives
the run-level findings (expired and stale waivers).
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, cast

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
from meshguard.policy.decisionlog import DecisionLog, input_hash
from meshguard.policy.engine import BatchingEngine, Decisions, PolicyEngine, open_engine
from meshguard.policy.input import build_input
from meshguard.policy.waivers import WaiverSet, WaiverUsage, load_waivers
from meshguard.results.model import Finding
from meshguard.stages import PolicyContext, PolicyOutcome, QualityOutcome, VersionInfo

#: what :meth:`PolicyStage.evaluate_many` takes per product
Product = tuple[Contract, QualityOutcome | None, VersionInfo | None]


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

    @classmethod
    def open(cls, config: Config, run: PolicyContext) -> PolicyStage:
        bundle = load_policies(config, run)
        waivers = load_waivers(
            config.waivers_path, _display(config.waivers_path, config.root), run.now.date(), config.limits
        )
        kind = run.engine or config.engine.kind
        engine = open_engine(kind, bundle, config, run)
        stage = cls(bundle, engine, waivers, run)
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
        digest = input_hash(doc)
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
                eval_ns=time.perf_counter_ns() - t0,
            )
        outcome = self.decide(contract, decisions)
        outcome.input_hash = digest
        return outcome

    def evaluate_many(
        self, products: Iterable[Product], *, workers: int = 1, chunk: int = 64
    ) -> Iterator[PolicyOutcome]:
        """Outcomes for many products, in order, with ``workers`` engine processes.

        Engines that can (the embedded one) get the input documents in batches;
        while they evaluate one batch this process builds the next inputs and
        turns the previous decisions into outcomes. Decisions are the same as
        :meth:`evaluate` gives product by product.
        """
        if not self.engine.capabilities.batches:
            for contract, quality, versions in products:
                yield self.evaluate(contract, quality, versions)
            return
        batching = cast(BatchingEngine, self.engine)
        items = iter(products)
        pending: tuple[list[Contract], Callable[[], list[Decisions]]] | None = None
        while True:
            batch: list[Contract] = []
            payloads: list[bytes] = []
            for contract, quality, versions in itertools.islice(items, chunk):
                batch.append(contract)
                payloads.append(json.dumps(self.input_for(contract, quality, versions)).encode())
            ready = list(zip(pending[0], pending[1](), strict=True)) if pending else []
            pending = (batch, batching.submit(payloads, workers)) if batch else None
            for contract, decisions in ready:  # the workers evaluate the next batch meanwhile
                yield self.decide(contract, decisions)
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
