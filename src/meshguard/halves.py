"""A large mesh's products checked by two processes, each its half from loading to score.

Without data, a product's work is pure Python (its YAML, lint, versioning, policy input, the
decisions' mapping, its score) beside an engine process: one process carrying it all is
the run's critical path, with the second core half idle. Here a forked child loads the
second half of the contract files while this process loads the first; the two exchange an
outline of their contracts (ids, schema names and property paths: what the cross-contract
lint rules read, :class:`meshguard.contracts.lint.Outline`), and each lints, versions,
decides (the child with an engine process of its own) and scores its half. The child sends
back its scored products, its unreadable files, what its waivers matched and its
decision-log lines; this process puts them after its own. The contracts of the second half
never cross between the processes. Same products, findings, scores, waiver findings and
decision-log lines, in the same order, as one process checking them all.

When a lint rule may need other contracts whole (a relationship naming another contract's
file, a rule that is not meshguard's own) or when the files named are not the whole
contracts folder, the child sends back what it loaded instead and the run goes on as
before the outlines: the cross-contract context built here from every contract, then a
second child forked to check the second half (:func:`check`).

A child that fails raises its error here (an engine that stops is still exit 3); a child
that dies without an answer is an internal error (exit 4). The reports are written after
the check, so a failed half leaves no report.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import BinaryIO, Protocol

from meshguard import progress
from meshguard.config import Config
from meshguard.contracts import lint as lint_rules
from meshguard.contracts.lint import LintContext, Outline
from meshguard.contracts.load import LoadedContract
from meshguard.contracts.model import Contract
from meshguard.contracts.repo import LintedContract, lint_loaded, load_repo, names_whole_repo
from meshguard.contracts.repository import FORK_FROM, ContractRepository
from meshguard.errors import ContractError
from meshguard.policy.stage import PolicyStage
from meshguard.policy.waivers import WaiverUsage
from meshguard.quality.mesh import related_mesh
from meshguard.results.model import ProductResult

#: a mesh with fewer products than this is checked by one process (the hook, a small repo):
#: a forked child and its engine process cost more than half of their work. From the size
#: where the repository loads its files in two processes (``FORK_FROM``) the split costs no
#: more CPU than that loading child (measured at 200, 400 and 1,000 contracts: the tree's CPU
#: the same within the load's noise, the run's own process 10-25 % less), so it starts there
SPLIT_FROM = FORK_FROM

Finish = Callable[[ProductResult], None]
Got = list[LoadedContract | ContractError]


class Checker(Protocol):
    """What a half needs of :class:`meshguard.pipeline.ProductChecker`."""

    policy: PolicyStage | None
    older: dict[str, list[Path]]
    #: the mesh a product's relationships may point into (its data's referential checks)
    contracts: dict[str, Contract]

    @property
    def with_data(self) -> bool: ...

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


@dataclass
class Checked:
    """The run's products (in order, as they come), the files that could not be read and how
    many contracts were loaded."""

    products: Iterator[ProductResult]
    unreadable: list[ContractError]
    count: int
    #: stops a child still checking when the run ends before ``products`` were all taken (an
    #: error or an interrupt before the first was asked for); nothing once they were
    stop: Callable[[], None] = lambda: None


def pays(products: int, *, jobs: int, with_data: bool, batches: bool) -> bool:
    """Whether to split: a large mesh (``products`` files named), more than one job asked for,
    its policy engine (if any) one that takes batches in its own process, and a platform that
    forks. With data, exactly two jobs (``jobs``: the processes the run may use; more are a
    pool's), and polars not imported yet: each half imports it after the fork (forking a
    process whose polars threads run can deadlock), where a pool's two workers imported it
    each too, and no product nor result is pickled across."""
    if with_data and (jobs != 2 or "polars" in sys.modules):
        return False
    return products >= SPLIT_FROM and jobs != 1 and batches and hasattr(os, "fork")


def _died(code: int) -> RuntimeError:
    return RuntimeError(
        f"the product checker of the mesh's second half stopped before it finished (exit status {code})"
    )


def finished(products: Iterable[ProductResult], finish: Finish) -> Iterator[ProductResult]:
    """Each of ``products`` once ``finish`` (its score) has run on it."""
    for product in products:
        finish(product)
        yield product


def _checked(
    checker: Checker,
    part: Iterable[LoadedContract],
    lint: Callable[[LoadedContract], LintedContract],
    finish: Finish,
) -> Half:
    """The child's work: its half linted, checked with its own engine process and scored."""
    progress.listen(None)  # the parent's status line is the parent's
    policy = checker.policy
    if policy is not None:
        policy.forked_here()
    try:
        products = list(finished(checker.check_all(map(lint, part)), finish))
        return Half(products, checker.usage(), policy.kept() if policy is not None else [])
    finally:
        if policy is not None:
            policy.close()  # the child's engine only


def _absorbed(checker: Checker, got: Half) -> list[ProductResult]:
    checker.absorb(got.usage)
    if checker.policy is not None:
        checker.policy.append_kept(got.decisions)
    return got.products


def check(
    checker: Checker,
    loaded: Sequence[LoadedContract],
    lint: Callable[[LoadedContract], LintedContract],
    finish: Finish,
) -> Iterator[ProductResult]:
    """Each of ``loaded`` linted (``lint``), checked and finished (``finish``: scored), in order:
    the first half here as it comes, the second half from a forked child once it is done."""
    from meshguard import forked  # only for a large mesh: the hook never forks

    half = (len(loaded) + 1) // 2
    pending = forked.start(partial(_checked, checker, loaded[half:], lint, finish), _died)
    try:
        yield from finished(checker.check_all(map(lint, loaded[:half])), finish)
        got = pending.result()
    except BaseException:
        pending.cancel()
        raise
    yield from _absorbed(checker, got)


# -- each half loads its own ---------------------------------------------------------------------


@dataclass
class _Part:
    """One half's files as loaded: the contracts, the unreadable files, the older versions."""

    loaded: list[LoadedContract] = field(default_factory=list)
    unreadable: list[ContractError] = field(default_factory=list)
    older: dict[str, list[Path]] = field(default_factory=dict)

    @classmethod
    def of(cls, files: Sequence[Path], got: Got, older: dict[Path, list[Path]]) -> _Part:
        part = cls()
        for f, one in zip(files, got, strict=True):
            if isinstance(one, ContractError):
                part.unreadable.append(one)
                continue
            part.loaded.append(one)
            if older.get(f):
                part.older[one.contract.path] = older[f]
        return part

    def linting(self, with_data: bool = False) -> tuple[LintContext, bool]:
        """The lint context of these contracts, and whether the rules can do with an outline of
        the other half's: no relationship names another contract's file, and every rule is
        meshguard's own (a rule of a plugin may read every contract); ``with_data``: and no
        relationship at all (its data's checks read the contracts it points into)."""
        contracts = [lc.contract for lc in self.loaded]
        if with_data and any(c.relationships for c in contracts):
            return LintContext(contracts), False
        files = any(
            parsed is not None and parsed[0] is not None
            for c in contracts
            for rel in c.relationships
            for _, parsed in rel.targets()
        )
        own = all(r.check is None or r.check.__module__ == lint_rules.__name__ for r in lint_rules.RULES)
        return LintContext(contracts), own and not files


@dataclass
class _Sent:
    """A half's outline for the other, with what the parent needs of the child's loading."""

    outline: Outline | None  # None: the other half needs these contracts whole
    unreadable: list[ContractError]
    count: int


def _receive(fh: BinaryIO) -> _Sent | None:
    """The other half's message; None when it ended without one."""
    try:
        got = pickle.loads(fh.read())
    except Exception:
        return None
    return got if isinstance(got, _Sent) else None


def _second(
    checker: Checker,
    config: Config,
    repository: ContractRepository,
    files: Sequence[Path],
    older: dict[Path, list[Path]],
    finish: Finish,
    pipes: tuple[int, int, int, int],
) -> Half | Got:
    """The child's work: its files loaded; its outline sent and the parent's received; then its
    half checked (:func:`_checked`), or what it loaded sent back when the rules need it whole."""
    up_read, up_write, down_read, down_write = pipes
    os.close(up_read)
    os.close(down_write)
    with os.fdopen(up_write, "wb") as up:  # closed whatever happens: the parent reads to its end
        got = repository.load_each(files)
        part = _Part.of(files, got, older)
        ctx, outlined = part.linting(checker.with_data)
        up.write(pickle.dumps(_Sent(ctx.outline() if outlined else None, part.unreadable, len(part.loaded))))
    with os.fdopen(down_read, "rb") as down:
        theirs = _receive(down)
    if theirs is None:
        raise RuntimeError("the run's process stopped before the contracts' outlines were exchanged")
    if theirs.outline is None:
        return got  # the parent lints and checks them all, as when it had loaded them
    ctx.add(theirs.outline)
    checker.older.update(part.older)
    return _checked(checker, part.loaded, partial(lint_loaded, ctx=ctx, config=config), finish)


def _apart(
    checker: Checker,
    config: Config,
    paths: Sequence[Path],
    repository: ContractRepository,
    finish: Finish,
) -> Checked | None:
    """Each half loaded and checked by its own process (see the module's text); None when the
    rules need every contract whole: then every file is in ``repository``'s cache, loaded."""
    from meshguard import forked

    split = repository.named(paths)
    files = split.current
    half = (len(files) + 1) // 2
    first = repository.load_each(files[:1])  # the schemas and validators compiled once, before the fork
    up_read, up_write = os.pipe()  # the child's outline
    down_read, down_write = os.pipe()  # this half's outline
    pipes = (up_read, up_write, down_read, down_write)
    second = partial(_second, checker, config, repository, files[half:], split.older, finish, pipes)
    pending: forked.Pending[Half | Got] = forked.start(second, _died)
    os.close(up_write)
    os.close(down_read)
    try:
        with os.fdopen(up_read, "rb") as up, os.fdopen(down_write, "wb") as down:
            part = _Part.of(files[:half], first + repository.load_each(files[1:half]), split.older)
            ctx, outlined = part.linting(checker.with_data)
            theirs = _receive(up)
            if theirs is None:  # the child ended: its error
                pending.result()
                raise _died(0)
            whole = not outlined or theirs.outline is None
            down.write(pickle.dumps(_Sent(None if whole else ctx.outline(), [], len(part.loaded))))
        if whole:
            got = pending.result()
            assert isinstance(got, list)
            repository.keep(files[half:], got)
            return None
    except BaseException:
        pending.cancel()
        raise
    assert theirs.outline is not None
    ctx.add(theirs.outline)
    checker.older.update(part.older)
    lint = partial(lint_loaded, ctx=ctx, config=config)

    def products() -> Iterator[ProductResult]:
        try:
            yield from finished(checker.check_all(map(lint, part.loaded)), finish)
            got = pending.result()
        except BaseException:
            pending.cancel()
            raise
        assert isinstance(got, Half)
        yield from _absorbed(checker, got)

    return Checked(
        products(), part.unreadable + theirs.unreadable, len(part.loaded) + theirs.count, pending.cancel
    )


def check_repo(
    checker: Checker,
    config: Config,
    paths: Sequence[Path],
    repository: ContractRepository,
    finish: Finish,
) -> Checked:
    """The contracts named by ``paths`` loaded, linted, checked and finished (``finish``: scored)
    by two processes, each its half (see the module's text)."""
    if checker.with_data:  # what both halves import for their data and polars does not: once, here
        from meshguard.quality.warm import shared

        shared()
    if names_whole_repo(config, paths):
        apart = _apart(checker, config, paths, repository, finish)
        if apart is not None:
            return apart
    repo, loaded, ctx = load_repo(paths, config, repository=repository)
    checker.older.update(repo.older)
    if checker.with_data:
        checker.contracts = related_mesh(config, [lc.contract for lc in loaded], repository)
    lint = partial(lint_loaded, ctx=ctx, config=config)
    return Checked(check(checker, loaded, lint, finish), repo.unreadable, len(loaded))
