"""The contracts of one governance repo, read once per run.

A :class:`ContractRepository` discovers the contract files, loads each file at
most once (whoever asks first: the linter, the lazy cross-contract index, the
quality stage's relationship targets, a command looking a product up by id),
indexes the contracts by id and knows each one's older side-by-side versions.
Everything of a run that needs a contract asks the same repository.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from meshguard import realpaths
from meshguard.config import Config
from meshguard.contracts.load import LoadedContract, discover, load_contract
from meshguard.contracts.model import Contract
from meshguard.contracts.repocache import Listing, RepoCache
from meshguard.contracts.versions import VersionSplit, split_versions
from meshguard.errors import ContractError, UsageError

#: a repo with fewer current contracts than this is loaded by this process alone
FORK_FROM = 200


def _loader_died(code: int) -> RuntimeError:
    return RuntimeError(f"the contract loader stopped before it finished (exit status {code})")


def _version_key(c: Contract) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", c.version)[:3]) or (0,)


class ContractRepository:
    def __init__(self, config: Config) -> None:
        realpaths.forget()  # a run's folders are resolved as they are now
        self.config = config
        self._validated: dict[Path, LoadedContract | ContractError] = {}
        self._parsed: dict[Path, Contract | None] = {}
        self._files: list[Path] | None = None
        self._split: VersionSplit | None = None
        self._named: dict[tuple[Path, ...], VersionSplit] = {}
        self._cache: RepoCache | None = None
        self._listing: Listing | None = None

    # -- files --------------------------------------------------------------------------------
    @property
    def cache(self) -> RepoCache:
        """What earlier runs learnt about this repo's files (its listing, the lint context's facts)."""
        if self._cache is None:
            self._cache = RepoCache(self.config.contracts_path, self.config.contract_globs)
        return self._cache

    def remember(self) -> None:
        """Keep what this run learnt about the repo's files for the next run."""
        if self._cache is not None:
            self._cache.save()

    def files(self) -> list[Path]:
        """Every contract file of the repo's contracts folder (every version), discovered once
        (or as an earlier run discovered them, when no folder changed since)."""
        if self._files is None:
            self._files = [Path(f) for f in self.listing()[0]]
        return self._files

    def listing(self) -> Listing:
        """The repo's files by name: every file, the current contracts, current → older versions
        (without a :class:`~pathlib.Path` per file: what the lint context of a few files asks)."""
        if self._listing is None:
            self._listing = self.cache.listing()
        if self._listing is None:
            folder = self.config.contracts_path
            folders = self.cache.folders()  # their times read before their files are listed
            try:
                self._files = discover([folder], self.config.contract_globs) if folder.is_dir() else []
            except UsageError:
                self._files = []
            split = self.split()
            self._listing = (
                [str(f) for f in self._files],
                [str(f) for f in split.current],
                {str(f): [str(o) for o in older] for f, older in split.older.items()},
            )
            if self._files:
                self.cache.keep_listing(folders, self._listing)
        return self._listing

    def split(self) -> VersionSplit:
        """The repo's files as current contracts and their older side-by-side versions."""
        if self._split is None:
            self._split = split_versions(self.files())
        return self._split

    def named(self, paths: Sequence[Path]) -> VersionSplit:
        """The files ``paths`` name, as current contracts and older versions (discovered once)."""
        key = tuple(paths)
        if key not in self._named:
            self._named[key] = split_versions(discover(paths, self.config.contract_globs))
        return self._named[key]

    def count(self, paths: Sequence[Path]) -> int:
        """How many current contracts ``paths`` name (before any is read)."""
        return len(self.named(paths).current)

    # -- loading --------------------------------------------------------------------------------
    def load(self, path: Path) -> LoadedContract:
        """The contract of ``path``, schema-validated (raises :class:`ContractError`), loaded once."""
        key = path  # as discovered or named: resolving every path of a large repo costs more than it saves
        got = self._validated.get(key)
        if got is None:
            c = self.config
            try:
                got = load_contract(path, c.root, c.sensitivity, c.limits)
            except ContractError as exc:
                got = exc
            self._validated[key] = got
            if isinstance(got, LoadedContract):
                self._parsed.setdefault(key, got.contract)
        if isinstance(got, ContractError):
            raise got
        return got

    def contract(self, path: Path) -> Contract | None:
        """The contract of ``path`` without schema validation (cheaper), None when unreadable."""
        key = path
        if key not in self._parsed:
            loaded = self._validated.get(key)
            if isinstance(loaded, LoadedContract):
                self._parsed[key] = loaded.contract
            else:
                c = self.config
                try:
                    self._parsed[key] = load_contract(
                        path, c.root, c.sensitivity, c.limits, validate=False
                    ).contract
                except ContractError:
                    self._parsed[key] = None
        return self._parsed[key]

    def load_current(
        self, paths: Sequence[Path]
    ) -> tuple[list[LoadedContract], list[ContractError], dict[str, list[Path]]]:
        """The current contracts named by ``paths`` (older side-by-side versions left out),
        the files that could not be read, and contract path → its older versions."""
        split = self.named(paths)
        self._load_in_halves(split.current)
        loaded: list[LoadedContract] = []
        errors: list[ContractError] = []
        older: dict[str, list[Path]] = {}
        for f in split.current:
            try:
                lc = self.load(f)
            except ContractError as exc:
                errors.append(exc)
                continue
            loaded.append(lc)
            if split.older.get(f):
                older[lc.contract.path] = split.older[f]
        return loaded, errors, older

    def _load_in_halves(self, files: Sequence[Path]) -> None:
        """A large repo's files loaded by two processes: the second half by a forked child (which
        sends back what it loaded), the first half here meanwhile; each file is then in the
        cache, as when loaded here (same contracts, same findings, same errors)."""
        todo = [f for f in files if f not in self._validated]
        if len(todo) < FORK_FROM:
            return
        from meshguard import forked  # only for a large repo: the hook and lint never fork

        half = (len(todo) + 1) // 2
        self.load_each(todo[:1])  # the schemas and validators compiled once, before the fork
        pending = forked.start(partial(self.load_each, todo[half:]), _loader_died)
        try:
            self.load_each(todo[1:half])
        except BaseException:
            pending.cancel()
            raise
        self.keep(todo[half:], pending.result())

    def keep(self, files: Sequence[Path], got: Sequence[LoadedContract | ContractError]) -> None:
        """What another process loaded of ``files`` (:meth:`load_each`), as if loaded here."""
        for f, one in zip(files, got, strict=True):
            self._validated[f] = one
            if isinstance(one, LoadedContract):
                self._parsed.setdefault(f, one.contract)

    def load_each(self, files: Sequence[Path]) -> list[LoadedContract | ContractError]:
        """Each of ``files`` loaded (:meth:`load`), or the error that it cannot be."""
        out: list[LoadedContract | ContractError] = []
        for f in files:
            try:
                out.append(self.load(f))
            except ContractError as exc:
                out.append(exc)
        return out

    # -- indexes --------------------------------------------------------------------------------
    def by_id(self, named: Sequence[Contract] = ()) -> dict[str, Contract]:
        """Contract id → contract, the newest version when several are in the repo; the
        ``named`` contracts (maybe outside the repo's folder) are included."""
        everything = list(named)
        seen = {c.path for c in named}
        for f in self.files():
            c = self.contract(f)
            if c is not None and c.path not in seen:
                seen.add(c.path)
                everything.append(c)
        out: dict[str, Contract] = {}
        for c in everything:
            if c.id not in out or _version_key(c) > _version_key(out[c.id]):
                out[c.id] = c
        return out

    def files_by_id(self) -> dict[str, list[Path]]:
        """Contract id → every file declaring it, all versions (unreadable files left out)."""
        out: dict[str, list[Path]] = {}
        for f in self.files():
            try:  # validated: the run checks the files found here next, from this cache
                c = self.load(f).contract
            except ContractError:
                continue
            out.setdefault(c.id, []).append(f)
        return out
