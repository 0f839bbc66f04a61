"""The policy engine protocol and its registry.

An engine takes the policy input document of one data product and returns the
raw decisions of every ``deny``/``warn``/``violation`` rule under
``data.meshguard``. A new engine is one module implementing
:class:`PolicyEngine` plus one line in :data:`ENGINES`, or a plugin's
``meshguard.engines`` entry point (:mod:`meshguard.plugins`). What an engine
can do beyond :meth:`PolicyEngine.evaluate` it declares in
:attr:`PolicyEngine.capabilities`; nothing is probed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from meshguard import plugins
from meshguard.errors import UsageError
from meshguard.policy.tree import ROOT as ROOT
from meshguard.policy.tree import flatten_tree as flatten_tree
from meshguard.policy.tree import per_rule

if TYPE_CHECKING:
    from meshguard.config import Config
    from meshguard.policy.bundle import PolicyBundle
    from meshguard.stages import PolicyContext


@dataclass
class Decisions:
    """Raw decisions for one product: ``"pkg.rule"`` → findings, and rules that errored;
    ``failed``: why the engine could not evaluate the product at all (every rule errors)."""

    values: dict[str, list[Any]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    failed: str | None = None


def decide_per_rule(
    rules: Iterable[str], query: Callable[[str], Any], summarise: Callable[[str], str]
) -> Decisions:
    """Each rule queried on its own (after the whole tree failed): a rule that errors or is
    not a set of findings is recorded in ``errors`` with ``summarise``'s line, the others decide."""
    values, errors = per_rule(rules, query, summarise)
    return Decisions(values=values, errors=errors)


@dataclass(frozen=True)
class EngineCapabilities:
    """What an engine declares it can do beyond evaluating one document."""

    #: :meth:`BatchingEngine.submit`: many input documents (JSON bytes) evaluated at once,
    #: across ``workers`` processes, while the caller prepares the next batch
    batches: bool = False


class PolicyEngine(Protocol):
    name: str
    capabilities: EngineCapabilities

    def evaluate(self, doc: dict[str, Any]) -> Decisions: ...

    def close(self) -> None: ...


class BatchingEngine(PolicyEngine, Protocol):
    """An engine declaring ``capabilities.batches``."""

    def submit(self, docs: list[bytes], workers: int = 1) -> Callable[[], list[Decisions]]:
        """Start evaluating ``docs``; the returned call waits for their decisions, in order."""
        ...


EngineFactory = Callable[["PolicyBundle", "Config", "PolicyContext"], PolicyEngine]

#: engine kind → "module:factory"
ENGINES: dict[str, str] = {
    "embedded": "meshguard.policy.embedded:open_embedded",
    "opa": "meshguard.policy.opa:open_opa",
    "opa-inprocess": "meshguard.policy.opa_inprocess:open_opa_inprocess",
}


def engine_names() -> list[str]:
    """Every engine kind: the built-in ones, then the plugins'."""
    return list(plugins.registry(plugins.ENGINES, ENGINES))


def open_engine(kind: str, bundle: PolicyBundle, config: Config, run: PolicyContext) -> PolicyEngine:
    target = plugins.target(plugins.ENGINES, kind, ENGINES)
    if target is None:
        raise UsageError(f"unknown policy engine {kind!r} (known: {', '.join(engine_names())})")
    factory: EngineFactory = plugins.load(target, group=plugins.ENGINES, name=kind)
    return factory(bundle, config, run)
