"""A large mesh's products checked by two processes, each its half from lint to score.

Without data, a product's work is pure Python (its lint, versioning, policy input, the
decisions' mapping, its score) beside an engine process: one process carrying it all is
the run's critical path, with the second core half idle. Here a forked child takes the
second half of the loaded contracts (it has them, and the cross-contract lint context built
from all of them, through the fork: nothing is pickled on the way in) and checks them the
whole way, with an engine process of its own, while this process checks the first half;
the child sends back its scored products, what its waivers matched and its decision-log
lines, and this process puts them after its own. Same products, findings, scores, waiver
findings and decision-log lines, in the same order, as one process checking them all.

A child that fails raises its error here (an engine that stops is still exit 3); a child
that dies without an answer is an internal error (exit 4). The reports are written after
the check, so a failed half leaves no report.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from meshguard import progress
from meshguard.contracts.load import LoadedContract
from meshguard.contracts.repo import LintedContract
from meshguard.policy.stage import PolicyStage
from meshguard.policy.waivers import WaiverUsage
from meshguard.results.model import ProductResult

#: a mesh with fewer products than this is checked by one process (the hook, a small repo):
#: a forked child and its engine process cost more than half of their work
SPLIT_FROM = 400


class Checker(Protocol):
    """What a half needs of :class:`meshguard.pipeline.ProductChecker`."""

    policy: PolicyStage | None

    def check_all(self, products: Iterable[LintedContract]) -> Iterator[ProductResult]: ...

    def usage(self) -> WaiverUsage: ...

    def absorb(self, usage: WaiverUsage) -> None: ...


@dataclass
class Half:
    """What the child sends back: its products (checked and scored, in order), the waivers its
    policy stage matched and the products it saw, its decision-log lines."""

    products: list[ProductResult]
    usage: WaiverUsage
    decisions: list[bytes]


def pays(products: int, batches: bool) -> bool:
    """Whether to split: a large mesh, checked without worker processes (no data), its policy
    engine (if any) one that takes batches in its own process, and a platform that forks."""
    return products >= SPLIT_FROM and batches and hasattr(os, "fork")


def _died(code: int) -> RuntimeError:
    return RuntimeError(
        f"the product checker of the mesh's second half stopped before it finished (exit status {code})"
    )


def _checked(
    checker: Checker,
    part: Sequence[LoadedContract],
    lint: Callable[[LoadedContract], LintedContract],
    finish: Callable[[ProductResult], None],
) -> Iterator[ProductResult]:
    for product in checker.check_all(map(lint, part)):
        finish(product)
        yield product


def _second(
    checker: Checker,
    part: Sequence[LoadedContract],
    lint: Callable[[LoadedContract], LintedContract],
    finish: Callable[[ProductResult], None],
) -> Half:
    """The child's work: its half checked with its own engine process."""
    progress.listen(None)  # the parent's status line is the parent's
    policy = checker.policy
    if policy is not None:
        policy.forked_here()
    try:
        products = list(_checked(checker, part, lint, finish))
        return Half(products, checker.usage(), policy.kept() if policy is not None else [])
    finally:
        if policy is not None:
            policy.close()  # the child's engine only


def check(
    checker: Checker,
    loaded: Sequence[LoadedContract],
    lint: Callable[[LoadedContract], LintedContract],
    finish: Callable[[ProductResult], None],
) -> Iterator[ProductResult]:
    """Each of ``loaded`` linted (``lint``), checked and finished (``finish``: scored), in order:
    the first half here as it comes, the second half from a forked child once it is done."""
    from meshguard import forked  # only for a large mesh: the hook never forks

    half = (len(loaded) + 1) // 2
    pending = forked.start(partial(_second, checker, loaded[half:], lint, finish), _died)
    try:
        yield from _checked(checker, loaded[:half], lint, finish)
        got = pending.result()
    except BaseException:
        pending.cancel()
        raise
    checker.absorb(got.usage)
    if checker.policy is not None:
        checker.policy.append_kept(got.decisions)
    yield from got.products
