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
    pack_of,
    with_rule_settings,
)
from meshguard.policy.decisionlog import DecisionLog, input_hash
from meshguard.policy.engine import BatchingEngine, Decisions, PolicyEngine, open_engine
from meshguard.policy.input import build_input
from meshguard.policy.metadata import RuleInfo, decision_kind
from meshguard.policy.waivers import WaiverSet, WaiverUsage, load_waivers
from meshguard.results.model import CheckResult, Finding, Location, Severity, Stage, Status, Waiver
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


def _normalise(raw: Any) -> dict[str, Any]:
    """A finding is a string or an object ``{msg, field?, pointer?, …}``."""
    if isinstance(raw, str):
        return {"msg": raw}
    if isinstance(raw, dict):
        out = dict(raw)
        msg = out.get("msg", out.get("message"))
        out["msg"] = msg if isinstance(msg, str) else json.dumps(raw, sort_keys=True)
        return out
    return {"msg": json.dumps(raw, sort_keys=True)}


def _pointer_tuple(pointer: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for raw in pointer.strip("/").split("/") if pointer.strip("/") else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(part) if part.isdigit() else part)
    return tuple(parts)


def _unknown_rule(key: str) -> RuleInfo:
    package, _, name = key.rpartition(".")
    return RuleInfo(package, name, "", 0, None, None, {})


class PolicyStage:
    def __init__(self, bundle: PolicyBundle, engine: PolicyEngine, waivers: WaiverSet, run: PolicyContext):
        self.bundle = bundle
        self.engine = engine
        self.waivers = waivers
        self.run = run
        self.log: DecisionLog | None = None
        # per-rule constants, computed once (decide() runs for every product)
        self._rules = {f"{r.package}.{r.name}": r for r in bundle.rules}
        self._static: dict[str, tuple[RuleInfo, str, dict[str, Any]]] = {}
        #: per rule: its article and its scope (``applies_to`` sensitivity categories), from METADATA
        self._scope: dict[str, dict[str, Any]] = {}

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
        self.waivers.products_seen.add(contract.id)
        keys = (self._rules.keys() | decisions.values.keys() | decisions.errors.keys()) - self.bundle.disabled
        outcome = PolicyOutcome()
        for key in sorted(keys):
            rule, severity, common = self._rule_static(key)
            if key in decisions.errors:
                outcome.checks.append(
                    CheckResult(
                        id=rule.id,
                        name=rule.title or key,
                        stage=Stage.POLICY,
                        status=Status.ERRORED,
                        severity=severity,
                        dimension="compliance",
                        message=decisions.errors[key],
                        details={"rule": key, "pack": pack_of(rule.path), **self._scope[key]},
                        **common,
                    )
                )
                continue
            findings = [
                self._finding(contract, rule, severity, _normalise(raw), common)
                for raw in decisions.values.get(key, [])
            ]
            findings.sort(key=lambda f: (f.field or "", f.message))
            outcome.findings.extend(findings)
            open_ = [f for f in findings if f.status != Status.WAIVED]
            if not findings:
                status, message = Status.PASSED, ""
            elif not open_:
                status, message = Status.WAIVED, f"{len(findings)} finding(s), all waived"
            else:
                status = Status.FAILED if severity == Severity.ERROR else Status.WARNED
                message = open_[0].message + (f" (and {len(open_) - 1} more)" if len(open_) > 1 else "")
            outcome.checks.append(
                CheckResult(
                    id=rule.id,
                    name=rule.title or key,
                    stage=Stage.POLICY,
                    status=status,
                    severity=severity,
                    dimension="compliance",
                    message=message,
                    details={
                        "rule": key,
                        "pack": pack_of(rule.path),
                        "findings": len(findings),
                        "waived": len(findings) - len(open_),
                        **self._scope[key],
                    },
                    **common,
                )
            )
        return outcome

    def blocks(self, key: str) -> bool:
        """Whether a violation of the decision rule ``key`` ("meshguard.pkg.rule") blocks the gate:
        the same severity the findings of :meth:`decide` get (rule kind, then METADATA)."""
        return self._rule_static(key)[1] == Severity.ERROR

    def _rule_static(self, key: str) -> tuple[RuleInfo, str, dict[str, Any]]:
        static = self._static.get(key)
        if static is None:
            rule = self._rules.get(key) or _unknown_rule(key)
            severity = Severity.WARNING if decision_kind(rule.name) == "warning" else rule.severity
            common: dict[str, Any] = {
                "title": rule.title,
                "description": rule.description,
                "regulation": rule.regulation,
                "remediation": rule.remediation,
            }
            scope: dict[str, Any] = {}
            if rule.custom.get("article"):
                scope["article"] = str(rule.custom["article"])
            applies = rule.custom.get("applies_to")
            if isinstance(applies, (list, str)) and applies:
                scope["applies_to"] = sorted(
                    {applies} if isinstance(applies, str) else set(map(str, applies))
                )
            self._scope[key] = scope
            static = self._static[key] = (rule, severity, common)
        return static

    def _finding(
        self, contract: Contract, rule: RuleInfo, severity: str, item: dict[str, Any], common: dict[str, Any]
    ) -> Finding:
        field_ = item.get("field") if isinstance(item.get("field"), str) else None
        location = Location(contract.path)
        pointer: tuple[str | int, ...] | None = None
        if field_:
            schema, _, path = field_.partition(".")
            prop = contract.find_property(schema, path) if path else None
            if prop is None:
                prop = next((p for p in contract.properties if field_ in (p.path, p.name)), None)
            if prop is not None:
                pointer = prop.pointer
        if pointer is None and isinstance(item.get("pointer"), str):
            pointer = _pointer_tuple(item["pointer"])
        if pointer is None and field_:
            pointer = ("schema",)  # a column the contract does not declare belongs in its schema
        if pointer is not None:
            pos = contract.lines.locate(pointer)
            ptr = "".join(f"/{p}" for p in pointer)
            location = Location(contract.path, pos[0] if pos else None, pos[1] if pos else None, ptr)
        ids = (rule.id, f"{rule.package}.{rule.name}")
        waiver: Waiver | None = self.waivers.match(ids, contract.id, field_)
        if waiver is not None:
            status = Status.WAIVED
        else:
            status = Status.FAILED if severity == Severity.ERROR else Status.WARNED
        details = {k: v for k, v in item.items() if k not in ("msg", "field", "pointer", "message")}
        details["rule"] = f"{rule.package}.{rule.name}"
        details["pack"] = pack_of(rule.path)
        if rule.custom.get("article"):
            details.setdefault("article", str(rule.custom["article"]))
        return Finding(
            rule_id=rule.id,
            stage=Stage.POLICY,
            severity=severity,
            message=item["msg"],
            status=status,
            location=location,
            field=field_,
            waiver=waiver,
            details=details,
            **common,
        )

    def usage(self) -> WaiverUsage:
        """Which waivers matched and which products were seen (a worker hands this back)."""
        return self.waivers.usage()

    def absorb(self, usage: WaiverUsage) -> None:
        """Merge a worker's waiver usage, so the mesh-level waiver findings see every product."""
        self.waivers.absorb(usage)

    def mesh_findings(self) -> list[Finding]:
        return self.waivers.mesh_findings()
