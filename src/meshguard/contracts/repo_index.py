"""A lazily built lint context for linting a few contracts inside a large repo.

Linting one changed contract must not parse the 200 others (`meshguard lint`
has 0.15 s, the pre-commit hook 0.3 s). Cross-contract rules need only: every contract id (MG020),
read by a cheap text scan of the top-level ``id:`` line, and the schemas that a
relationship points at (MG017/MG018), loaded on first use from the files whose
text mentions the schema's name. Anything else (``ctx.contracts``, a
file-qualified reference) loads the whole repo, as the eager context does.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from meshguard.contracts.lint import LintContext
from meshguard.contracts.model import Contract
from meshguard.contracts.repository import ContractRepository

_TOP_ID = re.compile(r"^id:[ \t]*(?P<q>['\"]?)(?P<id>[^'\"#\r\n]*?)(?P=q)[ \t]*(?:#.*)?$", re.M)


class LazyRepoContext(LintContext):
    """The named contracts, plus the rest of the repo (``others``: file names as discovered)
    read only as rules ask, or known from an earlier run while a file is unchanged
    (:mod:`meshguard.contracts.repocache`)."""

    def __init__(
        self, named: Sequence[Contract], others: Sequence[str], repository: ContractRepository
    ) -> None:
        self._others = list(others)
        self._repository = repository
        self._texts: dict[str, str] = {}
        self._loaded: dict[str, Contract | None] = {}
        self._ids_by_file: dict[str, str | None] | None = None
        self._all: list[Contract] | None = None
        super().__init__(list(named))  # the setter below keeps them as _named

    def __post_init__(self) -> None:
        for c in self._named:
            self._index(c)

    # -- reading the other files ------------------------------------------------------------
    def _text(self, f: str) -> str:
        if f not in self._texts:
            try:
                with open(f, encoding="utf-8", errors="replace") as fh:
                    self._texts[f] = fh.read()
            except OSError:
                self._texts[f] = ""
        return self._texts[f]

    def _load(self, f: str) -> Contract | None:
        if f not in self._loaded:
            contract = self._repository.contract(Path(f))
            self._loaded[f] = contract
            if contract is not None:
                self._index(contract)
        return self._loaded[f]

    def _file_ids(self) -> dict[str, str | None]:
        if self._ids_by_file is None:
            self._ids_by_file = {}
            cache = self._repository.cache
            for f in self._others:
                known = cache.facts(f)
                if known is not None and "id" in known:
                    self._ids_by_file[f] = known["id"]
                    continue
                m = _TOP_ID.search(self._text(f))
                if m and m.group("id").strip():
                    self._ids_by_file[f] = m.group("id").strip()
                    if known is not None:
                        known["id"] = self._ids_by_file[f]
                        cache.learnt()
                else:  # flow style, anchors…: parse it (every run: parsing indexes its schemas)
                    loaded = self._load(f)
                    self._ids_by_file[f] = loaded.id if loaded else None
        return self._ids_by_file

    def _mentions(self, f: str, name: str) -> bool:
        """Whether the text of ``f`` contains ``name`` (as an earlier run found, while unchanged)."""
        known = self._repository.cache.facts(f)
        if known is None:
            return name in self._text(f)
        mentioned: dict[str, bool] = known.setdefault("mentions", {})
        if name not in mentioned:
            mentioned[name] = name in self._text(f)
            self._repository.cache.learnt()
        return mentioned[name]

    # -- the LintContext interface -----------------------------------------------------------
    @property
    def contracts(self) -> Sequence[Contract]:
        if self._all is None:
            others = [self._load(f) for f in self._others]
            self._all = [*self._named, *(c for c in others if c is not None)]
        return self._all

    @contracts.setter
    def contracts(self, value: Sequence[Contract]) -> None:
        self._named = list(value)

    def id_count(self, cid: str) -> int:
        named = Counter(c.id for c in self._named)
        return named[cid] + sum(1 for i in self._file_ids().values() if i == cid)

    def contract_by_id(self, cid: str) -> Contract | None:
        for f, i in self._file_ids().items():
            if i == cid:
                self._load(f)
        return super().contract_by_id(cid)

    def repo_schema(self, name: str) -> set[str] | None:
        for f in self._others:
            if f not in self._loaded and self._mentions(f, name):
                self._load(f)
        return super().repo_schema(name)
